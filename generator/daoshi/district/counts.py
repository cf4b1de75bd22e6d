"""The raw counts of one semester, before de-identification: the obligations engine's verdicts
per student added up by class, grade and school.

Every count is a cell named by a key of labels only (semester, unit, measure, part: never a
student or teacher ID), and every additive relation between cells (a grade is the sum of its
classes, met + unmet + due is the students an obligation applies to) is listed as a sum, so
that ``protect`` can make sure no hidden cell can be recovered. Pure functions of the model.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from daoshi.district.protect import Key, Sum
from daoshi.policy.obligations import (
    DUE_SOON,
    MET,
    OPEN,
    UNMET,
    UPCOMING,
    Check,
    Obligation,
    ObligationEngine,
)
from daoshi.records.model import School, Semester

SCHOOL_UNIT = "全校"
CRISIS_KIND = "crisis-report"
FOLLOW_UP_DAYS = 30  # a key student is followed up: a record about them in the last 30 days
LOAD_BANDS = ((1, 5), (6, 10), (11, 15), (16, None))
STUDENT_PARTS = ("met", "unmet", "due")  # + "subject", their sum
KEY_PARTS = ("followed_up", "not_followed_up")  # + "total"


@dataclass(frozen=True)
class Unit:
    """A row of the summary: the school, a grade or a class (labels, never IDs)."""

    level: str  # school | grade | class
    name: str  # 全校 · 初一 · 初一1班
    grade: str | None = None  # the grade of a class


@dataclass(frozen=True)
class Duty:
    """An obligation as the summary names it: where it comes from and what it asks."""

    key: str  # "school/talk" or "district/talk"
    source: str  # school (the school's own policies) | district (the district policy)
    obligation: Obligation


@dataclass
class SemesterCounts:
    """One semester's cells, the sums between them, and the figures about teachers."""

    semester: Semester
    units: list[Unit]
    duties: list[Duty]
    counts: dict[Key, int] = field(default_factory=dict)
    sums: list[Sum] = field(default_factory=list)
    mentors: dict[str, int] = field(default_factory=dict)  # per unit: distinct mentors
    mentor_load: dict[str, Any] = field(default_factory=dict)
    mentor_duties: dict[str, dict[str, int]] = field(default_factory=dict)
    months: list[str] = field(default_factory=list)
    record_kinds: list[str] = field(default_factory=list)


def student_status(checks: Iterable[Check]) -> str | None:
    """One student's standing on one obligation across its periods so far.

    unmet: a period has ended short; due: none has, but one running now is not met yet;
    met: every period begun is met. ``None`` when no period applies to the student.
    """
    statuses = {c.status for c in checks}
    if not statuses:
        return None
    if UNMET in statuses:
        return "unmet"
    if statuses & {OPEN, DUE_SOON, UPCOMING}:
        return "due"
    return "met" if MET in statuses else None


def engines(
    school: School, semester: Semester, district_policy: str | None
) -> list[tuple[str, ObligationEngine]]:
    """The engine under the school's policies and, if the forms know it, under the district's."""
    pairs = [("school", ObligationEngine(school, semester))]
    if district_policy and district_policy in school.forms.policies:
        # the district's measure is its own rule for every grade (no 年级政策 of the school)
        district = replace(semester, policies=(district_policy,), grade_policies={})
        pairs.append(("district", ObligationEngine(school, district)))
    return pairs


def _units(
    school: School, semester: Semester, students: Iterable[str]
) -> tuple[list[Unit], dict[str, Unit]]:
    """The school, its grades and classes in order, and each student's class unit."""
    of: dict[str, Unit] = {}
    for sid in students:
        klass = school.classes[school.students[sid].class_id]
        grade = school.grade_name(klass.cohort, semester)
        of[sid] = Unit("class", f"{grade}{klass.number}班", grade)
    classes = sorted(set(of.values()), key=lambda u: (_grade_order(u.grade), len(u.name), u.name))
    units = [Unit("school", SCHOOL_UNIT)]
    for grade in dict.fromkeys(str(u.grade) for u in classes):
        units.append(Unit("grade", grade))
        units += [u for u in classes if u.grade == grade]
    return units, of


def _grade_order(grade: str | None) -> int:
    names = ("初一", "初二", "初三", "高一", "高二", "高三")
    return names.index(grade) if grade in names else len(names)


class _Cells:
    """Adds counts up the tree: a class's count is also its grade's and the school's."""

    def __init__(self, semester: str, units: Sequence[Unit]) -> None:
        self.semester = semester
        self.units = units
        self.counts: dict[Key, int] = {}
        self.sums: list[Sum] = []

    def key(self, unit: str, *measure: str) -> Key:
        return (self.semester, unit, *measure)

    def declare(
        self, *measure: str, levels: tuple[str, ...] = ("school", "grade", "class")
    ) -> None:
        """A measure's cells at zero in every unit of those levels, and the tree's sums."""
        shown = [u for u in self.units if u.level in levels]
        for u in shown:
            self.counts.setdefault(self.key(u.name, *measure), 0)
        grades = [u for u in shown if u.level == "grade"]
        if grades and "school" in levels:
            parts = tuple(self.key(g.name, *measure) for g in grades)
            self.sums.append((self.key(SCHOOL_UNIT, *measure), parts))
        for g in grades:
            classes = tuple(self.key(u.name, *measure) for u in shown if u.grade == g.name)
            if classes:
                self.sums.append((self.key(g.name, *measure), classes))

    def partition(self, total: str, parts: Sequence[str], *measure: str) -> None:
        """In every unit: the ``total`` cell is the sum of the ``parts`` cells."""
        for u in self.units:
            if self.key(u.name, *measure, total) in self.counts:
                keys = tuple(self.key(u.name, *measure, p) for p in parts)
                self.sums.append((self.key(u.name, *measure, total), keys))

    def add(self, unit: Unit, *measure: str) -> None:
        """One more in the class (or grade) and every unit above it."""
        names = [SCHOOL_UNIT]
        if unit.level == "class":
            names += [str(unit.grade), unit.name]
        elif unit.level == "grade":
            names.append(unit.name)
        for name in names:
            key = self.key(name, *measure)
            if key in self.counts:
                self.counts[key] += 1


def semester_counts(
    school: School, semester: Semester, on: dt.date, district_policy: str | None
) -> SemesterCounts:
    """Every cell of one semester as of ``on``."""
    pairs = engines(school, semester, district_policy)
    paired = sorted(pairs[0][1].mentors)
    units, unit_of = _units(school, semester, paired)
    cells = _Cells(semester.id, units)
    duties = [Duty(f"{src}/{ob.id}", src, ob) for src, e in pairs for ob in e.obligations]
    result = SemesterCounts(semester, units, duties)

    cells.declare("students")
    for sid in paired:
        cells.add(unit_of[sid], "students")
    _obligation_cells(cells, pairs, paired, unit_of, on)
    _key_student_cells(cells, school, semester, paired, unit_of, on)
    _record_cells(cells, school, semester, unit_of, on, result)
    result.counts, result.sums = cells.counts, cells.sums
    _teacher_figures(result, pairs[0][1], pairs, unit_of, on)
    return result


def _obligation_cells(
    cells: _Cells,
    pairs: list[tuple[str, ObligationEngine]],
    paired: list[str],
    unit_of: dict[str, Unit],
    on: dt.date,
) -> None:
    for source, engine in pairs:
        for ob in engine.obligations:
            if ob.per != "student":
                continue
            duty = f"{source}/{ob.id}"
            for part in ("subject", *STUDENT_PARTS):
                cells.declare("obligation", duty, part)
            cells.partition("subject", STUDENT_PARTS, "obligation", duty)
            for sid in paired:
                state = student_status(engine.student_checks(sid, on, only=(ob.id,)))
                if state is not None:
                    cells.add(unit_of[sid], "obligation", duty, "subject")
                    cells.add(unit_of[sid], "obligation", duty, state)


def key_students(school: School, semester: Semester) -> set[str]:
    """The 1 of each mentor's 1+X and the students the screening decided on."""
    found = {p.key_student for p in school.pairings if p.semester == semester.id and p.key_student}
    found |= {e.student for e in school.screening if e.semester == semester.id and e.decided}
    return found


def _key_student_cells(
    cells: _Cells,
    school: School,
    semester: Semester,
    paired: list[str],
    unit_of: dict[str, Unit],
    on: dt.date,
) -> None:
    for part in ("total", *KEY_PARTS):
        cells.declare("key_students", part)
    cells.partition("total", KEY_PARTS, "key_students")
    last = min(on, semester.end)
    since = last - dt.timedelta(days=FOLLOW_UP_DAYS - 1)
    # a crisis report is no follow-up: counting it would let a key student's figure move
    # with a report the summary shows only for the whole school
    recent = {
        sid
        for r in school.records
        if r.semester == semester.id and since <= r.date <= last and r.kind != CRISIS_KIND
        for sid in r.students
    }
    keys = key_students(school, semester)
    for sid in paired:
        if sid in keys:
            cells.add(unit_of[sid], "key_students", "total")
            part = "followed_up" if sid in recent else "not_followed_up"
            cells.add(unit_of[sid], "key_students", part)


def months_of(semester: Semester, on: dt.date) -> list[str]:
    """``2026-09`` … for every month of the semester up to ``on``."""
    last = min(on, semester.end)
    months, day = [], semester.start.replace(day=1)
    while day <= last:
        months.append(f"{day.year:04d}-{day.month:02d}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _record_cells(
    cells: _Cells,
    school: School,
    semester: Semester,
    unit_of: dict[str, Unit],
    on: dt.date,
    result: SemesterCounts,
) -> None:
    """Records per kind per month by grade (a record counts in its first student's grade);
    crisis reports only for the whole school, never by grade or month."""
    result.months = months_of(semester, on)
    records = [
        r for r in school.records if r.semester == semester.id and r.date <= on and r.students
    ]
    result.record_kinds = sorted({r.kind for r in records if r.kind != CRISIS_KIND})
    for kind in result.record_kinds:
        for month in result.months:
            cells.declare("records", kind, month, levels=("school", "grade"))
    for name in ("reports", "students"):
        cells.declare("crisis", name, levels=("school",))
    crisis_students: set[str] = set()
    for r in records:
        if r.kind == CRISIS_KIND:
            cells.add(Unit("school", SCHOOL_UNIT), "crisis", "reports")
            crisis_students.update(r.students)
            continue
        month = f"{r.date.year:04d}-{r.date.month:02d}"
        first = unit_of.get(r.students[0]) if r.students else None  # training: no student
        grade = Unit("grade", str(first.grade)) if first else Unit("school", SCHOOL_UNIT)
        if first is not None and month in result.months:
            cells.add(grade, "records", r.kind, month)
    cells.counts[cells.key(SCHOOL_UNIT, "crisis", "students")] = len(crisis_students)


def _teacher_figures(
    result: SemesterCounts,
    engine: ObligationEngine,
    pairs: list[tuple[str, ObligationEngine]],
    unit_of: dict[str, Unit],
    on: dt.date,
) -> None:
    """Figures about mentors (teachers, not students): not suppressed, never named."""
    per_unit: dict[str, set[str]] = defaultdict(set)
    for sid, mentors in engine.mentors.items():
        unit = unit_of[sid]
        for name in (SCHOOL_UNIT, str(unit.grade), unit.name):
            per_unit[name] |= mentors
    result.mentors = {u.name: len(per_unit.get(u.name, ())) for u in result.units}
    loads = [len(students) for students in engine.mentees.values()]
    bands = Counter(_band(n) for n in loads)
    caps = {source: _ratio_cap(e) for source, e in pairs}
    result.mentor_load = {
        "mentors": len(loads),
        "max": max(loads, default=0),
        "bands": {label: bands.get(label, 0) for label in map(_band_label, LOAD_BANDS)},
        "ratio_cap": caps,
        "over_cap": {source: sum(n > cap for n in loads) for source, cap in caps.items()},
    }
    for source, e in pairs:
        for ob in e.obligations:
            if ob.per != "mentor":
                continue
            states = Counter(student_status(e.mentor_checks(m, on, (ob.id,))) for m in e.mentees)
            result.mentor_duties[f"{source}/{ob.id}"] = {p: states.get(p, 0) for p in STUDENT_PARTS}


def _band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"{low}-{high}" if high is not None else f"{low}+"


def _band(n: int) -> str:
    for band in LOAD_BANDS:
        if n >= band[0] and (band[1] is None or n <= band[1]):
            return _band_label(band)
    return _band_label(LOAD_BANDS[0])


def _ratio_cap(engine: ObligationEngine) -> int:
    """The strictest mentor:student cap of the engine's policies (15 if none says)."""
    policies = engine.forms.policies
    caps = [policies[p].ratio_cap for p in engine.semester.policies if p in policies]
    return min(caps, default=15)
