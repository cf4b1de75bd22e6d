"""Benchmark: the git history index against a bare ``git log --name-status`` on the same repo.

    .venv/bin/python bench/audit.py --files 20000 --commits 2000

Generates a records repository with ``git fast-import``: mentors' evening commits adding
record files, then later edits (some by another teacher), renames and deletions spread
through the history. Then times, in this process:

* the baseline: ``git log --name-status`` over the whole history, output read and dropped;
* the history index built from scratch (``load_history``, no cache): one ``git log -z
  --name-status`` stream parsed into per-file histories, renames followed;
* for the breakdown, the index's own ``git log`` alone and the parsing of its output from
  memory (the build overlaps the two: it parses while git writes).

  These four run in turns, ``--rounds`` times: the figures are the fastest of each and,
  for the build, the median of the rounds' ratios to the baseline, so that a busy moment
  of the machine weighs on both alike.

The rest, best of three each:

* the incremental update: one new commit, then ``load_history`` with the cache of the
  previous state (rev-parse, ancestry check, ``git log OLD..HEAD``, cache rewrite);
* the unchanged case: ``load_history`` when HEAD is the cached head.

Targets: index build ≤ 1.5× the bare git log; incremental update after one commit ≤ 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from daoshi.git import environment as git_environment
from daoshi.history.gitlog import read_log
from daoshi.history.load import load_history
from daoshi.history.readers import _Backward

EPOCH = 1756684800  # 2025-09-01 00:00 UTC
BODY = "和学生谈了最近的学习情况，约定下周再聊。他说数学作业有些吃力，想请同学帮忙。\n"


def _record(mentor: int, student: int, day: int, n: int) -> tuple[str, bytes]:
    date = time.strftime("%Y-%m-%d", time.gmtime(EPOCH + day * 86400))
    path = f"semesters/2025-2026-1/journal/T{mentor:03d}/S25{student:04d}/{date}-talk-{n}.md"
    text = (
        f"---\nkind: talk\nmentor: T{mentor:03d}\nstudent: S25{student:04d}\ndate: {date}\n"
        f"areas: [study]\n---\n{BODY * (1 + n % 4)}第 {n} 次。\n"
    )
    return path, text.encode()


def _stream(files: int, commits: int, seed: int) -> Iterator[bytes]:
    """fast-import commands: adding commits, then edits, renames and deletions mixed in."""
    rng = random.Random(seed)
    changes = max(1, commits // 10)
    adders = commits - changes
    per = files // adders
    extra = files - per * adders
    written: list[str] = []
    contents: dict[str, bytes] = {}
    plan = ["add"] * adders + ["change"] * changes
    rng.shuffle(plan)
    plan[0] = "add"
    made = 0
    for mark, what in enumerate(plan, 1):
        when = EPOCH + mark * 3600
        ops: list[bytes] = []
        mentor = rng.randint(1, 200)
        if what == "add" or not written:
            count = per + (1 if made < extra else 0)
            for _ in range(count):
                path, data = _record(mentor, rng.randint(1, 3000), mark // 12, made)
                written.append(path)
                contents[path] = data
                ops.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
                made += 1
        else:
            path = rng.choice(written)
            roll = rng.random()
            if roll < 0.1:  # a rename: the date in the file name corrected
                new = path.replace("-talk-", "-talk-r")
                written[written.index(path)] = new
                contents[new] = contents.pop(path)
                ops.append(f'R "{path}" "{new}"\n'.encode())
            elif roll < 0.2:  # a duplicate deleted
                written.remove(path)
                del contents[path]
                ops.append(f"D {path}\n".encode())
            else:  # a line added, by the author or the class teacher
                contents[path] += "补充：已和家长沟通。\n".encode()
                data = contents[path]
                ops.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
            mentor = rng.randint(1, 200)
        who = f"T{mentor:03d} <t{mentor:03d}@school.example> {when} +0800"
        message = f"T{mentor:03d} 记录".encode()
        yield (
            f"commit refs/heads/main\nmark :{mark}\nauthor {who}\ncommitter {who}\n".encode()
            + f"data {len(message)}\n".encode()
            + message
            + b"\n"
            + b"".join(ops)
            + b"\n"
        )


def generate(root: Path, files: int, commits: int, seed: int) -> None:
    env = git_environment()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    proc = subprocess.Popen(
        ["git", "-C", str(root), "fast-import", "--quiet", "--date-format=raw"],
        stdin=subprocess.PIPE,
        env=env,
    )
    assert proc.stdin is not None
    for chunk in _stream(files, commits, seed):
        proc.stdin.write(chunk)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True, env=env)


def best(measure: Callable[[], object], times: int = 3) -> float:
    """The fastest of ``times`` runs, in seconds."""
    found = []
    for _ in range(times):
        start = time.perf_counter()
        measure()
        found.append(time.perf_counter() - start)
    return min(found)


def in_turns(measures: list[Callable[[], object]], rounds: int) -> list[list[float]]:
    """Each measure's times over ``rounds`` rounds, the measures taking turns in each."""
    found: list[list[float]] = [[] for _ in measures]
    for _ in range(rounds):
        for times, measure in zip(found, measures, strict=True):
            start = time.perf_counter()
            measure()
            times.append(time.perf_counter() - start)
    return found


def bare_log(root: Path) -> None:
    subprocess.run(
        ["git", "-C", str(root), "log", "--name-status"],
        stdout=subprocess.DEVNULL,
        check=True,
        env=git_environment(),
    )


def index_from_memory(text: str) -> None:
    """What the build does besides running git: parse the stream, gather each file."""
    builder = _Backward()
    builder.feed(text, final=True)
    builder.index()


def commit_one(root: Path, n: int) -> None:
    path, data = _record(7, 42, 100, 10_000_000 + n)
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data + f"{time.time_ns()}\n".encode())  # new even in a reused --dir
    env = dict(
        git_environment(),
        GIT_AUTHOR_NAME="T007",
        GIT_AUTHOR_EMAIL="t007@school.example",
        GIT_COMMITTER_NAME="T007",
        GIT_COMMITTER_EMAIL="t007@school.example",
    )
    subprocess.run(["git", "-C", str(root), "add", path], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "one more"], check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--commits", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=15, help="turns of baseline and build")
    parser.add_argument("--dir", type=Path, help="reuse or create the repository here (kept)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-audit-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    root = (args.dir or work / "records").resolve()
    if not root.exists():
        start = time.perf_counter()
        generate(root, args.files, args.commits, args.seed)
        print(f"generated {root} in {time.perf_counter() - start:.1f} s", flush=True)

    bare_log(root)  # warm the object store and the page cache
    text = read_log(root, "HEAD").decode()
    bases, builds, logs, parses = in_turns(
        [
            lambda: bare_log(root),
            lambda: load_history(root, use_cache=False),
            lambda: read_log(root, "HEAD"),  # the index's git log alone, output kept
            lambda: index_from_memory(text),
        ],
        args.rounds,
    )
    baseline, build, ours, parse = min(bases), min(builds), min(logs), min(parses)
    median = statistics.median(b / a for a, b in zip(bases, builds, strict=True))
    index = load_history(root)  # the cache the incremental update starts from
    updates = []
    for n in range(3):
        commit_one(root, n)
        start = time.perf_counter()
        updated = load_history(root)
        updates.append(time.perf_counter() - start)
    update = min(updates)
    unchanged = best(lambda: load_history(root))

    tracked = len(index.files)
    versions = sum(len(h.versions) for h in index.files.values())
    renamed = sum(1 for h in index.files.values() if any(v.change == "R" for v in h.versions))
    print(
        f"\n{len(index.commits)} commits, {tracked} files ({versions} versions, "
        f"{renamed} renamed, {len(index.deleted)} deleted); after updates "
        f"{len(updated.commits)} commits"
    )
    print(f"{'measure':<52}{'seconds':>9}{'ratio':>8}")
    for name, secs in (
        ("baseline: git log --name-status", baseline),
        ("history index, from scratch (no cache)", build),
        ("  of which git log -z --name-status --format=…", ours),
        ("  of which parsing + indexing (in memory)", parse),
        ("history index, after one new commit (cache)", update),
        ("history index, nothing new (cache)", unchanged),
    ):
        print(f"{name:<52}{secs:>9.3f}{secs / baseline:>7.2f}×")
    print(
        f"\n{args.rounds} rounds in turns: median of the rounds' build / baseline "
        f"{median:.2f}×; baseline median {statistics.median(bases):.3f} s, "
        f"build median {statistics.median(builds):.3f} s"
    )
    print(
        "targets: index build ≤ 1.5× git log: "
        f"{'met' if build <= 1.5 * baseline else 'MISSED'} ({build / baseline:.2f}×); "
        f"update after one commit ≤ 1 s: {'met' if update <= 1 else 'MISSED'} ({update:.2f} s)"
    )
    shutil.rmtree(work)  # the generated repository (unless --dir) and the cache


if __name__ == "__main__":
    main()
