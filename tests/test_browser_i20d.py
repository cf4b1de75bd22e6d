"""Issue 20's study groups as a person sees them in Chromium (太谷：“每位导师负责1—2个学习
小组或10名学生（班主任导师可负责2—3个学习小组或15—20名学生）”): the demo's mentors who lead
their mentees as 学习小组, on the class pairing table and on the mentor's page. Reuses the demo
site of tests/test_browser.py."""

from __future__ import annotations

from typing import Any

import yaml

from tests.test_browser import (
    RECORDS,
    _by,
    _open,
    web,  # noqa: F401  (the demo site, module scope)
)

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
