"""Issue 20's new records as a person sees them in Chromium (the fixtures of
``test_browser``: the demo school's site served over HTTP): the student's month-by-month
progress table and the talk with the class and subject teachers, the case meeting on an
attending mentor's page."""

from __future__ import annotations

from typing import Any

import yaml

from . import test_browser as browser

RECORDS = browser.RECORDS
STUDENT = browser.STUDENT  # a key student of the demo with both kinds
web = browser.web  # the demo school's site in headless Chromium (module scope)


def _front(path: Any) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text("utf-8").split("---\n")[1]))


def test_the_student_page_shows_the_progress_series_and_the_follow_up(
    web: tuple[Any, str],
) -> None:
    by = browser._by()
    driver = browser._open(web, browser.PAGES["student"])
    table = driver.find_element(by.CSS_SELECTOR, ".daoshi-progress-table")
    assert table.is_displayed()
    heading = driver.find_element(by.ID, "progress")
    assert heading.text == "每月表现与考试成绩对照"
    rows = table.find_elements(by.CSS_SELECTOR, "tbody tr")
    files = sorted(RECORDS.glob(f"semesters/*/journal/*/{STUDENT}/*-progress.md"))
    assert len(rows) == len(files) >= 3
    for row, path in zip(rows, files, strict=True):  # oldest first, one row a month
        fields = _front(path)
        day = fields["date"]
        assert row.text.startswith(f"{day.year}年{day.month}月"), path.name
        assert fields["conduct"] in row.text
        if "exam" in fields:
            assert fields["exam"] in row.text
    # a month's link leads to its record, further down the page
    first = rows[0].find_element(by.TAG_NAME, "a")
    assert first.get_attribute("href").endswith("#" + files[0].stem)
    for path in sorted(RECORDS.glob(f"semesters/*/journal/*/{STUDENT}/*-colleague-follow-up.md")):
        record = driver.find_element(by.ID, path.stem)
        assert record.is_displayed() and "与任课教师沟通" in record.text
        assert "沟通的教师" in record.text and "T0" not in record.text  # by name, not number


def test_an_attending_mentors_page_shows_the_case_meeting(web: tuple[Any, str]) -> None:
    by = browser._by()
    meetings = sorted(RECORDS.glob("semesters/*/journal/*/self/*-case-meeting.md"))
    attended = [p for p in meetings if "T001" in _front(p)["attending"]]
    assert attended
    driver = browser._open(web, "mentors/T001/")
    for path in attended:
        record = driver.find_element(by.ID, path.stem)
        assert record.is_displayed(), path.stem
        assert "个案分析会" in record.text and _front(path)["theme"] in record.text
        assert "组织者" in record.text and "参加的导师" in record.text
