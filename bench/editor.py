"""Benchmark: saving a record in the editor (validate + commit) on a full-scale school.

    .venv/bin/python bench/editor.py --students 3000 --semesters 6

Generates the school as a git repository with history (``daoshi.demo.write_demo``),
opens it as ``daoshi edit`` does in local mode, then saves 50 talk records, each by the
editor's own path: the form's values laid out as ``daoshi new`` would, checked by the
validator against the loaded school, written and committed as the mentor. The baseline,
measured in the same run on the same repository, is the floor of any save: writing one
file and ``git add`` + ``git commit`` of it. Target: median save ≤ 1 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import generated_school, scale_arguments

SAVES = 50


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school (a git repository) here")

    from daoshi.demo import DemoOptions
    from daoshi.write.editor.clone import Clone
    from daoshi.write.editor.drafts import Drafts
    from daoshi.write.editor.editor import Editor

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-editor-"))
    root = args.dir or work / "school"
    generated_school(args, root, history=True)
    options = DemoOptions(students=args.students, semesters=args.semesters, seed=args.seed)
    files = int(
        subprocess.run(["git", "ls-files"], cwd=root, capture_output=True).stdout.count(b"\n")
    )
    today = options.as_of
    start = time.perf_counter()
    editor = Editor(Clone(root), Drafts(work / "drafts"), today=today)
    opened = time.perf_counter() - start
    semester = editor.semester()
    pairs = [
        (p.mentor, sid)
        for p in editor.school.pairings
        if p.semester == semester.id
        for sid in p.students
    ]
    pairs = pairs[:: max(1, len(pairs) // SAVES)][:SAVES]

    floor = []
    for n in range(SAVES):
        target = root / "bench-floor.md"
        target.write_text(f"floor {n}\n", "utf-8")
        begin = time.perf_counter()
        subprocess.run(["git", "add", "--", target.name], cwd=root, check=True)
        subprocess.run(
            [
                "git",
                "-c",
                "user.name=b",
                "-c",
                "user.email=b@x",
                "commit",
                "-qm",
                "floor",
                "--",
                target.name,
            ],
            cwd=root,
            check=True,
        )
        floor.append(time.perf_counter() - begin)
    subprocess.run(["git", "rm", "-q", "bench-floor.md"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qm", "rm"],
        cwd=root,
        check=True,
    )
    editor.refresh()

    saves = []
    for n, (mentor, student) in enumerate(pairs):
        draft = editor.start_new(mentor, "talk", [student])
        draft.values = {"areas": ["study"], "occasion": "exam", "minutes": "20"}
        draft.body = f"第 {n} 次保存：和学生谈了期中考试的复习安排。"
        begin = time.perf_counter()
        outcome = editor.save(draft)
        saves.append(time.perf_counter() - begin)
        assert outcome.saved, (outcome.general, outcome.fields)

    base = statistics.median(floor)
    median = statistics.median(saves)
    print(f"\n{files} files in git, {args.students} students, {args.semesters} semesters")
    print(f"editor opened (load + validate the school): {opened:.2f} s")
    print(f"{'measure (' + str(SAVES) + ' each)':<40}{'median':>9}{'p90':>9}{'max':>9}{'ratio':>8}")
    for name, values in (
        ("floor: write + git add + git commit", floor),
        ("editor save: validate + commit", saves),
    ):
        p90 = sorted(values)[int(len(values) * 0.9) - 1]
        print(
            f"{name:<40}{statistics.median(values):>8.3f}s{p90:>8.3f}s{max(values):>8.3f}s"
            f"{statistics.median(values) / base:>7.2f}×"
        )
    verdict = "met" if median <= 1.0 else "MISSED"
    print(f"target: median save ≤ 1 s — {verdict} ({median:.3f} s)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
