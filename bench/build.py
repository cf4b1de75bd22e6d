"""Benchmark: build the site of a full-scale generated school against a bare Markdown floor.

    .venv/bin/python bench/build.py --students 3000 --semesters 6

Generates the school (a snapshot, no git history), then times, each in a fresh process:

* the floor: one script that loads the school (``generator.load``, no cache), makes the same
  page sources (``all_pages`` + ``home_page``) and writes each as Python-Markdown
  (``tables``) output in a bare Jinja2 page: Jinja2 + Python-Markdown, no mkdocs;
* ``daoshi build`` of the whole site, search index included, with an empty validation cache;
* the one-record update: one record's body edited, then ``daoshi build`` again, as
  ``mkdocs serve`` rebuilds after a save (the validation cache of the first build is reused).

Prints seconds, ratio to the floor and peak RSS. Targets: full build ≤ 2× the floor,
one-record update ≤ 5 s, peak RSS ≤ 4 GiB.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import run, scale_arguments

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
FLOOR = r"""
import datetime as dt, sys
from pathlib import Path
import jinja2, markdown
from markupsafe import Markup
from generator import load
from generator.pages import all_pages, home_page

root, out = sys.argv[1], Path(sys.argv[2])
today = dt.date.fromisoformat(sys.argv[3])
school = load(root, today=today, use_cache=False)
pages = [home_page(school, today), *all_pages(school, today)]
template = jinja2.Template(
    "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
    "</head><body>{{ body }}</body></html>",
    autoescape=True,
)
for page in pages:
    body = Markup(markdown.markdown(page.content, extensions=["tables"]))
    name = page.path.removesuffix(".md")
    target = out / ("index.html" if name == "index" else f"{name}/index.html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(template.render(title=page.title, body=body), "utf-8")
print(len(pages), file=sys.stderr)
"""
WARM_UP = r"""
import os, sys
for dirpath, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        with open(os.path.join(dirpath, name), "rb") as fh:
            fh.read()
"""


def edit_one_record(root: Path) -> Path:
    """Append a sentence to the body of the last talk record (by path) of the school."""
    talk = sorted(root.glob("semesters/*/journal/*/*/*-talk.md"))[-1]
    talk.write_text(talk.read_text("utf-8").rstrip("\n") + "又补充了一句。\n", "utf-8")
    return talk


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school here (kept)")

    from generator.demo import DemoOptions, write_snapshot

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-build-"))
    root = (args.dir or work / "school").resolve()
    if not root.exists():
        start = time.perf_counter()
        write_snapshot(
            root, DemoOptions(students=args.students, semesters=args.semesters, seed=args.seed)
        )
        print(f"generated {root} in {time.perf_counter() - start:.1f} s", flush=True)
    records = sum(1 for _ in root.glob("semesters/*/journal/**/*.md"))
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
    env.pop("DAOSHI_RECORDS", None)
    site = work / "site"
    daoshi = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--records",
        str(root),
        "-f",
        str(REPO / "mkdocs.yml"),
        "-d",
        str(site),
        "--today",
        TODAY,
    ]
    # every measure reads the same files: warm the page cache first, so none pays for the disk
    run([sys.executable, "-c", WARM_UP, str(root)], env)
    floor = run([sys.executable, "-c", FLOOR, str(root), str(work / "floor"), TODAY], env)
    pages = sum(1 for _ in (work / "floor").rglob("index.html"))
    print(f"floor: {floor[0]:.1f} s", flush=True)
    full = run(daoshi, env)
    print(f"full build: {full[0]:.1f} s", flush=True)
    edited = edit_one_record(root)
    update = run(daoshi, env)
    scale = f"{args.students} students, {args.semesters} semesters"
    print(f"\n{records} records, {pages} pages ({scale})")
    print(f"edited {edited.relative_to(root)}")
    print(f"{'measure':<40}{'seconds':>9}{'ratio':>8}{'peak RSS':>12}")
    for name, (secs, rss, code) in (
        ("floor: load + Jinja2 + Python-Markdown", floor),
        ("daoshi build, full (no cache)", full),
        ("daoshi build, one record edited", update),
    ):
        print(f"{name:<40}{secs:>9.2f}{secs / floor[0]:>7.2f}×{rss / 2**20:>9.0f} MiB  exit {code}")
    peak = max(full[1], update[1])
    print(
        "\ntargets: full ≤ 2× floor: "
        f"{'met' if full[0] <= 2 * floor[0] else 'MISSED'} ({full[0] / floor[0]:.2f}×); "
        f"one-record update ≤ 5 s: {'met' if update[0] <= 5 else 'MISSED'} ({update[0]:.1f} s); "
        f"peak RSS ≤ 4 GiB: {'met' if peak <= 4 * 2**30 else 'MISSED'} ({peak / 2**30:.2f} GiB)"
    )
    shutil.rmtree(work)  # the generated school (unless --dir), the cache and both sites


if __name__ == "__main__":
    main()
