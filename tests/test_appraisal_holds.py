"""Appraisal rules that a plausible change to the scoring would break, each pinned by hand.

Each test names the wrong version it catches (it was applied to daoshi/policy, the test
failed, and the change was reverted): the survey thirds ranked over the whole school instead
of the mentor's grade; one group activity counted for every round; a drop-out deducted again
when an earlier semester is appraised; a mentor with a total of 0 marked 优秀导师.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import MappingProxyType

from daoshi.policy.appraisal import appraise, appraise_all, load_rubrics
from daoshi.policy.rubric import Inputs, Neglect
from daoshi.records.model import (
    ClassTerm,
    Departure,
    Pairing,
    Round,
    School,
    SchoolClass,
    Semester,
    SurveyResult,
)
from tests.test_obligations import AUTUMN, FORMS, make_school, record

D = dt.date
RUBRICS = load_rubrics(FORMS)
SPRING = Semester(
    "2025-2026-2",
    D(2026, 2, 20),
    D(2026, 7, 5),
    ("taigu",),
    (ClassTerm("C2025-01", "T1"),),
    (Round(1, D(2026, 2, 20), D(2026, 4, 30)), Round(2, D(2026, 5, 1), D(2026, 7, 5))),
)


def item(
    school: School, semester: Semester, rubric: str, mentor: str, key: str
) -> tuple[float, str]:
    score = appraise(school, semester, RUBRICS[rubric]).of(mentor)
    assert score is not None
    found = next(i for i in score.items if i.item.id == key)
    return found.points, found.explanation


def students_survey(mentor: str, mean: float) -> SurveyResult:
    scores = dict.fromkeys(("method", "attitude", "frequency", "effect"), mean)
    return SurveyResult(AUTUMN.id, mentor, "students", 10, MappingProxyType(scores))


def test_survey_thirds_are_ranked_within_the_mentor_s_grade() -> None:
    """Wrong version: every mentor of the school in one ranking (``groups[None]``).

    Grade 2025 (T1–T3) is rated 4.9, 4.8, 4.7; grade 2024 (T4–T6) 2.2, 2.1, 2.0. Within
    grade 2024, T4 is first of three: the top third, 20. Over the school it would be 4th
    of 6: the middle third, 15."""
    pairs = {f"T{i}": (f"S{i}1",) for i in range(1, 7)}
    means = {"T1": 4.9, "T2": 4.8, "T3": 4.7, "T4": 2.2, "T5": 2.1, "T6": 2.0}
    school = make_school(
        [],
        pairs,
        policies=("taigu",),
        surveys=tuple(students_survey(m, v) for m, v in means.items()),
    )
    older = {f"S{i}1" for i in (4, 5, 6)}
    school = dataclasses.replace(
        school,
        students=MappingProxyType(
            {
                sid: dataclasses.replace(s, cohort=2024, class_id="C2024-01") if sid in older else s
                for sid, s in school.students.items()
            }
        ),
        classes=MappingProxyType({**school.classes, "C2024-01": SchoolClass("C2024-01", 2024, 1)}),
    )
    semester = school.semesters[0]
    assert item(school, semester, "taigu", "T4", "students") == (
        20,
        "全年级 3 位导师中位于前 1/3（前 34%），得 20 分",
    )
    assert item(school, semester, "taigu", "T6", "students")[0] == 10
    assert item(school, semester, "taigu", "T1", "students")[0] == 20


def test_one_group_activity_counts_for_its_own_round_only() -> None:
    """Wrong version: a round is met by an activity of any round (no date test).

    T1's only themed group activity is on Oct 20, in round 1 (Sep 1–Nov 10): round 1 earns
    20 ÷ 2 = 10, round 2 (Nov 11–Jan 20) nothing."""
    activity = record(
        "group-activity", D(2025, 10, 20), ("S11", "S12"), theme="学习方法", mentor="T1"
    )
    school = make_school([activity], {"T1": ("S11", "S12")}, policies=("taigu",))
    points, text = item(school, school.semesters[0], "taigu", "T1", "rounds")
    assert (points, text) == (10, "2 轮中 1 轮有集体活动，每轮 10 分")


def two_semesters() -> School:
    """T2 mentors S22 in both semesters; S22 drops out on 2026-03-10, in the spring."""
    school = make_school(
        [],
        {"T1": ("S11",), "T2": ("S21", "S22")},
        policies=("taigu",),
        left={"S22": Departure(D(2026, 3, 10), "dropped_out")},
    )
    autumn = school.semesters[0]
    spring_pairings = tuple(Pairing(SPRING.id, p.mentor, p.students) for p in school.pairings)
    return dataclasses.replace(
        school,
        semesters=(autumn, SPRING),
        pairings=(*school.pairings, *spring_pairings),
    )


def test_a_drop_out_is_deducted_in_its_own_semester_only() -> None:
    """Wrong version: a mentee who ever dropped out is deducted in every semester they were
    paired (no date test), so appraising the autumn again after the spring takes 10 again."""
    school = two_semesters()
    autumn, spring = school.semesters
    assert item(school, autumn, "taigu", "T2", "lost") == (20, "无流失")
    assert item(school, spring, "taigu", "T2", "lost") == (10, "流失 1 人 × 10 分")
    done, problems = appraise_all(school, RUBRICS, {})
    assert problems == []
    deducted = [
        (a.semester.id, e.student, e.points)
        for a in done
        for s in a.scores
        for i in s.items
        if i.item.id == "lost"
        for e in i.evidence
    ]
    assert deducted == [(SPRING.id, "S22", -10)]


def test_a_total_of_zero_is_never_an_excellent_mentor() -> None:
    """Wrong version: the cut is the N-th total, and with fewer mentors than N the last
    total (0) is the cut, so a mentor zeroed for neglected duties would be 优秀导师.

    A school gives the Qingpu rubric an excellent list (top 30): T1 earns 27 + 36 + 24 = 87,
    T2 is zeroed for neglect, T3 has nothing at all (0)."""
    school = make_school(
        [],
        {"T1": ("S11",), "T2": ("S21",), "T3": ("S31",)},
        policies=("qingpu-exp",),
        surveys=(
            students_survey("T1", 4.5),
            SurveyResult(
                AUTUMN.id,
                "T1",
                "parents",
                6,
                MappingProxyType(dict.fromkeys(("method", "attitude", "frequency", "effect"), 4.0)),
            ),
        ),
    )
    inputs = Inputs(
        "semesters/2025-2026-1/assessments.yaml",
        grade_scores={"T1": (27.0, "a.yaml:4:18"), "T2": (28.0, "a.yaml:6:18")},
        neglect={"T2": Neglect("T2", "a.yaml:7:14", dt.date(2025, 12, 1), "年级组")},
    )
    rubric = dataclasses.replace(RUBRICS["qingpu-exp"], excellent_top=30)
    result = appraise(school, school.semesters[0], rubric, inputs)
    totals = {s.mentor: (s.total, s.excellent) for s in result.scores}
    assert totals == {"T1": (87, True), "T2": (0, False), "T3": (0, False)}
