"""``daoshi import roster``: the office's Excel roster into ``people/`` as one git commit.

Students (学号, 姓名, 性别, 年级, 班级, 入学年份 …) go to ``people/cohorts/<year>.yaml``,
teachers (工号, 姓名, 任教学科, 任教班级, 职务, 身份, 邮箱) to ``people/teachers.yaml``.
Files are edited round-trip (ruamel.yaml): comments, order and unchanged lines stay as
they were. Students are matched by ID only, never by name; a student of an imported
cohort who is missing from the roster is marked ``left``, never deleted. Every problem
in the file is reported and then nothing is written; otherwise one commit by the person
running the command (git's ``user.name``/``user.email``) holds the whole change.

Also the shared helpers of the school-year commands: round-trip YAML (``load_yaml``,
``dump_yaml``, ``text_value``, ``flow_list``) and ``commit_files``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from daoshi import git
from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.check import ID_PATTERN
from daoshi.records.forms import Forms
from daoshi.records.model import GRADE_NAMES, School
from daoshi.year.tables import Row, parse_date, read_table, restore_width

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


# --- round-trip YAML and git ------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.representer.ignore_aliases = lambda data: True  # the records forbid anchors (F012)
    return yaml


def load_yaml(path: Path) -> Any:
    """A records file as ruamel round-trip data (comments kept)."""
    return _yaml().load(path.read_text("utf-8"))


def dump_yaml(data: Any) -> str:
    """Round-trip data as text, the way the records are written (LF, 2-space indent)."""
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


_UNSAFE_START = frozenset("-?:,[]{}#&*!|>'\"%@`0123456789+. ")
_UNSAFE_INSIDE = re.compile(r": |\s#|[,\[\]{}\n\t\r\\]|:$|\s$")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})


def text_value(value: str) -> str:
    """A string that YAML 1.1 and 1.2 readers both read back as the same text."""
    if (
        value
        and value[0] not in _UNSAFE_START
        and value.lower() not in _RESERVED
        and not _UNSAFE_INSIDE.search(value)
    ):
        return value
    quoted: str = DoubleQuotedScalarString(value)
    return quoted


def flow_list(values: Sequence[str]) -> CommentedSeq:
    """A short list of scalars written ``[a, b]``."""
    seq = CommentedSeq(text_value(v) for v in values)
    seq.fa.set_flow_style()
    return seq


def new_document(schema: str, depth: int, comment: str | None = None) -> CommentedMap:
    """An empty top-level mapping with the editor's schema hint as the first comment."""
    doc = CommentedMap()
    lines = [f"yaml-language-server: $schema={'../' * depth}schemas/{schema}.schema.json"]
    if comment:
        lines.append(comment)
    doc.yaml_set_start_comment("\n".join(lines))
    return doc


class CommitError(Exception):
    """The change cannot be committed (not a repository, no identity, uncommitted edits)."""


def is_repository(root: Path) -> bool:
    """Whether ``root`` is the top of a git work tree."""
    done = git.run("rev-parse", "--show-toplevel", cwd=root, check=False)
    top = done.stdout.decode("utf-8", "replace").strip()
    return done.returncode == 0 and Path(top).resolve() == root.resolve()


def check_committable(root: Path, paths: Sequence[str]) -> None:
    """Raise ``CommitError`` unless a commit of ``paths`` would hold only our change."""
    if not is_repository(root):
        raise CommitError(f"{root} 不是 git 仓库的根目录：导入的改动需要提交到记录仓库")
    for key in ("user.name", "user.email"):
        if not git.output("config", key, cwd=root, check=False).strip():
            raise CommitError(
                f"没有设置 git {key}：请先运行 git config --global {key} …（提交以此署名）"
            )
    dirty = git.output("status", "--porcelain", "--", *paths, cwd=root).strip()
    if dirty:
        files = "、".join(line[3:] for line in dirty.splitlines())
        raise CommitError(f"这些文件有未提交的修改，请先提交或撤销：{files}")


def commit_files(root: Path, files: Mapping[str, str], message: str) -> str:
    """Write ``files`` (path relative to root -> text) and commit them all; the new hash."""
    check_committable(root, list(files))
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    git.run("add", "--", *files, cwd=root)
    git.run("commit", "-q", "-m", message, "--", *files, cwd=root)
    return git.output("rev-parse", "--short", "HEAD", cwd=root).strip()


# --- the roster --------------------------------------------------------------------------


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
        return text

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


def _students_by_cohort(root: Path) -> dict[int, tuple[str, Any]]:
    docs: dict[int, tuple[str, Any]] = {}
    folder = root / "people" / "cohorts"
    for file in sorted(folder.glob("*.yaml")) if folder.is_dir() else ():
        if file.stem.isdigit():
            docs[int(file.stem)] = (f"people/cohorts/{file.name}", load_yaml(file))
    return docs


@dataclass
class _StudentRow:
    row: Row
    id: str
    name: str
    gender: str | None
    cohort: int
    number: int
    left: tuple[dt.date, str] | None
    interests: str | None


def plan_students(
    root: Path,
    path: Path,
    school: School,
    settings: Settings,
    *,
    school_year: int,
    left_date: dt.date,
    left_reason: str,
) -> Plan:
    """Check the roster and work out the new cohort files; nothing is written."""
    plan = Plan("students")
    rows, plan.problems, columns = _read(path, "students", settings)
    reader = _Reader(plan.problems)
    seen: dict[str, int] = {}
    parsed: list[_StudentRow] = []
    for row in rows:
        sid = reader.ident(row, settings.id_width, settings.id_prefix)
        name = reader.name(row)
        gender = reader.gender(row)
        if sid is not None:
            if sid in seen:
                reader.add(row.at("id"), "I411", id=sid, row=seen[sid])
                sid = None
            else:
                seen[sid] = row.location.line
        klass = parse_class(row.get("class"), school_year) if row.get("class") else None
        if not row.get("class"):
            reader.add(row.at("class"), "I410", column=COLUMN_LABELS["class"])
        elif klass is None:
            reader.add(row.at("class"), "I414", value=row.get("class"))
        cohort = klass[0] if klass else None
        if row.get("cohort"):
            cohort = parse_cohort(row.get("cohort"))
            if cohort is None:
                reader.add(row.at("cohort"), "I415", value=row.get("cohort"))
        elif row.get("grade") and cohort is None:
            index = grade_index(row.get("grade"))
            if index is None:
                reader.add(row.at("grade"), "I415", value=row.get("grade"))
            else:
                cohort = school_year - index
        existing = school.students.get(sid or "")
        if cohort is None and existing is not None:
            cohort = existing.cohort
        if cohort is None and klass is not None and not row.get("cohort"):
            reader.add(row.at("class"), "I415", value=row.get("class"))
        if existing is not None and cohort is not None and cohort != existing.cohort:
            where = (
                row.at("cohort")
                if row.get("cohort")
                else row.at("grade" if row.get("grade") else "class")
            )
            reader.add(where, "I417", id=sid, cohort=existing.cohort, other=cohort)
            cohort = None
        left = None
        if row.get("left_date") or row.get("left_reason"):
            day = parse_date(row.cells.get("left_date")) if row.get("left_date") else left_date
            reason = (
                LEFT_REASONS.get(row.get("left_reason"), "other")
                if row.get("left_reason")
                else left_reason
            )
            if day is None:
                reader.add(row.at("left_date"), "I416", value=row.get("left_date"))
            if day is not None:
                left = (day, reason)
        if sid and name and cohort and klass:
            parsed.append(
                _StudentRow(
                    row, sid, name, gender, cohort, klass[1], left, row.get("interests") or None
                )
            )
    if not rows and not plan.problems:
        plan.problems.append(problem(Location(str(path), 1, 1), "I422"))
    if plan.problems:
        return plan
    _apply_students(root, plan, school, parsed, columns, left_date, left_reason)
    return plan


def _apply_students(
    root: Path,
    plan: Plan,
    school: School,
    parsed: list[_StudentRow],
    columns: Mapping[str, int],
    left_date: dt.date,
    left_reason: str,
) -> None:
    """Work out the change from the model, then patch only the lines that change."""
    class_ids = {(c.cohort, c.number): c.id for c in school.classes.values()}
    files: dict[int, _Patch] = {}

    def patch(cohort: int) -> _Patch:
        if cohort not in files:
            path = root / "people" / "cohorts" / f"{cohort}.yaml"
            files[cohort] = _Patch(path.read_text("utf-8") if path.exists() else None, cohort)
        return files[cohort]

    for p in parsed:
        if (p.cohort, p.number) not in class_ids:
            class_id = f"C{p.cohort}-{p.number:02d}"
            patch(p.cohort).add_class(class_id, p.number)
            class_ids[(p.cohort, p.number)] = class_id
            plan.changed.append(f"新班级 {class_id}（{p.cohort}级{p.number}班）")
    in_roster: set[str] = set()
    for p in parsed:
        in_roster.add(p.id)
        class_id = class_ids[(p.cohort, p.number)]
        old = school.students.get(p.id)
        if old is None:
            fields: list[tuple[str, Any]] = [("id", p.id), ("name", p.name)]
            fields += [("gender", p.gender), ("class", class_id), ("interests", p.interests)]
            patch(p.cohort).add_student([(k, v) for k, v in fields if v], p.left)
            plan.added.append(f"{p.id} {p.name} {class_id}")
            if p.left:
                plan.left.append(f"{p.id} {p.name}（{p.left[0]}，{REASON_NAMES[p.left[1]]}）")
            continue
        notes: list[str] = []
        updates: list[tuple[str, Any]] = []
        if old.name != p.name:
            notes.append(f"姓名 {old.name} → {p.name}")
            updates.append(("name", p.name))
        if p.gender and old.gender != p.gender:
            notes.append(f"性别 → {'男' if p.gender == 'male' else '女'}")
            updates.append(("gender", p.gender))
        if old.class_id != class_id:
            notes.append(f"班级 {old.class_id} → {class_id}")
            updates.append(("class", class_id))
        if "interests" in columns and p.interests and old.profile.get("interests") != p.interests:
            notes.append("兴趣特长")
            updates.append(("interests", p.interests))
        old_left = (old.left.date, old.left.reason) if old.left else None
        left: tuple[dt.date, str] | bool | None = False  # False: leave as it is
        if p.left is not None and p.left != old_left:
            left = p.left
            plan.left.append(f"{p.id} {p.name}（{p.left[0]}，{REASON_NAMES[p.left[1]]}）")
        elif p.left is None and old_left is not None:
            left = None
            notes.append("恢复在校")
        if updates or left is not False:
            patch(old.cohort).update_student(p.id, updates, left)
        if notes:
            plan.changed.append(f"{p.id} {p.name}：" + "；".join(notes))
    cohorts = {p.cohort for p in parsed}
    for sid, student in sorted(school.students.items()):
        if student.cohort in cohorts and student.left is None and sid not in in_roster:
            patch(student.cohort).update_student(sid, [], (left_date, left_reason))
            plan.left.append(f"{sid} {student.name}（{left_date}，{REASON_NAMES[left_reason]}）")
    for cohort, edit in sorted(files.items()):
        text = edit.result()
        if text != edit.original:
            plan.files[f"people/cohorts/{cohort}.yaml"] = text


def yaml_scalar(value: object) -> str:
    """One scalar as the records write it: plain when safe, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    text = str(value)
    quoted = text_value(text)
    return text if quoted is text else json.dumps(text, ensure_ascii=False)


class _Patch:
    """Line edits of a cohort file located by PyYAML's C composer: comments and every
    untouched line stay byte for byte (a round trip through ruamel is 10× slower)."""

    def __init__(self, text: str | None, cohort: int) -> None:
        import yaml

        self.original = text
        if text is None:
            text = (
                "# yaml-language-server: $schema=../../schemas/cohort.schema.json\n"
                f"cohort: {cohort}\nclasses: []\nstudents: []\n"
            )
        if not text.endswith("\n"):
            text += "\n"
        self.text = text
        self.edits: list[tuple[int, int, int, str]] = []  # start, end, order, new text
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
        assert root is not None  # the file passed validation
        self.top = {str(k.value): v for k, v in root.value}
        self.items: dict[str, Any] = {}
        students = self.top.get("students")
        if students is not None and isinstance(students.value, list):
            for item in students.value:
                for k, v in item.value:
                    if k.value == "id":
                        self.items[str(v.value)] = item
        self.appended: dict[str, list[str]] = {"classes": [], "students": []}

    def _edit(self, start: int, end: int, new: str) -> None:
        self.edits.append((start, end, len(self.edits), new))

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _after(self, node: Any) -> int:
        """Where a line after ``node`` goes: the start of the line after its last one."""
        index = node.end_mark.index
        start = self._line_start(index)
        if not self.text[start:index].strip(" -"):
            return start
        newline = self.text.find("\n", index)
        return len(self.text) if newline < 0 else newline + 1

    def add_class(self, class_id: str, number: int) -> None:
        self.appended["classes"].append(f"  - id: {class_id}\n    number: {number}\n")

    def add_student(self, fields: list[tuple[str, Any]], left: tuple[dt.date, str] | None) -> None:
        lines = [
            f"{'  - ' if i == 0 else '    '}{k}: {yaml_scalar(v)}\n"
            for i, (k, v) in enumerate(fields)
        ]
        if left:
            lines.append(f"    left:\n      date: {left[0]}\n      reason: {left[1]}\n")
        self.appended["students"].append("".join(lines))

    def update_student(
        self, sid: str, updates: list[tuple[str, Any]], left: tuple[dt.date, str] | bool | None
    ) -> None:
        item = self.items[sid]
        keys = {str(k.value): (k, v) for k, v in item.value}
        indent = " " * item.value[0][0].start_mark.column
        end = self._after(item.value[-1][1])
        for key, value in updates:
            if key in keys:
                node = keys[key][1]
                self._edit(node.start_mark.index, node.end_mark.index, yaml_scalar(value))
            else:
                self._edit(end, end, f"{indent}{key}: {yaml_scalar(value)}\n")
        if left is False:
            return
        block = (
            f"{indent}left:\n{indent}  date: {left[0]}\n{indent}  reason: {left[1]}\n"
            if isinstance(left, tuple)
            else ""
        )
        if "left" in keys:
            key_node, value = keys["left"]
            self._edit(self._line_start(key_node.start_mark.index), self._after(value), block)
        elif block:
            self._edit(end, end, block)

    def result(self) -> str:
        for section, blocks in self.appended.items():
            if not blocks:
                continue
            node = self.top.get(section)
            text = "".join(blocks)
            if node is None:
                self._edit(len(self.text), len(self.text), f"{section}:\n{text}")
            elif not isinstance(node.value, list) or not node.value or node.flow_style:
                start = node.start_mark.index
                start -= self.text[start - 1] == " "  # no trailing space after "classes:"
                self._edit(start, node.end_mark.index, "")
                line_end = self.text.find("\n", node.end_mark.index)
                self._edit(line_end + 1, line_end + 1, text)
            else:
                at = self._after(node.value[-1])
                self._edit(at, at, text)
        out = self.text
        for start, end, _, new in sorted(self.edits, reverse=True):
            out = out[:start] + new + out[end:]
        return out


def _left_map(day: dt.date, reason: str) -> CommentedMap:
    left = CommentedMap()
    left["date"] = day
    left["reason"] = reason
    return left


def _role_words(forms: Forms) -> dict[str, tuple[str, str]]:
    """Chinese (and code) words for roles and tags -> (field, code)."""
    words: dict[str, tuple[str, str]] = {}
    form = forms.files.get("teachers")
    items = form.fields["teachers"].items if form is not None else None
    if items is not None:
        for name in ("roles", "tags"):
            spec = items.fields.get(name)
            if spec is not None and spec.items is not None:
                for code, label in spec.items.values.items():
                    words[code] = (name, code)
                    words[label.zh] = (name, code)
    for word, code in TAG_WORDS.items():
        words[word] = ("tags", code)
    return words


def plan_teachers(
    root: Path,
    path: Path,
    school: School,
    settings: Settings,
    *,
    school_year: int,
    left_date: dt.date,
) -> Plan:
    """Check the teachers' roster and work out the new teachers.yaml; nothing is written."""
    plan = Plan("teachers")
    rows, plan.problems, columns = _read(path, "teachers", settings)
    reader = _Reader(plan.problems)
    words = _role_words(school.forms)
    seen: dict[str, int] = {}
    parsed: list[tuple[Row, str, str, dict[str, Any]]] = []
    for row in rows:
        tid = reader.ident(row, settings.teacher_id_width, settings.teacher_id_prefix)
        name = reader.name(row)
        values: dict[str, Any] = {}
        gender = reader.gender(row)
        if gender:
            values["gender"] = gender
        if "subjects" in columns:
            values["subjects"] = _split(row.get("subjects"))
        if "classes" in columns:
            classes = []
            for part in _split(row.get("classes")):
                klass = parse_class(part, school_year)
                found = f"C{klass[0]}-{klass[1]:02d}" if klass is not None and klass[0] else None
                if found is None or found not in school.classes:
                    reader.add(row.at("classes"), "I421", value=part)
                elif found not in classes:
                    classes.append(found)
            values["classes"] = classes
        for column in ("roles", "tags"):
            if column not in columns:
                continue
            for word in _split(row.get(column)):
                if word in IGNORED_WORDS:
                    continue
                hit = words.get(word)
                if hit is None:
                    known = "、".join(w for w in words if not w.isascii())
                    reader.add(row.at(column), "I418", value=word, known=known)
                    continue
                values.setdefault(hit[0], [])
                if hit[1] not in values[hit[0]]:
                    values[hit[0]].append(hit[1])
        if "roles" in columns or "tags" in columns:
            values.setdefault("roles", [])
            values.setdefault("tags", [])
        email = row.get("email").replace(" ", "")
        if email:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
                reader.add(row.at("email"), "I419", value=email)
            values["email"] = email
        elif tid is not None and tid not in school.teachers:
            reader.add(row.at("email") if "email" in columns else row.location, "I423", id=tid)
        if tid is not None:
            if tid in seen:
                reader.add(row.at("id"), "I411", id=tid, row=seen[tid])
                continue
            seen[tid] = row.location.line
        if tid and name:
            parsed.append((row, tid, name, values))
    if plan.problems:
        return plan
    rel = "people/teachers.yaml"
    target = root / rel
    doc = load_yaml(target) if target.exists() else new_document("teachers", 2)
    before = dump_yaml(doc) if target.exists() else None
    if "teachers" not in doc:
        doc["teachers"] = CommentedSeq()
    items = {str(t.get("id")): t for t in doc["teachers"]}
    order = ("id", "name", "gender", "subjects", "email", "roles", "tags", "classes")
    listed: set[str] = set()
    for _, tid, name, values in parsed:
        listed.add(tid)
        item = items.get(tid)
        if item is None:
            item = CommentedMap()
            item["id"] = text_value(tid)
            item["name"] = text_value(name)
            for key in order[2:]:
                value = values.get(key)
                if isinstance(value, list) and value:
                    item[key] = flow_list(value)
                elif isinstance(value, str):
                    item[key] = text_value(value)
            doc["teachers"].append(item)
            plan.added.append(f"{tid} {name}")
            continue
        notes = []
        if str(item.get("name")) != name:
            notes.append(f"姓名 {item.get('name')} → {name}")
            item["name"] = text_value(name)
        for key, value in values.items():
            old = item.get(key)
            if isinstance(value, list):
                if list(old or ()) != value:
                    notes.append(f"{_TEACHER_LABELS[key]} → {'、'.join(value) or '（无）'}")
                    if value:
                        item[key] = flow_list(value)
                    elif key in item:
                        del item[key]
            elif old != value:
                notes.append(f"{_TEACHER_LABELS[key]} → {value}")
                item[key] = text_value(value)
        if item.get("left"):
            del item["left"]
            notes.append("恢复在职")
        if notes:
            plan.changed.append(f"{tid} {name}：" + "；".join(notes))
    for tid, item in items.items():
        if tid not in listed and not item.get("left"):
            left = CommentedMap()
            left["date"] = left_date
            item["left"] = left
            plan.left.append(f"{tid} {item.get('name')}（{left_date}）")
    text = dump_yaml(doc)
    if text != before:
        plan.files[rel] = text
    return plan


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
