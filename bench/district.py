"""Benchmark: a district of generated schools recomputed on Dask distributed, against the sum
of the single-school times divided by the number of worker processes.

    .venv/bin/python bench/district.py --schools 50 --students 60 --workers 2

Generates the schools (git repositories, seeds 1…N; ``--dir`` keeps and reuses them), then
1. the floor: each school's whole chain (clone, validate, summary, verify, page) run one
   after another in this process, the same functions the tasks call; their sum is the
   single-school total;
2. the district build (``--recompute``) on a LocalCluster of ``--workers`` single-threaded
   processes: wall time of the per-school work, and of everything (cluster start, site);
   and the CPU the workers spent on it (their own and their git children's, read in each
   worker), so that a machine busy with other work shows as fewer cores obtained rather
   than as a slow engine;
3. the scheduler's overhead per task: 2,000 empty tasks through the same cluster, and the
   build's own (worker-seconds not spent in school work, per task).
Prints wall and CPU seconds (this process and its children), the load average before and
after, and the ratio wall / (single-school total / workers): target ≤ 1.3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from daoshi.demo import DemoOptions, write_demo
from daoshi.district import tasks
from daoshi.district.districtfile import District, SchoolSource
from daoshi.district.engine import BuildOptions, DistrictBuild, cluster_client

TODAY = dt.date(2026, 11, 20)
EMPTY_TASKS = 2000


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--schools", type=int, default=50)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--semesters", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, help="where the schools are kept (default: a temp dir)")
    return parser.parse_args()


def cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def schools(args: argparse.Namespace, root: Path) -> list[SchoolSource]:
    found = []
    for n in range(1, args.schools + 1):
        repo = root / f"s{n:02d}"
        if not repo.exists():
            options = DemoOptions(students=args.students, semesters=args.semesters, seed=n)
            write_demo(repo, options)
        found.append(SchoolSource(id=f"s{n:02d}", name=f"第{n}中学", repo=str(repo)))
    return found


def single_school_total(district: District, build: DistrictBuild) -> float:
    """The chain of every school, one after another, in this process."""
    total = 0.0
    for school in district.schools:
        start = time.perf_counter()
        summary = tasks.recompute_task(
            school, None, district.k, district.policy, TODAY.isoformat(), 300
        )
        verified = tasks.verify_task(summary, district.k)
        result = tasks.compute_task(school, verified)
        tasks.render_task(result, build.duties, build.policy_label, TODAY, district.k)
        total += time.perf_counter() - start
    return total


def noop(n: int) -> int:
    return n


def cluster_cpu(client: Any) -> float:
    """CPU seconds of every worker process so far."""
    return float(sum(client.run(cpu).values()))  # cpu() run in each worker process


def main() -> None:
    args = arguments()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="daoshi-bench-district-") as tmp:
        root = args.dir or Path(tmp)
        start, cpu0 = time.perf_counter(), cpu()
        sources = schools(args, root / "schools")
        print(
            f"schools: {len(sources)} × {args.students} students, {args.semesters} semesters "
            f"(generated or reused in {time.perf_counter() - start:.1f} s)",
            flush=True,
        )
        district = District("基准区", "district", 5, 600.0, 2, tuple(sources))
        options = BuildOptions(
            out=Path(tmp) / "site",
            cache=Path(tmp) / "cache",
            today=TODAY,
            workers=args.workers,
            recompute=True,
        )
        build = DistrictBuild(district, options, progress=lambda _: None)

        start, cpu0 = time.perf_counter(), cpu()
        single = single_school_total(district, build)
        floor_cpu = cpu() - cpu0
        print(
            f"single-school total: {single:.2f} s wall, {floor_cpu:.2f} s CPU "
            f"({single / len(sources):.3f} s a school)",
            flush=True,
        )

        start, cpu0 = time.perf_counter(), cpu()
        with cluster_client(None, args.workers) as client:
            started, workers_cpu0 = time.perf_counter(), cluster_cpu(client)
            results = build.run(client)
            run_wall = time.perf_counter() - started
            run_cpu = cluster_cpu(client) - workers_cpu0
            t0 = time.perf_counter()
            client.gather(client.map(noop, range(EMPTY_TASKS), pure=False))  # type: ignore[no-untyped-call]
            per_empty = (time.perf_counter() - t0) / EMPTY_TASKS
        build.write(results)
        total_wall, total_cpu = time.perf_counter() - start, cpu() - cpu0
        ok = sum(r.status == "ok" for r in results)
        chain_tasks = 4 * len(sources)
        perfect = single / args.workers
        overhead = max(0.0, run_wall * args.workers - single) / chain_tasks
        print(f"district build: {ok}/{len(sources)} schools, {args.workers} worker processes")
        print(
            f"  school work on the cluster: {run_wall:.2f} s wall; perfect division "
            f"{perfect:.2f} s; ratio {run_wall / perfect:.2f} (target ≤ 1.3)"
        )
        print(
            f"  its CPU in the workers: {run_cpu:.2f} s ({run_cpu / floor_cpu:.2f}× the "
            f"single-school CPU); CPU obtained: floor {floor_cpu / single:.2f} cores, "
            f"cluster {run_cpu / run_wall:.2f} cores of {args.workers}"
        )
        print(
            f"  everything (cluster start, 2,000 empty tasks, site): {total_wall:.2f} s wall, "
            f"{total_cpu:.2f} s CPU (this process and the ended workers)"
        )
        print(
            f"  scheduler overhead per task: {per_empty * 1000:.2f} ms (empty tasks), "
            f"{overhead * 1000:.1f} ms (the build's {chain_tasks} tasks)"
        )
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, "
        f"after {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores, shared)"
    )


if __name__ == "__main__":
    main()
