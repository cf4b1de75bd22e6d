"""Shared by the benchmarks: timing a child process, and the size of the generated school."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (bytes) and exit status of one child process."""
    wall, _, rss, code = run_cpu(argv, env)
    return wall, rss, code


def run_cpu(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user + system, the child and every process it waited
    for: a push's receive-pack and hook too), peak RSS (bytes) and exit status."""
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
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss * 1024, proc.returncode


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


@dataclass(frozen=True)
class Measured:
    """One child process: wall and CPU seconds (user + system), peak RSS, exit status."""

    wall: float
    cpu: float
    rss: int
    code: int

    def row(self, name: str, floor: Measured | None = None, width: int = 48) -> str:
        ratio = (
            f"{self.wall / floor.wall:>7.2f}×{self.cpu / floor.cpu:>7.2f}×" if floor else " " * 16
        )
        return (
            f"{name:<{width}}{self.wall:>9.1f}{self.cpu:>9.1f}{ratio}"
            f"{self.rss / 2**20:>9.0f} MiB  exit {self.code}"
        )


HEADER = f"{'measure':<48}{'wall s':>9}{'CPU s':>9}{'wall×':>8}{'CPU×':>8}{'peak RSS':>13}"


def measure(argv: list[str], env: dict[str, str]) -> Measured:
    """Run a child to completion: its wall time, CPU time and peak RSS (``wait4``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    proc.stderr.close()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        sys.stderr.write(err.decode("utf-8", "replace")[-3000:])
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(elapsed, cpu, usage.ru_maxrss * 1024, proc.returncode)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far, with the children it
    has waited for (the builder's forked workers) (``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def process_peak_rss(pid: int) -> int:
    """The peak resident set size of a running process, in bytes (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def load_average() -> str:
    """The machine's load average (1, 5, 15 minutes) and its core count."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"
