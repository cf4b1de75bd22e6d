"""``daoshi import roster``: the office's Excel roster into ``people/`` as one git commit.

Students (学号, 姓名, 性别, 年级, 班级, 入学年份 …) go to ``people/cohorts/<year>.yaml``,
teachers (工号, 姓名, 任教学科, 任教班级, 职务, 身份, 邮箱) to ``people/teachers.yaml``.
Files are edited round-trip (ruamel.yaml): comments, order and unchanged lines stay as
they were. Students are matched by ID only, never by name; a student of an imported
cohort who is missing from the roster is marked ``left``, never deleted. Every problem
in the file is reported and then nothing is written; otherwise one commit by the person
running the command (git's ``user.name``/``user.email``) holds the whole change.

This module holds what both halves share: the settings, the plan, reading the sheet's
cells; ``students`` and ``teachers`` plan each half, ``yamldoc`` and ``commit`` write it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.check import ID_PATTERN, MAX_ID_LENGTH, reserved_id
from daoshi.records.model import GRADE_NAMES
from daoshi.year.tables import Row, read_table, restore_width
from daoshi.year.yamldoc import (
    load_yaml,
)

STUDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("学号", "学籍号", "学生学号", "学生编号", "学生号", "编号"),
    "name": ("姓名", "学生姓名", "名字"),
    "gender": ("性别",),
    "grade": ("年级", "所在年级"),
    "class": ("班级", "班别", "所在班级", "行政班", "班"),
    "cohort": ("入学年份", "入学年度", "入学年", "届别", "级别", "年级届别"),
    "left_date": ("离校日期", "转出日期"),
    "left_reason": ("离校原因", "转出原因", "异动类型"),
    "interests": ("兴趣特长", "特长", "兴趣爱好"),
}


TEACHER_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("工号", "教师工号", "教师编号", "职工号", "编号"),
    "name": ("姓名", "教师姓名", "名字"),
    "gender": ("性别",),
    "subjects": ("任教学科", "学科", "科目", "任教科目"),
    "classes": ("任教班级", "所教班级"),
    "roles": ("职务", "岗位", "角色"),
    "tags": ("身份", "政治面貌"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
}


COLUMN_LABELS = {
    "id": "学号/工号",
    "name": "姓名",
    "class": "班级",
    "email": "邮箱",
}


GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female"}


LEFT_REASONS = {
    "毕业": "graduated",
    "graduated": "graduated",
    "转学": "transferred",
    "转出": "transferred",
    "transferred": "transferred",
    "流失": "dropped_out",
    "辍学": "dropped_out",
    "dropped_out": "dropped_out",
    "其他": "other",
    "other": "other",
}


REASON_NAMES = {"graduated": "毕业", "transferred": "转学", "dropped_out": "流失", "other": "其他"}


TAG_WORDS = {
    "党员": "party_member",
    "中共党员": "party_member",
    "预备党员": "party_member",
    "中共预备党员": "party_member",
    "干部": "cadre",
    "中层干部": "cadre",
    "班子成员": "cadre",
    "入党积极分子": "party_activist",
}


IGNORED_WORDS = frozenset(
    {
        "群众",
        "团员",
        "共青团员",
        "民主党派",
        "无党派人士",
        "班主任",
        "导师",
        "教师",
        "科任教师",
        "无",
    }
)


CHINESE_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


_SPLIT = re.compile(r"[、,，;；/|\s]+")


_CLASS_ID = re.compile(r"C(\d{4})-(\d{1,2})")


_CLASS_TEXT = re.compile(
    r"(?:(?P<year>\d{4})\s*[级届]?|(?P<grade>[初高][一二三]|[七八九]年级|高[一二三]年级))?"
    r"\s*\(?(?P<number>\d{1,2})\)?\s*班?"
)


_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass(frozen=True)
class Settings:
    """The ``import:`` settings of school.yaml, overridden by command-line options."""

    id_width: int | None = None
    teacher_id_width: int | None = None
    id_prefix: str = ""
    teacher_id_prefix: str = ""
    sheet: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def of(root: Path) -> Settings:
        """Read the settings from ``root/school.yaml`` (absent: defaults)."""
        try:
            data = load_yaml(root / "school.yaml") or {}
        except (OSError, ValueError):
            return Settings()
        spec = data.get("import") or {}
        mapping = {
            str(c.get("header")): str(c.get("field"))
            for c in spec.get("columns") or ()
            if c.get("header") and c.get("field")
        }
        return Settings(
            id_width=spec.get("id_width"),
            teacher_id_width=spec.get("teacher_id_width"),
            id_prefix=str(spec.get("id_prefix") or ""),
            teacher_id_prefix=str(spec.get("teacher_id_prefix") or ""),
            sheet=spec.get("sheet"),
            mapping=mapping,
        )


@dataclass
class Plan:
    """What an import would change: lines for people, and the new file texts."""

    kind: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def describe(self) -> str:
        """The change in Chinese, as ``--dry-run`` prints it."""
        who = "学生" if self.kind == "students" else "教师"
        out: list[str] = []
        for title, lines in (("新增", self.added), ("变更", self.changed), ("离校", self.left)):
            if self.kind == "teachers" and title == "离校":
                title = "离职"
            out.append(f"{title} {len(lines)} 名{who}" + ("：" if lines else "。"))
            out.extend(f"  {line}" for line in lines)
        return "\n".join(out)

    def summary(self) -> str:
        """One line for the commit message."""
        gone = "离职" if self.kind == "teachers" else "离校"
        return f"新增 {len(self.added)}，变更 {len(self.changed)}，{gone} {len(self.left)}"


def clean_name(text: str) -> str:
    """A Chinese name without the spaces offices put in two-character names (张　三)."""
    return _CJK_SPACE.sub("", text)


def school_year_of(day: dt.date) -> int:
    """The calendar year a school year starts in (August on)."""
    return day.year if day.month >= 8 else day.year - 1


def grade_index(text: str) -> int | None:
    """0 for 初一/七年级/高一, 1 for 初二 …; None when the text is not a grade."""
    text = text.replace(" ", "")
    for names in GRADE_NAMES.values():
        if text in names:
            return names.index(text)
    match = re.fullmatch(r"([七八九])年级", text)
    if match:
        return "七八九".index(match[1])
    match = re.fullmatch(r"高([一二三])年级", text)
    if match:
        return CHINESE_NUMBERS[match[1]] - 1
    return None


def parse_class(text: str, school_year: int) -> tuple[int | None, int] | None:
    """(cohort or None, class number) from 3, 3班, (3)班, 初一(3)班, 2025级3班 or C2025-03."""
    text = text.replace(" ", "")
    match = _CLASS_ID.fullmatch(text)
    if match:
        return int(match[1]), int(match[2])
    match = _CLASS_TEXT.fullmatch(text)
    if match is None or not 1 <= int(match["number"]) <= 40:
        return None
    cohort: int | None = None
    if match["year"]:
        cohort = int(match["year"])
    elif match["grade"]:
        index = grade_index(match["grade"])
        cohort = school_year - index if index is not None else None
    return cohort, int(match["number"])


def parse_cohort(text: str) -> int | None:
    """The entry year from 2025, 2025级, 2025年; 2028届 (graduation year) is 2025."""
    match = re.fullmatch(r"(\d{4})\s*(级|年|届)?", text.replace(" ", ""))
    if match is None:
        return None
    year = int(match[1])
    return year - 3 if match[2] == "届" else year


def _split(text: str) -> list[str]:
    return [part for part in _SPLIT.split(text) if part]


class _Reader:
    """Per-row checks shared by both kinds; collects problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        self.folded: dict[str, str] | None = None  # casefolded ID -> ID, for case_clash

    def add(self, location: Location, code: str, **args: Any) -> None:
        self.problems.append(problem(location, code, **args))

    def ident(self, row: Row, width: int | None, prefix: str) -> str | None:
        text = row.get("id")
        if not text:
            if "id" in row.reported:
                return None
            self.add(row.at("id"), "I410", column=COLUMN_LABELS["id"])
            return None
        text = restore_width(text.replace(" ", ""), width)
        if prefix and text.isdigit():
            text = prefix + text
        if not ID_PATTERN.match(text):
            self.add(row.at("id"), "I412", id=text)
            return None
        if len(text) > MAX_ID_LENGTH:
            self.add(row.at("id"), "I420", value=text, limit=MAX_ID_LENGTH)
            return None
        why = reserved_id(text)
        if why:
            self.add(row.at("id"), "I424", id=text, why=why)
            return None
        return text

    def case_clash(self, row: Row, ident: str, known: Iterable[str]) -> bool:
        """I425 when ``ident`` differs only in case from an ID of the school or an earlier
        row (one folder of the site on Windows and macOS; validation refuses it, X221)."""
        if self.folded is None:
            self.folded = {k.casefold(): k for k in known}
        other = self.folded.setdefault(ident.casefold(), ident)
        if other == ident:
            return False
        self.add(row.at("id"), "I425", id=ident, other=other)
        return True

    def name(self, row: Row) -> str | None:
        text = clean_name(row.get("name"))
        if not text:
            if "name" in row.reported:
                return None
            self.add(row.at("name"), "I410", column=COLUMN_LABELS["name"])
            return None
        if len(text) > 20:
            self.add(row.at("name"), "I420", value=text, limit=20)
            return None
        return text

    def gender(self, row: Row) -> str | None:
        text = row.get("gender")
        if not text:
            return None
        value = GENDERS.get(text.lower().removesuffix("性"))
        if value is None:
            self.add(row.at("gender"), "I413", value=text)
        return value


def _read(
    path: Path, kind: str, settings: Settings
) -> tuple[list[Row], list[Problem], dict[str, int]]:
    columns = STUDENT_COLUMNS if kind == "students" else TEACHER_COLUMNS
    required = {"id", "name", "class"} if kind == "students" else {"id", "name"}
    mapping = {h: f for h, f in settings.mapping.items() if f in columns}
    table = read_table(path, columns, required, mapping=mapping, sheet=settings.sheet)
    return table.rows, table.problems, table.columns


_TEACHER_LABELS = {
    "gender": "性别",
    "subjects": "任教学科",
    "classes": "任教班级",
    "roles": "职务",
    "tags": "身份",
    "email": "邮箱",
}


def people_problems(problems: Sequence[Problem]) -> list[Problem]:
    """The validation problems that stop a roster import: broken files it rewrites.

    Students without a mentor (X211) do not: a new roster always makes some.
    """
    return [
        p
        for p in problems
        if p.location.path.startswith(("people/", "school.yaml"))
        and (p.code[0] in "FRM" or p.code in ("X206", "X212", "X215"))
    ]


def commit_message(plan: Plan, path: Path) -> str:
    """The commit message of an import."""
    what = "学生名单" if plan.kind == "students" else "教师名单"
    body = plan.describe()
    return f"导入{what} {path.name}（{plan.summary()}）\n\n{body}\n"


def as_json(plan: Plan) -> str:
    """The plan as JSON (for tests and tools)."""
    return json.dumps(
        {
            "added": plan.added,
            "changed": plan.changed,
            "left": plan.left,
            "files": sorted(plan.files),
        },
        ensure_ascii=False,
    )
