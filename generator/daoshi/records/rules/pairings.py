"""Pairings: who mentors whom when (dated changes of mentor), the ratio cap, coverage."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from daoshi.errors import Location
from daoshi.records.check import Checked
from daoshi.records.model import (
    Pairing,
    Semester,
    Span,
)
from daoshi.records.rules.base import (
    PairingItem,
)
from daoshi.records.rules.semesters import SemesterRules
from daoshi.records.staffing import (
    group_cap,
    mentors_without_key_student,
    staffing_rules,
    teachers_without_mentees,
)


class PairingRules(SemesterRules):
    """Pairings: who mentors whom when (dated changes of mentor), the ratio cap, coverage."""

    def load_pairings(self) -> None:
        for checked in self.by_role.get("pairings", []):
            semester_id = self.folder_matches(checked)
            if semester_id is None:
                continue
            semester = self.semesters[semester_id]
            self.paired.add(semester_id)
            items: dict[str, list[PairingItem]] = defaultdict(list)
            first: dict[str, Location] = {}  # each mentor's first item, where X226 points
            for i, p in enumerate((checked.data or {}).get("pairings", ())):
                mentor = p.get("mentor")
                if mentor is None:
                    continue
                first.setdefault(mentor, checked.loc("pairings", i, "mentor"))
                span = self.pairing_span(checked, i, p, semester)
                if any(item.span == span for item in items[mentor]):
                    self.add(checked.loc("pairings", i, "mentor"), "X217", id=mentor)
                    continue
                items[mentor].append(self.pairing_item(checked, i, p, semester, span))
            for mentor, mine in items.items():
                self.add_pairing(mentor, mine, semester)
            self.check_coverage(semester)
            self.check_gaps(semester, checked.loc("pairings"))
            self.check_staffing(semester, checked.loc("pairings"), first)

    def pairing_span(
        self, checked: Checked, i: int, p: Mapping[str, Any], semester: Semester
    ) -> Span:
        """An item's first and last day: the semester's unless dated (a mid-year change)."""
        start, end = p.get("start") or semester.start, p.get("end") or semester.end
        for key, day in (("start", start), ("end", end)):
            if key in p and not semester.contains(day):
                self.add(
                    checked.loc("pairings", i, key),
                    "X207",
                    date=day,
                    semester=semester.id,
                    start=semester.start,
                    end=semester.end,
                )
        if start > end:
            self.add(checked.loc("pairings", i, "end"), "X219", start=start, end=end)
        return (start, end)

    def pairing_item(
        self, checked: Checked, i: int, p: Mapping[str, Any], semester: Semester, span: Span
    ) -> PairingItem:
        """One item of the table, its students checked (at school, not listed twice)."""
        mentor = p["mentor"]
        students: list[str] = []
        for j, sid in enumerate(p.get("students", ())):
            where = checked.loc("pairings", i, "students", j)
            if sid in students or any(
                span[0] <= other[1] and other[0] <= span[1]
                for other in self.spans.get((semester.id, mentor, sid), ())
            ):
                self.add(where, "X217", id=sid)
                continue
            students.append(sid)
            self.spans[(semester.id, mentor, sid)].append(span)
            student = self.students.get(sid)
            why = self.in_school(student, semester, span[0]) if student is not None else None
            if why is not None:
                self.add(where, "X218", student=sid, semester=semester.id, why=why)
        key = p.get("key_student")
        if key is not None and key not in students:
            self.add(checked.loc("pairings", i, "key_student"), "X214", student=key, mentor=mentor)
        mutual = p.get("mutual") or ()
        for j, sid in enumerate(mutual):
            if sid not in students:
                where = checked.loc("pairings", i, "mutual", j)
                self.add(where, "X246", student=sid, mentor=mentor)
        self.mentees[(semester.id, mentor)].update(students)
        return PairingItem(
            tuple(students),
            span,
            key,
            p.get("agreement"),
            checked.loc("pairings", i, "students"),
            tuple(sid for sid in mutual if sid in students),
            self.study_groups(checked, i, p, students),
            checked.loc("pairings", i, "groups") if p.get("groups") else None,
        )

    def study_groups(
        self, checked: Checked, i: int, p: Mapping[str, Any], students: list[str]
    ) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """An item's 学习小组 (太谷): X250 a member who is not a mentee, X251 a student in
        two groups, X252 two groups of one name; the groups as read, members checked."""
        mentor = p["mentor"]
        groups: list[tuple[str, tuple[str, ...]]] = []
        placed: dict[str, str] = {}
        for j, group in enumerate(p.get("groups") or ()):
            name = str(group.get("name") or "")
            if any(name == other for other, _ in groups):
                self.add(
                    checked.loc("pairings", i, "groups", j, "name"),
                    "X252",
                    mentor=mentor,
                    group=name,
                )
            members: list[str] = []
            for k, sid in enumerate(group.get("students") or ()):
                where = checked.loc("pairings", i, "groups", j, "students", k)
                if sid not in students:
                    self.add(where, "X250", student=sid, group=name, mentor=mentor)
                elif sid in placed:
                    self.add(where, "X251", student=sid, mentor=mentor, other=placed[sid])
                else:
                    placed[sid] = name
                    members.append(sid)
            groups.append((name, tuple(members)))
        return tuple(groups)

    def add_pairing(self, mentor: str, items: list[PairingItem], semester: Semester) -> None:
        """One mentor's items merged into the model's pairing; the cap on concurrent mentees."""
        whole = (semester.start, semester.end)
        cap = self.ratio_cap(mentor, semester)
        if cap is not None:
            peak, where = self.peak(items)
            if peak > cap:
                self.add(where, "X210", mentor=mentor, count=peak, cap=cap)
        self.check_group_cap(mentor, items, semester)
        students = tuple(dict.fromkeys(sid for item in items for sid in item.students))
        periods = {
            sid: tuple(sorted(spans))
            for sid in students
            if (spans := self.spans[(semester.id, mentor, sid)]) != [whole]
        }
        agreements = {item.agreement for item in items} - {None}
        self.pairings.append(
            Pairing(
                semester.id,
                mentor,
                students,
                next((item.key for item in items if item.key is not None), None),
                None if not agreements else all(agreements),
                MappingProxyType(periods),
                tuple(dict.fromkeys(sid for item in items for sid in item.mutual)),
                tuple(g for item in items for g in item.groups),
            )
        )

    def check_group_cap(self, mentor: str, items: list[PairingItem], semester: Semester) -> None:
        """X253 (a fact) for a mentor with more study groups than the policy's
        ``settings.group_cap`` (a class teacher: ``class_teacher_group_cap``), located at the
        groups of the item that has the most of them."""
        found = group_cap(self.forms.policies, semester, mentor)
        if found is None:
            return
        cap, policy = found
        item = max(items, key=lambda it: len(it.groups))
        if len(item.groups) > cap:
            self.add(
                item.groups_where or item.where,
                "X253",
                mentor=mentor,
                count=len(item.groups),
                cap=cap,
                policy=policy,
            )

    def peak(self, items: list[PairingItem]) -> tuple[int, Location]:
        """The most mentees at once (a student who left stops counting), and where."""
        best: tuple[int, Location] = (0, items[0].where)
        for item in items:
            day = item.span[0]
            count = len(
                {
                    sid
                    for other in items
                    if other.span[0] <= day <= other.span[1]
                    for sid in other.students
                    if (s := self.students.get(sid)) is None or s.in_school(day)
                }
            )
            if count > best[0]:
                best = (count, item.where)
        return best

    def ratio_cap(self, mentor: str, semester: Semester) -> int | None:
        """The strictest cap of the semester's policies; class teachers have their own cap."""
        is_class_teacher = any(c.class_teacher == mentor for c in semester.classes)
        caps = [
            (pol.class_teacher_ratio_cap if is_class_teacher else pol.ratio_cap)
            for pid in semester.policies
            if (pol := self.forms.policies.get(pid)) is not None
        ]
        return min(caps) if caps else None

    def check_coverage(self, semester: Semester) -> None:
        covered = {
            s for (sem, _), students in self.mentees.items() if sem == semester.id for s in students
        }
        for sid, student in self.students.items():
            if sid not in covered and self.in_school(student, semester) is None:
                self.add(self.student_locs[sid], "X211", student=sid, semester=semester.id)

    def check_staffing(
        self, semester: Semester, where: Location, first: Mapping[str, Location]
    ) -> None:
        """X225 (a fact) for a teacher with no mentee where the policy says 教师人人是导师;
        X226 (a fact) for a mentor with no key student where it asks for 1+X."""
        rules = staffing_rules(self.forms.policies, semester.policies)
        mentored = {
            m for (sem, m), students in self.mentees.items() if sem == semester.id and students
        }
        for tid in teachers_without_mentees(self.teachers, semester, mentored, rules):
            policy = rules.every_teacher_by
            self.add(where, "X225", teacher=tid, semester=semester.id, policy=policy)
        mine = [p for p in self.pairings if p.semester == semester.id]
        for mentor in mentors_without_key_student(mine, semester, rules):
            self.add(
                first.get(mentor, where),
                "X226",
                mentor=mentor,
                semester=semester.id,
                policy=rules.key_student_by,
            )

    def check_gaps(self, semester: Semester, where: Location) -> None:
        """X221 (a fact) for days a paired student at school has no mentor: a dated change
        of mentor that leaves a gap between the old mentor's last day and the new one's."""
        spans: dict[str, list[Span]] = defaultdict(list)
        for (sem, _, sid), found in self.spans.items():
            if sem == semester.id:
                spans[sid] += found
        for sid, found in sorted(spans.items()):
            student = self.students.get(sid)
            last = semester.end
            if student is not None and student.left is not None:
                last = min(last, student.left.date - dt.timedelta(days=1))
            day = semester.start
            for a, b in sorted(found):
                if a > day and day <= last:
                    gap_end = min(a - dt.timedelta(days=1), last)
                    self.add(where, "X221", student=sid, start=day, end=gap_end)
                day = max(day, b + dt.timedelta(days=1))
            if day <= last:
                self.add(where, "X221", student=sid, start=day, end=last)
