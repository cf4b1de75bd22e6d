"""docs/errors.md documents every problem code, and only codes that exist."""

from __future__ import annotations

import re
from pathlib import Path

from daoshi.messages import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
# F file, R form, X cross-file, M form definition, I import (rosters, preferences, surveys),
# A appraisal settings, H history and audit, W write rules (pre-receive hook), S server,
# P the words on a built page
GROUPS = "FRXMIAHWSP"
CODE = re.compile(rf"\b[{GROUPS}][0-9]{{3}}\b")
ERRORS_MD = (ROOT / "docs" / "errors.md").read_text("utf-8")


def codes_in_code_base() -> dict[str, set[str]]:
    """Every code written as a string literal in the package, with the files using it."""
    found: dict[str, set[str]] = {}
    for file in sorted((ROOT / "generator" / "daoshi").rglob("*.py")):
        for code in re.findall(rf"""["']([{GROUPS}][0-9]{{3}})["']""", file.read_text("utf-8")):
            found.setdefault(code, set()).add(file.name)
    return found


def documented_codes() -> set[str]:
    return set(CODE.findall(ERRORS_MD))


def test_the_code_base_uses_codes() -> None:
    assert len(codes_in_code_base()) >= len(MESSAGES) // 2  # the grep itself works


def test_every_code_used_has_a_message() -> None:
    unknown = {c: files for c, files in codes_in_code_base().items() if c not in MESSAGES}
    assert not unknown


def test_every_code_used_is_documented() -> None:
    missing = {c: files for c, files in codes_in_code_base().items() if c not in documented_codes()}
    assert not missing


def test_every_message_is_documented() -> None:
    assert set(MESSAGES) - documented_codes() == set()


def test_every_documented_code_exists() -> None:
    assert documented_codes() - set(MESSAGES) == set()


def test_every_code_has_a_table_row() -> None:
    """One row per code, in the table of its group, in order."""
    rows = re.findall(rf"^\| ([{GROUPS}][0-9]{{3}}) \|", ERRORS_MD, flags=re.MULTILINE)
    assert sorted(rows) == sorted(MESSAGES)
    groups = re.findall(rf"^## ([{GROUPS}])：", ERRORS_MD, flags=re.MULTILINE)
    assert groups[:4] == ["F", "R", "X", "M"]
    assert groups == sorted(groups, key=GROUPS.index)
    sections = re.split(rf"^## [{GROUPS}]：.*$", ERRORS_MD, flags=re.MULTILINE)[1:]
    for group, body in zip(groups, sections, strict=True):
        in_section = re.findall(rf"^\| ([{GROUPS}][0-9]{{3}}) \|", body, flags=re.MULTILINE)
        assert in_section == sorted(in_section)
        assert {c[0] for c in in_section} == {group}


def test_the_documented_output_format_is_the_printed_one() -> None:
    assert "`路径:行:列: 代码 说明`" in ERRORS_MD
    assert "`path:line:col: CODE message`" in ERRORS_MD
    for option in ("--lang en", "--no-cache", "--today"):
        assert option in ERRORS_MD


RULES_MD = (ROOT / "docs" / "rules.md").read_text("utf-8")
STATUSES = ("已支持", "部分", "尚未支持（issue 20）", "不在范围")


def _rule_rows() -> list[list[str]]:
    rows = re.findall(r"^\| ([^|#-][^|]*-\d+) \|(.*)\|$", RULES_MD, flags=re.MULTILINE)
    return [[name, *(cell.strip() for cell in rest.split("|"))] for name, rest in rows]


def _form_keys(node: object) -> set[str]:
    """Every field name anywhere in a form's fields (nested objects and list items too), and
    the ids of a policy's obligations and a rubric's items."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "fields" and isinstance(value, dict):
                found |= set(value)
            found |= _form_keys(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.add(item["id"])
            found |= _form_keys(item)
    return found


def test_every_rule_row_has_a_quote_an_implementation_and_a_status() -> None:
    rows = _rule_rows()
    assert len(rows) > 80
    names = [r[0] for r in rows]
    assert len(names) == len(set(names))
    for name, quote, _how, status in rows:
        assert quote, name
        assert status.startswith(STATUSES), (name, status)
        if status.startswith(("部分", "不在范围")):
            assert "：" in status or "：" in _how, (name, "say what is missing or why")


def test_the_rules_table_cites_forms_fields_and_codes_that_exist() -> None:
    import yaml

    cited = re.findall(r"`(forms/[a-z-]+(?:/[a-z-]+)?\.yaml)`(?: 的 `([a-z_]+)`)?", RULES_MD)
    assert len(cited) > 40
    for path, field in cited:
        assert (ROOT / path).is_file(), path
        if field:
            data = yaml.safe_load((ROOT / path).read_text("utf-8"))
            assert field in _form_keys(data) | set(data), (path, field)
    for code in CODE.findall(RULES_MD):
        assert code in MESSAGES, code
    # every kind of record implements some rule of the documents
    for kind in sorted((ROOT / "forms" / "kinds").glob("*.yaml")):
        assert f"forms/kinds/{kind.name}" in RULES_MD, kind.name


def test_the_rules_table_is_linked_from_the_readme() -> None:
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text("utf-8")
