"""The obligations engine: periods clipped to the semester, met / unmet / due soon, coverage."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from daoshi.policy.obligations import (
    DUE_SOON,
    MET,
    OPEN,
    UNMET,
    UPCOMING,
    ObligationEngine,
    behind_text,
    check_policies,
    periods,
    read_obligations,
    tally,
)
from daoshi.records.formfiles import load_forms
from daoshi.records.forms import Forms
from daoshi.records.model import (
    RECORD_CLASSES,
    ClassTerm,
    Departure,
    Pairing,
    Record,
    Round,
    School,
    SchoolClass,
    Semester,
    Student,
    SurveyResult,
    Teacher,
)

D = dt.date
FORMS = load_forms()
AUTUMN = Semester(
    "2025-2026-1",
    D(2025, 9, 1),
    D(2026, 1, 20),
    ("district",),
    (ClassTerm("C2025-01", "T001"),),
    (Round(1, D(2025, 9, 1), D(2025, 11, 10)), Round(2, D(2025, 11, 11), D(2026, 1, 20))),
)
BODY = "和学生谈了期中考试后的学习安排，约定每周复盘一次。"  # 22 characters: a real record


def record(
    kind: str,
    day: dt.date,
    students: tuple[str, ...],
    mentor: str = "T001",
    body: str = BODY,
    semester: str = "2025-2026-1",
    **fields: Any,
) -> Record:
    """A record as the validator would build it (path as in journal/)."""
    folder = students[0] if len(students) == 1 else "group"
    path = f"semesters/{semester}/journal/{mentor}/{folder}/{day}-{kind}-{abs(hash(body)) % 97}.md"
    cls = RECORD_CLASSES[kind]
    return cls(path, kind, semester, mentor, day, students, body, MappingProxyType(fields))


def make_school(
    records: list[Record],
    pairings: dict[str, tuple[str, ...]],
    *,
    semester: Semester = AUTUMN,
    policies: tuple[str, ...] = ("district",),
    surveys: tuple[SurveyResult, ...] = (),
    left: dict[str, Departure] | None = None,
    exam_ranking: bool = False,
    forms: Forms = FORMS,
    agreement: bool | None = None,
) -> School:
    """A school of one class (cohort 2025) with the given pairings and records."""
    semester = dataclasses.replace(semester, policies=policies)
    students = sorted({s for group in pairings.values() for s in group})
    teachers = sorted(pairings)
    return School(
        id="test",
        name="测试中学",
        stage="junior",
        timezone="Asia/Shanghai",
        policies=policies,
        exam_ranking=exam_ranking,
        require_signed_commits=False,
        teachers=MappingProxyType({t: Teacher(t, f"教师{t}", f"{t}@x.cn") for t in teachers}),
        students=MappingProxyType(
            {
                s: Student(s, f"学生{s}", 2025, "C2025-01", left=(left or {}).get(s))
                for s in students
            }
        ),
        classes=MappingProxyType({"C2025-01": SchoolClass("C2025-01", 2025, 1)}),
        semesters=(semester,),
        pairings=tuple(
            Pairing(semester.id, m, s, agreement=agreement) for m, s in pairings.items()
        ),
        screening=(),
        surveys=surveys,
        records=tuple(records),
        forms=forms,
    )


def test_months_are_clipped_and_a_short_first_month_joins_the_next() -> None:
    spring = dataclasses.replace(AUTUMN, start=D(2026, 2, 20), end=D(2026, 7, 5))
    labels = [(p.label, p.start, p.end) for p in periods("month", spring)]
    # Feb 20–28 is 9 days, less than half of February's 28: merged into March.
    # Jul 1–5 is 5 days, less than half of July's 31: merged into June.
    assert labels == [
        ("2–3月", D(2026, 2, 20), D(2026, 3, 31)),
        ("4月", D(2026, 4, 1), D(2026, 4, 30)),
        ("5月", D(2026, 5, 1), D(2026, 5, 31)),
        ("6–7月", D(2026, 6, 1), D(2026, 7, 5)),
    ]
    # Sep 1 – Jan 20: January keeps its 20 days (more than half of 31)
    assert [p.label for p in periods("month", AUTUMN)] == ["9月", "10月", "11月", "12月", "1月"]


def test_weeks_fortnights_rounds_and_semester() -> None:
    # 2025-09-03 is a Wednesday: the first week is Wed–Sun (5 of 7 days, kept)
    semester = dataclasses.replace(AUTUMN, start=D(2025, 9, 3), end=D(2025, 9, 30))
    weeks = periods("week", semester)
    assert (weeks[0].start, weeks[0].end, weeks[0].label) == (D(2025, 9, 3), D(2025, 9, 7), "第1周")
    # the last week Mon 29 – Tue 30 is 2 days < 3.5: merged into the week before
    assert (weeks[-1].start, weeks[-1].end, weeks[-1].label) == (
        D(2025, 9, 22),
        D(2025, 9, 30),
        "第4–5周",
    )
    fortnights = periods("fortnight", semester)
    assert [(p.start, p.end) for p in fortnights] == [
        (D(2025, 9, 3), D(2025, 9, 14)),
        (D(2025, 9, 15), D(2025, 9, 30)),  # Sep 29–30 (2 of 14 days) joins the one before
    ]
    assert [p.label for p in periods("round", AUTUMN)] == ["第1轮", "第2轮"]
    no_rounds = dataclasses.replace(AUTUMN, rounds=())
    assert [p.label for p in periods("round", no_rounds)] == ["本学期（未划分轮次）"]
    assert periods("semester", AUTUMN)[0].end == D(2026, 1, 20)


def test_statuses_on_a_date() -> None:
    school = make_school(
        [record("talk", D(2025, 9, 10), ("S1",))],
        {"T001": ("S1",)},
        policies=("qingpu-exp",),  # a talk every month
    )
    engine = ObligationEngine(school, school.semesters[0])
    talks = [c for c in engine.student_checks("S1", D(2025, 10, 27)) if c.obligation.id == "talk"]
    assert [(c.period.label, c.status) for c in talks] == [
        ("9月", MET),
        ("10月", DUE_SOON),  # Oct 31 is 4 days away, under the 7-day window
        ("11月", UPCOMING),
        ("12月", UPCOMING),
        ("1月", UPCOMING),
    ]
    october = [c for c in engine.student_checks("S1", D(2025, 10, 10)) if c.obligation.id == "talk"]
    assert october[1].status == OPEN
    after = [c for c in engine.student_checks("S1", D(2026, 2, 1)) if c.obligation.id == "talk"]
    assert [c.status for c in after] == [MET, UNMET, UNMET, UNMET, UNMET]
    assert talks[0].records[0].date == D(2025, 9, 10)


def test_a_student_with_several_mentors_is_covered_by_any_of_them() -> None:
    visit = record("home-visit", D(2025, 10, 1), ("S1",), mentor="T002")
    school = make_school([visit], {"T001": ("S1", "S2"), "T002": ("S1",)})
    engine = ObligationEngine(school, school.semesters[0])
    end = D(2026, 1, 21)
    s1 = {c.obligation.id: c.status for c in engine.student_checks("S1", end)}
    assert s1 == {"home-visit": MET, "talk": UNMET, "growth-message": UNMET}
    # T001's team view shows S1 covered through T002's visit
    team = engine.team_checks("T001", end)
    assert tally(team) == {MET: 1, UNMET: 5, DUE_SOON: 0, OPEN: 0, UPCOMING: 0}
    assert "缺谈话记录或家长联系记录（本学期）" in behind_text(
        engine.student_checks("S1", end), _labels()
    )


def test_a_record_by_someone_not_the_students_mentor_does_not_count() -> None:
    stray = record("talk", D(2025, 10, 1), ("S1",), mentor="T002")
    school = make_school([stray], {"T001": ("S1",), "T002": ("S2",)})
    engine = ObligationEngine(school, school.semesters[0])
    talk = next(c for c in engine.student_checks("S1", D(2026, 2, 1)) if c.obligation.id == "talk")
    assert talk.status == UNMET


def test_mentor_obligations_and_the_where_filter() -> None:
    activity = record("group-activity", D(2025, 9, 20), ("S1", "S2"), theme="学习方法")
    phone = record("home-visit", D(2025, 10, 1), ("S1",), mode="phone")
    in_person = record("home-visit", D(2025, 10, 2), ("S2",), mode="in_person")
    school = make_school([activity, phone, in_person], {"T001": ("S1", "S2")}, policies=("taigu",))
    engine = ObligationEngine(school, school.semesters[0])
    mine = engine.mentor_checks("T001", D(2026, 2, 1))
    rounds = [(c.period.label, c.status) for c in mine if c.obligation.id == "group-activity"]
    assert rounds == [("第1轮", MET), ("第2轮", UNMET)]
    # Taigu's other duty of the mentor's own: the semester's work plan (导师工作方案)
    plans = [(c.period.label, c.status) for c in mine if c.obligation.id == "work-plan"]
    assert plans == [("本学期", UNMET)]
    zz = make_school([phone, in_person], {"T001": ("S1", "S2")}, policies=("zaozhuang",))
    engine = ObligationEngine(zz, zz.semesters[0])
    visits = {
        c.subject: c.status
        for c in engine.team_checks("T001", D(2026, 2, 1))
        if c.obligation.id == "home-visit"
    }
    assert visits == {"S1": UNMET, "S2": MET}  # Zaozhuang wants an in-person visit


def test_a_student_who_left_owes_nothing_after_leaving() -> None:
    school = make_school(
        [],
        {"T001": ("S1",)},
        policies=("qingpu-exp",),
        left={"S1": Departure(D(2025, 10, 15), "transferred")},
    )
    engine = ObligationEngine(school, school.semesters[0])
    months = {c.period.label for c in engine.student_checks("S1", D(2026, 2, 1))}
    assert months == {"9月"}  # October ended after the student left: not required


def test_policies_combine_and_the_same_duty_keeps_the_larger_minimum() -> None:
    obligations = read_obligations(FORMS, ["district", "qingpu-exp"])
    talks = sorted((o.every, o.policy) for o in obligations if o.kind == "talk")
    assert talks == [("month", "qingpu-exp"), ("semester", "district")]
    visits = [o for o in obligations if o.kind == "home-visit"]
    assert len(visits) == 1  # once a semester in both: listed once
    strict = dataclasses.replace(
        FORMS.policies["district"],
        id="strict",
        obligations=(
            {
                "id": "home-visit",
                "per": "student",
                "kind": "home-visit",
                "min": 2,
                "every": "semester",
            },
        ),
    )
    forms = dataclasses.replace(FORMS, policies={**FORMS.policies, "strict": strict})
    visits = [o for o in read_obligations(forms, ["district", "strict"]) if o.kind == "home-visit"]
    assert [(o.min, o.policy) for o in visits] == [(2, "strict")]


def test_the_presets_are_well_formed_and_a_bad_obligation_is_located(tmp_path: Path) -> None:
    assert check_policies(FORMS) == []
    (tmp_path / "forms" / "policies").mkdir(parents=True)
    (tmp_path / "forms" / "policies" / "ours.yaml").write_text(
        "id: ours\nlabel: 本校\nhelp: 本校\nratio_cap: 12\nobligations:\n"
        "  - {id: talk, per: student, kind: talk, min: 1, every: daily}\n",
        "utf-8",
    )
    found = [p.format() for p in check_policies(load_forms(tmp_path))]
    assert found == [
        "forms/policies/ours.yaml:1:1: A501 政策 ours 的第 1 项义务有误："
        "every 应为 week、fortnight、month、round、semester 之一"
    ]


def _labels() -> dict[str, str]:
    return {k: f.label.zh for k, f in FORMS.kinds.items()}


@pytest.mark.parametrize("every", ["two-weeks", "fortnight"])
def test_two_weeks_is_a_fortnight(every: str) -> None:
    spec = {"id": "t", "per": "student", "kind": "talk", "min": 1, "every": every}
    strict = dataclasses.replace(FORMS.policies["district"], id="x", obligations=(spec,))
    forms = dataclasses.replace(FORMS, policies={"x": strict})
    assert [o.every for o in read_obligations(forms, ["x"])] == ["fortnight"]
