"""Semesters: their files, dates and overlaps, the references between data files, and
whether a student is at school in a semester."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from daoshi.errors import Location
from daoshi.policy.grade_rules import rule_problems
from daoshi.records.check import Checked
from daoshi.records.model import (
    ClassTerm,
    GradePolicy,
    ReceptionDay,
    Round,
    Semester,
    Student,
)
from daoshi.records.rules.base import (
    REF_CODES,
    SEMESTER_FILES,
    in_language,
)
from daoshi.records.rules.people import PeopleRules


class SemesterRules(PeopleRules):
    """Semesters: their files, dates and overlaps, the references between data files, and"""

    def load_semesters(self, paths: set[str]) -> None:
        school = self.by_role.get("school", [])
        default_policies = tuple((school[0].data or {}).get("policies", ())) if school else ()
        for checked in self.by_role.get("semester", []):
            data = checked.data or {}
            folder = checked.path.split("/")[1]
            if data.get("id") not in (None, folder):
                self.add(checked.loc("id"), "X212", field="id", in_path=folder, in_file=data["id"])
            if "start" not in data or "end" not in data:
                continue
            self.check_semester_dates(checked, folder, data["start"], data["end"])
            self.semesters[folder] = Semester(
                id=folder,
                start=data["start"],
                end=data["end"],
                policies=tuple(data.get("policies") or default_policies),
                classes=tuple(
                    ClassTerm(c["class"], c["class_teacher"])
                    for c in data.get("classes", ())
                    if "class" in c and "class_teacher" in c
                ),
                rounds=tuple(
                    Round(r["number"], r["start"], r["end"])
                    for r in data.get("rounds", ())
                    if len(r) == 3
                ),
                reception_days=tuple(
                    ReceptionDay(d["date"], str(d.get("time", "")), str(d.get("place", "")))
                    for d in data.get("reception_days", ())
                    if "date" in d
                ),
                grade_leaders=MappingProxyType(
                    {
                        g["cohort"]: g["teacher"]
                        for g in data.get("grade_leaders", ())
                        if len(g) == 2
                    }
                ),
                collective_slot=_slot(data.get("collective_slot")),
                grade_policies=MappingProxyType(self.grade_policies(checked, data)),
            )
        self.check_overlaps()
        self.paths = paths
        self.require_semester_files(paths)

    def grade_policies(self, checked: Checked, data: Mapping[str, Any]) -> dict[int, GradePolicy]:
        """青实“各年级组……拟定具有年级特色的管理细则要求”: each grade's policy and its own
        rules, checked (X254 a cohort with no class this semester or named twice; an unknown
        policy is the reference error every policy ID gets; X255–X258 the grade's rules)."""
        cohorts = {
            k.cohort
            for c in data.get("classes", ())
            if (k := self.classes.get(str(c.get("class", "")))) is not None
        }
        found: dict[int, GradePolicy] = {}
        for i, g in enumerate(data.get("grade_policies") or ()):
            cohort, policy = g.get("cohort"), g.get("policy")
            if cohort is None or policy is None:
                continue
            if cohort not in cohorts or cohort in found:
                known = "、".join(str(c) for c in sorted(cohorts)) or "无"
                where = checked.loc("grade_policies", i, "cohort")
                self.add(where, "X254", cohort=cohort, cohorts=known)
                continue
            if policy not in self.forms.policies:
                continue
            grade = GradePolicy(policy, MappingProxyType(dict(g.get("obligations") or {})))
            problems = rule_problems(self.forms, grade)
            for p in problems:
                self.add(checked.loc("grade_policies", i, "obligations", *p.key), p.code, **p.args)
            found[cohort] = grade if not problems else GradePolicy(policy)
        return found

    def require_semester_files(self, paths: Iterable[str]) -> None:
        """X216 for each semester folder these files are in that lacks its semester or
        pairing file."""
        folders = {
            p.split("/")[1] for p in paths if p.startswith("semesters/") and p.count("/") >= 2
        }
        for folder in sorted(folders):
            for name in SEMESTER_FILES:
                required = f"semesters/{folder}/{name}"
                if required not in self.paths:
                    self.add(Location(required), "X216", file=required)

    def check_semester_dates(
        self, checked: Checked, folder: str, start: dt.date, end: dt.date
    ) -> None:
        if start > end:
            self.add(
                checked.loc("end"),
                "X213",
                detail=in_language(
                    f"结束日期 {end} 早于开学日期 {start}", f"end {end} is before start {start}"
                ),
            )
        parts = folder.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return
        first, second, term = (int(p) for p in parts)
        expected_year = first if term == 1 else second
        if second != first + 1 or start.year != expected_year:
            self.add(
                checked.loc("start"),
                "X213",
                detail=in_language(
                    f"学期 {folder} 应在 {expected_year} 年开学，且学年的两个年份应相邻",
                    f"semester {folder} must start in {expected_year}, its two years consecutive",
                ),
            )

    def check_overlaps(self) -> None:
        ordered = sorted(self.semesters.values(), key=lambda s: s.start)
        for earlier, later in itertools.pairwise(ordered):
            if later.start <= earlier.end:
                where = Location(f"semesters/{later.id}/semester.yaml")
                checked = next((c for c in self.by_role["semester"] if c.path == where.path), None)
                self.add(
                    checked.loc("start") if checked else where,
                    "X213",
                    detail=in_language(
                        f"与学期 {earlier.id}（至 {earlier.end}）重叠",
                        f"overlaps semester {earlier.id} (ending {earlier.end})",
                    ),
                )

    def check_refs(self, files: Iterable[Checked]) -> None:
        """Every ID these files name must be known (teachers, students, classes …)."""
        known: dict[str, Mapping[str, Any]] = {
            "student": self.students,
            "teacher": self.teachers,
            "class": self.classes,
            "semester": self.semesters,
            "policy": self.forms.policies,
        }
        for checked in files:
            for ref in checked.refs:
                if ref.id in known[ref.target]:
                    continue
                args: dict[str, Any] = {"id": ref.id}
                if ref.target == "policy":
                    args["allowed"] = ", ".join(sorted(self.forms.policies))
                self.add(Location(checked.path, ref.line, ref.col), REF_CODES[ref.target], **args)

    def folder_matches(self, checked: Checked) -> str | None:
        """The semester a per-semester file belongs to, reporting a mismatched ``semester``."""
        folder = checked.path.split("/")[1]
        stated = (checked.data or {}).get("semester")
        if stated is not None and stated != folder:
            self.add(
                checked.loc("semester"), "X212", field="semester", in_path=folder, in_file=stated
            )
        return folder if folder in self.semesters else None

    def in_school(
        self, student: Student, semester: Semester, on: dt.date | None = None
    ) -> str | None:
        """Why a student is not at school in a semester (from ``on``), or None when they are."""
        if student.left is not None and student.left.date <= (on or semester.start):
            return in_language(f"已于 {student.left.date} 离校", f"left on {student.left.date}")
        if student.class_id not in semester.class_ids:
            return in_language(
                f"班级 {student.class_id} 不在本学期的在校班级中",
                f"class {student.class_id} is not in this semester's classes",
            )
        return None


def _slot(value: Any) -> tuple[int, int, str] | None:
    """The calendar's collective-guidance time, when the form's checks let it through."""
    if not isinstance(value, dict):
        return None
    week, weekday = value.get("week"), value.get("weekday")
    if not isinstance(week, int) or not isinstance(weekday, int):
        return None
    return week, weekday, str(value.get("period") or "")
