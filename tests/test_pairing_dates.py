"""Dated pairings: a mid-year change of mentor, through validation, the model, the student
page, the obligations engine and the rollover."""

from __future__ import annotations

import datetime as dt

import daoshi
from daoshi.policy.obligations import ObligationEngine
from daoshi.site.core import Site
from daoshi.site.people import student_page
from daoshi.year.rollover import plan_new_semester

from .conftest import MINIMAL, SEMESTER, SUMMARY_OK, School

D = dt.date
PAIRINGS = f"{SEMESTER}/pairings.yaml"
# S250003 moves from T002 (its whole-semester item keeps S250004) to T003 on 11 November
CHANGE = """\
semester: 2025-2026-1
pairings:
  - mentor: T001
    students: [S250001, S250002]
    key_student: S250001
  - mentor: T002
    students: [S250004]
  - mentor: T002
    students: [S250003]
    end: 2025-11-10
  - mentor: T003
    students: [S250003]
    start: 2025-11-11
"""
TINY = """\
id: tiny
label: {zh: 小班, en: Tiny}
help: 每位导师最多一名学生。
ratio_cap: 1
class_teacher_ratio_cap: 2
obligations: []
"""


def talk(mentor: str, student: str, day: str) -> tuple[str, str]:
    path = f"{SEMESTER}/journal/{mentor}/{student}/{day}-talk.md"
    text = (
        f"---\nkind: talk\nmentor: {mentor}\nstudent: {student}\ndate: {day}\n"
        "areas: [study]\n---\n谈心。\n"
    )
    return path, text


def with_change(school: School) -> None:
    school.write(PAIRINGS, CHANGE)
    school.write(*talk("T002", "S250003", "2025-10-20"))
    school.write(*talk("T003", "S250003", "2025-11-20"))


def test_a_mid_year_change_validates_and_is_in_the_model(school: School) -> None:
    with_change(school)
    code, lines = school.validate()
    assert lines[-1] == "没有发现问题。", "\n".join(lines)
    assert code == 0
    model = daoshi.load(school.root, today=D(2026, 11, 25), use_cache=False)
    assert model.mentors_of("S250003", "2025-2026-1") == ("T002", "T003")
    assert model.mentors_on("S250003", D(2025, 11, 10)) == ("T002",)
    assert model.mentors_on("S250003", D(2025, 11, 11)) == ("T003",)
    assert model.mentors_on("S250004", D(2025, 12, 1)) == ("T002",)
    assert model.mentors_on("S250003", D(2026, 3, 1)) == ()  # no semester that day
    assert model.mentor_spans("S250003", "2025-2026-1") == (
        ("T002", (D(2025, 9, 1), D(2025, 11, 10))),
        ("T003", (D(2025, 11, 11), D(2026, 1, 20))),
    )
    assert model.mentor_spans("S250004", "2025-2026-1") == (
        ("T002", (D(2025, 9, 1), D(2026, 1, 20))),
    )
    t002 = next(p for p in model.pairings if p.mentor == "T002")
    assert t002.students == ("S250004", "S250003")  # one pairing per mentor in the model
    assert dict(t002.periods) == {"S250003": ((D(2025, 9, 1), D(2025, 11, 10)),)}


def test_the_student_page_shows_who_mentored_when(school: School) -> None:
    with_change(school)
    model = daoshi.load(school.root, today=D(2026, 11, 25), use_cache=False)
    site = Site(model, D(2026, 11, 25))
    html = student_page(site, model.students["S250003"]).content
    assert "（9月1日–11月10日）" in html and "（11月11日起）" in html
    assert html.index("李老师") < html.index("（9月1日–11月10日）") < html.index("王老师")
    whole = student_page(site, model.students["S250004"]).content
    assert "李老师" in whole and "日起）" not in whole and "日–" not in whole


def test_the_cap_counts_mentees_at_the_same_time(school: School) -> None:
    school.write("forms/policies/tiny.yaml", TINY)
    school.write("school.yaml", MINIMAL["school.yaml"].replace("[district]", "[tiny]"))
    one_after_another = CHANGE.replace("[S250004]", "[S250004]\n    end: 2025-10-31").replace(
        "    students: [S250003]\n    end: 2025-11-10",
        "    students: [S250003]\n    start: 2025-11-01\n    end: 2025-11-10",
    )
    school.write(PAIRINGS, one_after_another)
    school.write(*talk("T002", "S250003", "2025-11-05"))
    code, lines = school.validate()
    assert code == 0, "\n".join(lines)  # T002: S250004 until 31 October, then S250003
    school.write(PAIRINGS, one_after_another.replace("start: 2025-11-01", "start: 2025-10-31"))
    code, lines = school.validate()
    x210 = "X210 导师 T002 有 2 名受导学生，超过政策上限 1"
    assert f"{school.root}/{PAIRINGS}:10:15: {x210}" in lines


def test_a_student_who_left_stops_counting_and_cannot_be_paired_after(school: School) -> None:
    cohort = "people/cohorts/2025.yaml"
    school.write(
        cohort,
        MINIMAL[cohort].replace(
            "    name: 学生丁\n",
            "    name: 学生丁\n    left: {date: 2025-11-01, reason: transferred}\n",
        ),
    )
    school.write("forms/policies/tiny.yaml", TINY)
    school.write("school.yaml", MINIMAL["school.yaml"].replace("[district]", "[tiny]"))
    # T002 keeps the leaver S250004 on the table and takes S250003 from the day they left
    taking_over = CHANGE.replace("    end: 2025-11-10\n", "    start: 2025-11-01\n").replace(
        "  - mentor: T003\n    students: [S250003]\n    start: 2025-11-11\n",
        "  - mentor: T003\n    students: [S250003]\n    end: 2025-10-31\n",
    )
    school.write(PAIRINGS, taking_over)
    code, lines = school.validate()
    assert code == 0, "\n".join(lines)
    school.write("school.yaml", MINIMAL["school.yaml"])  # the district cap of 15 again
    school.write(PAIRINGS, CHANGE.replace("[S250003]\n    start", "[S250004]\n    start"))
    code, lines = school.validate()
    assert [line for line in lines if ": X" in line] == [
        f"{school.root}/{PAIRINGS}:12:16: X218 学生 S250004 在 2025-2026-1 学期不在校"
        "（已于 2025-11-01 离校）",
        # a note, after the error: S250003 lost T003 (whose item now names S250004)
        f"{school.root}/{PAIRINGS}:3:3: X221 学生 S250003 在 2025-11-11 至 2026-01-20 没有导师"
        "（对接表中的起止日期之间有空档）",
    ]


def test_obligations_count_both_mentors_records(school: School) -> None:
    with_change(school)
    model = daoshi.load(school.root, today=D(2026, 11, 25), use_cache=False)
    engine = ObligationEngine(model, model.semesters[0])
    hits = {
        r.mentor
        for c in engine.student_checks("S250003", D(2026, 11, 25))
        if c.obligation.kind == "talk"
        for r in c.records
    }
    assert hits == {"T002", "T003"}  # covered by any of its mentors


def test_the_next_semester_keeps_only_the_new_mentor(school: School) -> None:
    with_change(school)
    model = daoshi.load(school.root, today=D(2026, 11, 25), use_cache=False)
    plan = plan_new_semester(school.root, model, "2025-2026-2")
    text = plan.files["semesters/2025-2026-2/pairings.yaml"]
    assert "mentor: T002\n    students: [S250004]\n" in text
    assert "mentor: T003\n    students: [S250003]\n" in text
    assert text.count("S250003") == 1 and "start" not in text and "end:" not in text
    assert plan.unpaired == []


def test_the_minimal_tree_is_unchanged(school: School) -> None:
    code, lines = school.validate()
    assert (code, lines) == (0, [SUMMARY_OK, "没有发现问题。"])
