"""Hostile files through the real commands: ``daoshi validate`` and ``daoshi build
--all-audiences`` as subprocesses, every page of every audience read back, the script cases
opened in Chromium with an alert hook.

One small demo school is made hostile where a valid school can be: its name and students'
names carry markup and Markdown, a record body holds 50,000 ``[`` then ``](`` (minutes of
Python-Markdown before the bound), and records come as Windows editors write them (a BOM,
CRLF, a mix of line ends). It must validate, build for every audience, and show every such
text escaped exactly once. Files that must be refused are written into the minimal school
of ``conftest`` and their located lines asserted from ``validate`` and from ``build``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daoshi.access import audience_for_teacher
from daoshi.cli.main import main
from daoshi.demo import DemoOptions, write_snapshot
from daoshi.messages import set_language
from daoshi.records.check import RESERVED_IDS
from daoshi.records.validate import load
from daoshi.site.markdown import LITERAL_NOTE

from . import test_editor, test_roster
from .conftest import MINIMAL, SEMESTER, TALK, TODAY, School
from .test_browser import CHROMEDRIVER, CHROMIUM, FLAGS, _require_browser, _serve

DEMO_TODAY = "2026-11-20"
SCHOOL_NAME = '</title><script>alert("school")</script>实验中学'
TITLE_BREAKER = "</title><i>斜</i>"  # the theme's striptags made this markup in the body
LINK_NAME = "[x](javascript:1)"  # a Markdown link in a heading made an <a href=javascript:>
EMPHASIS_NAME = "*星*_下_`码`"
BRACKETS = "[" * 50_000 + "]("
WINDOWS_BODY = "今天课间和他谈了期中考试的复习安排。\r\n他说数学最担心。\r\n\r\n约好每周五复盘。"
COHORT = "people/cohorts/2025.yaml"
TALK2 = f"{SEMESTER}/journal/T001/S250001/2025-10-13-talk.md"


def daoshi(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "XDG_CACHE_HOME": str(cache)},
    )


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _rename(root: Path, cohort: str, sid: str, name: str) -> None:
    path = root / cohort
    text = path.read_text("utf-8")
    start = text.index(f"  - id: {sid}\n")
    old = re.compile(r"    name: .*\n").search(text, start)
    assert old is not None
    path.write_text(text[: old.start()] + f"    name: {_quoted(name)}\n" + text[old.end() :])


def _talk(mentor: str, student: str, day: str, body: str) -> str:
    head = f"kind: talk\nmentor: {mentor}\nstudent: {student}\ndate: {day}\nareas: [study]\n"
    return f"---\n{head}---\n{body}\n"


class Hostile:
    """The hostile demo school, built for every audience."""

    def __init__(self, root: Path, site: Path, facts: dict[str, str]) -> None:
        self.root = root
        self.site = site
        self.facts = facts

    def audiences(self) -> list[Path]:
        """Each audience's published folder (``.daoshi`` is the builder's own state)."""
        return sorted(p for p in self.site.iterdir() if p.is_dir() and not p.name.startswith("."))

    def pages(self) -> Iterator[tuple[str, str]]:
        for audience in self.audiences():
            for path in sorted(audience.resolve().rglob("*.html")):
                rel = f"{audience.name}/{path.relative_to(audience.resolve()).as_posix()}"
                yield rel, path.read_text("utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    tmp = tmp_path_factory.mktemp("hostile-files")
    root = tmp / "records"
    write_snapshot(root, DemoOptions(students=40, semesters=1))
    school = load(root, today=dt.date.fromisoformat(DEMO_TODAY), use_cache=False)
    semester = school.semesters[-1]
    paired = [  # a mentor with a site of their own (not one of the school's leaders)
        (p.mentor, s)
        for p in school.pairings
        if p.semester == semester.id and audience_for_teacher(school, p.mentor).id == p.mentor
        for s in p.students
    ]
    (mentor, first), (_, second), (_, third) = paired[0], paired[1], paired[2]
    cohort = f"people/cohorts/{school.students[first].cohort}.yaml"
    for sid, name in ((first, TITLE_BREAKER), (second, LINK_NAME), (third, EMPHASIS_NAME)):
        _rename(root, cohort, sid, name)
    text = (root / "school.yaml").read_text("utf-8")
    text = re.sub(r"(?m)^name: .*$", lambda _: f"name: {_quoted(SCHOOL_NAME)}", text)
    (root / "school.yaml").write_text(text, "utf-8")
    journal = root / f"semesters/{semester.id}/journal/{mentor}/{first}"
    journal.mkdir(parents=True, exist_ok=True)
    brackets = _talk(mentor, first, "2026-10-09", BRACKETS)
    (journal / "2026-10-09-talk.md").write_bytes(b"\xef\xbb\xbf" + brackets.encode())
    windows = _talk(mentor, first, "2026-10-10", WINDOWS_BODY).replace("\n", "\r\n", 4)
    (journal / "2026-10-10-talk.md").write_bytes(b"\xef\xbb\xbf" + windows.encode())
    cache = tmp / "cache"
    checked = daoshi("validate", str(root), "--today", DEMO_TODAY, cache=cache)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    site = tmp / "site"
    built = daoshi(
        "build", "--records", str(root), "-d", str(site), "--all-audiences",
        "--today", DEMO_TODAY, cache=cache,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    facts = {"mentor": mentor, "first": first, "second": second, "third": third}
    return Hostile(root, site, facts)


# --- every page of every audience, as files --------------------------------------------


def test_every_audience_was_built(hostile: Hostile) -> None:
    names = {p.name for p in hostile.audiences()}
    assert "leader" in names and hostile.facts["mentor"] in names and len(names) >= 3


def test_no_page_carries_the_names_as_markup(hostile: Hostile) -> None:
    found = []
    for name, html in hostile.pages():
        for raw in ("<script>alert(", "</title><i>", 'href="javascript:', "<em>星</em>"):
            if raw in html:
                found.append(f"{name}: {raw}")
        if "&amp;lt;" in html or "&amp;#" in html:
            found.append(f"{name}: escaped twice")
    assert found == []


def test_the_title_holds_each_name_escaped_exactly_once(hostile: Hostile) -> None:
    """Unescaping the <title> once gives the names as written: not a character more."""
    first = hostile.facts["first"]
    checked = 0
    for audience in hostile.audiences():
        home = (audience / "index.html").read_text("utf-8")
        title = re.search(r"<title>(.*?)</title>", home, re.DOTALL)
        assert title is not None and unescape(title.group(1)) == f"{SCHOOL_NAME} · 导师工作"
        page = audience / f"students/{first}/index.html"
        if page.is_file():
            html = page.read_text("utf-8")
            found = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
            assert found is not None
            assert unescape(found.group(1)).startswith(f"{TITLE_BREAKER} {first} · ")
            assert unescape(found.group(1)).endswith(f" - {SCHOOL_NAME} · 导师工作")
            checked += 1
    assert checked >= 2  # the leader and the mentor see the student


def test_markdown_in_a_name_is_text(hostile: Hostile) -> None:
    for key, name in (("second", LINK_NAME), ("third", EMPHASIS_NAME)):
        sid = hostile.facts[key]
        html = (hostile.site / f"leader/students/{sid}/index.html").read_text("utf-8")
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)
        assert h1 is not None and unescape(h1.group(1)).startswith(f"{name} {sid} · "), h1


def test_the_bracket_record_is_shown_as_written(hostile: Hostile) -> None:
    """50,000 ``[`` then ``](``: past the renderer's bound, shown literally, with a note."""
    html = (hostile.site / f"leader/students/{hostile.facts['first']}/index.html").read_text(
        "utf-8"
    )
    record = html[html.index('id="2026-10-09-talk"') :]
    record = record[: record.index("</article>")]
    assert LITERAL_NOTE in record
    assert "[" * 50_000 + "](" in record


def test_a_record_from_a_windows_editor_reads_as_written(hostile: Hostile) -> None:
    html = (hostile.site / f"leader/students/{hostile.facts['first']}/index.html").read_text(
        "utf-8"
    )
    record = html[html.index('id="2026-10-10-talk"') :]
    record = record[: record.index("</article>")]
    assert "<p>今天课间和他谈了期中考试的复习安排。<br>\n他说数学最担心。</p>" in record
    assert "<p>约好每周五复盘。</p>" in record
    assert "\r" not in record and "\ufeff" not in record


# --- in Chromium, with an alert hook ---------------------------------------------------

ALERT_HOOK = """
window.__daoshi_alerts = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (message) => { window.__daoshi_alerts.push(name + ":" + message); return null; };
}
"""


@pytest.fixture(scope="module")
def chromium(hostile: Hostile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    _require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_HOOK})
    try:
        yield driver
    finally:
        driver.quit()


def _visit(driver: Any, url: str) -> dict[str, Any]:
    """Open a page; what ran (the alert hook's record), its title, links and <i> elements."""
    driver.get(url)
    return dict(
        driver.execute_script(
            "return {alerts: window.__daoshi_alerts, title: document.title,"
            " h1: (document.querySelector('article h1, .md-content h1') || {}).textContent,"
            " js: [...document.querySelectorAll('a[href]')]"
            "   .filter(a => a.href.trim().toLowerCase().startsWith('javascript:')).length,"
            " italic: [...document.querySelectorAll('i')].map(i => i.textContent)};"
        )
    )


def test_the_alert_hook_sees_a_script_that_runs(hostile: Hostile, chromium: Any) -> None:
    """The check below can fail: a page with a real script is caught by the same hook."""
    probe = hostile.site / "leader" / "probe.html"
    probe.write_text('<title>x</title><script>alert("probe")</script>', "utf-8")
    server = _serve(hostile.site)
    try:
        seen = _visit(chromium, f"http://127.0.0.1:{server.server_address[1]}/leader/probe.html")
    finally:
        server.shutdown()
        server.server_close()
        probe.unlink()
    assert seen["alerts"] == ["alert:probe"]


def test_no_script_runs_on_any_audience_s_pages(hostile: Hostile, chromium: Any) -> None:
    server = _serve(hostile.site)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    first = hostile.facts["first"]
    visited: dict[str, dict[str, Any]] = {}
    try:
        for audience in hostile.audiences():
            paths = ["", f"students/{first}/", f"students/{hostile.facts['second']}/"]
            paths += [f"mentors/{hostile.facts['mentor']}/"]
            for path in paths:
                if (audience / path / "index.html").is_file():
                    visited[f"{audience.name}/{path}"] = _visit(
                        chromium, f"{base}/{audience.name}/{path}"
                    )
    finally:
        server.shutdown()
        server.server_close()
    assert len(visited) >= 8
    assert {k: v["alerts"] for k, v in visited.items() if v["alerts"]} == {}
    assert {k: v["js"] for k, v in visited.items() if v["js"]} == {}
    assert {k: v["italic"] for k, v in visited.items() if "斜" in "".join(v["italic"])} == {}
    for key, seen in visited.items():
        if key.endswith("/"):
            assert seen["title"].endswith(f"{SCHOOL_NAME} · 导师工作"), key
        if key.endswith(f"students/{first}/"):
            assert seen["title"].startswith(f"{TITLE_BREAKER} {first} · "), key


# --- refused: the located line from validate, and the same from build ------------------


def _student(sid: str, name: str = "学生戊") -> str:
    return f"  - id: {sid}\n    name: {name}\n    class: C2025-01\n"


REFUSED = [
    pytest.param(
        {COHORT: MINIMAL[COHORT] + _student("s250001")},
        f"{COHORT}:18:9: X224 学号“s250001”与“S250001”（people/cohorts/2025.yaml:6:9）"
        "只差大小写：在 Windows 和 macOS 上是同一个文件名",
        id="case-only",
    ),
    pytest.param(
        {COHORT: MINIMAL[COHORT] + _student("S" * 300)},
        f"{COHORT}:18:9: R113 “学号”太长（300 个字符，最多 64 个）：编号会成为文件名和网址",
        id="300-characters",
    ),
    pytest.param(
        {COHORT: MINIMAL[COHORT] + _student("S250005", "张\u202e三")},
        f"{COHORT}:19:12: F018 不可见的控制字符或特殊换行符 U+202E，请删除",
        id="right-to-left-override-in-a-name",
    ),
    pytest.param(
        {
            TALK2: _talk("T001", "S250001", "2025-10-13", "谈心。").replace(
                "---\nkind", '---\nplace: "\\e[31m\\a红"\nkind'
            )
        },
        f"{TALK2}:2:9: F021 引号中的转义 \\e 写出了不可见或无效的字符 U+001B，请删除",
        id="ansi-escape-and-bell",
    ),
    pytest.param(
        {
            TALK2: _talk("T001", "S250001", "2025-10-13", "谈心。").replace(
                "---\nkind", '---\nplace: "\\a\\ud800"\nkind'
            )
        },
        (
            f"{TALK2}:2:9: F021 引号中的转义 \\a 写出了不可见或无效的字符 U+0007，请删除",
            f"{TALK2}:2:11: F021 引号中的转义 \\ud800 写出了不可见或无效的字符 U+D800，请删除",
        ),
        id="lone-surrogate-beside-a-bell",
    ),
    pytest.param(
        {TALK2: "---\n---\n谈心。\n"},
        f"{TALK2}:2:1: R102 缺少必填字段“学生”（student）",
        id="empty-front-matter",
    ),
    pytest.param(
        {TALK2: _talk("T001", "S250001", "2025-10-13", "谈心。").replace("\n---\n谈", "\n...\n谈")},
        f"{TALK2}:7:1: F020 YAML 头部要以 --- 行结束，这里写的是 ...",
        id="front-matter-closed-by-dots",
    ),
    pytest.param(
        {TALK2: _talk("T001", "S250001", "2025-10-13", "谈心。").encode("utf-16")},
        f"{TALK2}:1:1: F019 文件是 UTF-16 编码（记事本的“Unicode”），请另存为 UTF-8",
        id="utf-16",
    ),
]


@pytest.mark.parametrize(("files", "expected"), REFUSED)
def test_refused_with_the_located_line_by_validate_and_build(
    school: School, files: dict[str, str | bytes], expected: str | tuple[str, ...], tmp_path: Path
) -> None:
    lines = [f"{school.root}/{e}" for e in ((expected,) if isinstance(expected, str) else expected)]
    for rel, content in files.items():
        school.write(rel, content)
    cache = tmp_path / "cache"
    checked = daoshi("validate", str(school.root), "--today", TODAY, "--no-cache", cache=cache)
    assert checked.returncode == 1
    assert set(lines) <= set(checked.stdout.splitlines()), checked.stdout
    built = daoshi(
        "build", "--records", str(school.root), "-d", str(tmp_path / "site"), "--all-audiences",
        "--today", TODAY, cache=cache,
    )  # fmt: skip
    assert built.returncode == 1
    assert set(lines) <= set(built.stdout.splitlines()), built.stdout
    assert "Traceback" not in built.stderr
    assert not (tmp_path / "site").exists()


def test_an_empty_front_matter_names_every_missing_field(school: School) -> None:
    school.write(TALK2, "---\n---\n谈心。\n")
    code, lines = school.validate()
    assert code == 1
    assert [line.removeprefix(f"{school.root}/{TALK2}:") for line in lines[:5]] == [
        f"2:1: R102 缺少必填字段“{label}”（{key}）"
        for label, key in (
            ("学生", "student"),
            ("导师", "mentor"),
            ("指导方面", "areas"),
            ("日期", "date"),
            ("记录种类", "kind"),
        )
    ]


def test_control_characters_beside_bytes_that_are_not_utf8_are_reported(school: School) -> None:
    """A lone surrogate (ED A0 80, not UTF-8) and a BEL on the same line: both located."""
    school.write(
        TALK2,
        _talk("T001", "S250001", "2025-10-13", "谈心。")
        .encode()
        .replace("谈心。".encode(), "谈心".encode() + b"\xed\xa0\x80\x07" + "。".encode()),
    )
    code, lines = school.validate()
    assert code == 1
    assert [line.removeprefix(f"{school.root}/{TALK2}:") for line in lines[:2]] == [
        "8:3: F002 不是 UTF-8 编码（文件第 88 个字节），请用 UTF-8 保存",
        "8:4: F018 不可见的控制字符或特殊换行符 U+0007，请删除",
    ]


def test_a_newline_in_a_file_name_stays_on_its_problem_line(school: School) -> None:
    bad = f"{SEMESTER}/journal/T001/S250001/2025-10-13\n-talk.md"
    school.write(bad, _talk("T001", "S250001", "2025-10-13", "谈心。"))
    code, lines = school.validate()
    assert code == 1
    shown = f"{SEMESTER}/journal/T001/S250001/2025-10-13\\n-talk.md"
    assert lines[0].startswith(f"{school.root}/{shown}:1:1: F016 "), lines
    assert all(re.match(r".+:\d+:\d+: [FRX]\d{3} ", line) for line in lines[:-2]), lines


@pytest.mark.parametrize(
    "ident", [*sorted(RESERVED_IDS), "CON", "aux", "Nul", "prn", "COM1", "lpt9", "INDEX"]
)
def test_ids_that_break_a_site_elsewhere_are_refused(school: School, ident: str) -> None:
    school.write(COHORT, MINIMAL[COHORT] + _student(f'"{ident}"'))
    try:
        code, lines = school.validate()
    finally:
        set_language("zh")
    assert code == 1
    assert any(
        line.startswith(f"{school.root}/{COHORT}:18:9: R112 “学号”不能用“{ident}”：")
        for line in lines
    ), lines


def test_a_participants_list_of_20000_is_checked_in_one_run(school: School) -> None:
    """Duplicates found by a set, not a scan of the list (bench/hostile.py times it)."""
    names = ["S250001", "S250002"] * 10_000
    head = "kind: group-activity\nmentor: T001\ndate: 2025-10-13\ntheme: 学习方法\n"
    body = f"---\n{head}participants: [{', '.join(names)}]\n---\n集体活动。\n"
    rel = f"{SEMESTER}/journal/T001/group/2025-10-13-group-activity.md"
    school.write(rel, body)
    result = CliRunner().invoke(
        main, ["validate", str(school.root), "--today", TODAY, "--no-cache", "-q"]
    )
    lines = result.stdout.splitlines()
    assert result.exit_code == 1
    assert len(lines) == 19_998 and all(" X217 " in line for line in lines)
    assert lines[0] == f"{school.root}/{rel}:6:34: X217 “S250001”在同一列表中出现了两次"


# --- the web editor opens a record written by a Windows editor --------------------------

repo = test_editor.repo  # test_editor's fixtures: a records repository, the local editor app
local = test_editor.local


def test_the_web_editor_opens_and_saves_a_record_from_windows(repo: Path, local: Any) -> None:
    """A BOM and CRLF line ends: the form shows the fields (not the front matter as body),
    and saving writes the record back as UTF-8 with LF."""
    windows = MINIMAL[TALK].replace("occasion: exam\n", "occasion: exam\nplace: 操场\n")
    (repo / TALK).write_bytes(b"\xef\xbb\xbf" + windows.replace("\n", "\r\n").encode())
    test_editor.commit_as(repo, "张老师", "t001@example.edu.cn", "Windows 记事本保存")
    client = local.client()
    page = client.get("/edit", params={"path": TALK})
    assert page.status_code == 200, page.text
    body = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert (
        body is not None
        and unescape(body.group(1)).strip() == "期中考试后谈心，学生对数学成绩不满意。"
    )
    assert re.search(r'name="f\.place"[^>]*value="操场"', page.text), page.text
    form = test_editor.edit_form(client, TALK)
    form.update({"f.place": "图书馆", "f.minutes": "15"})
    assert client.post("/save", data=form).status_code == 303
    saved = (repo / TALK).read_bytes()
    assert saved.startswith(b"---\nkind: talk\n") and b"\r" not in saved
    assert "place: 图书馆\n" in saved.decode()


def test_a_roster_with_ids_that_break_sites_elsewhere_writes_nothing(tmp_path: Path) -> None:
    """The office's roster is where IDs come in: refused there, located, before any commit."""
    repo = test_roster.make_repo(tmp_path / "records")
    before = test_roster.head(repo)
    table = tmp_path / "名单.csv"
    rows = ["学号,姓名,班级", "CON,甲,C2025-01", f"{'A' * 65},乙,C2025-01", "group,丙,C2025-01"]
    rows += ["K250009,丁,C2025-01", "k250009,戊,C2025-01"]
    table.write_text("\n".join(rows) + "\n", "utf-8")
    done = daoshi(
        "import", "roster", str(table), "--records", str(repo), "--school-year", "2025",
        cache=tmp_path / "cache",
    )  # fmt: skip
    assert done.returncode == 1
    t = str(table)
    assert done.stdout.splitlines() == [
        f"{t}:2:1: I424 编号“CON”不能用：Windows 的设备名，不能作文件名",
        f"{t}:3:1: I420 “{'A' * 65}”太长（最多 64 个字）",
        f"{t}:4:1: I424 编号“group”不能用：网站或记录目录已用这个名字",
        f"{t}:6:1: I425 编号“k250009”与“K250009”只差大小写：在 Windows 和 macOS 上是同一个文件名",
    ]
    assert test_roster.head(repo) == before
    assert test_roster.git(repo, "status", "--porcelain") == ""
    teachers = tmp_path / "教师.csv"
    teachers.write_text("工号,姓名,邮箱\nt001,王芳,t001@test.invalid\n", "utf-8")
    done = daoshi(
        "import", "roster", str(teachers), "--kind", "teachers", "--records", str(repo),
        cache=tmp_path / "cache",
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{teachers}:2:1: I425 编号“t001”与“T001”只差大小写：在 Windows 和 macOS 上是同一个文件名"
    ]
