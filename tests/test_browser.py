"""The built site as a person sees it: headless Chromium (Debian's) driven by Selenium.

Needs /usr/bin/chromium, /usr/bin/chromedriver and fonts-noto-cjk (.ci/lib.sh installs them);
without them the tests are skipped locally and fail when CI is set. Nothing is downloaded.
DAOSHI_SCREENSHOTS=1 writes the screenshots into docs/screenshots/ instead of a tmp folder.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import itertools
import os
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from daoshi.site.build import build_site

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "records"
TODAY = dt.date(2026, 11, 25)
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
STUDENT = "S250014"  # a student with many records in both semesters of the demo
WAIT = 20  # seconds; the search worker loads and indexes ~560 sections first
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1600",
]
# A4 is 297 mm high and daoshi.css sets a 16 mm margin: a heading that starts a page sits
# within 60 pt (the h2's own top margin and line height) below that margin, in PDF points.
PAGE_TOP = (297 - 16) / 25.4 * 72 - 60
PAGES = {
    "student": f"students/{STUDENT}/",
    "mentor": "mentors/T015/",
    "class": "classes/C2025-01/",
    "grade": "grades/2025/",
    "school": "school/",
    "kinds": "kinds/",
}
AUDIT_PAGES = {  # in the demo school with its git history
    "history": "students/S250053/history/",  # a talk edited later, shown with its diff
    "review": "review/2026-2027-1/",
}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _require_browser() -> None:
    """Skip without a browser, but fail in CI, where .ci/lib.sh must have installed one."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.is_file()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[test]')")
    if missing:
        message = (
            f"browser tests need {', '.join(missing)}: apt-get install chromium chromium-driver"
        )
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """(driver, base URL) for the demo school's site, served over real HTTP on 127.0.0.1."""
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    tmp = tmp_path_factory.mktemp("browser")
    site = build_site(RECORDS, tmp / "site", TODAY)
    server = _serve(site)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp / 'profile'}"]:
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def _serve(site: Path) -> ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def audited(
    web: tuple[Any, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str]]:
    """(driver, base URL) for the demo school made as its own git repository, with its
    teachers' history: the site then has record histories and review reports."""
    from daoshi.demo import DemoOptions, write_demo

    tmp = tmp_path_factory.mktemp("audited")
    write_demo(tmp / "school", DemoOptions())
    site = build_site(tmp / "school", tmp / "site", TODAY)
    server = _serve(site)
    try:
        yield web[0], f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _open(web: tuple[Any, str], path: str) -> Any:
    driver, base = web
    driver.get(base + path)
    driver.execute_async_script("document.fonts.ready.then(arguments[arguments.length - 1])")
    return driver


def _by() -> Any:
    from selenium.webdriver.common.by import By

    return By


def _student(student_id: str) -> dict[str, Any]:
    for path in sorted((RECORDS / "people" / "cohorts").glob("*.yaml")):
        for student in yaml.safe_load(path.read_text("utf-8"))["students"]:
            if student["id"] == student_id:
                return dict(student)
    raise LookupError(student_id)


def test_student_page_shows_the_name_and_every_record(web: tuple[Any, str]) -> None:
    by = _by()
    driver = _open(web, PAGES["student"])
    assert _student(STUDENT)["name"] in driver.find_element(by.CSS_SELECTOR, "article h1").text
    files = sorted(RECORDS.glob(f"semesters/*/journal/*/{STUDENT}/*.md"))
    assert len(files) >= 5
    for path in files:
        record = driver.find_element(by.ID, path.stem)
        assert record.is_displayed(), path.stem
        _, head, body = path.read_text("utf-8").split("---\n", 2)
        if not body.strip():  # a record of fields only (a month's progress): its longest text
            fields = yaml.safe_load(head)
            body = max((v for v in fields.values() if isinstance(v, str)), key=len)
        first = " ".join(body.strip().split("。")[0].split())
        assert first and first in " ".join(record.text.split()), path.name


def _search(web: tuple[Any, str], query: str, student_id: str) -> list[str]:
    """Type into Material's search box on the home page; the result links once they name the
    student, or the last ones shown when they never do within WAIT seconds. Material answers
    each keystroke, so the results of the first characters (other students) can show before
    those of the whole query: only the student's page coming up, or the time running out,
    ends the wait."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    by = _by()
    driver = _open(web, "")
    box = driver.find_element(by.CSS_SELECTOR, "input.md-search__input")
    box.click()
    box.send_keys(query)
    shown: list[str] = []

    def answered(driver: Any) -> bool:
        links = driver.find_elements(by.CSS_SELECTOR, ".md-search-result__item a")
        shown[:] = [a.get_attribute("href") or "" for a in links]
        return _finds(shown, student_id)

    with contextlib.suppress(TimeoutException):
        # the results are drawn again as the query grows: a link read while they are
        # replaced is stale, and the next poll reads the new ones
        wait = WebDriverWait(driver, WAIT, ignored_exceptions=[StaleElementReferenceException])
        wait.until(answered)
    return shown


def _finds(hrefs: list[str], student_id: str) -> bool:
    return any(f"/students/{student_id}/" in href for href in hrefs)


@pytest.mark.parametrize("part", ["surname+1", "name", "id"])
def test_search_finds_a_student(web: tuple[Any, str], part: str) -> None:
    # jieba keeps most names whole (张强宇 is one token) and Material's lunr matches only
    # token prefixes (query terms get a trailing *), so a name's first characters work.
    name = _student(STUDENT)["name"]
    query = {"surname+1": name[:2], "name": name, "id": STUDENT}[part]
    hrefs = _search(web, query, STUDENT)
    assert _finds(hrefs, STUDENT), (query, hrefs)


def test_search_finds_a_student_by_given_name(web: tuple[Any, str]) -> None:
    given = _student(STUDENT)["name"][1:]
    hrefs = _search(web, given, STUDENT)
    assert _finds(hrefs, STUDENT), (given, hrefs)


def test_school_page_shows_the_crisis_panel_above_the_chart(web: tuple[Any, str]) -> None:
    by = _by()
    driver = _open(web, PAGES["school"])
    crisis = driver.find_element(by.CSS_SELECTOR, ".daoshi-crisis")
    chart = driver.find_element(by.CSS_SELECTOR, "figure.daoshi-chart")
    assert crisis.is_displayed() and chart.is_displayed()
    assert "危机上报" in crisis.text
    assert crisis.rect["y"] + crisis.rect["height"] <= chart.rect["y"]


def test_class_page_links_to_every_student(web: tuple[Any, str]) -> None:
    by = _by()
    driver = _open(web, PAGES["class"])
    cohort = yaml.safe_load((RECORDS / "people" / "cohorts" / "2025.yaml").read_text("utf-8"))
    expected = {
        s["id"]: s["name"]
        for s in cohort["students"]
        if s["class"] == "C2025-01" and "left" not in s
    }
    assert len(expected) >= 20  # a class of 27 in the three-grade demo
    links = {
        a.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]: a.text
        for a in driver.find_elements(by.CSS_SELECTOR, "article a[href*='/students/']")
        if a.is_displayed()
    }
    assert {sid: links.get(sid) for sid in expected} == expected


@pytest.mark.parametrize("kind", list(PAGES))
def test_screenshot(web: tuple[Any, str], kind: str, tmp_path: Path) -> None:
    _screenshot(_open(web, PAGES[kind]), kind, tmp_path)


@pytest.mark.parametrize("kind", list(AUDIT_PAGES))
def test_history_and_review_screenshots(
    audited: tuple[Any, str], kind: str, tmp_path: Path
) -> None:
    driver = _open(audited, AUDIT_PAGES[kind])
    text = driver.find_element(_by().CSS_SELECTOR, "article").text
    # the record's own date and git's two times are named apart, in the school's time zone
    assert "记录日期" in text and "作者时间" in text and "提交时间" in text, text[:400]
    assert "Asia/Shanghai" in text
    _screenshot(driver, kind, tmp_path)


def _screenshot(driver: Any, kind: str, tmp_path: Path) -> None:
    folder = REPO / "docs" / "screenshots" if os.environ.get("DAOSHI_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(folder / f"{kind}.png"))
    assert (folder / f"{kind}.png").read_bytes().startswith(b"\x89PNG")
    # Wide tables scroll inside their own box; the page itself never scrolls sideways.
    widths = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert widths[0] <= widths[1], widths


@pytest.mark.parametrize("student", [STUDENT, "S250002"])
def test_student_page_prints_each_semester_on_a_new_page(
    web: tuple[Any, str], student: str
) -> None:
    # Whatever height a semester has, the next one starts on a new page (daoshi.css's
    # break-before: page): a student with many records and one with few.
    by = _by()
    driver = _open(web, f"students/{student}/")
    semesters = [h2.text for h2 in driver.find_elements(by.CSS_SELECTOR, ".daoshi-semester h2")]
    a4 = {"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": True}
    pdf = base64.b64decode(
        driver.execute_cdp_cmd("Page.printToPDF", {**a4, "generateDocumentOutline": True})["data"]
    )
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert len(semesters) >= 2 and pages > 1, (semesters, pages)
    # The PDF outline (bookmarks) tells on which page object, how high, each heading landed.
    outline = {
        bytes.fromhex(title.decode()).decode("utf-16"): (page, float(y))
        for title, page, y in re.findall(rb"/Title <(\w+)>\s*/Dest \[(\d+) 0 R /XYZ \S+ (\S+)", pdf)
    }
    landed = [outline[title] for title in semesters]
    for before, after in itertools.pairwise(landed):
        assert after[0] != before[0] and after[1] > PAGE_TOP, (semesters, landed)
