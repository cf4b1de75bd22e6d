"""The fixed collective-guidance time (集体指导时间) of the semester calendar.

太谷：“每轮第三周周三下午最后一节自习时间为导师制集体指导时间”. A slot is a week of each
round (the n-th seven days from the round's first day, so a round that starts on a Friday
does not count its weekend as a week), a weekday and the period's name. The semester
file's ``collective_slot`` holds it (the school's calendar); without one, the first of the
semester's policies that sets ``settings.collective_slot`` gives it. Pure functions of the
model: the obligations report lists the group activities held outside the slot, the
semester's pairing page shows the slot's day in every round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from daoshi.records.model import Record, Semester

WEEKDAYS = "一二三四五六日"
MAX_WEEK = 6


@dataclass(frozen=True)
class CollectiveSlot:
    """Week ``week`` of each round, on ``weekday`` (1 = Monday), in the named period."""

    week: int
    weekday: int
    period: str = ""
    by: str = ""  # the semester file, or the policy that sets it

    def describe(self) -> str:
        """每轮第3周周三 下午最后一节自习."""
        when = f"每轮第{self.week}周周{WEEKDAYS[self.weekday - 1]}"
        return f"{when} {self.period}".strip()


def bad_slot(value: Any) -> str:
    """Why a ``collective_slot`` value cannot be read ("" when it can)."""
    if not isinstance(value, Mapping) or not set(value) <= {"week", "weekday", "period"}:
        return "collective_slot 应为 {week: 周次, weekday: 星期几, period: 节次}"
    for key, top in (("week", MAX_WEEK), ("weekday", 7)):
        got = value.get(key)
        if not isinstance(got, int) or isinstance(got, bool) or not 1 <= got <= top:
            return f"collective_slot.{key} 应为 1 到 {top} 的整数"
    if not isinstance(value.get("period", ""), str):
        return "collective_slot.period 应为文字"
    return ""


def _slot(value: Any, by: str) -> CollectiveSlot | None:
    if bad_slot(value):
        return None
    return CollectiveSlot(value["week"], value["weekday"], str(value.get("period", "")), by)


def collective_slot(semester: Semester, policies: Mapping[str, Any]) -> CollectiveSlot | None:
    """The semester's slot: its own (semester.yaml), else its policies'."""
    if semester.collective_slot is not None:
        week, weekday, period = semester.collective_slot
        return CollectiveSlot(week, weekday, period, "semester.yaml")
    for pid in semester.policies:
        policy = policies.get(pid)
        settings = policy.settings if policy is not None else {}
        if "collective_slot" in settings:
            found = _slot(settings["collective_slot"], pid)
            if found is not None:
                return found
    return None


def slot_dates(semester: Semester, slot: CollectiveSlot) -> list[tuple[int, dt.date]]:
    """(round number, the slot's day) for each round whose slot day falls inside it."""
    days = []
    for r in semester.rounds:
        first = r.start + dt.timedelta(weeks=slot.week - 1)
        day = first + dt.timedelta(days=(slot.weekday - 1 - first.weekday()) % 7)
        if r.start <= day <= r.end:
            days.append((r.number, day))
    return days


def outside_slot(
    records: Iterable[Record], semester: Semester, slot: CollectiveSlot
) -> list[tuple[Record, int]]:
    """The semester's group activities not held on their round's slot day, with the round."""
    days = dict(slot_dates(semester, slot))
    found = []
    for record in records:
        if record.kind != "group-activity" or record.semester != semester.id:
            continue
        number = next((r.number for r in semester.rounds if r.start <= record.date <= r.end), None)
        if number is not None and days.get(number) != record.date:
            found.append((record, number))
    return sorted(found, key=lambda x: (x[0].mentor, x[0].date))
