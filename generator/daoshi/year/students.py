"""The roster's students: planned per cohort file (``people/cohorts/<year>.yaml``) and
written by line-level patches, so unchanged lines stay byte for byte; a student missing
from an imported cohort is marked ``left``, never deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from daoshi.errors import Location
from daoshi.messages import problem
from daoshi.records.model import School
from daoshi.year.roster import (
    COLUMN_LABELS,
    LEFT_REASONS,
    REASON_NAMES,
    Plan,
    Settings,
    _read,
    _Reader,
    grade_index,
    parse_class,
    parse_cohort,
)
from daoshi.year.tables import Row, parse_date
from daoshi.year.yamldoc import (
    load_yaml,
    yaml_scalar,
)


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
            elif reader.case_clash(row, sid, school.students):
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
