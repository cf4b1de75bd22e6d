"""The per-school work, one function per Dask task: fetch (or recompute), verify, compute,
render. Each takes and returns plain picklable values, so any worker on any machine can run
it; the only thing a worker needs is daoshi installed (and, to recompute, read access to the
school's repository).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from daoshi.district.districtfile import SchoolSource
from daoshi.district.fetch import FetchFailed, fetch, recompute
from daoshi.district.figures import DistrictDuty, SchoolResult
from daoshi.district.render import render_school
from daoshi.district.verify import SummaryRejected, verify_summary


class SchoolFailed(RuntimeError):
    """A school's task failed for a reason to show on the district page (in Chinese)."""


def fetch_task(school: SchoolSource, token: str | None, timeout: float) -> Any:
    """The summary as the school published it."""
    try:
        return fetch(school, token, timeout)
    except FetchFailed as exc:
        reason = str(exc)
    raise SchoolFailed(reason)  # outside the except: no unpicklable cause travels back


def recompute_task(
    school: SchoolSource,
    previous: dict[str, Any] | None,
    k: int,
    policy: str,
    today: str | None,
    timeout: float,
) -> dict[str, Any]:
    """The summary computed from the school's hosted records repository."""
    try:
        return recompute(school, previous, k, policy, today, timeout)
    except FetchFailed as exc:
        reason = str(exc)
    raise SchoolFailed(reason)


def verify_task(summary: Any, k: int) -> dict[str, Any]:
    """The summary if it is in the format and de-identified to the district's ``k``."""
    try:
        return verify_summary(summary, k)
    except SummaryRejected as exc:
        reason = f"汇总未通过校验：{exc}"
    raise SchoolFailed(reason)


def compute_task(school: SchoolSource, summary: dict[str, Any]) -> SchoolResult:
    """The school's result, its figures read from the verified summary."""
    return SchoolResult(school.id, school.name, summary)


def render_task(
    result: SchoolResult,
    duties: Sequence[DistrictDuty],
    policy_label: str,
    today: dt.date,
    k: int,
) -> SchoolResult:
    """The result with its page."""
    result.page = render_school(result, duties, policy_label, today, k)
    return result
