"""What each mentor of the demo school writes in a semester, and where the files go.

How much a mentor writes depends on their diligence: about a third are diligent (a talk
a month, two or three parent contacts, a home visit and a growth message for everyone),
most are average (some gaps), a fifth neglect the work (many students without a talk,
a home visit or a growth message).
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field, replace

from . import kinds
from . import texts as tx
from .kinds import Draft, Subject, day_between
from .pairing import Crisis, TermPairing
from .school import DAY, Student, Teacher, Term, reception_days, rng_for
from .yamlout import YamlValue, front_matter


@dataclass(frozen=True)
class Habits:
    """Chances (per student, per month or per round) that a mentor writes a record."""

    talk: float  # per month
    parents: tuple[int, int]  # parent contacts per semester
    visit: float
    growth: float
    reporters: float  # share of mentees who report to the mentor
    report: float  # per month, for those who do
    optional: float
    case: float  # per key student
    plan: float  # per key student and school year
    group: float  # per round
    growth_plan: float  # per other student in term 1
    meeting: float  # a student–parent meeting at the start of the school year
    work_plan: float  # the mentor's plan at the start of each semester


HABITS = {
    "diligent": Habits(0.95, (2, 3), 0.97, 1.0, 0.45, 0.7, 0.3, 0.9, 1.0, 0.97, 0.12, 0.9, 0.95),
    "average": Habits(0.5, (1, 2), 0.75, 0.85, 0.12, 0.5, 0.1, 0.6, 0.8, 0.75, 0.03, 0.5, 0.6),
    "neglectful": Habits(0.15, (0, 1), 0.25, 0.35, 0.0, 0.0, 0.0, 0.15, 0.3, 0.3, 0.0, 0.1, 0.2),
}


@dataclass(frozen=True)
class Record:
    """One journal file as first written."""

    path: str
    mentor: str
    student: str | None  # None for a group activity
    date: datetime.date
    kind: str
    content: str
    urgent: bool = False


def _months(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """Calendar months of [start, end], clipped; slivers under a week are left out."""
    windows = []
    first = start
    while first <= end:
        following = (first.replace(day=28) + 4 * DAY).replace(day=1)
        last = min(following - DAY, end)
        if (last - first).days >= 6:
            windows.append((first, last))
        first = following
    return windows


def _group_day(low: datetime.date, high: datetime.date) -> datetime.date:
    """Wednesday of a round's third week (Taigu's collective guidance slot)."""
    day = low + 14 * DAY
    day += ((2 - day.weekday()) % 7) * DAY
    return min(day, high)


def finish(term: Term, mentor: str, folder: str, drafts: list[Draft]) -> list[Record]:
    """Give drafts their paths (``-2``, ``-3`` for a second record of a kind on a day)."""
    records = []
    seen: Counter[tuple[datetime.date, str]] = Counter()
    for d in sorted(drafts, key=lambda d: (d.date, d.kind)):
        seen[d.date, d.kind] += 1
        n = seen[d.date, d.kind]
        name = f"{d.date.isoformat()}-{d.kind}{'' if n == 1 else f'-{n}'}.md"
        path = f"semesters/{term.id}/journal/{mentor}/{folder}/{name}"
        head: dict[str, YamlValue] = {"kind": d.kind, "mentor": mentor}
        if d.participants:
            head["participants"] = list[YamlValue](d.participants)
        elif folder != "self":  # a teacher's own record (training) is about no student
            head["student"] = folder
        head["date"] = d.date
        head.update(d.fields)
        content = front_matter(head, d.kind, d.body)
        student = None if d.participants or folder == "self" else folder
        records.append(Record(path, mentor, student, d.date, d.kind, content, d.urgent))
    return records


def signed(rng: random.Random, d: Draft, limit: datetime.date) -> Draft:
    """太谷附表四“被谈话人签字”: about one talk in eight is printed and signed by the student
    within three days (or confirmed in person); never after ``limit`` (today, or leaving)."""
    if d.kind != "talk" or rng.random() >= 0.125:
        return d
    day = min(d.date + rng.randint(0, 3) * DAY, limit)
    how = "sheet" if rng.random() < 0.7 else "in_person"
    return replace(d, fields={**d.fields, "student_signed": how, "student_signed_on": day})


@dataclass
class Journal:
    """Writes the records of one semester after another (help plans carry over)."""

    seed: int
    as_of: datetime.date
    students: dict[str, Student]
    teachers: dict[str, Teacher]
    class_teachers: dict[str, str]
    crisis: Crisis | None
    planned: set[tuple[str, str, int]] = field(default_factory=set)

    def term_records(self, term: Term, pairing: TermPairing) -> list[Record]:
        records: list[Record] = []
        attention = self._attention(term, pairing)
        for mentor, mentees in pairing.mentees.items():
            rng = rng_for(self.seed, "journal", term.id, mentor)
            signer = rng_for(self.seed, "signed", term.id, mentor)  # its own stream
            habits = HABITS[self.teachers[mentor].diligence]
            for sid in mentees:
                student = self.students[sid]
                sub = Subject(
                    student,
                    "她" if student.gender == "female" else "他",
                    student.is_key(term.index),
                    self.class_teachers[student.klass],
                    mentor,
                )
                primary = pairing.is_primary(mentor, sid)
                drafts = self._student(rng, term, habits, sub, primary)
                crisis = self.crisis
                here = (term.index, sid, mentor)
                if crisis and here == (crisis.term_index, crisis.student, crisis.mentor):
                    drafts += kinds.crisis_drafts(sub, crisis.date, crisis.reported_to)
                if attention is not None and (sid, mentor) == attention[:2]:
                    drafts += kinds.attention_drafts(sub, attention[2], attention[3])
                drafts += self._portfolio(term, habits, sub, primary)
                first, last = pairing.span(term, mentor, sid)  # a mid-year change
                limit = min(self.as_of, student.last_day(term), last)
                kept = [signed(signer, d, limit) for d in drafts if first <= d.date <= limit]
                records += finish(term, mentor, sid, kept)
            groups = self._groups(rng, term, habits, mentor, mentees, pairing)
            groups += self._meeting(term, habits, mentor, mentees, pairing)
            groups += self._work_plan(term, habits, mentor, mentees, pairing)
            records += finish(term, mentor, "group", groups)
        organiser, meetings = self._case_meetings(term, pairing)
        for teacher in sorted(self.teachers):
            own = self._training(term, teacher) + (meetings if teacher == organiser else [])
            records += finish(term, teacher, "self", own)
        return records

    def _case_meetings(self, term: Term, pairing: TermPairing) -> tuple[str, list[Draft]]:
        """The moral-education office's case meeting at the end of each month (枣庄“学校每月
        集中组织导师进行个案分析”), one record with the mentors who came (its own stream)."""
        rng = rng_for(self.seed, "case-meeting", term.id)
        organiser = next(
            (
                t.id
                for t in sorted(self.teachers.values(), key=lambda t: t.id)
                if "moral_office" in t.roles
            ),
            "",
        )
        chance = {"diligent": 0.95, "average": 0.75}
        drafts = []
        for n, (low, high) in enumerate(_months(term.start, term.end)):
            day = high - ((high.weekday() - 3) % 7) * DAY  # the month's last Thursday
            if n == 0 or day < low or day > self.as_of or not organiser:
                continue
            came = [
                m
                for m in sorted(pairing.mentees)
                if m != organiser and rng.random() < chance.get(self.teachers[m].diligence, 0.3)
            ]
            if came:
                drafts.append(kinds.case_meeting(rng, day, came))
        return organiser, drafts

    def _training(self, term: Term, teacher: str) -> list[Draft]:
        """The sessions of the semester (one a month or so, on Wednesdays) each teacher
        attended: most of them, fewer for the neglectful (its own random stream)."""
        rng = rng_for(self.seed, "training", term.id, teacher)
        chance = {"diligent": 0.95, "average": 0.8}.get(self.teachers[teacher].diligence, 0.5)
        drafts = []
        for n, session in enumerate(tx.TRAININGS):
            day = term.start + (30 + 35 * n) * DAY
            day += ((2 - day.weekday()) % 7) * DAY
            if day <= min(self.as_of, term.end) and rng.random() < chance:
                drafts.append(kinds.training(rng, day, session))
        return drafts

    def _portfolio(self, term: Term, habits: Habits, sub: Subject, primary: bool) -> list[Draft]:
        """A key student's primary mentor keeps the growth portfolio's monthly record (枣庄
        “每月的表现及每次考试成绩逐一记录”) and talks with the class teacher and a subject
        teacher (太谷、青实). Its own random stream: every other record stays as it was."""
        if not (sub.key and primary):
            return []
        rng = rng_for(self.seed, "portfolio", term.id, sub.mentor, sub.student.id)
        end = sub.student.last_day(term)
        months = _months(term.start, end)
        exams = {len(months) // 2, len(months) - 1}  # the mid-term and the final exam
        drafts = []
        band = rng.randint(1, 4)  # 10%–30% … 后30%: the band before the semester
        for n, (low, high) in enumerate(months):
            if rng.random() >= habits.talk:
                continue
            exam = None
            change = rng.choice(("up", "up", "steady", "down")) if n else ""
            if n in exams and high >= term.start + 40 * DAY:
                after = min(4, max(0, band + rng.choice((-1, -1, 0, 1))))  # lower is better
                change = {-1: "up", 0: "steady", 1: "down"}[(after > band) - (after < band)]
                band = after
                exam = ("期中考试" if n < len(months) - 1 else "期末考试", band)
            day = max(low, high - rng.randint(0, 5) * DAY)
            drafts.append(kinds.progress(rng, sub, day, exam, change))
        colleagues = [
            t.id
            for t in sorted(self.teachers.values(), key=lambda t: t.id)
            if t.id != sub.mentor and t.id != sub.class_teacher and "psych" not in t.roles
        ]
        if rng.random() < habits.case and colleagues:
            day = day_between(rng, term.start + 20 * DAY, end - 10 * DAY)
            others = [rng.choice(colleagues)]
            if sub.class_teacher != sub.mentor:
                others.insert(0, sub.class_teacher)
            drafts.append(kinds.colleague_follow_up(rng, sub, day, others))
        days = [d for d in reception_days(term) if d <= end]
        if days and rng.random() < habits.case:  # the parents come on a reception day
            drafts.append(kinds.reception(rng, sub, rng.choice(days)))
        return drafts

    def _attention(
        self, term: Term, pairing: TermPairing
    ) -> tuple[str, str, datetime.date, tuple[str, ...]] | None:
        """The running semester's open crisis case (a lighter one): student, mentor, date,
        reported to; none when the semester has not run three weeks yet."""
        if not term.start + 21 * DAY <= self.as_of <= term.end:
            return None
        staff = self.teachers.values()
        psych = next((t.id for t in staff if "psych" in t.roles), None)
        leader = next((t.id for t in staff if "leader" in t.roles), None)
        pool = [
            (sid, ms[0])
            for sid, ms in sorted(pairing.mentors.items())
            if ms[0] not in (psych, leader)
            and self.students[sid].last_day(term) == term.end
            and (self.crisis is None or sid != self.crisis.student)
        ]
        if not pool or psych is None or leader is None:
            return None
        sid, mentor = rng_for(self.seed, "attention", term.id).choice(pool)
        return sid, mentor, self.as_of - 12 * DAY, (psych, leader)

    def _student(
        self, rng: random.Random, term: Term, habits: Habits, sub: Subject, primary: bool
    ) -> list[Draft]:
        end = sub.student.last_day(term)
        chance = habits.talk if primary else habits.talk * 0.4
        drafts = [
            kinds.talk(rng, term, sub, day_between(rng, low, high))
            for low, high in _months(term.start, end)
            if rng.random() < chance
        ]
        if sub.key and primary and rng.random() < 0.5 * habits.talk:
            drafts.append(kinds.talk(rng, term, sub, day_between(rng, term.start, end)))
        if primary:
            drafts += self._duties(rng, term, habits, sub, end)
        if sub.key and rng.random() < habits.case * (1.0 if primary else 0.5):
            day = day_between(rng, term.start + 35 * DAY, term.end - 25 * DAY)
            drafts.append(kinds.case_analysis(rng, sub, day))
        return drafts

    def _duties(
        self, rng: random.Random, term: Term, habits: Habits, sub: Subject, end: datetime.date
    ) -> list[Draft]:
        """The primary mentor's part: parents, home visit, reports, plans, growth message."""
        drafts = [
            kinds.parent_contact(rng, sub, day_between(rng, term.start + 7 * DAY, end))
            for _ in range(rng.randint(*habits.parents))
        ]
        if rng.random() < habits.visit:
            day = day_between(rng, term.start + 14 * DAY, term.end - 20 * DAY)
            drafts.append(kinds.home_visit(rng, sub, day))
        if term.end <= self.as_of and rng.random() < habits.growth:  # end of semester only
            day = day_between(rng, term.end - 14 * DAY, term.end - DAY)
            drafts.append(kinds.growth_message(rng, sub, day))
        if rng.random() < habits.reporters:
            drafts += [
                kinds.student_report(rng, sub, day_between(rng, low, high))
                for low, high in _months(term.start, end)
                if rng.random() < habits.report
            ]
        if rng.random() < habits.optional:
            drafts.append(kinds.optional_action(rng, sub, day_between(rng, term.start, end)))
        drafts += self._plan(rng, term, habits, sub)
        return drafts

    def _plan(self, rng: random.Random, term: Term, habits: Habits, sub: Subject) -> list[Draft]:
        """A help plan for a key student once a school year; some growth plans for others."""
        mark = (sub.mentor, sub.student.id, term.year)
        if mark in self.planned:
            return []
        if sub.key:
            self.planned.add(mark)
            wanted = rng.random() < habits.plan
        else:
            wanted = term.number == 1 and rng.random() < habits.growth_plan
        if not wanted:
            return []
        if not sub.key:
            self.planned.add(mark)
        day = day_between(rng, term.start + 5 * DAY, term.start + 25 * DAY)
        return [kinds.help_plan(rng, term, sub, day, self.as_of)]

    def _meeting(
        self, term: Term, habits: Habits, mentor: str, mentees: list[str], pairing: TermPairing
    ) -> list[Draft]:
        """A student–parent meeting in the first weeks of a school year (its own random
        stream, so adding it left every other record of the seed as it was)."""
        rng = rng_for(self.seed, "family-meeting", term.id, mentor)
        if term.number != 1 or rng.random() >= habits.meeting:
            return []
        day = term.start + rng.randint(14, 35) * DAY
        present = [
            sid
            for sid in mentees
            if ((left := self.students[sid].left) is None or left > day)
            and pairing.span(term, mentor, sid)[0] <= day <= pairing.span(term, mentor, sid)[1]
        ]
        if day > self.as_of or not present:
            return []
        size = max(1, len(present) - rng.randint(0, 2))
        return [kinds.family_meeting(rng, day, sorted(rng.sample(present, size)))]

    def _work_plan(
        self, term: Term, habits: Habits, mentor: str, mentees: list[str], pairing: TermPairing
    ) -> list[Draft]:
        """The mentor's work plan in the first weeks of a semester, for the mentees paired
        then (its own random stream, like the meetings)."""
        rng = rng_for(self.seed, "work-plan", term.id, mentor)
        if rng.random() >= habits.work_plan:
            return []
        day = term.start + rng.randint(3, 20) * DAY
        present = [
            sid
            for sid in mentees
            if ((left := self.students[sid].left) is None or left > day)
            and pairing.span(term, mentor, sid)[0] <= day <= pairing.span(term, mentor, sid)[1]
        ]
        if day > self.as_of or not present:
            return []
        return [kinds.work_plan(rng, day, present)]

    def _groups(
        self,
        rng: random.Random,
        term: Term,
        habits: Habits,
        mentor: str,
        mentees: list[str],
        pairing: TermPairing,
    ) -> list[Draft]:
        drafts = []
        for number, (low, high) in enumerate(term.rounds, 1):
            if rng.random() >= habits.group:
                continue
            day = _group_day(low, high)
            if day > min(self.as_of, term.end):
                continue
            present = [
                sid
                for sid in mentees
                if ((left := self.students[sid].left) is None or left > day)
                and pairing.span(term, mentor, sid)[0] <= day <= pairing.span(term, mentor, sid)[1]
            ]
            if not present:
                continue
            size = max(min(2, len(present)), len(present) - rng.randint(0, 2))
            chosen = sorted(rng.sample(present, size))
            drafts.append(kinds.group_activity(rng, mentor, number, day, chosen))
        return drafts
