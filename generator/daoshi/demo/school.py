"""The demo school's calendar and people: semesters, teachers, cohorts, students, leavers.

Everything is drawn from ``random.Random`` instances seeded from the demo's seed and a
purpose string, so one part can change without reshuffling the others.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field

from . import names

GRADES = 3  # a junior middle school: 初一, 初二, 初三
CLASS_SIZE = 45
MENTEES_PER_TEACHER = 9
ROUNDS = 4
DILIGENCE_SHARES = (("diligent", 0.35), ("neglectful", 0.20))  # the rest are "average"
SPECIAL_ROLES = ("leader", "leader", "moral_office", "psych", "reviewer", "reviewer")
DAY = datetime.timedelta(days=1)


def reception_days(term: Term) -> list[datetime.date]:
    """青浦实验中学“定期受导学生家长接待日”: a Friday in each of the semester's second,
    third and fourth months."""
    days = []
    for k in (1, 2, 3):
        day = term.start + (30 * k + 14) * DAY
        days.append(day + ((4 - day.weekday()) % 7) * DAY)
    return [d for d in days if d <= term.end]


def rng_for(seed: int, *purpose: object) -> random.Random:
    """A generator of its own for one purpose (string seeds are stable across runs)."""
    return random.Random(":".join(str(p) for p in (seed, *purpose)))


@dataclass(frozen=True)
class Term:
    """One semester: ``2025-2026-1`` is term 1 of the school year starting in 2025."""

    index: int
    year: int
    number: int
    start: datetime.date
    end: datetime.date
    rounds: tuple[tuple[datetime.date, datetime.date], ...]

    @property
    def id(self) -> str:
        return f"{self.year}-{self.year + 1}-{self.number}"


def term_dates(year: int, number: int) -> tuple[datetime.date, datetime.date]:
    """First and last day: term 1 is 1 Sep – 20 Jan, term 2 is 20 Feb – 5 Jul."""
    if number == 1:
        return datetime.date(year, 9, 1), datetime.date(year + 1, 1, 20)
    return datetime.date(year + 1, 2, 20), datetime.date(year + 1, 7, 5)


def _rounds(
    start: datetime.date, end: datetime.date
) -> tuple[tuple[datetime.date, datetime.date], ...]:
    """The semester cut into four rounds (轮) of nearly equal length."""
    days = (end - start).days + 1
    cuts = [start + datetime.timedelta(days=days * k // ROUNDS) for k in range(ROUNDS + 1)]
    return tuple((cuts[k], cuts[k + 1] - DAY) for k in range(ROUNDS))


def make_terms(as_of: datetime.date, count: int) -> list[Term]:
    """``count`` terms ending with the latest one that has started by ``as_of``."""
    year, number = as_of.year, 1
    if term_dates(year, 1)[0] > as_of:
        year, number = year - 1, 2
        if term_dates(year, 2)[0] > as_of:
            number = 1
    keys = [(year, number)]
    while len(keys) < count:
        y, n = keys[-1]
        keys.append((y, 1) if n == 2 else (y - 1, 2))
    keys.reverse()
    terms = []
    for index, (y, n) in enumerate(keys):
        start, end = term_dates(y, n)
        terms.append(Term(index, y, n, start, end, _rounds(start, end)))
    return terms


@dataclass
class Teacher:
    id: str
    name: str
    gender: str
    subjects: list[str]
    team: int
    diligence: str = "average"
    roles: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def email(self) -> str:
        return f"{self.id.lower()}@demo-school.invalid"


@dataclass
class Student:
    id: str
    name: str
    gender: str
    cohort: int
    klass: str
    interests: str | None = None
    family: str | None = None
    health: str | None = None
    categories: tuple[str, ...] = ()
    screened_from: int = 0  # index of the first term the student is on the screening list
    decided_first: bool = True  # whether the grade group confirmed the first listing
    left: datetime.date | None = None
    left_reason: str | None = None

    def in_school(self, term: Term) -> bool:
        return self.left is None or self.left > term.start

    def last_day(self, term: Term) -> datetime.date:
        """The last day a record about the student can carry in ``term``."""
        if self.left is not None and self.left <= term.end:
            return self.left - DAY
        return term.end

    def is_key(self, term_index: int) -> bool:
        """A key student (重点帮扶) confirmed by the grade group in that term."""
        if not self.categories or term_index < self.screened_from:
            return False
        return term_index > self.screened_from or self.decided_first


@dataclass
class Cohort:
    year: int
    team: int
    classes: list[str]
    students: list[Student]
    class_teachers: dict[str, str] = field(default_factory=dict)
    homes: dict[str, list[str]] = field(default_factory=dict)  # class -> its mentors

    def in_school(self, term: Term) -> bool:
        return self.year <= term.year < self.year + GRADES


def make_teachers(seed: int, count: int, teams: int) -> list[Teacher]:
    """Teachers T001…: subjects, roles, tags, how diligent a mentor each one is."""
    rng = rng_for(seed, "teachers")
    teachers = []
    for i in range(count):
        female = rng.random() < 0.65
        first = rng.choices(names.SUBJECTS, names.SUBJECT_WEIGHTS)[0]
        subjects = [first]
        if rng.random() < 0.15:
            second = rng.choice(names.SUBJECTS)
            if second != first:
                subjects.append(second)
        name = names.person_name(rng, female, adult=True)
        gender = "female" if female else "male"
        teachers.append(Teacher(f"T{i + 1:03d}", name, gender, subjects, i % teams))
    for j, role in enumerate(SPECIAL_ROLES):
        teachers[j % count].roles.append(role)
    teachers[0].roles.append("admin")  # the first leader also runs the records repository
    for t in range(teams):
        team = sorted((x for x in teachers if x.team == t), key=lambda x: len(x.roles))
        team[0].roles.append("grade_leader")
    for teacher in teachers:
        if "psych" in teacher.roles:
            teacher.subjects = [names.PSYCH_SUBJECT]
        cadre = {"leader", "moral_office", "grade_leader"} & set(teacher.roles)
        if "leader" in teacher.roles or rng.random() < 0.3:
            teacher.tags.append("party_member")
        if cadre:
            teacher.tags.append("cadre")
    # One cadre outside the Party is an activist (入党积极分子): no draw from the stream, and
    # the tag gives no priority a cadre does not already have, so no pairing changes.
    activist = next((t for t in teachers if t.tags == ["cadre"]), None)
    if activist is not None:
        activist.tags.append("party_activist")
    order = list(range(count))
    rng.shuffle(order)
    cut = 0
    for level, share in DILIGENCE_SHARES:
        size = round(share * count)
        for i in order[cut : cut + size]:
            teachers[i].diligence = level
        cut += size
    return teachers


def teacher_count(students: int) -> int:
    return max(5, round(students / MENTEES_PER_TEACHER))


def team_count(students: int) -> int:
    """One grade for a tiny demo; otherwise a whole school (three grades), so that two
    semesters already hold a graduating grade and an entering one."""
    return 1 if students < 90 else GRADES


def cohort_years(terms: list[Term], teams: int) -> list[int]:
    """Entry years of the cohorts in school at some term; one team follows one cohort."""
    first = terms[0].year
    step = GRADES // teams
    years = range(first - GRADES + 1, terms[-1].year + 1)
    return [c for c in years if (c - first) % step == 0 and c + GRADES > first]


def cohort_sizes(years: list[int], students: int, first: int) -> dict[int, int]:
    """Sizes: the starting cohorts share ``students``; a new one matches the one it replaces."""
    initial = [c for c in years if c <= first]
    base, rest = divmod(students, len(initial))
    sizes = {c: base + (1 if i < rest else 0) for i, c in enumerate(initial)}
    for c in years:
        if c not in sizes:
            sizes[c] = sizes.get(c - GRADES, base)
    return sizes


def make_cohort(seed: int, year: int, size: int, team: int, first_index: int) -> Cohort:
    """One entry year: its classes of about 45 and its students, a few of them key students."""
    rng = rng_for(seed, "cohort", year)
    n_classes = min(40, max(1, math.ceil(size / CLASS_SIZE)))
    classes = [f"C{year}-{k + 1:02d}" for k in range(n_classes)]
    students = []
    for k in range(size):
        female = rng.random() < 0.5
        klass = classes[k * n_classes // size]
        sid = f"S{year % 100:02d}{k + 1:04d}"
        name = names.person_name(rng, female)
        students.append(Student(sid, name, "female" if female else "male", year, klass))
    for klass in classes:
        members = [s for s in students if s.klass == klass]
        for s in rng.sample(members, min(len(members), rng.randint(2, 4))):
            s.categories = names.pick_categories(rng)
            s.screened_from = first_index + (1 if rng.random() < 0.2 else 0)
            s.decided_first = rng.random() > 0.25
    for s in students:
        s.interests, s.family, s.health = names.student_profile(rng, s.categories)
    return Cohort(year, team, classes, students)


def assign_class_teams(seed: int, cohort: Cohort, teachers: list[Teacher]) -> None:
    """Class teachers from the cohort's team (those without other duties first), and each
    other team member attached to one class whose students they mentor."""
    rng = rng_for(seed, "homes", cohort.year)
    team = [t for t in teachers if t.team == cohort.team]
    free = [t.id for t in team if not t.roles]
    busy = [t.id for t in team if t.roles]
    rng.shuffle(free)
    candidates = free + busy
    cohort.class_teachers = {
        klass: candidates[k % len(candidates)] for k, klass in enumerate(cohort.classes)
    }
    cohort.homes = {klass: [ct] for klass, ct in cohort.class_teachers.items()}
    others = [tid for tid in candidates if tid not in cohort.class_teachers.values()]
    for k, tid in enumerate(others):
        cohort.homes[cohort.classes[k % len(cohort.classes)]].append(tid)


def add_leavers(seed: int, terms: list[Term], cohorts: list[Cohort], as_of: datetime.date) -> None:
    """A few transfers (转学) and one or two drop-outs (流失) during the semesters."""
    rng = rng_for(seed, "leavers")
    total = sum(len(c.students) for c in cohorts if c.in_school(terms[0]))
    transfers = max(1, round(total * len(terms) * 0.003))
    dropouts = 1 if total < 1000 else 2
    windows = []
    for term in terms:
        low, high = term.start + 21 * DAY, min(term.end, as_of) - 7 * DAY
        if low <= high:
            windows.append((term, low, high))
    if not windows:
        return
    for reason in ["dropped_out"] * dropouts + ["transferred"] * transfers:
        term, low, high = rng.choice(windows)
        pool = [
            s
            for c in cohorts
            if c.in_school(term)
            for s in c.students
            if s.left is None and s.in_school(term)
        ]
        wanted = [s for s in pool if {"behaviour", "learning"} & set(s.categories)]
        if reason == "dropped_out" and wanted:
            pool = wanted
        if pool:
            student = rng.choice(pool)
            student.left = low + rng.randint(0, (high - low).days) * DAY
            student.left_reason = reason


def add_graduations(terms: list[Term], cohorts: list[Cohort]) -> None:
    """Students of a cohort that finished 初三 before a later term in the demo graduated,
    on the day after the last semester (as ``daoshi new-semester`` writes it)."""
    years = {t.year for t in terms}
    for cohort in cohorts:
        if cohort.year + GRADES in years:
            end = term_dates(cohort.year + GRADES - 1, 2)[1]
            for s in cohort.students:
                if s.left is None:
                    s.left, s.left_reason = end + DAY, "graduated"
