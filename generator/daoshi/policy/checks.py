"""One obligation's check for one student or mentor in one period, and the short Chinese
lines a page or a report makes of many checks (the obligations engine makes them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from daoshi.policy.duties import Obligation
from daoshi.policy.periods import DUE_SOON, OPEN, STATUS_LABELS, UNMET, Period
from daoshi.records.model import Record


class Check(NamedTuple):
    """One obligation for one student or mentor in one period, as of a date (a named
    tuple: the engine makes one per student, obligation and period). ``mentors`` are those
    who answer for it; empty for a student with no mentor then (未对接)."""

    obligation: Obligation
    subject: str
    period: Period
    records: tuple[Record, ...]
    status: str
    mentors: tuple[str, ...] = ()

    @property
    def missing(self) -> int:
        """How many records are still needed."""
        return max(0, self.obligation.min - len(self.records))


class Exemption(NamedTuple):
    """A student in school this semester who owes some periods nothing, and why."""

    student: str
    reason: str
    since: dt.date


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
        label = "或".join(kind_labels.get(k, k) for k in c.obligation.kinds)
        if todo and c.status == OPEN:
            more = f"还需 {c.missing} 次，" if c.obligation.min > 1 else ""
            end = f"{c.period.end.month}月{c.period.end.day}日前"
            lines.append(f"待完成{label}（{c.period.label}，{more}{end}）")
            continue
        if c.status not in (UNMET, DUE_SOON):
            continue
        more = f"还差 {c.missing} 次" if c.obligation.min > 1 else ""
        soon = "，即将到期" if c.status == DUE_SOON else ""
        detail = "，".join(x for x in (c.period.label, more) if x)
        lines.append(f"缺{label}（{detail}{soon}）")
    return lines
