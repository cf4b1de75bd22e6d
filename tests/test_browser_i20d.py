"""Issue 20's study groups and per-grade policies as a person sees them in Chromium.

太谷：“每位导师负责1—2个学习小组或10名学生（班主任导师可负责2—3个学习小组或15—20名学生）”: the
demo's mentors who lead their mentees as 学习小组, on the class pairing table and on the mentor's
page (the demo site of tests/test_browser.py). 青浦实验中学：“各年级组成立……工作小组，负责拟定
具有年级特色的管理细则要求”: a test school whose 2025 grade has its own policy, its grade page
(the demo school's newest grade keeps the district's policy with one rule of its own), in the
same browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from daoshi.site.build import build_site
from tests.test_browser import (
    RECORDS,
    TODAY,
    _by,
    _open,
    _serve,
    web,  # noqa: F401  (the demo site, module scope)
)
from tests.test_grade_policies import a_school

TERM = "2026-2027-1"


def _yaml(rel: str) -> Any:
    return yaml.safe_load((RECORDS / rel).read_text("utf-8"))


def _names() -> dict[str, tuple[str, str]]:
    """Student id -> (name, class) over the demo's cohorts."""
    found = {}
    for cohort in sorted((RECORDS / "people" / "cohorts").glob("*.yaml")):
        for s in yaml.safe_load(cohort.read_text("utf-8"))["students"]:
            found[s["id"]] = (s["name"], s["class"])
    return found


def _grouped() -> list[dict[str, Any]]:
    items = _yaml(f"semesters/{TERM}/pairings.yaml")["pairings"]
    grouped = [p for p in items if p.get("groups")]
    assert grouped, "a few demo mentors lead study groups"
    return grouped


def test_the_mentor_page_lists_the_study_groups(web: tuple[Any, str]) -> None:  # noqa: F811
    by = _by()
    names = _names()
    for item in _grouped():
        driver = _open(web, f"mentors/{item['mentor']}/")
        section = driver.find_element(by.ID, TERM).find_element(by.XPATH, "..")
        heads = [h.text for h in section.find_elements(by.CSS_SELECTOR, "h3")]
        assert "学习小组" in heads
        shown = [li.text for li in section.find_elements(by.CSS_SELECTOR, "ul.daoshi-groups > li")]
        assert shown == [
            f"{g['name']}（{len(g['students'])} 人）："
            + "、".join(names[sid][0] for sid in g["students"])
            for g in item["groups"]
        ]
        links = section.find_elements(by.CSS_SELECTOR, "ul.daoshi-groups a")
        assert links and all(a.is_displayed() for a in links)


def test_the_class_pairing_table_lists_the_study_groups(web: tuple[Any, str]) -> None:  # noqa: F811
    by = _by()
    names = _names()
    expected: dict[str, list[list[str]]] = {}
    for item in _grouped():
        for g in item["groups"]:
            for klass in sorted({names[sid][1] for sid in g["students"]}):
                here = [names[sid][0] for sid in g["students"] if names[sid][1] == klass]
                expected.setdefault(klass, []).append([item["mentor"], g["name"], "、".join(here)])
    for klass, rows in sorted(expected.items()):
        driver = _open(web, f"pairings/{TERM}/classes/{klass}/")
        article = driver.find_element(by.CSS_SELECTOR, "article")
        assert "学习小组" in [h.text for h in article.find_elements(by.CSS_SELECTOR, "h2")]
        table = driver.find_element(by.CSS_SELECTOR, "table.daoshi-groups")
        assert table.is_displayed()
        shown = []
        for row in table.find_elements(by.CSS_SELECTOR, "tbody tr"):
            cells = row.find_elements(by.CSS_SELECTOR, "td")
            mentor = cells[0].find_element(by.CSS_SELECTOR, "a").get_attribute("href") or ""
            shown.append([mentor.rstrip("/").split("/")[-1], cells[1].text, cells[2].text])
        assert sorted(shown) == sorted(rows)


def test_the_grade_page_names_the_grade_policy(
    web: tuple[Any, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    by = _by()
    site = build_site(a_school(tmp_path / "records"), tmp_path / "site", TODAY)
    server = _serve(site)
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        driver = _open((web[0], base), "grades/2025/")
        line = driver.find_element(by.CSS_SELECTOR, ".daoshi-grade-policy")
        assert line.is_displayed()
        assert line.text == (
            "年级政策：青浦区实验中学。本年级学生的义务（谈话、家长联系等每名学生的义务）按这个政策计算；"
            "导师本人的义务和师生比仍按本学期政策：青浦区“三个一”。"
        )
        driver = _open((web[0], base), "grades/2024/")
        assert not driver.find_elements(by.CSS_SELECTOR, ".daoshi-grade-policy")
        assert "年级组长" in driver.find_element(by.CSS_SELECTOR, "article").text
    finally:
        server.shutdown()
        server.server_close()
