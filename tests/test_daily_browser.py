"""Daily use, as a mentor, a class teacher, the 德育处 and the principal see it: headless
Chromium (Debian's) at a desktop width (1366 px) and a phone width (390 px), asserting on
what the pages show. The demo school as its own git repository (with its teachers'
history), built for the school leaders as of 2026-11-25.

DAOSHI_SCREENSHOTS=1 writes the screenshots into docs/screenshots/ (``<page>.png`` at
1366 px, ``<page>-phone.png`` at 390 px).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from daoshi.site.build import build_site

from .test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, _require_browser, _serve

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "records"
TODAY = dt.date(2026, 11, 25)
SEMESTER = "2026-2027-1"
WIDTHS = {"desktop": 1366, "phone": 390}
MENTOR = "T015"
SCREENS = {  # docs/screenshots/<name>.png: the page each shows
    "home": "",
    "school": "school/",
    "grade": "grades/2025/",
    "class": "classes/C2025-01/",
    "mentor": f"mentors/{MENTOR}/",
    "student": "students/S250014/",
    "kinds": "kinds/",
    "help": "help/",
    "appraisal": f"appraisal/{SEMESTER}/district/",
    "appraisal-mentor": f"appraisal/mentors/{MENTOR}/",
    "pairings": f"pairings/{SEMESTER}/",
    "agreement": f"pairings/{SEMESTER}/mentors/{MENTOR}/",
    "review": f"review/{SEMESTER}/",
    "history": "students/S250053/history/",
}


def _students() -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((RECORDS / "people" / "cohorts").glob("*.yaml")):
        for s in yaml.safe_load(path.read_text("utf-8"))["students"]:
            found[s["id"]] = s
    return found


def _pairing(mentor: str) -> dict[str, Any]:
    data = yaml.safe_load((RECORDS / "semesters" / SEMESTER / "pairings.yaml").read_text("utf-8"))
    items = [p for p in data["pairings"] if p["mentor"] == mentor]
    return {
        "students": sorted({s for p in items for s in p["students"]}),
        "key": next((p["key_student"] for p in items if p.get("key_student")), None),
    }


class Browser:
    """One Chromium at a given CSS width, and the served site."""

    def __init__(self, driver: Any, base: str, width: int, tmp: Path) -> None:
        self.driver, self.base, self.width, self.tmp = driver, base, width, tmp

    def open(self, path: str) -> Any:
        self.driver.get(self.base + path)
        self.driver.execute_async_script(
            "document.fonts.ready.then(arguments[arguments.length - 1])"
        )
        return self.driver

    def text(self, css: str = "article") -> str:
        return str(self.driver.find_element("css selector", css).text)

    def fits(self) -> None:
        """Nothing wider than the screen: the page never scrolls sideways."""
        widths = self.driver.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert widths[0] <= widths[1] == self.width, widths

    def shoot(self, name: str) -> None:
        folder = REPO / "docs" / "screenshots" if os.environ.get("DAOSHI_SCREENSHOTS") else self.tmp
        suffix = "" if self.width == WIDTHS["desktop"] else "-phone"
        assert self.driver.save_screenshot(str(folder / f"{name}{suffix}.png"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo school with its git history, built for the leaders, served on 127.0.0.1."""
    _require_browser()
    from daoshi.demo import DemoOptions, write_demo

    tmp = tmp_path_factory.mktemp("daily")
    write_demo(tmp / "school", DemoOptions())
    built = build_site(tmp / "school", tmp / "site", TODAY)
    server = _serve(built)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module", params=list(WIDTHS))
def web(
    request: pytest.FixtureRequest, site: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    width = WIDTHS[request.param]
    tmp = tmp_path_factory.mktemp(f"chromium-{request.param}")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp / 'profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # a phone's CSS width (a desktop window cannot be made narrower than 500 px)
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield Browser(driver, site, width, tmp)
    finally:
        driver.quit()


@pytest.mark.parametrize("name", list(SCREENS))
def test_every_page_fits_the_screen_and_is_in_teachers_words(web: Browser, name: str) -> None:
    web.open(SCREENS[name])
    web.fits()
    shown = web.text("body")
    for internal in ("forms/", ".yaml", "daoshi ", "git commit", "exam_ranking", "agreement"):
        assert internal not in shown, (name, internal)
    web.shoot(name)


def test_the_agreement_prints_one_sheet_per_family(web: Browser) -> None:
    pairing = _pairing(MENTOR)
    students = _students()
    driver = web.open(f"pairings/{SEMESTER}/mentors/{MENTOR}/")
    sheets = driver.find_elements("css selector", ".daoshi-sheet")
    assert len(sheets) == len(pairing["students"]) >= 5
    names = [students[s]["name"] for s in pairing["students"]]
    shown = []
    for sheet in sheets:
        text = sheet.text
        on_it = [n for n in names if n in text]
        assert len(on_it) == 1, on_it  # the family's own child, no other
        assert "家长签字" in text and "重点" not in text and "true" not in text
        shown += on_it
    assert sorted(shown) == sorted(names)
    assert pairing["key"] is not None  # the mentor has a key student, and no sheet says so
    # on paper: one A4 page per family, each sheet's heading on its own page
    pdf = base64.b64decode(
        driver.execute_cdp_cmd(
            "Page.printToPDF",
            {"paperWidth": 8.27, "paperHeight": 11.69, "generateDocumentOutline": True},
        )["data"]
    )
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    landed = re.findall(rb"/Dest \[(\d+) 0 R", pdf)
    assert pages == len(sheets), (pages, len(sheets))
    assert len(set(landed)) == len(sheets)


def test_the_printed_portfolio_says_whose_and_that_it_is_internal(web: Browser) -> None:
    driver = web.open("students/S250014/")
    head = driver.find_element("css selector", ".daoshi-print-head")
    assert not head.is_displayed()  # on screen: not there
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        text = head.text
        assert head.is_displayed()
        assert "示例市第一初级中学" in text and "内部资料，注意保密" in text
        today = dt.date.today()  # the day it is printed, filled in by the page itself
        assert f"打印日期 {today.year}年{today.month}月{today.day}日" in text
        # every printed page: the school and the confidentiality line at the foot
        css = driver.execute_script(
            "return [...document.querySelectorAll('style')].map(s => s.textContent).join('')"
        )
        assert "@bottom-left" in css and "内部资料，注意保密" in css
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_the_mentor_sees_warnings_by_pace_grouped_with_their_rule(web: Browser) -> None:
    driver = web.open(f"mentors/{MENTOR}/")
    todo = driver.find_elements("css selector", ".daoshi-todo")[0]  # the running semester
    text = todo.text
    # a kind already warned about by pace is not listed again under 本学期还要完成
    assert "需要注意" in text and "家访记录" in text
    pending = text.split("本学期还要完成")[1].split("本人")[0] if "本学期还要完成" in text else ""
    assert "家访记录" not in pending  # warned about by pace above, not listed twice
    assert "进度提醒：" in text or "学校政策：" in text  # the rule that fired
    lines = todo.find_elements("css selector", "li")
    assert len(lines) <= 8 < 2 * len(_pairing(MENTOR)["students"])  # grouped, not per student
    key = _students()[str(_pairing(MENTOR)["key"])]["name"]
    attention = todo.find_elements("css selector", "ul")[0].find_elements("css selector", "li")
    assert key in attention[0].text  # key students first
    # nothing is overdue in the running semester: no red cell, and a legend says why
    section = driver.find_element("css selector", f"h2[id='{SEMESTER}']").find_element(
        "xpath", ".."
    )
    assert section.find_elements("css selector", "td.daoshi-overdue") == []
    assert "红色" in section.text and "橙色" in section.text


def test_the_class_teacher_sees_who_needs_attention_key_students_first(web: Browser) -> None:
    driver = web.open("classes/C2025-01/")
    panel = driver.find_element("css selector", ".daoshi-attention")
    rows = panel.find_elements("css selector", "li")
    assert rows and "重点" in rows[0].text
    assert "学期已过半，本学期还没有任何记录" in panel.text
    assert "学期过半，每名受导学生都应至少有一条记录" in panel.text  # the rule


def test_the_crisis_panel_lists_open_cases_and_folds_closed_ones(web: Browser) -> None:
    driver = web.open("school/")
    panel = driver.find_element("css selector", ".daoshi-crisis")
    assert "需要跟进 1 件" in panel.text and "已跟进，仍需关注" in panel.text
    folded = panel.find_element("css selector", "details.daoshi-cleared")
    assert folded.get_attribute("open") is None
    closed = folded.find_element("css selector", "li")
    assert not closed.is_displayed()  # a closed case (its student has graduated) is folded
    folded.find_element("css selector", "summary").click()
    assert closed.is_displayed() and "已结案" in closed.text


def test_the_help_page_starts_with_the_web_editor(web: Browser) -> None:
    web.open("help/")
    text = web.text()
    assert text.index("写一条记录（网页编辑器") < text.index("哪里看还有什么没做")
    assert "保存并提交" in text and "命令" not in text.split("常见问题")[0]


def test_a_missing_page_says_so_in_chinese(web: Browser) -> None:
    web.open("404.html")  # what a server (daoshi serve, nginx) answers for a missing page
    assert "找不到这个页面" in web.text("body") and "Not found" not in web.text("body")


def test_the_appraisal_shows_its_arithmetic(web: Browser) -> None:
    driver = web.open(f"appraisal/mentors/{MENTOR}/")
    # the rubric's table: the one that ends with the sum (the service summary comes first)
    sums = driver.find_elements("css selector", "table.daoshi-grid .daoshi-sum")
    assert sums, "no table with a sum"
    table = sums[0].find_element("xpath", "ancestor::table[1]")
    cell = table.find_element("css selector", "td")
    assert driver.execute_script("return getComputedStyle(arguments[0]).borderTopStyle", cell) == (
        "solid"
    )
    assert re.search(r"\d+ ÷ \d+ × \d+ = [\d.]+", table.text)
    total = table.find_element("css selector", ".daoshi-sum").text
    assert re.search(r"总分 [\d.]+ / 100 [\d.]+( \+ [\d.]+)+ = [\d.]+", total), total
    assert not re.search(r"未完成 -\d", web.text())  # points not earned are not deductions


def test_the_pairing_table_is_a_download(web: Browser) -> None:
    driver = web.open(f"pairings/{SEMESTER}/")
    link = driver.find_element("css selector", "a[download]")
    assert "Excel" in link.text
    with urllib.request.urlopen(link.get_attribute("href")) as answer:
        assert answer.read(2) == b"PK"  # an XLSX (a zip)


def test_search_puts_the_name_first_and_indexes_only_names(web: Browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver = web.open("")
    if web.width < 600:  # on a phone the search box is behind the magnifier
        driver.find_element("css selector", "label.md-header__button[for='__search']").click()
    box = driver.find_element("css selector", "input.md-search__input")
    box.click()
    box.send_keys("强宇")

    def answered(driver: Any) -> list[str] | None:
        links = driver.find_elements("css selector", ".md-search-result__item > a")
        hrefs = [a.get_attribute("href") or "" for a in links]
        return hrefs if hrefs and "/students/S250001/" in hrefs[0] else None

    # 张强宇 first: the given name is the query (theme/main.html re-ranks Material's results)
    from selenium.common.exceptions import StaleElementReferenceException

    stale = [StaleElementReferenceException]  # results drawn again as they come
    hrefs: list[str] = WebDriverWait(driver, 20, ignored_exceptions=stale).until(answered)
    # only student pages answer a name (no pairing sheets, appraisal tables, histories)
    assert all("/students/" in h for h in hrefs), hrefs
    index = driver.execute_script("return fetch('search/search_index.json').then(r => r.text())")
    assert "pairings/" not in index and "appraisal/" not in index
