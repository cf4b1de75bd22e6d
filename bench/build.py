"""Benchmark: the leaders' site of the full-scale school against a plain floor.

    .venv/bin/python bench/build.py --dir /path/to/school   # reused; generated if absent

The school is the demo generator's, as a git repository with its history (so the site has
every student's record history and every semester's review, as a real school's has).
Times, each in a fresh process with an empty cache (``XDG_CACHE_HOME``):

* the floor: load the school (``daoshi.load``, no cache) and its audit, make the same page
  sources (``all_pages``: portfolios, histories, reviews …), and for each page do what the
  plugin does by the plainest means: front matter off, the private blocks set aside,
  Python-Markdown (``tables``) on the rest (on the title only when the rest is one block of
  finished HTML, which Markdown would copy as it is), the blocks put back, a bare Jinja2
  page around it, written to disk. No mkdocs, no theme, no search index;
* ``daoshi build`` of the leaders' site: validation, the plugin, mkdocs, the Material theme
  and the search index;
* ``daoshi build --watch``: the same, then one record's body is edited and the time is taken
  until the watching process reports the updated pages (``--no-update`` skips it).

Prints wall and CPU seconds (user + system) side by side, the ratios to the floor, peak
RSS and the load average (these machines are shared). Targets: the leaders' build ≤ 2× the
floor; one-record update ≤ 5 s; peak RSS ≤ 4 GiB.
"""

from __future__ import annotations

import argparse
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

from common import HEADER, generated_school, load_average, measure

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
FLOOR = r"""
import datetime as dt, sys
from pathlib import Path
import jinja2, markdown
from markupsafe import Markup
from daoshi import load
from daoshi.site.attached import attach_history
from daoshi.site.pages import all_pages
from daoshi.site.plugin import PRIVATE, PRIVATE_CLOSE, PRIVATE_OPEN, html_page

root, out = Path(sys.argv[1]), Path(sys.argv[2])
today = dt.date.fromisoformat(sys.argv[3])
school = load(root, today=today, use_cache=False)
attach_history(root, school)
pages = all_pages(school, today, None, root)
template = jinja2.Template(
    "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{{ title }}</title>"
    "</head><body>{{ body }}</body></html>",
    autoescape=True,
)
md = markdown.Markdown(extensions=["tables"])
for page in pages:
    text = page.content
    if text.startswith("---\n"):
        text = text.split("\n---\n", 1)[1]
    parts = PRIVATE.split(text)
    aside = parts[1::2]
    text = "".join(
        part if i % 2 == 0 else f"{PRIVATE_OPEN}daoshi-aside-{i // 2}{PRIVATE_CLOSE}"
        for i, part in enumerate(parts)
    )
    found = html_page(text)  # its title through Markdown, the finished HTML as it is
    if found is None:
        html = md.reset().convert(text)
    else:
        html = f"{md.reset().convert(found[0])}\n{found[1]}"
    for n, block in enumerate(aside):
        html = html.replace(f"daoshi-aside-{n}<", f"{block}<", 1)
    name = page.path.removesuffix(".md")
    target = out / ("index.html" if name == "index" else f"{name}/index.html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(template.render(title=page.title, body=Markup(html)), "utf-8")
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


def watch_build(argv: list[str], env: dict[str, str], root: Path) -> tuple[float, float, str]:
    """Full build, then edit one record: seconds until the watching process reports it."""
    lines: queue.Queue[str] = queue.Queue()
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
    edited = edit_one_record(root)
    edit = time.perf_counter()
    report = wait_for("已更新", "完整重建", "记录有问题")
    update = time.perf_counter() - edit
    proc.send_signal(signal.SIGINT)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "--", str(edited)], check=True)
    return update, usage.ru_maxrss * 1024, report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--semesters", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="reuse or create the school here (kept)")
    parser.add_argument("--no-update", action="store_true", help="skip the --watch run")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-build-"))
    root = (args.dir or work / "school").resolve()
    generated_school(args, root, history=True)
    records = sum(1 for _ in root.glob("semesters/*/journal/**/*.md"))
    env = dict(os.environ)
    env.pop("DAOSHI_RECORDS", None)

    def fresh(name: str) -> dict[str, str]:  # every measure starts with an empty cache
        return dict(env, XDG_CACHE_HOME=str(work / f"cache-{name}"))

    daoshi = [sys.executable, "-m", "daoshi", "build", "--records", str(root)]
    daoshi += ["-f", str(REPO / "mkdocs.yml"), "--today", TODAY]
    print(load_average(), flush=True)
    subprocess.run([sys.executable, "-c", WARM_UP, str(root)], env=env, check=True)
    floor = measure(
        [sys.executable, "-c", FLOOR, str(root), str(work / "floor"), TODAY], fresh("f")
    )
    pages = sum(1 for _ in (work / "floor").rglob("index.html"))
    print(f"floor: {floor.wall:.1f} s wall, {floor.cpu:.1f} s CPU; {load_average()}", flush=True)
    leaders = measure([*daoshi, "-d", str(work / "site")], fresh("l"))
    built = sum(1 for _ in (work / "site").rglob("index.html"))
    print(f"leaders: {leaders.wall:.1f} s wall, {leaders.cpu:.1f} s CPU; {load_average()}")
    update: tuple[float, float, str] | None = None
    if not args.no_update:
        update = watch_build([*daoshi, "-d", str(work / "watch"), "--watch"], fresh("w"), root)
        print(f"update: {update[2]}", flush=True)

    print(f"\n{records} records, {pages} pages (floor), {built} pages (site); {root}")
    print(HEADER)
    print(floor.row("floor: load + audit + Jinja2 + Markdown"))
    print(leaders.row("daoshi build (leaders), no cache", floor))
    if update is not None:
        print(f"{'one record edited → site updated (--watch)':<48}{update[0]:>9.2f}")
    print(load_average())
    peak = max(leaders.rss, update[1] if update else 0)
    ratio = leaders.cpu / floor.cpu
    print(
        f"\ntargets: leaders' build ≤ 2× floor (CPU): {'met' if ratio <= 2 else 'MISSED'} "
        f"({ratio:.2f}×, wall {leaders.wall / floor.wall:.2f}×); "
        + (
            f"one-record update ≤ 5 s: {'met' if update[0] <= 5 else 'MISSED'} "
            f"({update[0]:.1f} s); "
            if update
            else ""
        )
        + f"peak RSS ≤ 4 GiB: {'met' if peak <= 4 * 2**30 else 'MISSED'} ({peak / 2**30:.2f} GiB)"
    )
    shutil.rmtree(work)  # the generated school (unless --dir), the caches and the sites


if __name__ == "__main__":
    main()
