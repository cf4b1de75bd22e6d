"""Benchmark: validate a full-scale generated school against a bare libyaml parse.

    .venv/bin/python bench/validate.py --students 3000 --semesters 6

Generates the school (a snapshot, no git history), then times, each in a fresh process:
the floor (read every file and ``yaml.load`` its YAML with PyYAML's ``CSafeLoader``),
``daoshi validate`` cold (empty cache) and ``daoshi validate`` again with nothing changed.
Prints seconds, peak RSS and the ratios to the floor. Targets: cold ≤ 2×, unchanged ≤ 0.25×,
peak RSS ≤ 2 GiB.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from common import generated_school, run, scale_arguments

FLOOR = r"""
import sys, os, yaml
root = sys.argv[1]
n = 0
for dirpath, dirs, files in os.walk(root):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if not name.endswith((".yaml", ".md")):
            continue
        with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
            text = fh.read()
        if name.endswith(".md"):
            text = text[4:text.find("\n---\n", 3) + 1]
        yaml.load(text, Loader=yaml.CSafeLoader)
        n += 1
print(n, file=sys.stderr)
"""


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school here")

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-"))
    root = args.dir or work / "school"
    generated_school(args, root)
    files = sum(1 for p in root.rglob("*") if p.is_file())
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
    daoshi = [
        sys.executable,
        "-m",
        "generator",
        "validate",
        "-q",
        "--today",
        "2026-11-25",
        str(root),
    ]
    # every measure reads the same files: warm the page cache first, so none pays for the disk
    warm_up = FLOOR.replace("yaml.load(text, Loader=yaml.CSafeLoader)", "len(text)")
    assert warm_up != FLOOR
    run([sys.executable, "-c", warm_up, str(root)], env)
    floor = run([sys.executable, "-c", FLOOR, str(root)], env)
    cold = run(daoshi, env)
    warm = run(daoshi, env)
    print(f"\n{files} files, {args.students} students, {args.semesters} semesters")
    print(f"{'measure':<34}{'seconds':>9}{'ratio':>8}{'peak RSS':>12}")
    for name, (secs, rss, code) in (
        ("floor: CSafeLoader load", floor),
        ("daoshi validate, cold (no cache)", cold),
        ("daoshi validate, unchanged", warm),
    ):
        print(f"{name:<34}{secs:>9.2f}{secs / floor[0]:>7.2f}×{rss / 2**20:>9.0f} MiB  exit {code}")
    shutil.rmtree(work)  # the generated school (unless --dir) and the cache: ~600 MB at full scale


if __name__ == "__main__":
    main()
