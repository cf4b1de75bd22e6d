"""What is due, on the demo school (records/, today 2026-11-25): warnings by pace before any
deadline, key students first, each with the rule that fired; red only where the policy
requires a record and its period has ended; the mentor's to-do grouped by kind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from daoshi import load
from daoshi.records.model import School
from daoshi.site.core import Site
from daoshi.site.due import OVERDUE, PACE, kind_marks, student_warnings, todo_view
from daoshi.site.pages import page_makers

RECORDS = Path(__file__).resolve().parent.parent / "records"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def school() -> School:
    return load(RECORDS, today=TODAY, use_cache=False)


@pytest.fixture(scope="module")
def site(school: School) -> Site:
    site = Site(school, TODAY, root=RECORDS)
    page_makers(site)
    return site


def _current(site: Site) -> list[str]:
    """Students in school this semester with a mentor."""
    return [s.id for s in site.in_school(site.current) if site.mentors.get((site.current.id, s.id))]


def test_a_student_without_any_record_by_mid_semester_is_flagged(site: Site) -> None:
    semester = site.current
    assert semester.start + (semester.end - semester.start) / 2 < TODAY < semester.end
    empty = [
        sid
        for sid in _current(site)
        if not [r for r in site.by_student[sid] if r.semester == semester.id]
    ]
    assert len(empty) >= 10  # the demo has mentors who have not started yet
    for sid in empty:
        warnings = student_warnings(site, site.school.students[sid], semester)
        texts = [w.text for w in warnings]
        assert "学期已过半，本学期还没有任何记录" in texts, (sid, texts)
        assert all(w.rule for w in warnings)
        # nothing is overdue yet: every deadline of the district policy is the semester's end
        assert all(w.level == PACE for w in warnings)


def test_a_key_student_without_a_talk_for_four_weeks_comes_first(site: Site) -> None:
    semester = site.current
    keys = [sid for sid in _current(site) if site.is_key(semester.id, sid)]
    flagged = 0
    for sid in keys:
        talks = [
            r.date for r in site.by_student[sid] if r.semester == semester.id and r.kind == "talk"
        ]
        last = max(talks, default=semester.start)
        warnings = student_warnings(site, site.school.students[sid], semester)
        if (TODAY - last).days >= 28:
            flagged += 1
            assert warnings[0].text.startswith("重点帮扶学生，"), (sid, warnings)
            assert warnings[0].rule == "进度提醒：重点帮扶学生每 4 周至少谈话一次"
        else:
            assert not any(w.text.startswith("重点帮扶") for w in warnings), sid
    assert flagged >= 3


def test_red_only_for_required_kinds_whose_period_has_ended(site: Site) -> None:
    previous = site.school.semesters[-2]
    required = {"talk", "home-visit", "growth-message"}  # the district's 三个一
    reds = 0
    for s in site.school.students.values():
        if not site.mentors.get((previous.id, s.id)):
            continue
        marks = kind_marks(student_warnings(site, s, previous))
        for kind, level in marks.items():
            assert kind in required and level == OVERDUE, (s.id, marks)
            have = [
                r for r in site.by_student[s.id] if r.semester == previous.id and r.kind == kind
            ]
            assert have == []
            reds += 1
    assert reds > 5
    # in the running semester nothing is red: no deadline has passed
    for sid in _current(site):
        marks = kind_marks(student_warnings(site, site.school.students[sid], site.current))
        assert OVERDUE not in marks.values(), sid


def test_the_mentor_to_do_is_grouped_by_kind(site: Site) -> None:
    semester = site.current
    mentor = "T015"
    pairing = next(
        p for p in site.school.pairings if p.semester == semester.id and p.mentor == mentor
    )
    students = [site.school.students[sid] for sid in pairing.students]
    todo = todo_view(site, mentor, semester, students)
    lines = len(todo["attention"]) + len(todo["pending"])
    assert lines <= 8 < len(students) * 2  # one line per kind, not per student and obligation
    kinds = [p["what"] for p in todo["pending"]]
    assert len(kinds) == len(set(kinds))
    assert all(p["students"] for p in todo["pending"])  # each kind's line names its students
    assert [a["key"] for a in todo["attention"]] == sorted(
        (a["key"] for a in todo["attention"]), reverse=True
    )


def test_pages_show_the_rule_and_the_legend(site: Site) -> None:
    makers = page_makers(site)
    mentor = makers["mentors/T015.md"]().content
    assert "进度提醒：重点帮扶学生每 4 周至少谈话一次" in mentor
    assert "红色" in mentor and "橙色" in mentor
    klass = makers["classes/C2025-01.md"]().content
    assert "需关注：" in klass and "学期过半，每名受导学生都应至少有一条记录" in klass
    assert "daoshi-missing" not in klass
