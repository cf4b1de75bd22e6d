"""The obligations engine: who must write what, how often, and where each stands on a date.

Obligations are data (the ``obligations`` list of each policy in ``forms/policies/``); a
semester applies the union of its policies' obligations (一校一策). For any date the engine
says, per student and per mentor, which periods are met, unmet, due soon or still open,
and which records met them. Pure functions of the model; see docs/obligations.md.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.forms import BUNDLED_FORMS, Forms
from daoshi.records.model import Record, School, Semester

EVERY = ("week", "fortnight", "month", "round", "semester")
ALIASES = {"two-weeks": "fortnight", "weekly": "week", "monthly": "month"}
EVERY_LABELS = {
    "week": "每周",
    "fortnight": "每两周",
    "month": "每月",
    "round": "每轮",
    "semester": "每学期",
}
FULL_DAYS = {"week": 7, "fortnight": 14}
MET, UNMET, DUE_SOON, OPEN, UPCOMING = "met", "unmet", "due-soon", "open", "upcoming"
STATUS_LABELS = {
    MET: "已完成",
    UNMET: "未完成",
    DUE_SOON: "即将到期",
    OPEN: "进行中",
    UPCOMING: "未开始",
}
SOON_DAYS = 7  # a period ending within a week is "due soon"
MERGE_FRACTION = 0.5  # a clipped month/week shorter than half its length joins its neighbour


@dataclass(frozen=True)
class Obligation:
    """One duty of a policy: ``min`` records of ``kind`` per student or mentor, every period."""

    policy: str
    id: str
    per: str
    kind: str
    min: int
    every: str
    due: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)

    def describe(self, kind_labels: Mapping[str, str]) -> str:
        """每月至少 1 次谈话记录."""
        who = "每生" if self.per == "student" else "每位导师"
        kind = kind_labels.get(self.kind, self.kind)
        return f"{who}{EVERY_LABELS[self.every]}至少 {self.min} 次{kind}"


@dataclass(frozen=True)
class Period:
    """A stretch of the semester an obligation is counted over (already clipped)."""

    start: dt.date
    end: dt.date
    label: str


class Check(NamedTuple):
    """One obligation for one student or mentor in one period, as of a date (a named
    tuple: the engine makes one per student, obligation and period)."""

    obligation: Obligation
    subject: str
    period: Period
    records: tuple[Record, ...]
    status: str

    @property
    def missing(self) -> int:
        """How many records are still needed."""
        return max(0, self.obligation.min - len(self.records))


def read_obligations(forms: Forms, policy_ids: Iterable[str]) -> tuple[Obligation, ...]:
    """The union of the policies' obligations; the same duty twice keeps the larger minimum."""
    merged: dict[tuple[Any, ...], Obligation] = {}
    for pid in policy_ids:
        policy = forms.policies.get(pid)
        if policy is None:
            continue
        for spec in policy.obligations:
            ob = _obligation(pid, spec)
            if ob is None:
                continue
            key = (ob.per, ob.kind, ob.every, tuple(sorted(ob.where.items())))
            if key not in merged or merged[key].min < ob.min:
                merged[key] = ob
    return tuple(merged.values())


def _obligation(policy: str, spec: Mapping[str, Any]) -> Obligation | None:
    every = ALIASES.get(str(spec.get("every")), str(spec.get("every")))
    minimum = spec.get("min", 1)
    if (
        every not in EVERY
        or not isinstance(minimum, int)
        or spec.get("per")
        not in (
            "student",
            "mentor",
        )
    ):
        return None
    where = spec.get("where") or {}
    return Obligation(
        policy=policy,
        id=str(spec.get("id", spec.get("kind"))),
        per=str(spec["per"]),
        kind=str(spec.get("kind")),
        min=minimum,
        every=every,
        due=spec.get("due"),
        where=dict(where) if isinstance(where, Mapping) else {},
    )


def check_policies(forms: Forms) -> list[Problem]:
    """A501 for every obligation in forms/policies/ the engine cannot read."""
    problems: list[Problem] = []
    for pid, policy in sorted(forms.policies.items()):
        path = _policy_path(forms, pid)
        for i, spec in enumerate(policy.obligations):
            detail = _bad_obligation(spec, forms)
            if detail:
                problems.append(
                    problem(Location(path), "A501", policy=pid, index=i + 1, detail=detail)
                )
    return problems


def _bad_obligation(spec: Mapping[str, Any], forms: Forms) -> str:
    every = ALIASES.get(str(spec.get("every")), str(spec.get("every")))
    if spec.get("per") not in ("student", "mentor"):
        return "per 应为 student 或 mentor"
    if spec.get("kind") not in forms.kinds:
        return f"kind 应为记录种类之一：{', '.join(sorted(forms.kinds))}"
    if every not in EVERY:
        return f"every 应为 {'、'.join(EVERY)} 之一"
    minimum = spec.get("min", 1)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        return "min 应为正整数"
    if spec.get("due") not in (None, "end"):
        return "due 只能是 end"
    if not isinstance(spec.get("where") or {}, Mapping):
        return "where 应为“字段: 值”映射"
    return ""


def _policy_path(forms: Forms, pid: str) -> str:
    """How problems name a policy file: ours by absolute path, a school's under forms/."""
    for name in forms.paths:
        path = Path(name)
        if path.parent.name == "policies" and path.stem == pid:
            return name if BUNDLED_FORMS in path.parents else f"forms/policies/{path.name}"
    return f"forms/policies/{pid}.yaml"


def periods(every: str, semester: Semester, merge: float = MERGE_FRACTION) -> tuple[Period, ...]:
    """The semester cut into periods, clipped to its dates; short clipped ends are merged."""
    start, end = semester.start, semester.end
    if every == "semester":
        return (Period(start, end, "本学期"),)
    if every == "round":
        rounds = [
            Period(max(r.start, start), min(r.end, end), f"第{r.number}轮")
            for r in semester.rounds
            if r.end >= start and r.start <= end
        ]
        return tuple(rounds) or (Period(start, end, "本学期（未划分轮次）"),)
    raw: list[tuple[dt.date, dt.date, int]] = []  # clipped start, clipped end, full length
    if every == "month":
        cursor = start.replace(day=1)
        while cursor <= end:
            days = calendar.monthrange(cursor.year, cursor.month)[1]
            last = cursor.replace(day=days)
            raw.append((max(cursor, start), min(last, end), days))
            cursor = last + dt.timedelta(days=1)
    else:
        length = FULL_DAYS[every]
        cursor = start - dt.timedelta(days=start.weekday())  # weeks start on Monday
        while cursor <= end:
            last = cursor + dt.timedelta(days=length - 1)
            raw.append((max(cursor, start), min(last, end), length))
            cursor = last + dt.timedelta(days=1)
    spans = _merge_short(raw, merge)
    return tuple(Period(a, b, _label(every, a, b, start)) for a, b in spans)


def _merge_short(
    raw: list[tuple[dt.date, dt.date, int]], merge: float
) -> list[tuple[dt.date, dt.date]]:
    spans = [(a, b) for a, b, _ in raw]
    if len(raw) > 1 and (raw[0][1] - raw[0][0]).days + 1 < merge * raw[0][2]:
        spans[1] = (spans[0][0], spans[1][1])
        spans.pop(0)
        raw = raw[1:]
    if len(spans) > 1 and (raw[-1][1] - raw[-1][0]).days + 1 < merge * raw[-1][2]:
        spans[-2] = (spans[-2][0], spans[-1][1])
        spans.pop()
    return spans


def _label(every: str, a: dt.date, b: dt.date, first: dt.date) -> str:
    if every == "month":
        return f"{a.month}月" if a.month == b.month else f"{a.month}–{b.month}月"
    monday = first - dt.timedelta(days=first.weekday())
    w1 = (a - monday).days // 7 + 1
    w2 = (b - monday).days // 7 + 1
    return f"第{w1}周" if w1 == w2 else f"第{w1}–{w2}周"


def status(period: Period, count: int, minimum: int, on: dt.date, soon: int = SOON_DAYS) -> str:
    """met / unmet / due-soon / open / upcoming for a period as of ``on``."""
    if count >= minimum:
        return MET
    if on > period.end:
        return UNMET
    if on < period.start:
        return UPCOMING
    return DUE_SOON if (period.end - on).days < soon else OPEN


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
        self.school = school
        self.semester = semester
        self.soon_days = soon_days
        self.obligations = read_obligations(school.forms, semester.policies)
        self.periods = {ob.every: periods(ob.every, semester, merge) for ob in self.obligations}
        self.mentors: dict[str, set[str]] = defaultdict(set)
        self.mentees: dict[str, list[str]] = {}
        for p in school.pairings:
            if p.semester == semester.id:
                self.mentees[p.mentor] = list(p.students)
                for sid in p.students:
                    self.mentors[sid].add(p.mentor)
        kinds = {ob.kind for ob in self.obligations}
        self.about: dict[tuple[str, str], list[Record]] = defaultdict(list)
        self.by_mentor: dict[tuple[str, str], list[Record]] = defaultdict(list)
        source = school.records if records is None else records
        for r in source:
            if r.semester != semester.id or r.kind not in kinds:
                continue
            self.by_mentor[(r.mentor, r.kind)].append(r)
            for sid in r.students:
                # a student with several mentors is covered by any of them (district)
                if r.mentor in self.mentors.get(sid, ()):
                    self.about[(sid, r.kind)].append(r)
        for found in (*self.about.values(), *self.by_mentor.values()):
            found.sort(key=lambda r: (r.date, r.path))

    def _checks(
        self, ob: Obligation, subject: str, records: list[Record], on: dt.date, until: dt.date
    ) -> list[Check]:
        found = []
        wanted = [r for r in records if all(r.get(k) == v for k, v in ob.where.items())]
        dates = [r.date for r in wanted]  # the lists are sorted by (date, path) once, in __init__
        for period in self.periods[ob.every]:
            if period.end >= until:
                continue  # the student left before the period ended: not required
            low = bisect.bisect_left(dates, period.start)
            high = bisect.bisect_right(dates, period.end, lo=low)
            hits = tuple(wanted[low:high])
            found.append(
                Check(
                    ob, subject, period, hits, status(period, len(hits), ob.min, on, self.soon_days)
                )
            )
        return found

    def student_checks(
        self, student_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """Every per-student obligation (or those with an ID in ``only``), period by period."""
        if student_id not in self.mentors:
            return []
        student = self.school.students.get(student_id)
        until = student.left.date if student and student.left else dt.date.max
        checks = []
        for ob in self.obligations:
            if ob.per == "student" and (only is None or ob.id in only):
                checks += self._checks(ob, student_id, self.about[(student_id, ob.kind)], on, until)
        return checks

    def mentor_checks(
        self, mentor_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """The mentor's own obligations (group activity each round, case meetings)."""
        if mentor_id not in self.mentees:
            return []
        checks = []
        for ob in self.obligations:
            if ob.per == "mentor" and (only is None or ob.id in only):
                records = self.by_mentor[(mentor_id, ob.kind)]
                checks += self._checks(ob, mentor_id, records, on, dt.date.max)
        return checks

    def team_checks(
        self, mentor_id: str, on: dt.date, only: Collection[str] | None = None
    ) -> list[Check]:
        """The mentor's own obligations and every mentee's."""
        checks = self.mentor_checks(mentor_id, on, only)
        for sid in self.mentees.get(mentor_id, ()):
            checks += self.student_checks(sid, on, only)
        return checks

    def group_checks(self, student_ids: Iterable[str], on: dt.date) -> list[Check]:
        """Every per-student check of a class or grade."""
        return [c for sid in student_ids for c in self.student_checks(sid, on)]


def tally(checks: Iterable[Check]) -> dict[str, int]:
    """How many checks have each status."""
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for c in checks:
        counts[c.status] += 1
    return counts


def behind_text(
    checks: Iterable[Check], kind_labels: Mapping[str, str], todo: bool = False
) -> list[str]:
    """Short Chinese lines for what is unmet or due soon: 缺谈话（3月）.

    With ``todo`` (a mentor's to-do list) the periods still running are listed too, with
    their last day: 待完成家访记录（本学期，1月20日前）.
    """
    lines = []
    for c in checks:
        if todo and c.status == OPEN:
            label = kind_labels.get(c.obligation.kind, c.obligation.kind)
            more = f"还需 {c.missing} 次，" if c.obligation.min > 1 else ""
            end = f"{c.period.end.month}月{c.period.end.day}日前"
            lines.append(f"待完成{label}（{c.period.label}，{more}{end}）")
            continue
        if c.status not in (UNMET, DUE_SOON):
            continue
        label = kind_labels.get(c.obligation.kind, c.obligation.kind)
        more = f"还差 {c.missing} 次" if c.obligation.min > 1 else ""
        soon = "，即将到期" if c.status == DUE_SOON else ""
        detail = "，".join(x for x in (c.period.label, more) if x)
        lines.append(f"缺{label}（{detail}{soon}）")
    return lines
