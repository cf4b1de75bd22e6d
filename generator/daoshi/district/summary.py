"""A school's de-identified summary for its district: the published JSON, format version 1.

``summarize`` turns the validated school into the document (every semester begun, counts
de-identified by ``protect``); ``publish_summary`` is what a school's builder calls after
each accepted push (``daoshi district summary``): it writes a new document only when a new
period (a week by default) has begun since the one already published, so two consecutive
summaries never differ by one push. The format is described by ``summary.schema.json`` and
docs/district.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from daoshi.district.counts import KEY_PARTS, STUDENT_PARTS, SemesterCounts, semester_counts
from daoshi.district.protect import Key, Protection, publish
from daoshi.records.model import School

FORMAT = "daoshi-district-summary"
VERSION = 1
PERIODS = ("week", "month")
DEFAULT_DISTRICT_POLICY = "district"


def period_start(day: dt.date, every: str) -> dt.date:
    """The first day of the period ``day`` falls in: its Monday, or the 1st of its month."""
    if every == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def summarize(
    school: School,
    on: dt.date,
    *,
    protection: Protection | None = None,
    every: str = "week",
    district_policy: str | None = DEFAULT_DISTRICT_POLICY,
) -> dict[str, Any]:
    """The summary document of ``school`` as of ``on`` (a JSON-ready dict)."""
    protection = protection or Protection()
    semesters = [s for s in school.semesters if s.start <= on]
    kind_labels = {k: f.label.zh for k, f in school.forms.kinds.items()}
    return {
        "format": FORMAT,
        "version": VERSION,
        "school": {
            "id": school.id,
            "name": school.name,
            "stage": school.stage,
            "policies": list(school.policies),
        },
        "district_policy": district_policy if district_policy in school.forms.policies else None,
        "computed_on": on.isoformat(),
        "period": {"every": every, "start": period_start(on, every).isoformat()},
        "protection": {"k": protection.k, "base": protection.base},
        "semesters": [
            _semester(semester_counts(school, s, on, district_policy), protection, kind_labels)
            for s in semesters
        ],
    }


def _semester(
    counts: SemesterCounts, protection: Protection, kind_labels: dict[str, str]
) -> dict[str, Any]:
    shown = publish(counts.counts, counts.sums, protection)
    s = counts.semester

    def cell(unit: str, *measure: str) -> int | None:
        key: Key = (s.id, unit, *measure)
        return shown[key]

    student_duties = [d for d in counts.duties if d.obligation.per == "student"]
    units = []
    for u in counts.units:
        row: dict[str, Any] = {
            "level": u.level,
            "name": u.name,
            "grade": u.grade,
            "students": cell(u.name, "students"),
            "mentors": counts.mentors.get(u.name, 0),
            "obligations": {
                d.key: {
                    part: cell(u.name, "obligation", d.key, part)
                    for part in ("subject", *STUDENT_PARTS)
                }
                for d in student_duties
            },
            "key_students": {
                part: cell(u.name, "key_students", part) for part in ("total", *KEY_PARTS)
            },
        }
        units.append(row)
    grades = [u.name for u in counts.units if u.level == "grade"]
    return {
        "id": s.id,
        "name": s.name,
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "policies": list(s.policies),
        "obligations": [
            {
                "key": d.key,
                "source": d.source,
                "policy": d.obligation.policy,
                "id": d.obligation.id,
                "per": d.obligation.per,
                "kind": d.obligation.kind,
                "min": d.obligation.min,
                "every": d.obligation.every,
                "label": d.obligation.describe(kind_labels),
            }
            for d in counts.duties
        ],
        "units": units,
        "mentor_load": counts.mentor_load,
        "mentor_obligations": counts.mentor_duties,
        "records": {
            "months": counts.months,
            "kinds": [
                {
                    "kind": kind,
                    "label": kind_labels.get(kind, kind),
                    "school": [cell("全校", "records", kind, m) for m in counts.months],
                    "grades": {
                        g: [cell(g, "records", kind, m) for m in counts.months] for g in grades
                    },
                }
                for kind in counts.record_kinds
            ],
        },
        "crisis_reports": {
            "reports": cell("全校", "crisis", "reports"),
            "students": cell("全校", "crisis", "students"),
        },
    }


def read_summary(path: Path) -> dict[str, Any] | None:
    """A summary file already published, or ``None`` when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def same_period(
    previous: dict[str, Any] | None, on: dt.date, every: str, protection: Protection
) -> bool:
    """Whether ``previous`` already covers the period of ``on`` under the same protection
    (so it stays as it is)."""
    if not previous or previous.get("format") != FORMAT or previous.get("version") != VERSION:
        return False
    period = previous.get("period") or {}
    shown = previous.get("protection") or {}
    return bool(
        period.get("every") == every
        and period.get("start") == period_start(on, every).isoformat()
        and shown == {"k": protection.k, "base": protection.base}
    )


def dumps(summary: dict[str, Any]) -> str:
    """The published text: UTF-8 JSON, keys in a stable order."""
    return json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
