"""People: teachers (``people/teachers.yaml``), students and classes (``people/cohorts/``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from daoshi.errors import Location
from daoshi.records.check import Checked
from daoshi.records.model import (
    Departure,
    SchoolClass,
    Student,
    Teacher,
)
from daoshi.records.rules.base import (
    PROFILE_FIELDS,
    RulesBase,
    in_language,
)


class PeopleRules(RulesBase):
    """People: teachers (``people/teachers.yaml``), students and classes (``people/cohorts/``)."""

    def load_teachers(self) -> None:
        seen: dict[str, Location] = {}
        for checked in self.by_role.get("teachers", []):
            for i, t in enumerate(checked.data.get("teachers", ()) if checked.data else ()):
                where = checked.loc("teachers", i, "id")
                if "id" not in t or not self.unique(
                    seen, t["id"], where, in_language("工号", "teacher ID")
                ):
                    continue
                self.teachers[t["id"]] = Teacher(
                    id=t["id"],
                    name=t.get("name", ""),
                    email=t.get("email", ""),
                    gender=t.get("gender"),
                    subjects=t.get("subjects", ()),
                    roles=t.get("roles", ()),
                    tags=t.get("tags", ()),
                    classes=t.get("classes", ()),
                    left=(t.get("left") or {}).get("date"),
                    not_mentor=t.get("not_mentor"),
                )

    def load_cohorts(self) -> None:
        class_seen: dict[str, Location] = {}
        student_seen: dict[str, Location] = {}
        for checked in self.by_role.get("cohort", []):
            data = checked.data or {}
            cohort = data.get("cohort")
            stem = checked.path.rsplit("/", 1)[-1].removesuffix(".yaml")
            if cohort is not None and str(cohort) != stem:
                self.add(
                    checked.loc("cohort"), "X212", field="cohort", in_path=stem, in_file=cohort
                )
            for i, c in enumerate(data.get("classes", ())):
                if "id" in c and self.unique(
                    class_seen,
                    c["id"],
                    checked.loc("classes", i, "id"),
                    in_language("班级代号", "class ID"),
                ):
                    self.classes[c["id"]] = SchoolClass(
                        c["id"], int(cohort or 0), c.get("number", 0)
                    )
        for checked in self.by_role.get("cohort", []):
            data = checked.data or {}
            for i, s in enumerate(data.get("students", ())):
                where = checked.loc("students", i, "id")
                if "id" not in s or not self.unique(
                    student_seen, s["id"], where, in_language("学号", "student ID")
                ):
                    continue
                self.add_student(checked, i, s, data.get("cohort"))

    def add_student(self, checked: Checked, i: int, s: Mapping[str, Any], cohort: Any) -> None:
        klass = self.classes.get(s.get("class", ""))
        if klass is not None and klass.cohort != cohort:
            self.add(checked.loc("students", i, "class"), "X215", class_id=klass.id, cohort=cohort)
        left = s.get("left")
        self.students[s["id"]] = Student(
            id=s["id"],
            name=s.get("name", ""),
            cohort=int(cohort or 0),
            class_id=s.get("class", ""),
            gender=s.get("gender"),
            left=Departure(left["date"], left["reason"]) if left and len(left) == 2 else None,
            profile=MappingProxyType({k: s[k] for k in PROFILE_FIELDS if k in s}),
        )
        self.student_locs[s["id"]] = checked.loc("students", i, "id")
