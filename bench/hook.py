"""Benchmark: a teacher's ``git push`` through the pre-receive hook, against a plain push.

    .venv/bin/python bench/hook.py --students 3000 --semesters 6

Generates the school (a snapshot), commits it, clones it bare twice (one with the hook,
one without) and times, each in a fresh process: a plain push of one edited record (the
baseline), the same push through the hook the first time (the check trees are written and
the cache is cold), a second push (warm: a records-only commit, checked in the data tree),
a push of 10 commits, the admin's push of a change to the people file (checked by a whole
validation in the check tree), and ``daoshi validate`` cold and unchanged. Prints wall and
CPU seconds (the push's receive-pack and hook included) and the CPU ratios to the plain
push and to validate cold, with the load average. Target: one warm push ≤ validate cold.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import generated_school, run_cpu, scale_arguments

OPEN = "2026-2027-1"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=b@example.edu.cn", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school here")

    from daoshi.records.validate import load

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-hook-"))
    root = args.dir or work / "school"
    generated_school(args, root)
    school = load(root, use_cache=False)
    semester = school.semesters[-1].id
    record = next(r for r in school.records if r.semester == semester and r.kind == "talk")
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-qm", "school")
    files = int(git(root, "ls-files").count("\n"))
    hooked, plain = work / "hooked.git", work / "plain.git"
    for bare in (hooked, plain):
        git(work, "clone", "-q", "--bare", str(root), str(bare))
    subprocess.run(
        [sys.executable, "-m", "daoshi", "hook", "install", "--admin", "admin", str(hooked)],
        check=True,
        capture_output=True,
    )
    clone = work / "clone"
    git(work, "clone", "-q", str(hooked), str(clone))
    git(clone, "remote", "add", "plain", str(plain))
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"), GL_USER=record.mentor)

    def edit(n: int) -> None:
        for i in range(n):
            path = clone / record.path
            path.write_text(path.read_text("utf-8") + f"\n补充 {time.time_ns()} {i}。\n", "utf-8")
            git(clone, "commit", "-qam", f"edit {i}")

    measures = []
    edit(1)
    measures.append(
        (
            "plain git push, 1 commit",
            run_cpu(["git", "-C", str(clone), "push", "-q", "plain", "HEAD:main"], env),
        )
    )
    measures.append(
        (
            "hook push, 1 commit, first",
            run_cpu(["git", "-C", str(clone), "push", "-q", "origin", "HEAD:main"], env),
        )
    )
    edit(1)
    run_cpu(["git", "-C", str(clone), "push", "-q", "plain", "HEAD:main"], env)
    measures.append(
        (
            "hook push, 1 commit, warm",
            run_cpu(["git", "-C", str(clone), "push", "-q", "origin", "HEAD:main"], env),
        )
    )
    edit(10)
    measures.append(
        (
            "hook push, 10 commits",
            run_cpu(["git", "-C", str(clone), "push", "-q", "origin", "HEAD:main"], env),
        )
    )
    people = clone / "people" / "teachers.yaml"
    people.write_text(people.read_text("utf-8") + f"# {time.time_ns()}\n", "utf-8")
    git(clone, "commit", "-qam", "people")
    measures.append(
        (
            "admin push, people file (validate)",
            run_cpu(
                ["git", "-C", str(clone), "push", "-q", "origin", "HEAD:main"],
                dict(env, GL_USER="admin"),
            ),
        )
    )
    daoshi = [sys.executable, "-m", "daoshi", "validate", "-q", str(clone)]
    cache_env = dict(env, XDG_CACHE_HOME=str(work / "cache-validate"))
    measures.append(("daoshi validate, cold", run_cpu(daoshi, cache_env)))
    measures.append(("daoshi validate, unchanged", run_cpu(daoshi, cache_env)))
    base = measures[0][1][1]
    cold = measures[5][1][1]
    print(f"\n{files} files, {args.students} students, {args.semesters} semesters")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; ratios of CPU time")
    head = f"{'measure':<36}{'wall s':>8}{'CPU s':>8}{'× plain push':>14}{'× validate cold':>17}"
    print(head)
    for name, (secs, cpu, _rss, code) in measures:
        print(
            f"{name:<36}{secs:>8.2f}{cpu:>8.2f}{cpu / base:>13.1f}×{cpu / cold:>16.2f}×"
            f"  exit {code}"
        )
    shutil.rmtree(work, ignore_errors=True)  # a detached git gc may still be at work there


if __name__ == "__main__":
    main()
