"""``daoshi import preferences`` and ``daoshi match``: two-way selection in the records.

Preferences come from the questionnaire exports a school already uses (问卷星, 腾讯问卷,
a form in Excel): one row per student, 学号 and the ranked choices (第一志愿 …, 志愿1 …),
each a teacher's ID, full name, or ``姓名（工号）``. Mentors' capacities come the same way
(``--kind mentors``: 工号, 名额). They are kept in ``semesters/<S>/preferences.yaml``.

``daoshi match`` (``daoshi.year.match``) reads them and proposes the semester's pairing table
(``semesters/<S>/pairings.yaml``) with ``daoshi.year.matching``: students who already have
a mentor this semester keep them (``--all`` matches everyone with preferences again).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.forms import Forms
from daoshi.records.model import School, Semester
from daoshi.year.roster import Settings
from daoshi.year.tables import Row, read_table, restore_width
from daoshi.year.yamldoc import dump_yaml, flow_list, load_yaml, new_document, text_value

MAX_CHOICES = 10
_NUMERALS = "一二三四五六七八九十"
_PAREN_ID = re.compile(r".*?\(\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*\)\s*")


def _choice_headers(i: int) -> tuple[str, ...]:
    n, c = str(i), _NUMERALS[i - 1]
    return (
        f"第{c}志愿",
        f"第{n}志愿",
        f"志愿{n}",
        f"志愿{c}",
        f"第{c}志愿导师",
        f"第{n}志愿导师",
        f"导师{n}",
        f"志愿导师{n}",
        f"选择{n}",
        f"choice{n}",
    )


def _student_headers(i: int) -> tuple[str, ...]:
    """The mentors' side: the students a mentor chose (学生1, 选择学生1, 第一名学生 …)."""
    n, c = str(i), _NUMERALS[i - 1]
    return (f"学生{n}", f"选择学生{n}", f"所选学生{n}", f"第{c}名学生", f"受导学生{n}")


STUDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "student": ("学号", "学生学号", "学籍号"),
    "name": ("姓名", "学生姓名"),
    **{f"choice{i}": _choice_headers(i) for i in range(1, MAX_CHOICES + 1)},
}
MENTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "mentor": ("工号", "教师工号", "导师工号", "导师"),
    "name": ("姓名", "教师姓名"),
    "capacity": ("名额", "可带人数", "人数", "容量"),
    **{f"student{i}": _student_headers(i) for i in range(1, MAX_CHOICES + 1)},
}


def policy_cap(school: School, forms: Forms, semester: Semester, mentor: str) -> int | None:
    """The strictest ratio cap of the semester's policies (class teachers have their own)."""
    is_class_teacher = any(c.class_teacher == mentor for c in semester.classes)
    caps = [
        (pol.class_teacher_ratio_cap if is_class_teacher else pol.ratio_cap)
        for pid in semester.policies
        if (pol := forms.policies.get(pid)) is not None
    ]
    return min(caps) if caps else None


def active_teachers(school: School, semester: Semester) -> dict[str, str]:
    """Teachers who can mentor this semester (not left by its start): ID -> name."""
    return {
        t.id: t.name for t in school.teachers.values() if t.left is None or t.left > semester.start
    }


def in_school(school: School, semester: Semester, sid: str) -> bool:
    """Whether a student is at school in the semester (not left, class in the semester)."""
    student = school.students.get(sid)
    classes = semester.class_ids
    return (
        student is not None
        and student.class_id in classes
        and (student.left is None or student.left.date > semester.start)
    )


@dataclass
class PreferencesPlan:
    """What an import of preferences would write."""

    kind: str
    semester: str
    rows: int = 0
    replaced: int = 0
    files: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class _Mentors:
    """Finds a teacher by ID, full name or ``姓名（工号）``; never guesses between two."""

    def __init__(self, active: Mapping[str, str]) -> None:
        self.active = active
        self.by_name: dict[str, list[str]] = {}
        for tid, name in sorted(active.items()):
            self.by_name.setdefault(name, []).append(tid)

    def find(self, text: str, width: int | None, prefix: str) -> tuple[str | None, str | None]:
        """(teacher ID, None) or (None, problem code)."""
        match_id = _PAREN_ID.fullmatch(text)
        if match_id:
            text = match_id[1]
        candidate = restore_width(text, width)
        if prefix and candidate.isdigit():
            candidate = prefix + candidate
        if candidate in self.active:
            return candidate, None
        name = text.replace(" ", "").removesuffix("老师")
        ids = self.by_name.get(name, [])
        if len(ids) == 1:
            return ids[0], None
        return None, ("I432" if ids else "I431")


def plan_preferences(
    root: Path,
    path: Path,
    school: School,
    semester: Semester,
    settings: Settings,
    *,
    kind: str = "students",
) -> PreferencesPlan:
    """Check a preferences (or capacities) file and work out the new preferences.yaml."""
    plan = PreferencesPlan(kind, semester.id)
    columns = STUDENT_COLUMNS if kind == "students" else MENTOR_COLUMNS
    required = {"student", "choice1"} if kind == "students" else {"mentor"}
    mapping = {h: f for h, f in settings.mapping.items() if f in columns}
    table = read_table(path, columns, required, mapping=mapping, sheet=settings.sheet)
    plan.problems = table.problems
    mentors = _Mentors(active_teachers(school, semester))
    entries: dict[str, Any] = {}
    seen: dict[str, int] = {}

    def add(location: Location, code: str, **args: Any) -> None:
        plan.problems.append(problem(location, code, **args))

    for row in table.rows:
        plan.rows += 1
        if kind == "students":
            _student_row(row, school, semester, settings, mentors, add, seen, entries)
        else:
            _mentor_row(row, school, semester, settings, mentors, add, seen, entries)
    if plan.problems:
        return plan
    rel = f"semesters/{semester.id}/preferences.yaml"
    target = root / rel
    doc, before = semester_document(target, "preferences", semester.id)
    section, key = ("students", "student") if kind == "students" else ("mentors", "mentor")
    if section not in doc:
        doc[section] = CommentedSeq()
    items = {str(item.get(key)): item for item in doc[section]}
    for ident, value in entries.items():
        item = items.get(ident)
        if item is None:
            item = CommentedMap()
            item[key] = text_value(ident)
            doc[section].append(item)
        else:
            plan.replaced += 1
        if kind == "students":
            item["choices"] = flow_list(value)
            continue
        capacity, chosen = value
        if capacity is not None:  # what the table does not give is kept
            item["capacity"] = capacity
        if chosen:
            item["students"] = flow_list(chosen)
    text = dump_yaml(doc)
    if text != before:
        plan.files[rel] = text
    return plan


def semester_document(target: Path, schema: str, semester_id: str) -> tuple[Any, str | None]:
    """A semester's data file as round-trip data and its text before any change (None: the
    file is new, made with its schema hint and its semester)."""
    if target.exists():
        doc = load_yaml(target)
        return doc, dump_yaml(doc)
    doc = new_document(schema, 2)
    doc["semester"] = semester_id
    return doc, None


def student_id(text: str, settings: Settings) -> str:
    """A student ID as a cell gives it: spaces gone, leading zeros and prefix restored."""
    sid = restore_width(text.replace(" ", ""), settings.id_width)
    return settings.id_prefix + sid if settings.id_prefix and sid.isdigit() else sid


def known_student(
    where: Location, sid: str, school: School, semester: Semester, add: Callable[..., None]
) -> bool:
    """Whether the student exists and is at school in the semester (else I430 or I436)."""
    if sid not in school.students:
        add(where, "I430", value=sid)
        return False
    if not in_school(school, semester, sid):
        add(where, "I436", student=sid, semester=semester.id)
        return False
    return True


def row_student(
    row: Row,
    school: School,
    semester: Semester,
    settings: Settings,
    add: Callable[..., None],
    seen: dict[str, int],
    twice: str,
) -> tuple[str, bool] | None:
    """A row's student and whether it is a known one at school; None when the row has no
    ID or repeats a student (problem ``twice``), as nothing more of it is read."""
    sid = student_id(row.get("student"), settings)
    if not sid:
        if "student" not in row.reported:
            add(row.at("student"), "I410", column="学号")
        return None
    ok = known_student(row.at("student"), sid, school, semester, add)
    if sid in seen:
        add(row.at("student"), twice, student=sid, row=seen[sid])
        return None
    seen[sid] = row.location.line
    return sid, ok


def _student_row(
    row: Row,
    school: School,
    semester: Semester,
    settings: Settings,
    mentors: _Mentors,
    add: Callable[..., None],
    seen: dict[str, int],
    entries: dict[str, Any],
) -> None:
    found = row_student(row, school, semester, settings, add, seen, "I434")
    if found is None:
        return
    sid, ok = found
    choices: list[str] = []
    for i in range(1, MAX_CHOICES + 1):
        text = row.get(f"choice{i}")
        if not text:
            continue
        tid, code = mentors.find(text, settings.teacher_id_width, settings.teacher_id_prefix)
        if tid is None:
            ids = "、".join(mentors.by_name.get(text.removesuffix("老师"), []))
            add(row.at(f"choice{i}"), code or "I431", value=text, ids=ids)
            ok = False
        elif tid in choices:
            add(row.at(f"choice{i}"), "I433", mentor=tid)
            ok = False
        else:
            choices.append(tid)
    if ok:
        entries[sid] = choices


def _mentor_row(
    row: Row,
    school: School,
    semester: Semester,
    settings: Settings,
    mentors: _Mentors,
    add: Callable[..., None],
    seen: dict[str, int],
    entries: dict[str, Any],
) -> None:
    text = row.get("mentor")
    if not text:
        if "mentor" not in row.reported:
            add(row.at("mentor"), "I410", column="工号")
        return
    tid, code = mentors.find(text, settings.teacher_id_width, settings.teacher_id_prefix)
    if tid is None:
        ids = "、".join(mentors.by_name.get(text, []))
        add(row.at("mentor"), code or "I431", value=text, ids=ids)
        return
    if tid in seen:
        add(row.at("mentor"), "I411", id=tid, row=seen[tid])
        return
    seen[tid] = row.location.line
    cap = policy_cap(school, school.forms, semester, tid) or 40
    value = row.get("capacity")
    capacity = None
    if value or "capacity" in row.reported:
        if not value.isdigit() or int(value) > cap:
            if "capacity" not in row.reported:
                add(row.at("capacity"), "I435", value=value, limit=cap)
            return
        capacity = int(value)
    chosen = _chosen_students(row, school, semester, settings, add)
    if chosen is None:
        return
    if len(chosen) > (cap if capacity is None else capacity):
        add(row.at("mentor"), "I448", mentor=tid, count=len(chosen), limit=capacity or cap)
        return
    entries[tid] = (capacity, chosen)


def _chosen_students(
    row: Row, school: School, semester: Semester, settings: Settings, add: Callable[..., None]
) -> list[str] | None:
    """The students a mentor chose (枣庄：“导师依照本人所掌握的班级情况，选择4名受导学生”);
    None when one of them is wrong (each problem reported at its cell)."""
    chosen: list[str] = []
    ok = True
    for i in range(1, MAX_CHOICES + 1):
        sid = student_id(row.get(f"student{i}"), settings)
        if not sid:
            continue
        if not known_student(row.at(f"student{i}"), sid, school, semester, add):
            ok = False
        elif sid in chosen:
            add(row.at(f"student{i}"), "I447", student=sid)
            ok = False
        else:
            chosen.append(sid)
    return chosen if ok else None
