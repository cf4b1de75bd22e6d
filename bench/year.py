"""Benchmark: the school year's roster import and two-way selection at full scale.

    .venv/bin/python bench/year.py --students 3000 --teachers 200 --choices 5

Builds a records repository (three grades, one semester, every student paired) and the
office's XLSX roster of every student (IDs as numbers, a merged title row). Times, best
of three in this process:

- the floor: a bare ``openpyxl`` read-only load of the roster, every cell's value read;
- ``read_table`` alone (header search, normalization, locations);
- the roster import proper: ``read_table`` + working out the new cohort files
  (``plan_students``: every student compared, the YAML round-trip of the cohort files);
- ``daoshi import roster`` end to end in a child process (validation of the records
  with a warm cache, the plan, a git commit of a changed roster);
- matching: ``daoshi.year.matching.match`` of every student with ``--choices`` ranked
  choices among their class's teachers (popular teachers more often), capacities 15.

Targets: roster import ≤ 2× the floor; matching ≤ 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
from common import run

from daoshi.records.validate import load
from daoshi.year.matching import Applicant, Mentor, blocking_pairs, match
from daoshi.year.roster import Settings
from daoshi.year.students import plan_students
from daoshi.year.tables import read_table

CLASS_SIZE = 50
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍"


def best(fn: Callable[[], object], times: int = 3) -> float:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return min(out)


def build(root: Path, students: int, teachers: int, seed: int) -> dict[str, list[str]]:
    """The repository; returns class ID -> the teachers who teach it."""
    rng = random.Random(seed)
    per_cohort = students // 3
    cohorts = {2023 + i: per_cohort + (students % 3 if i == 2 else 0) for i in range(3)}
    classes: dict[str, list[str]] = {}
    (root / "people" / "cohorts").mkdir(parents=True)
    (root / "school.yaml").write_text(
        "id: bench\nname: 基准中学\nstage: junior\ntimezone: Asia/Shanghai\n"
        "policies: [district]\nexam_ranking: false\nimport:\n  id_width: 7\n",
        "utf-8",
    )
    tids = [f"T{i:03d}" for i in range(1, teachers + 1)]
    number = 0
    for cohort, count in cohorts.items():
        lines = [f"cohort: {cohort}", "classes:"]
        n_classes = max(1, -(-count // CLASS_SIZE))
        for k in range(1, n_classes + 1):
            lines += [f"  - id: C{cohort}-{k:02d}", f"    number: {k}"]
            classes[f"C{cohort}-{k:02d}"] = []
        lines.append("students:")
        for i in range(count):
            number += 1
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            lines += [
                f'  - id: "{cohort % 100:02d}{i + 1:05d}"',
                f"    name: {name}",
                f"    gender: {rng.choice(['male', 'female'])}",
                f"    class: C{cohort}-{i // CLASS_SIZE + 1:02d}",
            ]
        (root / "people" / "cohorts" / f"{cohort}.yaml").write_text(
            "\n".join(lines) + "\n", "utf-8"
        )
    class_ids = sorted(classes)
    for i, tid in enumerate(tids):  # each teacher teaches a few classes of one grade
        grade = [c for c in class_ids if c[1:5] == class_ids[i % len(class_ids)][1:5]]
        for picked in rng.sample(grade, min(len(grade), 3)):
            classes[picked].append(tid)
    for class_id in class_ids:
        if not classes[class_id]:
            classes[class_id].append(rng.choice(tids))
    taught = {t: sorted(c for c, ts in classes.items() if t in ts) for t in tids}
    lines = ["teachers:"]
    for tid in tids:
        lines += [
            f"  - id: {tid}",
            f"    name: {rng.choice(SURNAMES)}{rng.choice(GIVEN)}",
            f"    email: {tid.lower()}@bench.invalid",
        ]
        if taught[tid]:
            lines.append(f"    classes: [{', '.join(taught[tid])}]")
    (root / "people" / "teachers.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    semester = root / "semesters" / "2025-2026-1"
    semester.mkdir(parents=True)
    lines = ["id: 2025-2026-1", "start: 2025-09-01", "end: 2026-01-20", "classes:"]
    for i, class_id in enumerate(class_ids):
        lines += [f"  - class: {class_id}", f"    class_teacher: {tids[i % len(tids)]}"]
    (semester / "semester.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    ids = [
        f"{cohort % 100:02d}{i + 1:05d}" for cohort, count in cohorts.items() for i in range(count)
    ]
    lines = ["semester: 2025-2026-1", "pairings:"]
    per = -(-len(ids) // len(tids))
    for k, tid in enumerate(tids):
        mine = ids[k * per : (k + 1) * per]
        if mine:
            lines += [f"  - mentor: {tid}", f"    students: [{', '.join(f'{s!r}' for s in mine)}]"]
    (semester / "pairings.yaml").write_text("\n".join(lines).replace("'", '"') + "\n", "utf-8")
    env = dict(os.environ)
    for args in (
        ["init", "-q", "-b", "main"],
        ["add", "-A"],
        ["-c", "user.name=bench", "-c", "user.email=b@x", "commit", "-q", "-m", "init"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True, env=env)
    return classes


def roster_file(root: Path, out: Path, rename: int) -> None:
    """Every student of the records as the office's XLSX (``rename`` names corrected)."""
    school = load(root, today=dt.date(2025, 10, 1))
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("学生名单")
    ws.append(["基准中学学生名单"])
    ws.append(["学号", "姓名", "性别", "班级", "入学年份"])
    for k, s in enumerate(sorted(school.students.values(), key=lambda s: s.id)):
        name = s.name + "新" if k < rename else s.name
        klass = school.classes[s.class_id]
        gender = {"male": "男", "female": "女"}.get(s.gender or "", "")
        ws.append([int(s.id), name, gender, f"{klass.number}班", s.cohort])
    wb.save(out)


def bare_load(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += sum(1 for v in row if v is not None)
    wb.close()
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--teachers", type=int, default=200)
    parser.add_argument("--choices", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-year-"))
    root = work / "records"
    start = time.perf_counter()
    classes = build(root, args.students, args.teachers, args.seed)
    roster = work / "roster.xlsx"
    roster_file(root, roster, rename=args.students // 100)
    print(f"built {root} and {roster} in {time.perf_counter() - start:.1f} s", flush=True)

    school = load(root, today=dt.date(2025, 10, 1))
    settings = Settings.of(root)
    floor = best(lambda: bare_load(roster))
    columns = {"id": ("学号",), "name": ("姓名",), "gender": ("性别",), "class": ("班级",)}
    columns["cohort"] = ("入学年份",)
    table = best(lambda: read_table(roster, columns, {"id", "name", "class"}))

    def plan() -> None:
        result = plan_students(
            root,
            roster,
            school,
            settings,
            school_year=2025,
            left_date=dt.date(2025, 10, 1),
            left_reason="other",
        )
        assert not result.problems, result.problems[:3]
        assert len(result.changed) == args.students // 100, len(result.changed)

    imported = best(plan)
    env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
    env.update(GIT_AUTHOR_NAME="bench", GIT_COMMITTER_NAME="bench")
    subprocess.run(["git", "-C", str(root), "config", "user.name", "教务处"], check=True)
    subprocess.run(["git", "-C", str(root), "config", "user.email", "o@x"], check=True)
    daoshi = [sys.executable, "-m", "daoshi"]
    run([*daoshi, "validate", str(root), "-q", "--today", "2025-10-01"], env)  # warm cache
    command = [*daoshi, "import", "roster", str(roster), "--records", str(root)]
    command += ["--school-year", "2025"]
    cli_seconds, cli_rss, status = run(command, env)
    assert status == 0, status

    rng = random.Random(args.seed)
    popularity = {t: rng.random() ** 2 + 0.05 for c in classes.values() for t in c}
    applicants = []
    for s in sorted(school.students.values(), key=lambda s: s.id):
        pool = list(dict.fromkeys(classes[s.class_id]))
        others = [t for t in popularity if t not in pool]
        pool += rng.sample(others, max(0, args.choices - len(pool)))
        weights = [popularity[t] for t in pool]
        picked: list[str] = []
        while len(picked) < min(args.choices, len(pool)):
            t = rng.choices(pool, weights)[0]
            if t not in picked:
                picked.append(t)
        applicants.append(Applicant(s.id, s.class_id, tuple(picked), key=rng.random() < 0.05))
    mentors = {}
    for tid, teacher in sorted(school.teachers.items()):
        mentors[tid] = Mentor(
            tid,
            15,
            1,
            priority=rng.random() < 0.3,
            class_teacher_of=frozenset(
                c.class_id for c in school.semesters[0].classes if c.class_teacher == tid
            ),
            teaches=frozenset(teacher.classes),
        )
    seconds = best(lambda: match(applicants, mentors))
    outcome = match(applicants, mentors)
    assert blocking_pairs(applicants, mentors, outcome.assignment) == []
    counts = "，".join(f"{k} {v}" for k, v in outcome.counts().items())

    print(f"roster: {args.students} students, {roster.stat().st_size // 1024} KiB")
    print(f"  floor (openpyxl read-only load)   {floor:7.3f} s")
    print(f"  read_table                        {table:7.3f} s   {table / floor:5.2f}× floor")
    print(
        f"  roster import (read + plan)       {imported:7.3f} s   {imported / floor:5.2f}× floor"
        "   (target ≤ 2×)"
    )
    print(
        f"  daoshi import roster (CLI, commit) {cli_seconds:6.3f} s   "
        f"{cli_seconds / floor:5.2f}× floor, peak RSS {cli_rss / 2**20:.0f} MiB"
    )
    print(f"matching: {len(applicants)} students, {len(mentors)} mentors, {args.choices} choices")
    print(f"  deferred acceptance + placement   {seconds:7.3f} s   (target ≤ 1 s)")
    print(f"  {counts}; stable (no blocking pair)")


if __name__ == "__main__":
    main()
