"""The obligations engine: who must write what, how often, and where each stands on a date.

Obligations are data (the ``obligations`` list of each policy in ``forms/policies/``); a
semester applies the union of its policies' obligations (一校一策). For any date the engine
says, per student and per mentor, which periods are met, unmet, due soon or still open,
which records met them, and who answers for each: the mentor paired on the period's last
day (dated pairing periods honoured, ``settings.responsible``), nobody for a student with
no mentor (listed as 未对接, ``settings.unpaired``). A record counts by the one definition
in ``daoshi.policy.counting``. Pure functions of the model; see docs/obligations.md.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from daoshi.policy.checks import Check, Exemption, behind_text, tally
from daoshi.policy.counting import Counting, counting_of, credited, why_not_counted
from daoshi.policy.duties import (
    Obligation,
    check_policies,
    policy_settings,
    read_obligations,
)
from daoshi.policy.grade_rules import grade_obligations
from daoshi.policy.periods import (
    DUE_SOON,
    MERGE_FRACTION,
    MET,
    OPEN,
    SOON_DAYS,
    STATUS_LABELS,
    UNMET,
    UPCOMING,
    Period,
    periods,
    status,
    windowed,
)
from daoshi.records.model import Record, School, Semester, Span, Student, within

__all__ = [
    "DUE_SOON",
    "MET",
    "OPEN",
    "STATUS_LABELS",
    "UNMET",
    "UPCOMING",
    "Check",
    "Exemption",
    "Obligation",
    "ObligationEngine",
    "Period",
    "behind_text",
    "check_policies",
    "periods",
    "read_obligations",
    "status",
    "tally",
]
LEFT_REASONS = {"graduated": "毕业", "transferred": "转学", "dropped_out": "流失"}


class ObligationEngine:
    """One semester's obligations over the school's records, indexed once."""

    def __init__(
        self,
        school: School,
        semester: Semester,
        *,
        soon_days: int = SOON_DAYS,
        merge: float = MERGE_FRACTION,
        records: Iterable[Record] | None = None,
    ) -> None:
        # not the school itself: engines are shared across an update's schools (site.due),
        # and one that held its school would keep every replaced school alive
        self.forms = school.forms
        self.pupils = school.students
        self.semester = semester
        self.soon_days = soon_days
        forms = school.forms
        self.obligations = read_obligations(forms, semester.policies)
        # 青实“各年级组……拟定具有年级特色的管理细则要求”: a grade's per-student obligations
        # from its own policy and rules (semester.yaml grade_policies); per-mentor ones stay
        # the school's
        self.grade_obligations: dict[int, tuple[Obligation, ...]] = {
            cohort: grade_obligations(forms, cohort, grade)
            for cohort, grade in semester.grade_policies.items()
        }
        every = self._every = [
            *self.obligations,
            *(o for g in self.grade_obligations.values() for o in g),
        ]
        self.settings = policy_settings(forms, semester.policies)
        self.counting: dict[str, Counting] = {
            ob.policy: counting_of(forms, [ob.policy]) for ob in every
        }
        self.periods = {
            ob.key: windowed(
                periods(ob.every, semester, merge), semester, ob.before_start, ob.last_weeks
            )
            for ob in every
        }
        pairs = paired(school, semester)
        self.spans = pairs.spans
        self.mentees = pairs.mentees
        self.mentors = pairs.mentors
        self._mentor_spans = pairs.mentor_spans
        self._whole = pairs.whole
        self.about: dict[tuple[str, str], list[Record]] = defaultdict(list)
        self.by_mentor: dict[tuple[str, str], list[Record]] = defaultdict(list)
        self._index(school.records if records is None else records)
        self._windows = {
            ob.key: (semester.start - dt.timedelta(days=ob.before_start), semester.end)
            for ob in every
        }
        self._reasons: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)

    def _index(self, records: Iterable[Record]) -> None:
        """The semester's records by student and kind, and by credited teacher and kind."""
        kinds = {k for ob in self._every for k in ob.kinds}
        whole = (self.semester.start, self.semester.end)
        joint = self.settings["joint_visits"]
        for r in records:
            if r.semester != self.semester.id or r.kind not in kinds:
                continue
            teachers = credited(r, joint)
            for teacher in teachers:
                self.by_mentor[(teacher, r.kind)].append(r)
            day = within(r.date, whole)
            for sid in r.students:
                if self._covers(sid, teachers, day):
                    self.about[(sid, r.kind)].append(r)
        for found in (*self.about.values(), *self.by_mentor.values()):
            found.sort(key=lambda r: (r.date, r.path))

    def _covers(self, student_id: str, teachers: tuple[str, ...], day: dt.date) -> bool:
        """Whether one of these teachers mentored the student that day: a student with
        several mentors is covered by any of them (district 多对一), each within the days
        they were paired."""
        always = self._whole.get(student_id)
        if always is not None:
            return any(t in always for t in teachers)
        spans = self.spans.get(student_id, ())
        return any(m in teachers and a <= day <= b for m, (a, b) in spans)

    # -- what counts ------------------------------------------------------------------
    def window(self, ob: Obligation) -> Span:
        """The days records for this duty may carry (before the semester: 开学前)."""
        return self._windows[ob.key]

    def reason(self, r: Record, ob: Obligation) -> str:
        """Why ``r`` does not count for ``ob`` (empty when it does): policy.counting."""
        cache = self._reasons[(ob.policy, ob.before_start)]
        found = cache.get(r.path)
        if found is None:
            rules, (low, high) = self.counting[ob.policy], self._windows[ob.key]
            if not rules.min_body_chars and not rules.require and low <= r.date <= high:
                found = ""  # nothing to ask of the record (most policies)
            else:
                found = why_not_counted(r, rules, (low, high), self.forms)
            cache[r.path] = found
        return found

    def _counted(self, ob: Obligation, found: list[Record]) -> tuple[list[dt.date], list[Record]]:
        """The records that count for ``ob``, sorted by the day they count on."""
        if not found:
            return [], []
        cache = self._reasons[(ob.policy, ob.before_start)]
        low, high = self._windows[ob.key]
        kept = [
            r
            for r in found
            if not (cache.get(r.path) if r.path in cache else self.reason(r, ob))
            and (not ob.where or all(r.get(k) == v for k, v in ob.where.items()))
        ]
        if len(ob.kinds) > 1:  # one kind's list is sorted already (in _index)
            kept.sort(key=lambda r: (min(max(r.date, low), high), r.path))
        return [min(max(r.date, low), high) for r in kept], kept

    # -- who answers --------------------------------------------------------------------
    def responsible(self, student_id: str, period: Period) -> tuple[str, ...]:
        """Who answers for the student's period: the mentors paired on its last day (or,
        with ``responsible: longest``, the most days of it); when nobody is paired on the
        last day, the mentors paired last within it; nobody when none was paired then."""
        whole = self._whole.get(student_id)
        if whole is not None:  # paired for the whole semester, as most students are
            return whole
        spans = [(m, s) for m, s in self.spans.get(student_id, ()) if _overlap(s, period) > 0]
        if not spans:
            return ()
        if self.settings["responsible"] == "longest":
            days: dict[str, int] = defaultdict(int)
            for m, s in spans:
                days[m] += _overlap(s, period)
            best = max(days.values())
            return tuple(sorted(m for m, n in days.items() if n == best))
        last = min(period.end, self.semester.end)
        on_last = sorted({m for m, (a, b) in spans if a <= last <= b})
        if on_last:
            return tuple(on_last)
        latest = max(b for _, (_, b) in spans)
        return tuple(sorted({m for m, (_, b) in spans if b == latest}))

    def students(self) -> list[str]:
        """Every student the semester concerns: those in its classes at its start, and
        every paired student."""
        found = set(self.spans)
        for sid, s in self.pupils.items():
            if s.class_id in self.semester.class_ids and s.in_school(self.semester.start):
                found.add(sid)
        return sorted(found)

    # -- checks -------------------------------------------------------------------------
    def _checks(
        self,
        ob: Obligation,
        subject: str,
        records: list[Record],
        on: dt.date,
        until: dt.date,
        who: list[tuple[str, ...]] | None = None,
    ) -> list[Check]:
        found = []
        dates, wanted = self._counted(ob, records)
        exempt = self.settings["unpaired"] == "exempt"
        mine: tuple[str, ...] = (subject,)
        for i, period in enumerate(self.periods[ob.key]):
            if period.end >= until:
                continue  # the student left before the period ended: not required
            if who is None:
                mentors = mine
                if not self._active(subject, period):
                    continue  # a mentor with no mentee in this period owes nothing for it
            else:
                mentors = who[i]
                if not mentors and exempt:
                    continue
            hits: tuple[Record, ...] = ()
            if dates:
                low = bisect.bisect_left(dates, period.start)
                high = bisect.bisect_right(dates, period.end, lo=low)
                hits = tuple(wanted[low:high])
            state = status(period, len(hits), ob.min, on, self.soon_days)
            found.append(Check(ob, subject, period, hits, state, mentors))
        return found

    def _active(self, mentor: str, period: Period) -> bool:
        return any(_overlap(s, period) > 0 for s in self._mentor_spans.get(mentor, ()))

    def student_checks(
        self, student_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """Every per-student obligation (or those with an ID in ``only``), period by period;
        each check names who answers for it."""
        return self._student_checks(student_id, on, only)

    def _student_checks(
        self, student_id: str, on: dt.date, only: Collection[str] | None
    ) -> list[Check]:
        student = self.pupils.get(student_id)
        if student_id not in self.spans and not self._in_classes(student):
            return []
        until = student.left.date if student and student.left else dt.date.max
        checks = []
        for ob in self.student_obligations(student_id):
            if only is None or ob.id in only:
                found_periods = self.periods[ob.key]
                whole = self._whole.get(student_id)
                who = (
                    [whole] * len(found_periods)
                    if whole is not None
                    else [self.responsible(student_id, p) for p in found_periods]
                )
                found = [r for k in ob.kinds for r in self.about.get((student_id, k), ())]
                checks += self._checks(ob, student_id, found, on, until, who)
        return checks

    def student_obligations(self, student_id: str) -> tuple[Obligation, ...]:
        """The per-student obligations a student owes: their grade's policy's, with the
        grade's own rules, where the semester sets one (``grade_policies``), else the
        semester's policies'."""
        student = self.pupils.get(student_id)
        if student is not None and student.cohort in self.grade_obligations:
            return self.grade_obligations[student.cohort]
        return tuple(ob for ob in self.obligations if ob.per == "student")

    def _in_classes(self, student: Student | None) -> bool:
        return (
            student is not None
            and student.class_id in self.semester.class_ids
            and student.in_school(self.semester.start)
        )

    def mentor_checks(
        self, mentor_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """The mentor's own obligations (group activity each round, case meetings), for
        the periods in which the mentor had mentees."""
        if mentor_id not in self.mentees:
            return []
        checks = []
        for ob in self.obligations:
            if ob.per == "mentor" and (only is None or ob.id in only):
                records = [r for k in ob.kinds for r in self.by_mentor.get((mentor_id, k), ())]
                checks += self._checks(ob, mentor_id, records, on, dt.date.max)
        return checks

    def team_checks(
        self, mentor_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """The mentor's own obligations and those of the mentees the mentor answers for."""
        checks = self.mentor_checks(mentor_id, on, only)
        for sid in dict.fromkeys(self.mentees.get(mentor_id, ())):
            checks += [c for c in self.student_checks(sid, on, only) if mentor_id in c.mentors]
        return checks

    def group_checks(self, student_ids: Iterable[str], on: dt.date) -> list[Check]:
        """Every per-student check of a class or grade."""
        return [c for sid in student_ids for c in self.student_checks(sid, on)]

    def unpaired_checks(self, on: dt.date) -> list[Check]:
        """The checks nobody answers for: students with no mentor for a period (未对接)."""
        return [c for sid in self.students() for c in self.student_checks(sid, on) if not c.mentors]

    def exemptions(self) -> list[Exemption]:
        """The students who owe some periods nothing: those who left during the semester
        (转学、毕业、流失), and with ``unpaired: exempt`` those with no mentor."""
        found = []
        for sid in self.students():
            student = self.pupils.get(sid)
            if student is not None and student.left and self.semester.contains(student.left.date):
                label = LEFT_REASONS.get(student.left.reason, student.left.reason)
                found.append(Exemption(sid, f"{student.left.date} {label}离校", student.left.date))
            elif self.settings["unpaired"] == "exempt":
                gaps = [
                    p
                    for ob in self.student_obligations(sid)
                    for p in self.periods[ob.key]
                    if not self.responsible(sid, p)
                ]
                if gaps:
                    first = min(p.start for p in gaps)
                    found.append(Exemption(sid, "没有导师（按设置不计义务）", first))
        return found


def _overlap(span: Span, period: Period) -> int:
    """Days the span and the period share."""
    return max(0, (min(span[1], period.end) - max(span[0], period.start)).days + 1)


@dataclass(frozen=True)
class Paired:
    """Who mentors whom when in one semester: the part of an engine that depends on the
    pairings alone, shared by every engine over them (the one builder makes one engine
    per audience and semester; the pairings are the whole school's for each)."""

    spans: dict[str, list[tuple[str, Span]]]  # student → who, when
    mentees: dict[str, list[str]]
    mentor_spans: dict[str, list[Span]]
    whole: dict[str, tuple[str, ...]]  # students whose every pairing spans the semester
    mentors: dict[str, set[str]]


# keyed by the objects' identity, which the entry holds so that no identity is reused
_PAIRED: OrderedDict[tuple[int, int], tuple[Paired, tuple[object, ...]]] = OrderedDict()
_PAIRED_SIZE = 16


def paired(school: School, semester: Semester) -> Paired:
    """The semester's pairings as the engine reads them, made once for these pairings."""
    key = (id(school.pairings), id(semester))
    found = _PAIRED.get(key)
    if found is None:
        found = _PAIRED[key] = (_pair(school, semester), (school.pairings, semester))
        while len(_PAIRED) > _PAIRED_SIZE:
            _PAIRED.popitem(last=False)
    _PAIRED.move_to_end(key)
    return found[0]


def _pair(school: School, semester: Semester) -> Paired:
    """Who mentors whom when: spans per student, mentees and spans per mentor."""
    whole = (semester.start, semester.end)
    spans: dict[str, list[tuple[str, Span]]] = defaultdict(list)
    mentees: dict[str, list[str]] = defaultdict(list)
    mentor_spans: dict[str, list[Span]] = defaultdict(list)
    for p in school.pairings:
        if p.semester != semester.id:
            continue
        for sid in p.students:
            mentees[p.mentor].append(sid)
            dated = p.periods.get(sid, (whole,))
            spans[sid] += [(p.mentor, span) for span in dated]
            mentor_spans[p.mentor] += dated
    return Paired(
        spans=dict(spans),
        mentees=dict(mentees),
        mentor_spans=dict(mentor_spans),
        whole={
            sid: tuple(sorted({m for m, _ in found}))
            for sid, found in spans.items()
            if all(span == whole for _, span in found)
        },
        mentors={sid: {m for m, _ in found} for sid, found in spans.items()},
    )
