"""Periods: a semester cut into the stretches an obligation is counted over, and the
status of one period on a date (met, unmet, due soon, open, upcoming)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from daoshi.records.model import Semester

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
class Period:
    """A stretch of the semester an obligation is counted over (already clipped)."""

    start: dt.date
    end: dt.date
    label: str


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


def windowed(
    found: tuple[Period, ...], semester: Semester, before_start: int, last_weeks: int
) -> tuple[Period, ...]:
    """An obligation's own window over its periods: ``before_start`` days before the first
    day join the first period (家访“开学前”); ``last_weeks`` keeps only the semester's last
    weeks (成长寄语“每学期末”; a ``semester`` obligation only, A501)."""
    if before_start and found:
        first = found[0]
        start = semester.start - dt.timedelta(days=before_start)
        label = f"{first.label}及开学前 {before_start} 天"
        found = (Period(start, first.end, label), *found[1:])
    if last_weeks and found:
        last = found[-1]
        start = max(last.start, semester.end - dt.timedelta(days=7 * last_weeks - 1))
        found = (*found[:-1], Period(start, last.end, f"学期末最后 {last_weeks} 周"))
    return found


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
