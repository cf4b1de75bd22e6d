"""The district build on Dask distributed: each school's fetch (or recompute), verify, compute
and render are tasks on the cluster; the client retries failed and slow schools, keeps the
last good summary of each school, and writes the site when every school is in or given up.

A worker that dies takes its running tasks with it; the scheduler runs them again on the
workers left (the engine does nothing for that). A school whose chain fails, or has not
finished within the district's ``timeout``, is submitted again, up to ``retries`` times, then
reported with its last good summary (``stale``) or none (``failed``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dask.distributed import Client, Future, LocalCluster, wait

from daoshi.district import tasks
from daoshi.district.districtfile import District, SchoolSource
from daoshi.district.fetch import FetchFailed, token_of
from daoshi.district.figures import DistrictDuty, SchoolResult
from daoshi.district.render import render_overview, render_school
from daoshi.district.site import write_site
from daoshi.district.summary import dumps, read_summary, write_atomically
from daoshi.district.verify import SummaryRejected, verify_summary
from daoshi.policy.obligations import read_obligations
from daoshi.records.formfiles import load_forms

Progress = Callable[[str], None]
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class BuildOptions:
    """How to run a district build."""

    out: Path
    cache: Path
    today: dt.date
    scheduler: str | None = None  # tcp://host:8786; None: a LocalCluster on this machine
    workers: int = 2
    recompute: bool = False


@dataclass
class _Attempt:
    school: SchoolSource
    number: int
    started: float
    future: Future[SchoolResult]


@contextmanager
def cluster_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the given scheduler, or of a LocalCluster of ``workers`` processes."""
    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # a school's failure is reported by the build
        ) as local,
        Client(local) as client,
    ):
        yield client


class DistrictBuild:
    """One district build: the schools' chains on the cluster, then the site."""

    def __init__(self, district: District, options: BuildOptions, progress: Progress) -> None:
        self.district = district
        self.options = options
        self.progress = progress
        forms = load_forms(None)
        policy = forms.policies[district.policy]
        self.policy_label = policy.label.zh
        self.cap = policy.ratio_cap
        kind_labels = {k: f.label.zh for k, f in forms.kinds.items()}
        self.duties = tuple(
            DistrictDuty.of(ob, kind_labels)
            for ob in read_obligations(forms, [district.policy])
            if ob.per == "student"
        )
        self.results: dict[str, SchoolResult] = {}

    def _cached(self, school: SchoolSource) -> dict[str, Any] | None:
        return read_summary(self.options.cache / f"{school.id}.json")

    def submit(self, client: Client, school: SchoolSource, number: int) -> _Attempt | None:
        """The school's chain of tasks (``None`` when it cannot start: no token)."""
        tag = f"{school.id}-{number}-{uuid.uuid4().hex[:8]}"
        d, o = self.district, self.options
        if o.recompute and school.repo:
            today = o.today.isoformat()
            got = client.submit(
                tasks.recompute_task,
                school,
                self._cached(school),
                d.k,
                d.policy,
                today,
                d.timeout,
                key=f"recompute-{tag}",
            )
        else:
            try:
                token = token_of(school)
            except FetchFailed as exc:
                self._give_up(school, number, str(exc))
                return None
            got = client.submit(tasks.fetch_task, school, token, d.timeout, key=f"fetch-{tag}")
        verified = client.submit(tasks.verify_task, got, d.k, key=f"verify-{tag}")
        computed = client.submit(tasks.compute_task, school, verified, key=f"compute-{tag}")
        rendered = client.submit(
            tasks.render_task,
            computed,
            self.duties,
            self.policy_label,
            o.today,
            d.k,
            key=f"render-{tag}",
        )
        return _Attempt(school, number, time.monotonic(), rendered)

    def run(self, client: Client) -> list[SchoolResult]:
        """Every school's result, in the district file's order."""
        pending: dict[str, _Attempt] = {}
        for school in self.district.schools:
            attempt = self.submit(client, school, 1)
            if attempt is not None:
                pending[school.id] = attempt
        total = len(self.district.schools)
        while pending:
            with suppress(TimeoutError):
                wait(
                    [a.future for a in pending.values()],
                    timeout=POLL_SECONDS,
                    return_when="FIRST_COMPLETED",
                )
            now = time.monotonic()
            for sid, attempt in list(pending.items()):
                future = attempt.future
                if future.status == "finished":
                    del pending[sid]
                    result = future.result()
                    result.attempts = attempt.number
                    result.seconds = now - attempt.started  # the client's clock, not a worker's
                    self._done(attempt.school, result)
                    self.progress(f"{attempt.school.name}：完成（{len(self.results)}/{total}）")
                elif (
                    future.status in ("error", "cancelled")
                    or now - attempt.started > self.district.timeout
                ):
                    del pending[sid]
                    reason = _reason(future, self.district.timeout)
                    future.cancel()
                    if attempt.number <= self.district.retries:
                        self.progress(f"{attempt.school.name}：{reason}，重试")
                        again = self.submit(client, attempt.school, attempt.number + 1)
                        if again is not None:
                            pending[sid] = again
                    else:
                        self._give_up(attempt.school, attempt.number, reason)
        return [self.results[s.id] for s in self.district.schools]

    def _done(self, school: SchoolSource, result: SchoolResult) -> None:
        assert result.summary is not None
        write_atomically(self.options.cache / f"{school.id}.json", dumps(result.summary))
        self.results[school.id] = result

    def _give_up(self, school: SchoolSource, attempts: int, reason: str) -> None:
        """No summary this time: the last good one if there is one, else none."""
        result = SchoolResult(school.id, school.name, status="failed", reason=reason)
        result.attempts = attempts
        previous = self._cached(school)
        if previous is not None:
            try:
                result.summary = verify_summary(previous, self.district.k)
                result.status = "stale"
                result.page = render_school(
                    result, self.duties, self.policy_label, self.options.today, self.district.k
                )
            except SummaryRejected:
                result.summary = None
        self.progress(f"{school.name}：未取得（{reason}）")
        self.results[school.id] = result

    def write(self, results: list[SchoolResult]) -> Path:
        """The district site from the results."""
        pages = render_overview(
            results,
            self.duties,
            district=self.district,
            policy_label=self.policy_label,
            cap=self.cap,
            today=self.options.today,
        )
        return write_site(self.options.out, self.district.name, pages, results)


def _reason(future: Future[Any], timeout: float) -> str:
    if future.status == "error":
        exc = future.exception()
        if isinstance(exc, tasks.SchoolFailed):
            return str(exc)
        return f"任务出错（{type(exc).__name__}：{str(exc)[:200]}）"
    if future.status == "cancelled":
        return "任务被取消"
    return f"超过 {timeout:g} 秒未完成"


def build_district(
    district: District, options: BuildOptions, progress: Progress = lambda _: None
) -> tuple[Path, list[SchoolResult]]:
    """Run the build on the cluster and write the site; returns the site and the results."""
    build = DistrictBuild(district, options, progress)
    with cluster_client(options.scheduler, options.workers) as client:
        info = client.scheduler_info()
        progress(f"Dask 调度器：{info['address']}，{len(info['workers'])} 个 worker")
        results = build.run(client)
    return build.write(results), results


def report_lines(results: list[SchoolResult], today: dt.date) -> list[str]:
    """The build's report, one line a school, for the terminal."""
    lines = []
    for r in results:
        age = r.age_days(today)
        when = f"数据截至 {r.summary['computed_on']}（{age} 天前）" if r.summary else "无数据"
        state = {"ok": "正常", "stale": "本次未取得，沿用上次数据", "failed": "未取得"}[r.status]
        more = f"，第 {r.attempts} 次" if r.attempts > 1 else ""
        why = f"：{r.reason}" if r.reason else ""
        lines.append(f"{r.id} {r.name}：{state}{more}，{when}，{r.seconds:.1f} 秒{why}")
    return lines


def results_json(results: list[SchoolResult]) -> str:
    """The same report as JSON (for monitoring): no figures, only status and data age."""
    rows = [
        {
            "id": r.id,
            "status": r.status,
            "attempts": r.attempts,
            "seconds": round(r.seconds, 3),
            "computed_on": r.summary["computed_on"] if r.summary else None,
            "reason": r.reason,
        }
        for r in results
    ]
    return json.dumps(rows, ensure_ascii=False, indent=1)
