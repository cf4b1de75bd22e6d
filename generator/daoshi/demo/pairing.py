"""Who mentors whom in each semester of the demo school, and its one crisis case.

A cohort's team of teachers mentors it from entry to graduation; each mentor is attached
to one class and keeps most mentees from one semester to the next. A few key students get
a second mentor (多对一), and every mentor has a key student (the 1 of 1+X).

A cohort that enters at a school-year start is paired by two-way selection: its students
rank teachers of their team, the teachers state capacities, ``daoshi.year.matching`` proposes
the pairing, and the office adjusts it by hand. In one semester one student changes mentor
midway (a dated pairing).

One module, not several: every draw of the pairing (teams, selection, mentors' choices,
needs, key students, the crisis) comes from one random stream in one order, which keeps
the demo school the same for a seed; split, that order would be spread over modules.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field, replace

from daoshi.year.matching import PRIORITY_TAGS, Applicant, Mentor, Outcome, match

from .school import DAY, Cohort, Student, Teacher, Term, rng_for

CAP = 15  # district ratio cap 1:15
CHURN = 0.04  # share of a cohort's students who change mentor between semesters
SECOND_MENTOR_LIMIT = 13  # a mentor takes an extra key student only below this load
CHOICES = 3  # mentors a new student ranks in the two-way selection
Table = dict[str, list[str]]  # mentor -> students


@dataclass(frozen=True)
class MentorChange:
    """A mid-year change of mentor: ``new`` takes over ``student`` from ``day``."""

    student: str
    old: str
    new: str
    day: datetime.date


@dataclass
class Selection:
    """A school-year start's two-way selection: what each commit of the round writes."""

    carried: Table  # the table ``daoshi new-semester`` carries forward
    carried_keys: dict[str, str]
    choices: dict[str, list[str]]  # student -> ranked mentors (who filled the form in)
    capacities: dict[str, int]  # mentor -> stated capacity
    chosen: dict[str, list[str]] = field(default_factory=dict)  # mentor -> students they chose
    mutual: dict[str, list[str]] = field(default_factory=dict)  # mentor -> 双向选中 students
    needs: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # areas, subjects
    proposal: Table = field(default_factory=dict)  # carried + what ``daoshi match`` adds
    proposal_keys: dict[str, str] = field(default_factory=dict)
    edits: list[str] = field(default_factory=list)  # the office's hand adjustments
    entering: set[str] = field(default_factory=set)  # the students who took part


@dataclass(frozen=True)
class TermPairing:
    """One semester's pairing table."""

    mentees: dict[str, list[str]]  # mentor -> students, sorted
    mentors: dict[str, list[str]]  # student -> mentors, the primary one first
    key: dict[str, str]  # mentor -> key student
    change: MentorChange | None = None
    selection: Selection | None = None

    def span(self, term: Term, mentor: str, student: str) -> tuple[datetime.date, datetime.date]:
        """The days ``mentor`` mentors ``student`` in the term (all of it but for a change)."""
        c = self.change
        if c is not None and c.student == student and mentor in (c.old, c.new):
            return (term.start, c.day - DAY) if mentor == c.old else (c.day, term.end)
        return term.start, term.end

    def is_primary(self, mentor: str, student: str) -> bool:
        c = self.change
        changed = c is not None and c.student == student and mentor == c.new
        return changed or self.mentors[student][0] == mentor


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
    rng: random.Random,
    term: Term,
    cohorts: list[Cohort],
    primary: dict[str, str],
    selection: Selection | None,
    teachers: list[Teacher],
) -> dict[str, list[str]]:
    """Student -> mentors for one term, carrying ``primary`` over from the term before."""
    mentors: dict[str, list[str]] = {}
    for cohort in (c for c in cohorts if c.in_school(term)):
        students = [s for s in cohort.students if s.in_school(term)]
        if any(s.id in primary for s in students):
            _churn(rng, cohort, students, primary)
        elif selection is not None:
            _select(rng, term, cohort, students, primary, mentors, selection, teachers)
        else:
            _split(rng, cohort, students, primary)
        mentors.update((s.id, [primary[s.id]]) for s in students)
        _second_mentors(rng, term, cohort, students, mentors)
    return mentors


def _select(
    rng: random.Random,
    term: Term,
    cohort: Cohort,
    students: list[Student],
    primary: dict[str, str],
    mentors: dict[str, list[str]],
    selection: Selection,
    teachers: list[Teacher],
) -> None:
    """Two-way selection for an entering cohort: ranked choices, stated capacities,
    ``daoshi.year.matching.match``, then the office's hand adjustments."""
    team = [t for t in teachers if t.team == cohort.team]
    loads = Counter(m for ms in mentors.values() for m in ms)
    home = {tid: klass for klass, tids in cohort.homes.items() for tid in tids}
    room: dict[str, Mentor] = {}
    for t in team:
        stated = rng.randint(9, 12)
        selection.capacities[t.id] = stated
        room[t.id] = Mentor(
            t.id,
            max(0, min(stated, CAP - loads[t.id])),
            priority=bool(PRIORITY_TAGS & set(t.tags)),
            class_teacher_of=frozenset(k for k, ct in cohort.class_teachers.items() if ct == t.id),
            teaches=frozenset(k for k in (home.get(t.id),) if k),
        )
    applicants = []
    selection.entering.update(s.id for s in students)
    for s in students:
        if rng.random() < 0.06:  # did not fill the questionnaire in
            choices: list[str] = []
        else:
            order = sorted(team, key=lambda t: rng.random() - (home.get(t.id) == s.klass))
            choices = [t.id for t in order[:CHOICES]]
            selection.choices[s.id] = choices
        applicants.append(Applicant(s.id, s.klass, tuple(choices), s.is_key(term.index)))
    names = {t.id: t.name for t in team}
    outcome = match(applicants, room, names=names)
    outcome = _mentors_choose(cohort, applicants, room, outcome, selection, names)
    outcome = _needs(term, students, team, applicants, room, outcome, selection, names)
    primary.update(outcome.assignment)
    for sid, mid in sorted(outcome.assignment.items()):
        selection.proposal.setdefault(mid, []).append(sid)
        keys = selection.proposal_keys
        if mid not in keys and next(a for a in applicants if a.id == sid).key:
            keys[mid] = sid
    load = Counter(primary[s.id] for s in students if s.id in primary)
    for sid in outcome.unmatched:  # the office places them by hand (class mentors first)
        klass = next(s.klass for s in students if s.id == sid)
        mid = min(cohort.homes[klass], key=lambda m: (load[m], m))
        primary[sid] = mid
        load[mid] += 1
        selection.edits.append(f"{sid} 由 {mid} 指导（匹配未分配）")
    placed = sorted(sid for sid, r in outcome.rank.items() if r is None) or sorted(
        outcome.assignment
    )
    if placed:  # a parent asks for the student's first choice; the office agrees
        sid = rng.choice(placed)
        wanted = selection.choices.get(sid, [])
        target = next((m for m in wanted if m != primary[sid] and load[m] < CAP - 2), None)
        if target is not None:
            load[primary[sid]] -= 1
            load[target] += 1
            selection.edits.append(f"{sid} 改由第一志愿 {target} 指导（家长申请）")
            primary[sid] = target


def _mentors_choose(
    cohort: Cohort,
    applicants: list[Applicant],
    room: dict[str, Mentor],
    outcome: Outcome,
    selection: Selection,
    names: dict[str, str],
) -> Outcome:
    """The mentors' side (枣庄：“导师依照本人所掌握的班级情况，选择4名受导学生”): each class
    teacher chooses up to two students of their class who put them first. Drawn from no
    random stream and limited to students the match gave them anyway, so the seed's pairing
    is unchanged (checked: the match with the choices must agree, else none are kept)."""
    chosen: dict[str, list[str]] = {}
    for klass, tid in sorted(cohort.class_teachers.items()):
        if tid not in room:
            continue
        mine = [
            a.id
            for a in applicants
            if a.class_id == klass
            and a.choices[:1] == (tid,)
            and outcome.assignment.get(a.id) == tid
        ]
        if mine:
            chosen[tid] = sorted(mine)[:2]
    if not chosen:
        return outcome
    with_choices = {
        mid: replace(m, chosen=frozenset(chosen.get(mid, ()))) for mid, m in room.items()
    }
    again = match(applicants, with_choices, names=names)
    if again.assignment != outcome.assignment:
        return outcome
    selection.chosen.update(chosen)
    for sid in again.mutual:
        selection.mutual.setdefault(again.assignment[sid], []).append(sid)
    return again


def _needs(
    term: Term,
    students: list[Student],
    team: list[Teacher],
    applicants: list[Applicant],
    room: dict[str, Mentor],
    outcome: Outcome,
    selection: Selection,
    names: dict[str, str],
) -> Outcome:
    """The needs questionnaire (枣庄：“通过简单的调查咨询卷理解学生的需要”): most students
    name an area or two, some a subject, from a stream of their own (seeded by the cohort's
    names, so every seed differs). The match with them must agree with the one without
    (needs only break ties), else no answers are kept: the seed's pairing never changes."""
    rng = random.Random("needs:" + term.id + "".join(s.name for s in students))
    subjects = sorted({x for t in team for x in t.subjects})
    answers: dict[str, tuple[list[str], list[str]]] = {}
    for s in students:
        if rng.random() < 0.15:  # did not answer
            continue
        areas = sorted(rng.sample(NEED_AREAS, rng.choice((1, 1, 2))), key=NEED_AREAS.index)
        wanted = [rng.choice(subjects)] if "study" in areas and subjects else []
        answers[s.id] = (areas, wanted)
    asked = [replace(a, needs=frozenset(answers.get(a.id, ((), ()))[1])) for a in applicants]
    helped = {mid: replace(m, subjects=frozenset(_subjects(team, mid))) for mid, m in room.items()}
    again = match(asked, helped, names=names)
    if again.assignment != outcome.assignment:
        return outcome
    selection.needs.update(answers)
    return again


def _subjects(team: list[Teacher], tid: str) -> list[str]:
    return next((t.subjects for t in team if t.id == tid), [])


NEED_AREAS = ("study", "emotion", "relationships", "family", "habits", "future")


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
    change_term = next((t for t in reversed(terms) if _change_window(t, as_of)), None)
    crisis: Crisis | None = None
    primary: dict[str, str] = {}
    previous_keys: dict[str, str] = {}
    result: list[TermPairing] = []
    for term in terms:
        rng = rng_for(seed, "pairing", term.id)
        selection = _carried(term, cohorts, result, by_id)
        mentors = _mentors(rng, term, cohorts, primary, selection, teachers)
        if crisis is not None and crisis.student in mentors:
            first = mentors[crisis.student][0]
            mentors[crisis.student] = [first] if first == psych else [first, psych]
        if selection is not None:
            _finish_selection(selection, mentors)
        mentees = _mentees(term, mentors)
        keys = _keys(rng, term, mentees, by_id, primary, previous_keys)
        pairing = TermPairing(mentees, mentors, keys, selection=selection)
        if crisis is None and term.index >= crisis_term.index and pairing.mentors:
            crisis_rng = rng_for(seed, "crisis", term.id)
            crisis = _crisis(crisis_rng, term, pairing, by_id, teachers, as_of)
        if term is change_term:
            pairing = _change(rng_for(seed, "change", term.id), term, pairing, by_id, crisis, as_of)
            if pairing.change is not None:
                primary[pairing.change.student] = pairing.change.new
        result.append(pairing)
    return result, crisis


def _carried(
    term: Term, cohorts: list[Cohort], done: list[TermPairing], by_id: dict[str, Student]
) -> Selection | None:
    """At a later school-year start with an entering cohort: the table carried forward."""
    entering = [c for c in cohorts if c.year == term.year]
    if term.number != 1 or not done or not entering:
        return None
    before = done[-1]
    carried: Table = {}
    for mentor, students in before.mentees.items():
        kept = [s for s in students if by_id[s].in_school(term)]
        c = before.change
        if c is not None and mentor == c.old and c.student in kept:
            kept.remove(c.student)  # only the mentor of the last day carries on
        if kept:
            carried[mentor] = kept
    keys = {m: k for m, k in before.key.items() if k in carried.get(m, ())}
    return Selection(carried, keys, {}, {})


def _finish_selection(selection: Selection, mentors: dict[str, list[str]]) -> None:
    """The proposal as ``daoshi match`` writes it (added to the carried table), and the
    key students given a second mentor by hand (多对一)."""
    proposal = {m: list(s) for m, s in selection.carried.items()}
    for mid, new in selection.proposal.items():
        proposal.setdefault(mid, []).extend(new)
    keys = dict(selection.carried_keys)
    for mid, sid in selection.proposal_keys.items():
        keys.setdefault(mid, sid)
    selection.proposal, selection.proposal_keys = proposal, keys
    named = {e.split(" ", 1)[0] for e in selection.edits}
    before: dict[str, list[str]] = {}
    for mid, students in sorted(proposal.items()):
        for sid in students:
            before.setdefault(sid, []).append(mid)
    for sid, ms in sorted(mentors.items()):
        old, new = before.get(sid, []), ms
        if sid in named or set(old) == set(new):
            continue
        if old and new[0] not in old:
            selection.edits.append(f"{sid} 改由 {new[0]} 指导（原 {'、'.join(old)}）")
        elif len(new) > len(old):
            selection.edits.append(f"{sid} 增加第二位导师 {new[-1]}（多对一）")
        else:
            gone = "、".join(m for m in old if m not in new)
            selection.edits.append(f"{sid} 不再由 {gone} 指导")


def _change_window(term: Term, as_of: datetime.date) -> bool:
    return term.start + 40 * DAY <= min(term.end, as_of) - 21 * DAY


def _change(
    rng: random.Random,
    term: Term,
    pairing: TermPairing,
    by_id: dict[str, Student],
    crisis: Crisis | None,
    as_of: datetime.date,
) -> TermPairing:
    """One student changes mentor midway: a mentor of the same class with room takes over."""
    loads = Counter(m for ms in pairing.mentors.values() for m in ms)
    keys = set(pairing.key.values())
    homes = {m: by_id[ss[0]].klass for m, ss in pairing.mentees.items()}
    pool = []
    for sid, ms in sorted(pairing.mentors.items()):
        student = by_id[sid]
        if len(ms) != 1 or sid in keys or student.last_day(term) != term.end:
            continue
        if crisis is not None and crisis.student == sid:
            continue
        others = [
            m
            for m, klass in homes.items()
            if klass == student.klass and m != ms[0] and loads[m] < CAP - 1
        ]
        if others and len(pairing.mentees[ms[0]]) > 2:
            pool.append((sid, ms[0], others))
    if not pool:
        return pairing
    sid, old, others = rng.choice(pool)
    new = rng.choice(others)
    high = min(term.end, as_of) - 21 * DAY
    day = term.start + 40 * DAY + rng.randint(0, max(0, (high - term.start).days - 40)) * DAY
    mentees = {m: sorted([*ss, sid]) if m == new else ss for m, ss in pairing.mentees.items()}
    mentors = {**pairing.mentors, sid: [old, new]}
    return TermPairing(
        mentees, mentors, pairing.key, MentorChange(sid, old, new, day), pairing.selection
    )
