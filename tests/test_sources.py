"""Property tests of the located YAML reader (daoshi.records.sources): it never raises, every
problem has a place in the file, and plain mappings written by PyYAML read back the same.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from daoshi.records.decoding import CONTROL
from daoshi.records.sources import Node, SourceFile, parse_bytes, parse_text

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that make YAML interesting: indicators, quotes, breaks, tabs, CR, NUL, BOM,
# a CJK character and an astral one, besides letters and digits.
YAML_CHARS = st.sampled_from(
    [
        *"abno yes019_.:-+ \n\n\n\t\r#&*!|>'\"%@`[]{},?~=<\\/",
        *["---", "...", "\ufeff", "\x00", "\x85", "\u2028", "甲", "😀", "0123", "no", "&a", "*a"],
        "!!python/object:os.system ",
    ]
)
YAML_TEXT = st.lists(YAML_CHARS, max_size=60).map("".join)


def _check_locations(parsed: SourceFile) -> None:
    assert isinstance(parsed, SourceFile)
    for p in parsed.problems:
        assert p.location.line >= 1, p
        assert p.location.col >= 1, p
        assert re.fullmatch(r"[FRXM][0-9]{3}", p.code), p


def _plain(node: Node | None) -> Any:
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: _plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v) for v in node.value]
    return node.value


# --- never raises, always located ---------------------------------------------------


@PROPERTY
@given(raw=st.binary(max_size=400), markdown=st.booleans())
def test_arbitrary_bytes_never_raise(raw: bytes, markdown: bool) -> None:
    _check_locations(parse_bytes(raw, "x.md" if markdown else "x.yaml", markdown=markdown))


@PROPERTY
@given(text=st.text(max_size=300), markdown=st.booleans())
def test_arbitrary_text_never_raises(text: str, markdown: bool) -> None:
    _check_locations(parse_text(text, "x", markdown=markdown))
    _check_locations(parse_bytes(text.encode("utf-8"), "x", markdown=markdown))


@PROPERTY
@given(text=YAML_TEXT, markdown=st.booleans())
def test_yamlish_text_never_raises(text: str, markdown: bool) -> None:
    _check_locations(parse_bytes(text.encode("utf-8"), "x", markdown=markdown))
    _check_locations(
        parse_bytes(("---\n" + text + "\n---\nbody\n").encode("utf-8"), "x", markdown=True)
    )


@PROPERTY
@given(
    text=st.lists(st.sampled_from([*"ab: -[]{},&*!'\"#\n\t", "no", "0123", "甲"]), max_size=60).map(
        "".join
    )
)
def test_problem_lines_are_inside_the_file(text: str) -> None:
    """With only LF line breaks, every problem points at a line and column that exist
    (or just past the end of a file without a final newline)."""
    raw = text.encode("utf-8")
    lines = text.split("\n")
    for markdown, data in ((False, raw), (True, b"---\n" + raw + b"\n---\nbody\n")):
        file_lines = data.decode("utf-8").split("\n")
        parsed = parse_bytes(data, "x", markdown=markdown)
        _check_locations(parsed)
        for p in parsed.problems:
            line, col = p.location.line, p.location.col
            if line == len(file_lines) + 1:  # libyaml's end of stream after a last line
                assert col == 1 and not data.endswith(b"\n"), (p, lines)  # with no newline
                continue
            assert line <= len(file_lines), (p, lines)
            assert col <= len(file_lines[line - 1]) + 1, (p, lines)


# --- round trip ---------------------------------------------------------------------

# PyYAML's emitter writes NEL (U+0085) raw inside quotes with allow_unicode=True, and reads
# it back as a line break (yaml.safe_load itself does not round-trip it): leave it out. So
# are the characters daoshi refuses, raw (F018) or escaped (F021): tests/test_hostile_files.py.
CHARS = st.characters(exclude_categories=["Cs"], exclude_characters="\x85").filter(
    lambda c: not CONTROL.match(c)
)
SCALARS = st.one_of(st.text(CHARS, max_size=30), st.integers(), st.booleans())
MAPPINGS = st.dictionaries(st.text(CHARS, max_size=15), SCALARS, min_size=1, max_size=8)

# YAML 1.2 core-schema numbers (int, octal, hex, float, inf, nan). YAML 1.1, PyYAML's
# dialect, reads some of them as text and so writes them unquoted (1e3, 0o17): see
# test_yaml12_only_numbers_written_by_pyyaml below.
_YAML12_NUMBER = re.compile(
    r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def _pyyaml_quotes(value: str) -> bool:
    dumped = yaml.safe_dump({"k": value}, allow_unicode=True)
    return dumped.startswith(("k: '", 'k: "'))


def _yaml12_only_number(value: object) -> bool:
    """Text that PyYAML writes unquoted but YAML 1.2 reads as a number."""
    return (
        isinstance(value, str)
        and bool(_YAML12_NUMBER.fullmatch(value))
        and not _pyyaml_quotes(value)
    )


def _assert_round_trip(data: dict[str, Any], dumped: str) -> None:
    parsed = parse_bytes(dumped.encode("utf-8"), "x.yaml", markdown=False)
    _check_locations(parsed)
    assert parsed.data is not None, (dumped, parsed.problems)
    flagged = {(p.location.line, p.location.col) for p in parsed.problems if p.code == "F014"}
    other = [p for p in parsed.problems if p.code != "F014"]
    assert not other, (dumped, other)
    nodes: dict[str, Node] = parsed.data.value
    assert set(nodes) == set(data)
    for key, value in data.items():
        node = nodes[key]
        if (node.line, node.col) in flagged:
            # A YAML 1.1 trap (no, 0123, 1_000 ...): flagged, and kept as the text written.
            assert node.bad and isinstance(node.value, str), (key, value, dumped)
            continue
        got = _plain(node)
        assert got == value and type(got) is type(value), (key, value, got, dumped)


@PROPERTY
@given(data=MAPPINGS, unicode=st.booleans())
def test_simple_mappings_round_trip(data: dict[str, Any], unicode: bool) -> None:
    assume(not any(_yaml12_only_number(v) for v in data.values()))
    _assert_round_trip(data, yaml.safe_dump(data, allow_unicode=unicode))


@pytest.mark.parametrize(
    "value",
    [
        "no",
        "yes",
        "on",
        "off",
        "0123",
        "007",
        "1_000",
        "1:20",
        "true",
        "null",
        "~",
        "",
        " x",
        "12",
        "-3",
        "0x1F",
        "3.5",
        "2025-10-12",
        "T001",
        "S250001",
        "甲乙",
        "a: b",
        "- x",
        "#",
    ],
)
def test_tricky_strings_stay_strings(value: str) -> None:
    """PyYAML quotes every string that YAML 1.1 would read otherwise; quoted stays text."""
    _assert_round_trip({"k": value}, yaml.safe_dump({"k": value}, allow_unicode=True))


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("no", "no"),
        ("yes", "yes"),
        ("On", "On"),
        ("0123", "0123"),
        ("1_000", "1_000"),
        ("1:20", "1:20"),
    ],
)
def test_yaml11_traps_are_flagged_and_kept_as_text(written: str, value: str) -> None:
    parsed = parse_text(f"k: {written}\n", "x.yaml", markdown=False)
    assert [(p.location.line, p.location.col, p.code) for p in parsed.problems] == [(1, 4, "F014")]
    assert parsed.data is not None
    node = parsed.data.value["k"]
    assert node.bad and node.value == value


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("true", True),
        ("false", False),
        ("12", 12),
        ("-3", -3),
        ("0", 0),
        ("3.5", 3.5),
        ("0x1F", 31),
        ("~", None),
        ("null", None),
        ("'no'", "no"),
        ('"0123"', "0123"),
        ("2025-10-12", "2025-10-12"),
    ],
)
def test_yaml12_values(written: str, value: object) -> None:
    parsed = parse_text(f"k: {written}\n", "x.yaml", markdown=False)
    assert parsed.problems == []
    assert parsed.data is not None
    got = parsed.data.value["k"].value
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("value", ["1e3", "2E5", "0o17"])
def test_yaml12_only_numbers_written_by_pyyaml(value: str) -> None:
    """A file written by PyYAML must not change meaning silently: same value, or F014."""
    assert _yaml12_only_number(value)
    _assert_round_trip({"k": value}, yaml.safe_dump({"k": value}))


@pytest.mark.parametrize("brk", ["\u2028", "\x85"])
def test_unicode_line_separators_do_not_shift_lines(brk: str) -> None:
    parsed = parse_text(f"k: v\n{brk}b: no\n", "x.yaml", markdown=False)
    # the separator is reported where it is, then removed: the rest of its line shifts by one
    found = [(p.location.line, p.location.col, p.code) for p in parsed.problems]
    assert found == [(2, 1, "F018"), (2, 4, "F014")]


def test_control_character_is_located() -> None:
    parsed = parse_text("a: 1\nb: x\x00\n", "x.yaml", markdown=False)
    found = [(p.location.line, p.location.col, p.code) for p in parsed.problems]
    assert found == [(2, 5, "F018")]
