"""Benchmark: every audience's site by the one builder, and a push to its updated pages.

    .venv/bin/python bench/builder.py --dir /path/to/school   # reused; generated if absent

The school is the demo generator's, as a git repository with its history. In turns, each
in a fresh process with an empty cache:

* one leaders' build: ``daoshi build`` (validation, plugin, mkdocs, theme, search index);
* the running builder (``daoshi builder run``) on a bare clone of the school: the time and
  CPU until every audience's site is published (the status file says so), and its peak RSS;
* ``--pushes`` pushes (20 by default), each one mentor's talk with a new sentence, committed
  and pushed to the bare repository the builder watches (inotify; no poke): the time from
  ``git push`` returning to the builder's status naming that commit, which it writes once
  every affected audience's new generation is swapped in. The leaders' page is checked to
  show the sentence then. A push's CPU counts the builder's forked workers and its git
  commands (the children it waited for) with its own.

Prints wall and CPU seconds side by side, the ratio of all audiences to one leaders' build,
the latency's median, p95 and maximum, the disk the sites take, and the load average.
Targets: all audiences ≤ 3× one leaders' build (CPU), peak RSS ≤ 4 GiB, p95 push → pages
≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import (
    HEADER,
    Measured,
    generated_school,
    load_average,
    measure,
    process_cpu,
    process_peak_rss,
)

TODAY = "2026-11-25"
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@demo-school.invalid"}


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV, GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@demo-school.invalid")
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"git {args[0]}: {done.stderr}")
    return done.stdout.strip()


def status(site: Path) -> dict[str, object]:
    try:
        found: dict[str, object] = json.loads((site / ".daoshi" / "builder.json").read_text())
    except (OSError, ValueError):
        return {}
    return found


def wait_for(site: Path, commit: str, proc: subprocess.Popen[bytes]) -> dict[str, object]:
    """Poll the builder's status until it shows ``commit`` (every 20 ms)."""
    while True:
        found = status(site)
        if found.get("commit") == commit:
            return found
        if found.get("tried") == commit and not found.get("ok"):
            raise SystemExit(f"the builder refused {commit}: {found.get('problems')}")
        if proc.poll() is not None:
            raise SystemExit(f"daoshi builder ended with {proc.returncode}")
        time.sleep(0.02)


def disk(site: Path) -> tuple[int, int]:
    """Bytes on disk (each stored file once) and bytes the audiences' folders add up to."""
    stored = sum(p.stat().st_size for p in (site / ".daoshi" / "store").rglob("*") if p.is_file())
    apparent = 0
    for link in site.iterdir():
        if link.is_symlink():
            apparent += sum(p.stat().st_size for p in link.resolve().rglob("*") if p.is_file())
    return stored, apparent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--semesters", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="reuse or create the school here (kept)")
    parser.add_argument("--pushes", type=int, default=20)
    parser.add_argument(
        "--no-leaders",
        action="store_true",
        help="skip the leaders' build (then no ratio is printed: only the builder and pushes)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-builder-"))
    root = (args.dir or work / "school").resolve()
    generated_school(args, root, history=True)
    env = {k: v for k, v in os.environ.items() if k != "DAOSHI_RECORDS"}
    print(load_average(), flush=True)

    leaders: Measured | None = None
    if not args.no_leaders:
        leaders = measure(
            [
                sys.executable,
                "-m",
                "daoshi",
                "build",
                "--records",
                str(root),
                "--today",
                TODAY,
                "-d",
                str(work / "leaders"),
            ],
            dict(env, XDG_CACHE_HOME=str(work / "cache-leaders")),
        )
        print(
            f"one leaders' build: {leaders.wall:.1f} s wall, {leaders.cpu:.1f} s CPU; "
            f"{load_average()}",
            flush=True,
        )
        shutil.rmtree(work / "leaders")

    bare, clone, site = work / "school.git", work / "clone", work / "site"
    git(work, "clone", "-q", "--bare", str(root), str(bare))
    git(work, "clone", "-q", str(bare), str(clone))
    head = git(clone, "rev-parse", "HEAD")
    log = (work / "builder.log").open("wb")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daoshi",
            "builder",
            "run",
            "--repo",
            str(bare),
            "--site",
            str(site),
            "--today",
            TODAY,
        ],
        env=dict(env, XDG_CACHE_HOME=str(work / "cache-builder")),
        stdout=log,
        stderr=log,
    )
    try:
        wait_for(site, head, proc)
        everyone = Measured(
            time.perf_counter() - start, process_cpu(proc.pid), process_peak_rss(proc.pid), 0
        )
        audiences = len(json.loads((site / "audiences.json").read_text())["audiences"])
        print(
            f"all {audiences} audiences: {everyone.wall:.1f} s wall, {everyone.cpu:.1f} s CPU; "
            f"{load_average()}",
            flush=True,
        )
        stored, apparent = disk(site)

        talks = sorted(clone.glob("semesters/*/journal/*/*/*-talk.md"))
        current = sorted({t.parts[-5] for t in talks})[-1]
        talks = [t for t in talks if t.parts[-5] == current]
        step = max(1, len(talks) // args.pushes)
        latencies, cpus, counts = [], [], []
        for n in range(args.pushes):
            talk = talks[(n * step + n) % len(talks)]
            sentence = f"第 {n + 1} 次推送补充的一句话。"
            talk.write_text(talk.read_text("utf-8").rstrip("\n") + sentence + "\n", "utf-8")
            git(clone, "commit", "-qam", f"bench push {n + 1}")
            commit = git(clone, "rev-parse", "HEAD")
            before = process_cpu(proc.pid)
            git(clone, "push", "-q", "origin", "HEAD")
            pushed = time.perf_counter()
            found = wait_for(site, commit, proc)
            latencies.append(time.perf_counter() - pushed)
            cpus.append(process_cpu(proc.pid) - before)
            counts.append(len(found.get("audiences", [])))  # type: ignore[arg-type]
            page = site / "leader" / "students" / talk.parent.name / "index.html"
            assert sentence in page.read_text("utf-8"), page
            print(
                f"push {n + 1}: {latencies[-1]:.2f} s, {cpus[-1]:.2f} s CPU, "
                f"{counts[-1]} audiences, {found.get('workers', 1)} processes; {load_average()}",
                flush=True,
            )
        peak = process_peak_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=120)
        log.close()

    ordered = sorted(latencies)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    print(f"\n{audiences} audiences; {root}")
    print(HEADER)
    if leaders is not None:
        print(leaders.row("one leaders' build (daoshi build)"))
    print(
        Measured(everyone.wall, everyone.cpu, peak, 0).row(
            "all audiences (daoshi builder)", leaders
        )
    )
    print(
        f"push → every affected audience's pages: median {statistics.median(latencies):.2f} s, "
        f"p95 {p95:.2f} s, max {ordered[-1]:.2f} s wall; median {statistics.median(cpus):.2f} s "
        f"CPU; {statistics.median(counts):.0f} audiences updated per push (median)"
    )
    print(
        f"disk: {stored / 2**20:.0f} MiB stored for {apparent / 2**20:.0f} MiB of audience folders"
    )
    print(load_average())
    ratio = everyone.cpu / leaders.cpu if leaders is not None else None
    print(
        "\ntargets: all audiences ≤ 3× one leaders' build (CPU): "
        + (
            f"{'met' if ratio <= 3 else 'MISSED'} "
            f"({ratio:.2f}×, wall {everyone.wall / leaders.wall:.2f}×); "
            if ratio is not None and leaders is not None
            else "not measured (--no-leaders); "
        )
        + f"peak RSS ≤ 4 GiB: {'met' if peak <= 4 * 2**30 else 'MISSED'} ({peak / 2**30:.2f} GiB); "
        f"p95 push → pages ≤ 10 s: {'met' if p95 <= 10 else 'MISSED'} ({p95:.2f} s)"
    )
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
