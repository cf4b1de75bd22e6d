"""The validated school as frozen dataclasses: what every later layer reads.

Built only from records that passed validation (``daoshi.load``); field values are
typed (dates are ``datetime.date``, lists are tuples). A record keeps its form's fields in
``fields`` so that a school-specific field needs no Python change.

One module, not several: the model is one graph (``School`` holds semesters, students,
pairings and records, each referring to the others) that every layer imports whole.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from daoshi.records.forms import Forms

GRADE_NAMES = {
    "junior": ("初一", "初二", "初三"),
    "senior": ("高一", "高二", "高三"),
}
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class SchoolClass:
    """A class (班级), stable from entry to graduation: ``C2025-01`` is 2025 级 1 班."""

    id: str
    cohort: int
    number: int


@dataclass(frozen=True)
class Teacher:
    """A teacher; every teacher is a mentor (教师人人是导师)."""

    id: str
    name: str
    email: str
    gender: str | None = None
    subjects: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()  # 任教班级, this school year
    left: dt.date | None = None  # left the school (records keep their author)
    not_mentor: str | None = None  # why not a mentor for now (区文件“暂时不适合做导师的教师”)


@dataclass(frozen=True)
class Departure:
    """When and why a student left: graduated, transferred, dropped out (流失)."""

    date: dt.date
    reason: str


@dataclass(frozen=True)
class Student:
    """A student, identified by a stable string ID; ``profile`` holds the archive fields."""

    id: str
    name: str
    cohort: int
    class_id: str
    gender: str | None = None
    left: Departure | None = None
    profile: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def in_school(self, on: dt.date) -> bool:
        """Whether the student had not yet left on that day."""
        return self.left is None or on < self.left.date


@dataclass(frozen=True)
class Round:
    """A round (轮) of the semester calendar (Taigu)."""

    number: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class ReceptionDay:
    """A parent reception day of the semester (青浦实验中学“定期受导学生家长接待日”)."""

    date: dt.date
    time: str = ""
    place: str = ""


@dataclass(frozen=True)
class ClassTerm:
    """A class in one semester: its grade and class teacher (班主任)."""

    class_id: str
    class_teacher: str


@dataclass(frozen=True)
class GradePolicy:
    """青实“各年级组……拟定具有年级特色的管理细则要求”: the policy a grade's per-student
    obligations follow, and the grade's own changes to them (semester.yaml
    ``grade_policies``): obligation ID → the obligation's fields it sets (a new ID adds one)."""

    policy: str
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Semester:
    """One term, ``2025-2026-1``; its policies default to the school's."""

    id: str
    start: dt.date
    end: dt.date
    policies: tuple[str, ...]
    classes: tuple[ClassTerm, ...]
    rounds: tuple[Round, ...] = ()
    grade_leaders: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    reception_days: tuple[ReceptionDay, ...] = ()
    # 集体指导时间 in the calendar: week of each round, weekday (1 = Monday), period's name
    collective_slot: tuple[int, int, str] | None = None
    # 青实“拟定具有年级特色的管理细则”: cohort -> its policy and its own detailed rules
    grade_policies: Mapping[int, GradePolicy] = field(default_factory=lambda: MappingProxyType({}))

    @functools.cached_property
    def class_ids(self) -> frozenset[str]:
        """The classes in school this semester (asked once a student by the rules)."""
        return frozenset(c.class_id for c in self.classes)

    @property
    def school_year(self) -> int:
        """The calendar year the school year starts in."""
        return int(self.id[:4])

    @property
    def term(self) -> int:
        """1 for the autumn term, 2 for the spring term."""
        return int(self.id[-1])

    @property
    def name(self) -> str:
        """Chinese name, e.g. 2025学年第一学期."""
        return f"{self.school_year}学年第{'一二'[self.term - 1]}学期"

    def contains(self, day: dt.date) -> bool:
        """Whether a date falls within the semester."""
        return self.start <= day <= self.end


Span = tuple[dt.date, dt.date]  # first and last day, both included
MAX_BEFORE_START = 120  # days: the longest 开学前 window a policy may give (checked, A501)


def within(day: dt.date, span: Span) -> dt.date:
    """The day moved into the span: a day before it is its first, a day after its last."""
    return min(max(day, span[0]), span[1])


def record_window(forms: Forms, semester: Semester, kind: str) -> Span:
    """The days a record of ``kind`` filed under ``semester`` may carry: the semester, from
    earlier when an obligation of its policies takes that kind before the first day
    (区文件：“每学期开学前、学期末……开展一次学生家访”, ``window: {before_start: 30}``)."""
    before = 0
    for pid in semester.policies:
        policy = forms.policies.get(pid)
        for spec in policy.obligations if policy is not None else ():
            window = spec.get("window")
            kinds = [spec.get("kind"), *(spec.get("also") or ())]
            if kind not in kinds or not isinstance(window, Mapping):
                continue
            days = window.get("before_start")
            if isinstance(days, int) and not isinstance(days, bool):
                before = max(before, min(days, MAX_BEFORE_START))
    return (semester.start - dt.timedelta(days=before), semester.end)


@dataclass(frozen=True)
class Pairing:
    """A mentor's mentees in one semester (导师与学生对接); ``key_student`` is the 1 of 1+X.

    ``periods`` holds the students paired for part of the semester only (a mid-year change
    of mentor), with their first and last days; the others are paired for the whole semester.
    """

    semester: str
    mentor: str
    students: tuple[str, ...]
    key_student: str | None = None
    agreement: bool | None = None
    periods: Mapping[str, tuple[Span, ...]] = field(default_factory=lambda: _EMPTY)
    mutual: tuple[str, ...] = ()  # mentees the mentor chose who chose them (双向选中)
    # 学习小组 (太谷): each named group and its students, all of them mentees
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def covers(self, student_id: str, day: dt.date) -> bool:
        """Whether the student is this mentor's mentee on that day (a day of the semester)."""
        if student_id not in self.students:
            return False
        spans = self.periods.get(student_id)
        return spans is None or any(start <= day <= end for start, end in spans)


@dataclass(frozen=True)
class ScreeningEntry:
    """A key student found in screening (受导学生排查); confidential."""

    semester: str
    student: str
    categories: tuple[str, ...]
    proposed_by: str
    decided: bool
    note: str | None = None


@dataclass(frozen=True)
class StudentNeeds:
    """A student's answers to the needs questionnaire before pairing (枣庄：“通过简单的调查
    咨询卷理解学生的需要”); confidential."""

    semester: str
    student: str
    areas: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class SurveyResult:
    """Students' or parents' average ratings of one mentor, on a 1–5 or 0–100 ``scale``."""

    semester: str
    mentor: str
    respondents: str
    responses: int
    scores: Mapping[str, float]
    scale: int = 5


@dataclass(frozen=True)
class Record:
    """A mentor's record: one file in ``journal/``. Subclasses name the built-in kinds."""

    path: str
    kind: str
    semester: str
    mentor: str
    date: dt.date
    students: tuple[str, ...]
    body: str
    fields: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def get(self, name: str, default: Any = None) -> Any:
        """A form field's typed value."""
        return self.fields.get(name, default)


class Talk(Record):
    """谈话记录: a heart-to-heart talk or individual guidance."""


class ParentContact(Record):
    """家长联系记录: a phone call, meeting or message with a parent."""


class HomeVisit(Record):
    """家访记录: a home visit."""

    @property
    def in_person(self) -> bool:
        """Whether the mentor went to the student's home."""
        return bool(self.get("mode") == "in_person")


class GroupActivity(Record):
    """阶段活动记录: a group session with several mentees."""


class CaseAnalysis(Record):
    """个案分析: an analysis of one student's case."""


class StudentReport(Record):
    """学生汇报: the student reports to the mentor."""


class GrowthMessage(Record):
    """成长寄语: the end-of-semester message to the student."""


class HelpPlan(Record):
    """帮教计划 / 成长方案: long-term and stage goals."""


class CrisisReport(Record):
    """危机上报: surfaced at once to leaders and the psychological teacher."""


class CrisisFollowUp(Record):
    """危机跟进: a follow-up of a student's crisis case; the latest one gives its state."""

    @property
    def closed(self) -> bool:
        return bool(self.get("status") == "closed")


class OptionalAction(Record):
    """自选动作: lunch together, sports, a team activity."""


RECORD_CLASSES: Mapping[str, type[Record]] = MappingProxyType(
    {
        "talk": Talk,
        "parent-contact": ParentContact,
        "home-visit": HomeVisit,
        "group-activity": GroupActivity,
        "case-analysis": CaseAnalysis,
        "student-report": StudentReport,
        "growth-message": GrowthMessage,
        "help-plan": HelpPlan,
        "crisis-report": CrisisReport,
        "crisis-follow-up": CrisisFollowUp,
        "optional-action": OptionalAction,
    }
)


@dataclass(frozen=True)
class School:
    """The whole validated records repository."""

    id: str
    name: str
    stage: str
    timezone: str
    policies: tuple[str, ...]
    exam_ranking: bool
    require_signed_commits: bool
    teachers: Mapping[str, Teacher]
    students: Mapping[str, Student]
    classes: Mapping[str, SchoolClass]
    semesters: tuple[Semester, ...]
    pairings: tuple[Pairing, ...]
    screening: tuple[ScreeningEntry, ...]
    surveys: tuple[SurveyResult, ...]
    records: tuple[Record, ...]
    forms: Forms
    needs: tuple[StudentNeeds, ...] = ()

    def semester(self, semester_id: str) -> Semester:
        """A semester by ID."""
        return next(s for s in self.semesters if s.id == semester_id)

    def grade_name(self, cohort: int, semester: Semester) -> str:
        """初一 … 初三 for a cohort in a semester ("已毕业" after the last grade)."""
        names = GRADE_NAMES[self.stage]
        index = semester.school_year - cohort
        return names[index] if 0 <= index < len(names) else "已毕业"

    def mentors_of(self, student_id: str, semester_id: str) -> tuple[str, ...]:
        """The student's mentors that semester (several when 多对一)."""
        return tuple(
            p.mentor
            for p in self.pairings
            if p.semester == semester_id and student_id in p.students
        )

    def is_mentee_on(self, mentor: str, student_id: str, semester_id: str, day: dt.date) -> bool:
        """Whether the mentor answers for the student on that day of the semester (dated
        pairing periods honoured: after a change of mentor the former mentor no longer
        does). A day before the semester counts as its first day, one after as its last
        (a home visit made 开学前). The one rule the hook, the editor and the obligations
        engine ask."""
        semester = next((s for s in self.semesters if s.id == semester_id), None)
        if semester is None:
            return False
        day = within(day, (semester.start, semester.end))
        return any(
            p.semester == semester_id and p.mentor == mentor and p.covers(student_id, day)
            for p in self.pairings
        )

    def pairing_spans(self, mentor: str, student_id: str, semester_id: str) -> tuple[Span, ...]:
        """The dated periods the mentor had the student in the semester (none when the
        pairing is for the whole semester)."""
        return tuple(
            span
            for p in self.pairings
            if p.semester == semester_id and p.mentor == mentor
            for span in p.periods.get(student_id, ())
        )

    def mentors_on(self, student_id: str, day: dt.date) -> tuple[str, ...]:
        """The student's mentors on one day (a mid-year change counts from its date)."""
        return tuple(
            p.mentor
            for p in self.pairings
            if p.covers(student_id, day) and self.semester(p.semester).contains(day)
        )

    def mentor_spans(self, student_id: str, semester_id: str) -> tuple[tuple[str, Span], ...]:
        """Who mentored the student when in a semester: (mentor, (first, last day)), by date."""
        semester = self.semester(semester_id)
        whole = (semester.start, semester.end)
        spans = [
            (p.mentor, span)
            for p in self.pairings
            if p.semester == semester_id and student_id in p.students
            for span in p.periods.get(student_id, (whole,))
        ]
        return tuple(sorted(spans, key=lambda m: (m[1], m[0])))

    def records_of(self, student_id: str) -> tuple[Record, ...]:
        """Every record about a student, all semesters and mentors, by date."""
        return tuple(
            sorted(
                (r for r in self.records if student_id in r.students),
                key=lambda r: (r.date, r.path),
            )
        )
