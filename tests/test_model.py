"""The library door: ``daoshi.load`` gives the frozen model or every located problem."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

import daoshi
from daoshi.records.model import HomeVisit, Talk

from .conftest import SEMESTER, TALK, School

TODAY = dt.date(2026, 11, 25)


def test_load_builds_the_typed_model(school: School) -> None:
    school.write(
        f"{SEMESTER}/journal/T002/S250003/2025-11-20-home-visit.md",
        """\
---
kind: home-visit
mentor: T002
student: S250003
date: 2025-11-20
mode: in_person
theme: 了解学习环境
attendees: [导师, 母亲, 学生]
---
家访顺利。
""",
    )
    loaded = daoshi.load(school.root, today=TODAY, use_cache=False)
    assert loaded.name == "测试中学"
    assert loaded.teachers["T001"].name == "张老师"
    assert loaded.students["S250001"].class_id == "C2025-01"
    [semester] = loaded.semesters
    assert (semester.id, semester.name, semester.start) == (
        "2025-2026-1",
        "2025学年第一学期",
        dt.date(2025, 9, 1),
    )
    assert loaded.grade_name(2025, semester) == "初一"
    assert loaded.mentors_of("S250003", "2025-2026-1") == ("T002",)
    talk, visit = loaded.records
    assert isinstance(talk, Talk) and talk.path == TALK and talk.students == ("S250001",)
    assert (
        talk.get("areas") == ("study", "psych")
        and talk.body == "期中考试后谈心，学生对数学成绩不满意。\n"
    )
    assert isinstance(visit, HomeVisit) and visit.in_person and visit.date == dt.date(2025, 11, 20)
    assert loaded.records_of("S250003") == (visit,)
    with pytest.raises(dataclasses.FrozenInstanceError):
        talk.mentor = "T002"  # type: ignore[misc]


def test_load_raises_with_every_problem(school: School) -> None:
    school.write(
        TALK, (school.root / TALK).read_text("utf-8").replace("occasion: exam", "occasion: yes")
    )
    school.write("people/teachers.yaml", "teachers: []\n")
    with pytest.raises(daoshi.ProjectError) as info:
        daoshi.load(school.root, today=TODAY, use_cache=False)
    codes = sorted({p.code for p in info.value.problems})
    assert codes == ["F014", "R107", "X202"]
