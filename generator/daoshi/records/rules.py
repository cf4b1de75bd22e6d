"""Rules across files, and the model built from the checked files.

Input: every file's ``Checked`` (typed values with locations). Output: the problems that
need more than one file to see, and the ``School`` model.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from daoshi.records.check import Checked
from daoshi.errors import Location, Problem
from daoshi.records.forms import Forms
from daoshi.records.layout import GROUP, RECORD, record_path
from daoshi.messages import language, problem
from daoshi.records.model import (
    RECORD_CLASSES,
    ClassTerm,
    Departure,
    Pairing,
    Record,
    Round,
    School,
    SchoolClass,
    ScreeningEntry,
    Semester,
    Span,
    Student,
    SurveyResult,
    Teacher,
)

REF_CODES = {
    "student": "X201",
    "teacher": "X202",
    "class": "X203",
    "semester": "X204",
    "policy": "X205",
}
_SURVEY_SCORES = ("method", "attitude", "frequency", "effect")
_PROFILE = ("interests", "family", "health")


@dataclass(frozen=True)
class _Item:
    """One item of a pairing table, checked; a mentor has several after a mid-year change."""

    students: tuple[str, ...]
    span: Span
    key: str | None
    agreement: bool | None
    where: Location


SEMESTER_FILES = ("semester.yaml", "pairings.yaml")  # what every semester folder holds


def _what(zh: str, en: str) -> str:
    return en if language() == "en" else zh


class CrossChecker:
    """Runs the cross-file rules over checked files and assembles the model."""

    def __init__(self, files: Iterable[Checked], forms: Forms, today: dt.date) -> None:
        self.forms = forms
        self.today = today
        self.problems: list[Problem] = []
        self.by_role: dict[str, list[Checked]] = defaultdict(list)
        for checked in files:
            if checked.data is not None:
                self.by_role[checked.role].append(checked)
        self.teachers: dict[str, Teacher] = {}
        self.classes: dict[str, SchoolClass] = {}
        self.students: dict[str, Student] = {}
        self.student_locs: dict[str, Location] = {}
        self.semesters: dict[str, Semester] = {}
        self.pairings: list[Pairing] = []
        self.mentees: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.paired: set[str] = set()  # semesters whose pairing table was read
        self.spans: dict[tuple[str, str, str], list[Span]] = defaultdict(list)  # (sem, mentor, sid)
        self.school_file: Checked | None = None
        self.paths: set[str] = set()  # the files load_data was told of
        self.screening: tuple[ScreeningEntry, ...] = ()
        self.surveys: tuple[SurveyResult, ...] = ()

    def add(self, location: Location, code: str, **args: Any) -> None:
        self.problems.append(problem(location, code, **args))

    def unique(self, seen: dict[str, Location], ident: str, where: Location, what: str) -> bool:
        """Report a duplicate ID; True when the ID is new."""
        if ident in seen:
            self.add(where, "X206", what=what, id=ident, other=str(seen[ident]))
            return False
        seen[ident] = where
        return True

    def run(self, paths: Iterable[str]) -> School | None:
        """Check everything; the model is returned even with problems (best effort)."""
        self.load_data(set(paths))
        return self.finish()

    def load_data(self, paths: set[str]) -> None:
        """The rules over the data files (people, semesters, pairings …): the part that
        does not depend on the records."""
        self.school_file = self.one("school", "school.yaml", paths)
        self.one("teachers", "people/teachers.yaml", paths)
        self.load_teachers()
        self.load_cohorts()
        self.load_semesters(paths)
        self.check_refs(c for role, cs in self.by_role.items() if role != RECORD for c in cs)
        self.load_pairings()
        self.screening = self.load_screening()
        self.surveys = self.load_surveys()

    def with_records(self, files: Iterable[Checked]) -> CrossChecker:
        """A checker whose data files are loaded already (``load_data``), for these records
        in place of its own: its loaded people, semesters and pairings are shared, read
        only, so one load serves every commit of a push and every update of a watch."""
        other = copy.copy(self)
        other.problems = list(self.problems)
        other.by_role = defaultdict(list, self.by_role)
        other.by_role[RECORD] = [c for c in files if c.data is not None]
        return other

    def finish(self) -> School | None:
        """The records' rules, then the model (``load_data`` first)."""
        mine = [c.path for c in self.by_role.get(RECORD, []) if c.path not in self.paths]
        self.require_semester_files(mine)  # records in a folder the data files did not name
        self.check_refs(self.by_role.get(RECORD, []))
        records = self.load_records()
        school = self.school_file
        if school is None:
            return None
        data = school.data or {}
        return School(
            id=data.get("id", ""),
            name=data.get("name", ""),
            stage=data.get("stage", "junior"),
            timezone=data.get("timezone", "Asia/Shanghai"),
            policies=tuple(data.get("policies", ())),
            exam_ranking=bool(data.get("exam_ranking", False)),
            require_signed_commits=bool(data.get("require_signed_commits", False)),
            teachers=MappingProxyType(self.teachers),
            students=MappingProxyType(self.students),
            classes=MappingProxyType(self.classes),
            semesters=tuple(sorted(self.semesters.values(), key=lambda s: s.start)),
            pairings=tuple(self.pairings),
            screening=self.screening,
            surveys=self.surveys,
            records=records,
            forms=self.forms,
        )

    def one(self, role: str, path: str, paths: set[str]) -> Checked | None:
        """The one file of a role; X216 only when it is absent (a broken one has its problems)."""
        files = self.by_role.get(role, [])
        if path not in paths:
            self.add(Location(path), "X216", file=path)
        return files[0] if files else None

    def load_teachers(self) -> None:
        seen: dict[str, Location] = {}
        for checked in self.by_role.get("teachers", []):
            for i, t in enumerate(checked.data.get("teachers", ()) if checked.data else ()):
                where = checked.loc("teachers", i, "id")
                if "id" not in t or not self.unique(
                    seen, t["id"], where, _what("工号", "teacher ID")
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
                    _what("班级代号", "class ID"),
                ):
                    self.classes[c["id"]] = SchoolClass(
                        c["id"], int(cohort or 0), c.get("number", 0)
                    )
        for checked in self.by_role.get("cohort", []):
            data = checked.data or {}
            for i, s in enumerate(data.get("students", ())):
                where = checked.loc("students", i, "id")
                if "id" not in s or not self.unique(
                    student_seen, s["id"], where, _what("学号", "student ID")
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
            profile=MappingProxyType({k: s[k] for k in _PROFILE if k in s}),
        )
        self.student_locs[s["id"]] = checked.loc("students", i, "id")

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
                grade_leaders=MappingProxyType(
                    {
                        g["cohort"]: g["teacher"]
                        for g in data.get("grade_leaders", ())
                        if len(g) == 2
                    }
                ),
            )
        self.check_overlaps()
        self.paths = paths
        self.require_semester_files(paths)

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
                detail=_what(
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
                detail=_what(
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
                    detail=_what(
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
            return _what(f"已于 {student.left.date} 离校", f"left on {student.left.date}")
        if student.class_id not in semester.class_ids:
            return _what(
                f"班级 {student.class_id} 不在本学期的在校班级中",
                f"class {student.class_id} is not in this semester's classes",
            )
        return None

    def load_pairings(self) -> None:
        for checked in self.by_role.get("pairings", []):
            semester_id = self.folder_matches(checked)
            if semester_id is None:
                continue
            semester = self.semesters[semester_id]
            self.paired.add(semester_id)
            items: dict[str, list[_Item]] = defaultdict(list)
            for i, p in enumerate((checked.data or {}).get("pairings", ())):
                mentor = p.get("mentor")
                if mentor is None:
                    continue
                span = self.pairing_span(checked, i, p, semester)
                if any(item.span == span for item in items[mentor]):
                    self.add(checked.loc("pairings", i, "mentor"), "X217", id=mentor)
                    continue
                items[mentor].append(self.pairing_item(checked, i, p, semester, span))
            for mentor, mine in items.items():
                self.add_pairing(mentor, mine, semester)
            self.check_coverage(semester)

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
    ) -> _Item:
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
        self.mentees[(semester.id, mentor)].update(students)
        return _Item(
            tuple(students), span, key, p.get("agreement"), checked.loc("pairings", i, "students")
        )

    def add_pairing(self, mentor: str, items: list[_Item], semester: Semester) -> None:
        """One mentor's items merged into the model's pairing; the cap on concurrent mentees."""
        whole = (semester.start, semester.end)
        cap = self.ratio_cap(mentor, semester)
        if cap is not None:
            peak, where = self.peak(items)
            if peak > cap:
                self.add(where, "X210", mentor=mentor, count=peak, cap=cap)
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
            )
        )

    def peak(self, items: list[_Item]) -> tuple[int, Location]:
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

    def load_screening(self) -> tuple[ScreeningEntry, ...]:
        entries = []
        for checked in self.by_role.get("screening", []):
            semester_id = self.folder_matches(checked)
            for e in (checked.data or {}).get("students", ()):
                if (
                    semester_id is not None
                    and len(e.keys() & {"student", "categories", "proposed_by", "decided"}) == 4
                ):
                    entries.append(
                        ScreeningEntry(
                            semester_id,
                            e["student"],
                            e["categories"],
                            e["proposed_by"],
                            e["decided"],
                            e.get("note"),
                        )
                    )
        return tuple(entries)

    def load_surveys(self) -> tuple[SurveyResult, ...]:
        results = []
        for checked in self.by_role.get("surveys", []):
            semester_id = self.folder_matches(checked)
            for r in (checked.data or {}).get("results", ()):
                if (
                    semester_id is not None
                    and len(r.keys() & {"mentor", "respondents", "responses"}) == 3
                ):
                    scores = MappingProxyType({k: float(r[k]) for k in _SURVEY_SCORES if k in r})
                    results.append(
                        SurveyResult(
                            semester_id, r["mentor"], r["respondents"], r["responses"], scores
                        )
                    )
        return tuple(results)

    def load_records(self) -> tuple[Record, ...]:
        records = []
        for checked in self.by_role.get(RECORD, []):
            record = self.check_record(checked)
            if record is not None:
                records.append(record)
        return tuple(sorted(records, key=lambda r: (r.date, r.path)))

    def check_path(self, checked: Checked, data: Mapping[str, Any], group: bool) -> None:
        """The path's mentor, subject, date and kind must agree with the front matter."""
        rp = record_path(checked.path)
        if rp is None:
            return
        subject = GROUP if group else data.get("student")
        pairs: list[tuple[str, str | None, Any]] = [
            ("mentor", rp.mentor, data.get("mentor")),
            ("group" if group else "student", rp.subject, subject),
        ]
        if rp.kind is not None:
            pairs += [
                ("date", rp.date, str(data["date"]) if "date" in data else None),
                ("kind", rp.kind, data.get("kind")),
            ]
        for name, in_path, in_file in pairs:
            if in_file is not None and in_path != in_file:
                key = "participants" if name == "group" else name
                self.add(checked.loc(key), "X212", field=name, in_path=in_path, in_file=in_file)

    def check_record(self, checked: Checked) -> Record | None:
        data = checked.data or {}
        kind = checked.kind
        if kind is None:
            return None
        group = self.forms.kinds[kind].base == GROUP
        self.check_path(checked, data, group)
        rp = record_path(checked.path)
        semester = self.semesters.get(rp.semester) if rp is not None else None
        date, mentor = data.get("date"), data.get("mentor")
        if date is not None and semester is not None and not semester.contains(date):
            self.add(
                checked.loc("date"),
                "X207",
                date=date,
                semester=semester.id,
                start=semester.start,
                end=semester.end,
            )
        if date is not None and date > self.today:
            self.add(checked.loc("date"), "X208", date=date, today=self.today)
        students = self.record_students(checked, data, group)
        if semester is not None and semester.id in self.paired and mentor in self.teachers:
            mentees = self.mentees.get((semester.id, mentor), set())
            for key, sid in students:
                if sid in self.students and sid not in mentees:
                    self.add(
                        checked.loc(*key), "X209", student=sid, mentor=mentor, semester=semester.id
                    )
                elif sid in mentees and isinstance(date, dt.date):
                    spans = self.spans[(semester.id, mentor, sid)]
                    if not any(a <= date <= b for a, b in spans):
                        self.add(
                            checked.loc("date"),
                            "X220",
                            student=sid,
                            mentor=mentor,
                            date=date,
                            spans=_what("、", ", ").join(
                                _what(f"{a} 至 {b}", f"{a} to {b}") for a, b in sorted(spans)
                            ),
                        )
        if date is None or mentor is None or semester is None or not students:
            return None
        cls = RECORD_CLASSES.get(kind, Record)
        return cls(
            path=checked.path,
            kind=kind,
            semester=semester.id,
            mentor=mentor,
            date=date,
            students=tuple(sid for _, sid in students),
            body=checked.body or "",
            fields=MappingProxyType(dict(data)),
        )

    def record_students(
        self, checked: Checked, data: Mapping[str, Any], group: bool
    ) -> list[tuple[tuple[Any, ...], str]]:
        """The students a record is about, with the key of each in the file."""
        if not group:
            return [(("student",), data["student"])] if "student" in data else []
        seen: list[tuple[tuple[Any, ...], str]] = []
        for j, sid in enumerate(data.get("participants", ())):
            if any(sid == s for _, s in seen):
                self.add(checked.loc("participants", j), "X217", id=sid)
                continue
            seen.append((("participants", j), sid))
        return seen
