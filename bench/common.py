"""Shared by the benchmarks: timing a child process, and the size of the generated school."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (bytes) and exit status of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()  # read before waiting: a full pipe would block the child
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    elapsed = time.perf_counter() - start
    if proc.returncode:
        sys.stderr.write(err.decode("utf-8", "replace")[-3000:])
    return elapsed, usage.ru_maxrss * 1024, proc.returncode


def scale_arguments(doc: str | None, dir_help: str) -> argparse.Namespace:
    """--students, --semesters, --seed and --dir, with the full-scale defaults."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--semesters", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help=dir_help)
    return parser.parse_args()


def generated_school(args: argparse.Namespace, root: Path, history: bool = False) -> Path:
    """The school at ``root``, generated at the arguments' scale unless it is already there
    (``--dir`` reuses one): a snapshot, or with ``history`` a git repository."""
    if not root.exists():
        from daoshi.demo import DemoOptions, write_demo, write_snapshot

        start = time.perf_counter()
        options = DemoOptions(students=args.students, semesters=args.semesters, seed=args.seed)
        (write_demo if history else write_snapshot)(root, options)
        print(f"generated {root} in {time.perf_counter() - start:.1f} s", flush=True)
    return root
