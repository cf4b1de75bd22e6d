"""Benchmark: appraise every semester of a full-scale school against validating it.

    .venv/bin/python bench/appraise.py --students 3000 --semesters 6

Generates the school (a snapshot, no git history; ``daoshi.demo``), then times, in
this process: validating it cold (no cache, the baseline, building the model) and scoring
every semester with every rubric in forms/rubrics/ (the school is switched to all four
policies, ``exam_ranking: true``, so that every rubric runs), plus the obligations of
every student and mentor on the last day. Target: scoring ≤ 0.2× validating.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import generated_school, scale_arguments

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    args = scale_arguments(__doc__, "reuse or create the school here")

    from daoshi.policy.appraisal import appraise_all, load_rubrics
    from daoshi.policy.obligations import ObligationEngine
    from daoshi.records.validate import validate

    work = Path(tempfile.mkdtemp(prefix="daoshi-bench-"))
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    root = args.dir or work / "school"
    try:
        generated_school(args, root)
        today = dt.date(2026, 11, 25)
        start = time.perf_counter()
        result = validate(root, today=today, use_cache=False, need_school=True)
        validating = time.perf_counter() - start
        school = result.school
        assert school is not None and not result.problems, result.problems[:3]
        every = ("district", "taigu", "qingpu-exp", "zaozhuang")
        school = dataclasses.replace(
            school,
            exam_ranking=True,
            semesters=tuple(dataclasses.replace(s, policies=every) for s in school.semesters),
        )
        start = time.perf_counter()
        rubrics = load_rubrics(school.forms)
        done, problems = appraise_all(school, rubrics, {})
        scoring = time.perf_counter() - start
        assert not problems
        start = time.perf_counter()
        checks = 0
        for semester in school.semesters:
            engine = ObligationEngine(school, semester)
            for mentor in engine.mentees:
                checks += len(engine.team_checks(mentor, semester.end))
        obliging = time.perf_counter() - start
        scores = sum(len(a.scores) for a in done)
        print(
            f"\n{len(school.records)} records, {len(school.students)} students, "
            f"{len(school.semesters)} semesters; {len(done)} appraisals, {scores} mentor scores, "
            f"{checks} obligation checks"
        )
        print(f"{'measure':<44}{'seconds':>9}{'ratio':>8}")
        for name, secs in (
            ("validate, cold (baseline)", validating),
            ("appraise every semester × 4 rubrics", scoring),
            ("obligations of every mentor team", obliging),
        ):
            print(f"{name:<44}{secs:>9.2f}{secs / validating:>8.2f}")
        ratio = scoring / validating
        verdict = "ok" if ratio <= 0.2 else "MISSED"
        print(f"\nscoring / validating = {ratio:.3f} (target ≤ 0.2): {verdict}")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
