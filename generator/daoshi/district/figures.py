"""The district's figures from the verified summaries: each school against the district
policy, the trend per semester, the schools behind on each obligation, the ratio picture.

Pure functions of the summaries (JSON-ready dicts) and the district policy's obligations.
A hidden cell (``None``) stays unknown: a rate is given only when both its counts were
published, and a district total only adds the schools whose counts were published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from daoshi.policy.obligations import Obligation


@dataclass(frozen=True)
class DistrictDuty:
    """An obligation of the district policy, with its Chinese label."""

    id: str
    per: str
    kind: str
    min: int
    every: str
    label: str

    @classmethod
    def of(cls, ob: Obligation, kind_labels: dict[str, str]) -> DistrictDuty:
        return cls(ob.id, ob.per, ob.kind, ob.min, ob.every, ob.describe(kind_labels))


@dataclass(frozen=True)
class Standing:
    """How one unit stands on one obligation: students it applies to, met, unmet, due."""

    subject: int | None
    met: int | None
    unmet: int | None
    due: int | None
    matched: str = ""  # the summary's duty key it was read from ("" when none matched)

    @property
    def met_rate(self) -> float | None:
        return _rate(self.met, self.subject)

    @property
    def unmet_rate(self) -> float | None:
        return _rate(self.unmet, self.subject)


EMPTY = Standing(None, None, None, None)


def _rate(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return min(1.0, part / whole)


def duty_key(semester: dict[str, Any], ob: DistrictDuty) -> str:
    """The summary's key for a district obligation: the district's own, else the school's
    obligation of the same kind and period asking at least as much."""
    keys = {o["key"]: o for o in semester.get("obligations", [])}
    own = f"district/{ob.id}"
    if own in keys:
        return own
    for key, o in keys.items():
        if (o["per"], o["kind"], o["every"]) == (ob.per, ob.kind, ob.every) and o["min"] >= ob.min:
            return str(key)
    return ""


def standing(semester: dict[str, Any], unit: dict[str, Any], ob: DistrictDuty) -> Standing:
    """The unit's standing on a district obligation (``EMPTY`` if the school has none)."""
    key = duty_key(semester, ob)
    cells = unit.get("obligations", {}).get(key)
    if not key or cells is None:
        return EMPTY
    return Standing(cells["subject"], cells["met"], cells["unmet"], cells["due"], key)


@dataclass
class SchoolResult:
    """One school's outcome in a district build."""

    id: str
    name: str
    summary: dict[str, Any] | None = None
    status: str = "ok"  # ok | stale (an older summary kept) | failed
    reason: str = ""
    attempts: int = 1
    seconds: float = 0.0
    page: str = ""  # the school's page (Markdown), rendered on a worker

    def age_days(self, today: dt.date) -> int | None:
        """Days since the summary was computed."""
        if not self.summary:
            return None
        return (today - dt.date.fromisoformat(self.summary["computed_on"])).days

    def current(self) -> dict[str, Any] | None:
        """The school's latest semester in its summary."""
        semesters = (self.summary or {}).get("semesters") or []
        return semesters[-1] if semesters else None


def school_unit(semester: dict[str, Any]) -> dict[str, Any]:
    """The whole-school row of a semester."""
    return next(u for u in semester["units"] if u["level"] == "school")


def ratio(students: int | None, mentors: int) -> float | None:
    """Mentees per mentor, from the published (rounded) student count."""
    return round(students / mentors, 1) if students is not None and mentors else None


@dataclass
class Row:
    """A school's line in a district table."""

    school: SchoolResult
    standings: list[Standing] = field(default_factory=list)


def current_rows(schools: Iterable[SchoolResult], duties: Sequence[DistrictDuty]) -> list[Row]:
    """Each school with a summary: its standing on every district obligation, this semester."""
    rows = []
    for s in schools:
        semester = s.current()
        if semester is None:
            continue
        unit = school_unit(semester)
        rows.append(Row(s, [standing(semester, unit, ob) for ob in duties]))
    return rows


def district_standing(standings: Iterable[Standing]) -> Standing:
    """The district's total over the schools whose counts are all published."""
    shown = [s for s in standings if None not in (s.subject, s.met, s.unmet, s.due) and s.matched]
    if not shown:
        return EMPTY
    return Standing(
        sum(s.subject or 0 for s in shown),
        sum(s.met or 0 for s in shown),
        sum(s.unmet or 0 for s in shown),
        sum(s.due or 0 for s in shown),
        "district",
    )


def behind(rows: Sequence[Row], index: int) -> list[tuple[Row, bool]]:
    """Schools ordered from furthest behind on one obligation, each with whether it is behind:
    some students' periods ended unmet, or its completion is below the district's."""
    total = district_standing(r.standings[index] for r in rows)
    ordered = sorted(
        rows,
        key=lambda r: (
            -(r.standings[index].unmet_rate or 0.0),
            r.standings[index].met_rate if r.standings[index].met_rate is not None else 2.0,
            r.school.name,
        ),
    )
    found = []
    for r in ordered:
        s = r.standings[index]
        late = bool(s.unmet) or (
            s.met_rate is not None and total.met_rate is not None and s.met_rate < total.met_rate
        )
        found.append((r, late))
    return found


def semester_ids(schools: Iterable[SchoolResult]) -> list[str]:
    """Every semester any school's summary covers, oldest first."""
    ids = {s["id"] for r in schools for s in (r.summary or {}).get("semesters", [])}
    return sorted(ids)


def trend(
    schools: Sequence[SchoolResult], duties: Sequence[DistrictDuty]
) -> list[tuple[str, str, list[Standing], dict[str, list[Standing]]]]:
    """Per semester: its name, the district's standing on each obligation, each school's."""
    found = []
    for sid in semester_ids(schools):
        name, per_school = sid, {}
        for r in schools:
            semester = next(
                (s for s in (r.summary or {}).get("semesters", []) if s["id"] == sid), None
            )
            if semester is None:
                continue
            name = semester["name"]
            per_school[r.id] = [standing(semester, school_unit(semester), ob) for ob in duties]
        totals = [
            district_standing(row[i] for row in per_school.values()) for i in range(len(duties))
        ]
        found.append((sid, name, totals, per_school))
    return found
