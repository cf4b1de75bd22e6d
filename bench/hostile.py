"""Benchmark: what a hostile record costs, against a floor measured in the same run.

    .venv/bin/python bench/hostile.py [--sizes 10000 20000 40000]

1. A group activity whose participants list has N different IDs (the mentor's mentees, then
   IDs no one has: an X201 each): ``validate`` of a small demo school with it, cold. The
   floor is libyaml composing the same front matter (reading it at all). Doubling N should
   double the time (the duplicate check was a scan of the list: 6.6 s, 26.8 s, 50 s for
   10,000, 20,000, 40,000 before).
2. ``render_markdown`` of a body of 50,000 ``[`` then ``](`` (minutes before the bound), of
   the slowest body the bound still renders as Markdown, and, as the floor, of an ordinary
   body of the same length.

Prints wall and CPU seconds and the load average (these machines are shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def timed(work: object) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 20_000, 40_000])
    args = parser.parse_args()

    import yaml

    from daoshi.demo import DemoOptions, write_snapshot
    from daoshi.records.validate import load, validate
    from daoshi.site.markdown import MAX_MARKDOWN_WORK, render_markdown

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-hostile-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    root = work / "school"
    write_snapshot(root, DemoOptions(students=40, semesters=1))
    today = dt.date(2026, 11, 20)
    school = load(root, today=today, use_cache=False)
    semester = school.semesters[-1]
    pairing = next(p for p in school.pairings if p.semester == semester.id)
    folder = root / f"semesters/{semester.id}/journal/{pairing.mentor}/group"
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "2026-10-13-group-activity.md"
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'participants':>12}{'wall s':>9}{'cpu s':>8}{'floor cpu':>11}{'× last':>8}")
    last = None
    for n in args.sizes:
        names = [*pairing.students, *(f"S{i:07d}" for i in range(n - len(pairing.students)))]
        head = (
            f"kind: group-activity\nmentor: {pairing.mentor}\ndate: 2026-10-13\n"
            f"theme: 学习方法\nparticipants: [{', '.join(names)}]\n"
        )
        record.write_text(f"---\n{head}---\n集体活动。\n", "utf-8")
        wall, cpu = timed(lambda: validate(root, today=today, use_cache=False))
        _, floor = timed(lambda h=head: yaml.compose(h, Loader=yaml.CSafeLoader))
        ratio = f"{cpu / last:8.2f}" if last else f"{'':>8}"
        print(f"{n:>12}{wall:>9.2f}{cpu:>8.2f}{floor:>11.3f}{ratio}")
        last = cpu
    record.unlink()

    ordinary = ("今天和学生谈了期中考试后的学习安排，约定每周复盘一次。\n\n" * 2000)[:50_002]
    slowest = "[" * 1995 + "]("  # just within MAX_MARKDOWN_WORK: rendered as Markdown
    print(f"\nrender_markdown (bound {MAX_MARKDOWN_WORK:,}); load {os.getloadavg()[0]:.2f}")
    print(f"{'body':<44}{'wall s':>9}{'cpu s':>8}")
    for label, body in (
        ("50,000 '[' then '](' (shown as written)", "[" * 50_000 + "]("),
        ("1,995 '[' then '](' (slowest rendered)", slowest),
        ("ordinary text, 50,002 characters (floor)", ordinary),
    ):
        wall, cpu = timed(lambda b=body: render_markdown(b))
        print(f"{label:<44}{wall:>9.3f}{cpu:>8.3f}")


if __name__ == "__main__":
    main()
