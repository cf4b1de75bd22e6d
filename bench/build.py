"""Benchmark: build the site of a full-scale generated school against a bare Markdown floor.

    .venv/bin/python bench/build.py --students 3000 --semesters 6

Generates the school (a snapshot, no git history), then times, each in a fresh process:

* the floor: one script that loads the school (``generator.load``, no cache), makes the same
  page sources (``all_pages`` + ``home_page``) and writes each as Python-Markdown
  (``tables``) output in a bare Jinja2 page: Jinja2 + Python-Markdown, no mkdocs;
* ``daoshi build --watch`` of the whole site, search index included, with an empty
  validation cache: the full build is the time until the site is written;
* the one-record update: then one record's body is edited and the time is taken until the
  watching process reports the updated pages (inotify, the 0.2 s settle time, re-check of
  the record, re-render of its pages) — the edit-to-updated-site latency a user sees.

Prints seconds, ratio to the floor and peak RSS. Targets: full build ≤ 2× the floor,
one-record update ≤ 5 s, peak RSS ≤ 4 GiB.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import generated_school, run, scale_arguments

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
FLOOR = r"""
import datetime as dt, sys
from pathlib import Path
import jinja2, markdown
from markupsafe import Markup
from daoshi import load
from daoshi.site.pages import all_pages

root, out = sys.argv[1], Path(sys.argv[2])
today = dt.date.fromisoformat(sys.argv[3])
school = load(root, today=today, use_cache=False)
pages = all_pages(school, today)
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


def watch_build(
    argv: list[str], env: dict[str, str], root: Path
) -> tuple[tuple[float, int, int], tuple[float, int, int], Path, str]:
    """Full build, then edit one record and wait for the watching process to update."""
    lines: queue.Queue[str] = queue.Queue()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    stderr = proc.stderr

    def read() -> None:
        for raw in stderr:
            lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
        lines.put("")

    threading.Thread(target=read, daemon=True).start()

    def wait_for(*prefixes: str) -> str:
        while True:
            line = lines.get()
            if line == "" and proc.poll() is not None:
                raise SystemExit(f"daoshi build --watch ended with {proc.returncode}")
            if line.startswith(prefixes):
                return line

    wait_for("正在监视")
    full = time.perf_counter() - start
    edited = edit_one_record(root)
    edit = time.perf_counter()
    report = wait_for("已更新", "完整重建", "记录有问题")
    update = time.perf_counter() - edit
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss * 1024
    return (full, rss, 0), (update, rss, 0), edited, report


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school here (kept)")

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-build-"))
    root = (args.dir or work / "school").resolve()
    generated_school(args, root)
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
    full, update, edited, report = watch_build([*daoshi, "--watch"], env, root)
    print(f"full build: {full[0]:.1f} s", flush=True)
    print(f"update: {report}", flush=True)
    scale = f"{args.students} students, {args.semesters} semesters"
    print(f"\n{records} records, {pages} pages ({scale})")
    print(f"edited {edited.relative_to(root)}")
    print(f"{'measure':<40}{'seconds':>9}{'ratio':>8}{'peak RSS':>12}")
    for name, (secs, rss, code) in (
        ("floor: load + Jinja2 + Python-Markdown", floor),
        ("daoshi build, full (no cache)", full),
        ("one record edited → site updated", update),
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
