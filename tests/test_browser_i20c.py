"""Issue 20's pairing and calendar rules as a person sees them in Chromium: the mutual
choices of the two-way selection on a class's pairing table (枣庄：“导师依照本人所掌握的
班级情况，选择4名受导学生”) and the collective-guidance slot on the semester's pairing page
(太谷：“每轮第三周周三下午最后一节自习时间为导师制集体指导时间”). Reuses the demo site
of tests/test_browser.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from daoshi.policy.slots import CollectiveSlot, slot_dates
from daoshi.records.model import Round, Semester
from tests.test_browser import (
    RECORDS,
    _by,
    _open,
    web,  # noqa: F401  (the demo site, module scope)
)

TERM = "2026-2027-1"


def _yaml(rel: str) -> Any:
    return yaml.safe_load((RECORDS / rel).read_text("utf-8"))


def test_the_class_pairing_table_marks_mutual_choices(web: tuple[Any, str]) -> None:  # noqa: F811
    by = _by()
    mutual = {
        sid
        for p in _yaml(f"semesters/{TERM}/pairings.yaml")["pairings"]
        for sid in p.get("mutual") or ()
    }
    classes = {s["id"]: s["class"] for s in _yaml("people/cohorts/2026.yaml")["students"]}
    assert mutual, "the demo's selection has mutual choices"
    for klass in sorted({classes[sid] for sid in mutual}):
        driver = _open(web, f"pairings/{TERM}/classes/{klass}/")
        marked = set()
        for row in driver.find_elements(by.CSS_SELECTOR, "article table.daoshi-profile tbody tr"):
            badges = row.find_elements(by.CSS_SELECTOR, ".daoshi-mutual")
            if badges:
                assert badges[0].is_displayed() and badges[0].text == "双向选中"
                marked.add(row.find_elements(by.CSS_SELECTOR, "td")[1].text)
        assert marked == {sid for sid in mutual if classes[sid] == klass}


def test_the_semester_page_shows_the_collective_guidance_days(web: tuple[Any, str]) -> None:  # noqa: F811
    by = _by()
    data = _yaml(f"semesters/{TERM}/semester.yaml")
    slot = data["collective_slot"]
    semester = Semester(
        TERM,
        data["start"],
        data["end"],
        (),
        (),
        tuple(Round(r["number"], r["start"], r["end"]) for r in data["rounds"]),
    )
    days = slot_dates(semester, CollectiveSlot(slot["week"], slot["weekday"], slot["period"]))
    assert days[0] == (1, dt.date(2026, 9, 16))  # the third Wednesday of a round from 1 Sept
    driver = _open(web, f"pairings/{TERM}/")
    article = driver.find_element(by.CSS_SELECTOR, "article")
    assert "校历：集体指导时间" in article.text
    line = driver.find_element(by.CSS_SELECTOR, ".daoshi-slot")
    assert line.is_displayed()
    assert line.text == "导师制集体指导时间：每轮第3周周三 下午最后一节自习。"
    rows = driver.find_elements(by.CSS_SELECTOR, ".daoshi-slot-days tbody tr")
    shown = [r.text.split() for r in rows]
    assert shown == [[f"第{n}轮", f"{d.month}月{d.day}日（{d.isoformat()}）"] for n, d in days]


def test_the_student_page_shows_the_needs_questionnaire_to_the_school(
    web: tuple[Any, str],  # noqa: F811
) -> None:
    """枣庄：“通过简单的调查咨询卷理解学生的需要”: the leader's site shows the answers."""
    by = _by()
    answers = _yaml(f"semesters/{TERM}/needs.yaml")["students"]
    entry = next(e for e in answers if e.get("subjects"))
    driver = _open(web, f"students/{entry['student']}/")
    facts = driver.find_element(by.CSS_SELECTOR, ".daoshi-needs")
    assert facts.is_displayed()
    assert "需求调查（双向选择前）" in facts.text
    assert "你最需要辅导的学科是？" in facts.text and entry["subjects"][0] in facts.text
