"""Helpers for the hand-counted semesters: a records repository written file by file, and
the real commands run over it (``daoshi validate``, ``import surveys``, ``appraise``,
``obligations``). The expected numbers live in the tests, with their arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from daoshi.cli.main import main
from daoshi.messages import set_language

S = "2025-2026-1"
BODY = "和学生谈了这段时间的学习安排，约定每周复盘一次。"  # 23 characters: a real record
REQUIRED = {
    "talk": {"areas": ["study"]},
    "parent-contact": {"relation": "mother", "channel": "phone"},
    "home-visit": {"mode": "in_person", "theme": "学习习惯", "attendees": ["导师", "母亲"]},
    "growth-message": {},
    "group-activity": {},
}


def school_yaml(policy: str, exam_ranking: bool = False) -> str:
    return (
        "id: hand-count\nname: 手算中学\nstage: junior\ntimezone: Asia/Shanghai\n"
        f"policies: [{policy}]\nexam_ranking: {'true' if exam_ranking else 'false'}\n"
    )


def teachers_yaml(*ids: str) -> str:
    rows = [
        f"  - id: {t}\n    name: 教师{t[-1]}\n    email: {t.lower()}@example.edu.cn\n" for t in ids
    ]
    return "teachers:\n" + "".join(rows)


def cohort_yaml(students: dict[str, str]) -> str:
    """Cohort 2025, class C2025-01; ``students`` maps an ID to extra YAML lines (``left``)."""
    rows = [
        f"  - id: {sid}\n    name: 学生{sid[-2:]}\n    class: C2025-01\n{extra}"
        for sid, extra in students.items()
    ]
    return "cohort: 2025\nclasses:\n  - id: C2025-01\n    number: 1\nstudents:\n" + "".join(rows)


def semester_yaml(rounds: str = "") -> str:
    return (
        f"id: {S}\nstart: 2025-09-01\nend: 2026-01-20\n"
        "classes:\n  - class: C2025-01\n    class_teacher: T001\n" + rounds
    )


def record(
    kind: str, mentor: str, students: str, day: str, body: str = BODY, n: int = 0, **fields: object
) -> tuple[str, str]:
    """A record file (path, text): ``students`` is one ID, or several joined by commas for a
    group activity; the kind's required fields are filled unless given."""
    group = kind == "group-activity"
    ids = students.split(",")
    folder = "group" if group else ids[0]
    suffix = f"-{n}" if n else ""
    path = f"semesters/{S}/journal/{mentor}/{folder}/{day}-{kind}{suffix}.md"
    head: dict[str, object] = {"kind": kind, "mentor": mentor}
    head["participants" if group else "student"] = ids if group else ids[0]
    head["date"] = day
    head |= REQUIRED.get(kind, {}) | fields
    lines = [f"{k}: {_yaml(v)}" for k, v in head.items()]
    return path, "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def _yaml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, str) and not value.startswith(("S2", "T0", "20")):
        return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML strings
    return str(value)


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")


def run(*argv: str) -> tuple[int, str]:
    """A daoshi command as a user runs it: exit code and everything printed."""
    try:
        result = CliRunner().invoke(main, list(argv), catch_exceptions=False)
    finally:
        set_language("zh")
    return result.exit_code, result.output


def row_of(output: str, first: str) -> list[str]:
    """The printed table row that starts with ``first`` (a teacher or student ID)."""
    found = [line.split() for line in output.splitlines() if line.split()[:1] == [first]]
    assert len(found) == 1, output
    return found[0]


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    book = load_workbook(path)
    return [[c.value for c in row] for row in book[sheet].iter_rows()]
