"""Benchmark: what a teacher's browser fetches to show one student page, at full scale.

    .venv/bin/python bench/first_load.py --students 3000

Generates the demo school at that size (``daoshi demo --snapshot``), builds the leaders'
site (every student, the largest search index any audience gets) and adds up the first load
of a student page: the HTML, every stylesheet and script it references, and the search
index Material's search worker fetches as the page opens. Each file is counted as a server
sends it compressed (gzip, level 6, as nginx's default ``gzip on``). Prints the sizes, the
search index per student, the budget ratio (target: the whole first load ≤ 300 KB
compressed) and the build's wall and CPU time beside the load average.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAOSHI = [sys.executable, "-m", "daoshi"]
BUDGET = 300 * 1024
TODAY = "2026-11-25"


def compressed(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def first_load(site: Path, page: str) -> dict[str, int]:
    """Compressed bytes of a page and of what it loads at once (assets, search index)."""
    html_path = site / page / "index.html"
    html = html_path.read_text("utf-8")
    sizes = {"page": compressed(html_path)}
    for ref in sorted(set(re.findall(r'(?:href|src)="([^"#?]+\.(?:css|js))', html))):
        target = (html_path.parent / ref).resolve()
        if target.is_file():
            sizes[target.relative_to(site.resolve()).as_posix()] = compressed(target)
    # the search worker, started as the page opens, loads its script, lunr's Chinese support
    # and the index
    worker = re.search(r'"search":\s*"([^"]+)"', html)
    scripts = [(html_path.parent / worker[1]).resolve()] if worker else []
    lunr = site.resolve() / "assets" / "javascripts" / "lunr" / "min"
    scripts += [lunr / "lunr.stemmer.support.min.js", lunr / "lunr.zh.min.js"]
    for target in scripts:
        if target.is_file():
            sizes[target.relative_to(site.resolve()).as_posix()] = compressed(target)
    sizes["search/search_index.json"] = compressed(site / "search" / "search_index.json")
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="daoshi-first-load-") as tmp:
        school, site = Path(tmp) / "school", Path(tmp) / "site"
        subprocess.run(
            [*DAOSHI, "demo", str(school), "--students", str(args.students), "--snapshot"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [*DAOSHI, "build", "--records", str(school), "-d", str(site), "--today", TODAY],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        students = sorted((site / "students").iterdir())
        page = f"students/{students[len(students) // 2].name}"
        sizes = first_load(site, page)
        index = site / "search" / "search_index.json"
        total = sum(sizes.values())
        print(f"students: {len(students)} (built in {wall:.1f} s wall, {cpu:.1f} s CPU)")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
            print(f"  {size / 1024:8.1f} KB  {name}")
        print(f"first load of {page}/: {total / 1024:.1f} KB compressed")
        print(
            f"search index: {index.stat().st_size / 1024:.1f} KB raw, "
            f"{sizes['search/search_index.json'] / 1024:.1f} KB compressed, "
            f"{index.stat().st_size / len(students):.0f} bytes a student"
        )
        print(f"budget 300 KB: {total / BUDGET:.2f} of it")


if __name__ == "__main__":
    main()
