"""Publishing a school's summary: what the school's builder runs after each accepted push.

``publish_summary`` validates the records, and writes the summary only when a new period has
begun since the summary already at ``out`` (the same week's pushes leave the file as it is,
byte for byte). The district's recompute-from-source path calls ``summary_for`` with the
summary it already holds, under the same rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daoshi.district.protect import Protection
from daoshi.district.summary import (
    DEFAULT_DISTRICT_POLICY,
    dumps,
    read_summary,
    same_period,
    summarize,
    write_atomically,
)
from daoshi.errors import ProjectError
from daoshi.records.validate import school_today, validate


@dataclass(frozen=True)
class Published:
    """What a publication did: ``written`` is False when the period's summary stood."""

    summary: dict[str, Any]
    written: bool


def summary_for(
    records: Path,
    *,
    today: dt.date | None = None,
    previous: dict[str, Any] | None = None,
    protection: Protection | None = None,
    every: str = "week",
    district_policy: str | None = DEFAULT_DISTRICT_POLICY,
) -> Published:
    """The summary of the records at ``records`` (``previous`` if it covers this period).

    Raises ``ProjectError`` with every located problem when the records do not validate.
    """
    root = records.resolve()
    day = today or school_today(root)
    protection = protection or Protection()
    if same_period(previous, day, every, protection) and previous is not None:
        return Published(previous, written=False)
    result = validate(root, today=day, need_school=True)
    if result.problems or result.school is None:
        raise ProjectError(result.problems)
    summary = summarize(
        result.school, day, protection=protection, every=every, district_policy=district_policy
    )
    return Published(summary, written=True)


def publish_summary(
    records: Path,
    out: Path,
    *,
    today: dt.date | None = None,
    protection: Protection | None = None,
    every: str = "week",
    district_policy: str | None = DEFAULT_DISTRICT_POLICY,
) -> Published:
    """Write the summary of ``records`` to ``out`` unless this period's is already there."""
    done = summary_for(
        records,
        today=today,
        previous=read_summary(out),
        protection=protection,
        every=every,
        district_policy=district_policy,
    )
    if done.written:
        write_atomically(out, dumps(done.summary))
    return done
