"""Who mentors whom in each semester of the demo school, and its one crisis case.

A cohort's team of teachers mentors it from entry to graduation; each mentor is attached
to one class and keeps most mentees from one semester to the next. A few key students get
a second mentor (多对一), and every mentor has a key student (the 1 of 1+X).
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass

from .school import DAY, Cohort, Student, Teacher, Term, rng_for

CAP = 15  # district ratio cap 1:15
CHURN = 0.04  # share of a cohort's students who change mentor between semesters
SECOND_MENTOR_LIMIT = 13  # a mentor takes an extra key student only below this load


@dataclass(frozen=True)
class TermPairing:
    """One semester's pairing table."""

    mentees: dict[str, list[str]]  # mentor -> students, sorted
    mentors: dict[str, list[str]]  # student -> mentors, the primary one first
    key: dict[str, str]  # mentor -> key student


@dataclass(frozen=True)
class Crisis:
    """The school's one crisis report: who, when, written by whom, reported to whom."""

    term_index: int
    student: str
    mentor: str
    date: datetime.date
    reported_to: tuple[str, ...]


def _split(
    rng: random.Random, cohort: Cohort, students: list[Student], primary: dict[str, str]
) -> None:
    """A new cohort: each class's students dealt out to the class's mentors."""
    for klass, mentors in cohort.homes.items():
        members = [s for s in students if s.klass == klass]
        rng.shuffle(members)
        for i, s in enumerate(members):
            primary[s.id] = mentors[i % len(mentors)]


def _churn(
    rng: random.Random, cohort: Cohort, students: list[Student], primary: dict[str, str]
) -> None:
    """A few students move to another mentor of their class (two-way selection, changes)."""
    loads = Counter(primary[s.id] for s in students)
    for _ in range(round(len(students) * CHURN)):
        s = rng.choice(students)
        targets = [m for m in cohort.homes[s.klass] if m != primary[s.id] and loads[m] < 11]
        if targets:
            target = rng.choice(targets)
            loads[primary[s.id]] -= 1
            loads[target] += 1
            primary[s.id] = target


def _second_mentors(
    rng: random.Random,
    term: Term,
    cohort: Cohort,
    students: list[Student],
    mentors: dict[str, list[str]],
) -> None:
    loads = Counter(m for ms in mentors.values() for m in ms)
    keys = [s for s in students if s.is_key(term.index)]
    count = min(len(keys), max(1, len(cohort.classes) // 2))
    for s in rng.sample(keys, count):
        for m in cohort.homes[s.klass]:
            if m not in mentors[s.id] and loads[m] < SECOND_MENTOR_LIMIT:
                mentors[s.id].append(m)
                loads[m] += 1
                break


def _keys(
    rng: random.Random,
    term: Term,
    mentees: dict[str, list[str]],
    by_id: dict[str, Student],
    primary: dict[str, str],
    previous: dict[str, str],
) -> dict[str, str]:
    keys = {}
    for mentor, students in mentees.items():
        if previous.get(mentor) in students:
            keys[mentor] = previous[mentor]
            continue
        own = [s for s in students if by_id[s].is_key(term.index) and primary[s] == mentor]
        keys[mentor] = rng.choice(own or students)
    previous.update(keys)
    return keys


def _crisis(
    rng: random.Random,
    term: Term,
    pairing: TermPairing,
    by_id: dict[str, Student],
    teachers: list[Teacher],
    as_of: datetime.date,
) -> Crisis:
    """A key student with emotional problems, if there is one, whose mentor is diligent."""
    psych = next(t.id for t in teachers if "psych" in t.roles)
    leader = next(t.id for t in teachers if "leader" in t.roles)
    fit = {t.id for t in teachers if t.diligence != "neglectful" and t.id not in (psych, leader)}
    pool = [
        s
        for sid, ms in sorted(pairing.mentors.items())
        if ms[0] in fit and (s := by_id[sid]).last_day(term) == term.end
    ]
    emotional = [s for s in pool if s.is_key(term.index) and "emotional" in s.categories]
    keyed = [s for s in pool if s.is_key(term.index)]
    student = rng.choice(emotional or keyed or pool or [by_id[min(pairing.mentors)]])
    low, high = term.start + 30 * DAY, min(term.end, as_of) - 20 * DAY
    if low > high:
        low, high = term.start, max(term.start, min(term.end, as_of) - DAY)
    date = low + rng.randint(0, (high - low).days) * DAY
    return Crisis(term.index, student.id, pairing.mentors[student.id][0], date, (psych, leader))


def _mentors(
    rng: random.Random, term: Term, cohorts: list[Cohort], primary: dict[str, str]
) -> dict[str, list[str]]:
    """Student -> mentors for one term, carrying ``primary`` over from the term before."""
    mentors: dict[str, list[str]] = {}
    for cohort in (c for c in cohorts if c.in_school(term)):
        students = [s for s in cohort.students if s.in_school(term)]
        if any(s.id in primary for s in students):
            _churn(rng, cohort, students, primary)
        else:
            _split(rng, cohort, students, primary)
        mentors.update((s.id, [primary[s.id]]) for s in students)
        _second_mentors(rng, term, cohort, students, mentors)
    return mentors


def _mentees(term: Term, mentors: dict[str, list[str]]) -> dict[str, list[str]]:
    mentees: dict[str, list[str]] = {}
    for sid in sorted(mentors):
        for m in mentors[sid]:
            mentees.setdefault(m, []).append(sid)
    over = [m for m, students in mentees.items() if len(students) > CAP]
    if over:
        raise RuntimeError(f"demo pairing over the cap in {term.id}: {over}")
    return dict(sorted(mentees.items()))


def make_pairings(
    seed: int,
    terms: list[Term],
    cohorts: list[Cohort],
    teachers: list[Teacher],
    as_of: datetime.date,
) -> tuple[list[TermPairing], Crisis | None]:
    """The pairing table of every semester, and the crisis case (in a finished semester;
    ``None`` only when no semester has a student).

    After the crisis the school's psychological teacher becomes the student's second mentor.
    """
    by_id = {s.id: s for c in cohorts for s in c.students}
    psych = next(t.id for t in teachers if "psych" in t.roles)
    finished = [t for t in terms if t.end <= as_of] or [terms[-1]]
    crisis_term = rng_for(seed, "crisis").choice(finished)
    crisis: Crisis | None = None
    primary: dict[str, str] = {}
    previous_keys: dict[str, str] = {}
    result = []
    for term in terms:
        rng = rng_for(seed, "pairing", term.id)
        mentors = _mentors(rng, term, cohorts, primary)
        if crisis is not None and crisis.student in mentors:
            first = mentors[crisis.student][0]
            mentors[crisis.student] = [first] if first == psych else [first, psych]
        mentees = _mentees(term, mentors)
        keys = _keys(rng, term, mentees, by_id, primary, previous_keys)
        pairing = TermPairing(mentees, mentors, keys)
        result.append(pairing)
        if crisis is None and term.index >= crisis_term.index and pairing.mentors:
            crisis_rng = rng_for(seed, "crisis", term.id)
            crisis = _crisis(crisis_rng, term, pairing, by_id, teachers, as_of)
    return result, crisis
