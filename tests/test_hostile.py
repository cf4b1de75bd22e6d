"""Hostile teacher text, end to end: a record written to attack the site, built by mkdocs.

A talk record whose body and ``follow_up`` field carry script, event handlers, a
``javascript:`` link, an iframe, template syntax, an attribute list and a snippet include is
added to a copy of the demo school; the whole site is built and every ``.html`` and ``.json``
file of it is checked. Escaped text is expected to stay visible (a teacher may write
``<img onerror=…>`` literally, and the page shows it), so "no ``onerror=``" means no such
*attribute* on any element, checked with an HTML parser and with a regex over the markup.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from daoshi.site.build import build_site

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)
MENTOR, STUDENT = "T001", "S250032"  # paired in records/semesters/2026-2027-1/pairings.yaml
RECORD = f"semesters/2026-2027-1/journal/{MENTOR}/{STUDENT}/2026-10-08-talk.md"
ANCHOR = "2026-10-08-talk"
CHINESE = "今天他主动来办公室谈心，说期中考试前很紧张，我们一起制定了复习计划。"
HOSTILE = """\
<script>alert(1)</script>

<img src=x onerror=alert(2)>

[x](javascript:alert(3))

<iframe src="http://evil.invalid">

模板 {{ 7*7 }} 与 {% for x in y %} 原样显示。

<div onclick="alert(4)">点我</div>

一段文字
{: onclick="alert(5)"}

--8<-- "/etc/passwd"
"""
FOLLOW_UP = """\
<script>alert(6)</script><img src=x onerror=alert(7)>

[y](javascript:alert(8)) <iframe src="http://evil.invalid"> <div onclick="alert(9)">
字段 {{ 7*7 }} 与 {% for x in y %}
--8<-- "/etc/passwd"
"""
TALK = f"""\
---
kind: talk
mentor: {MENTOR}
student: {STUDENT}
date: 2026-10-08
areas: [study]
follow_up: |
{"".join("  " + line if line else line for line in FOLLOW_UP.splitlines(keepends=True))}\
---
{CHINESE}

{HOSTILE}"""

# Markup, not text: these can only come from a tag (text would be escaped to &lt;…).
_EVENT_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE)
_JAVASCRIPT_HREF = re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
_FORBIDDEN = ("<script>alert", "<iframe", "<img src=x")


def _passwd_lines() -> list[str]:
    try:
        lines = Path("/etc/passwd").read_text("utf-8").splitlines()
    except OSError:
        lines = []
    return ["root:x:0:0", *(line for line in lines if line.count(":") >= 6)]


class _Elements(HTMLParser):
    """Every element's tag and attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def _problems(name: str, text: str) -> list[str]:
    """What in one file (HTML, or decoded JSON) could run or leak hostile text."""
    found = [f"{name}: {s!r}" for s in _FORBIDDEN if s in text]
    found += [f"{name}: {m.group()!r}" for m in _EVENT_ATTRIBUTE.finditer(text)]
    found += [f"{name}: {m.group()!r}" for m in _JAVASCRIPT_HREF.finditer(text)]
    found += [f"{name}: /etc/passwd {line!r}" for line in _passwd_lines() if line in text]
    parser = _Elements()
    parser.feed(text)
    parser.close()
    for tag, attrs in parser.tags:
        if tag in ("iframe", "frame", "object", "embed", "img"):
            found.append(f"{name}: <{tag}> element")
        for attr, value in attrs:
            if attr.startswith("on"):
                found.append(f"{name}: <{tag} {attr}=…>")
            if attr in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                found.append(f"{name}: <{tag} {attr}={value!r}>")
    found += [f"{name}: script {s.strip()[:60]!r}" for s in parser.scripts if "alert(" in s]
    return found


def _visible(page: str) -> str:
    """The page's text as a reader sees it: tags removed, references decoded."""
    return unescape(re.sub(r"<[^>]*>", "", page))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    records = tmp / "records"
    shutil.copytree(REPO / "records", records)
    target = records / RECORD
    assert target.parent.is_dir() and not target.exists()
    target.write_text(TALK, "utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp / "cache"))
        return build_site(records, tmp / "site", TODAY)


@pytest.fixture(scope="module")
def page(site: Path) -> str:
    return (site / f"students/{STUDENT}/index.html").read_text("utf-8")


def _record(page: str) -> str:
    """The HTML of the hostile record on the student page."""
    start = page.index(f'id="{ANCHOR}"')
    return page[start : page.index("</article>", start)]


def test_the_checks_find_markup_but_not_escaped_text() -> None:
    assert _problems("escaped", f"<p>{escape(HOSTILE)}</p><dd>{escape(FOLLOW_UP)}</dd>") == []
    for unsafe in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        '<a href="javascript:alert(3)">x</a>',
        "<a href=' JavaScript:alert(3)'>x</a>",
        '<iframe src="http://evil.invalid">',
        '<div class="a" onclick="alert(4)">',
        "<p>root:x:0:0:root:/root:/bin/bash</p>",
    ):
        assert _problems("unsafe", unsafe), unsafe


def test_the_hostile_record_is_on_the_student_page_with_its_chinese_text(page: str) -> None:
    assert f'id="{ANCHOR}"' in page
    assert CHINESE in page.replace("\u200b", "")


def test_no_file_of_the_site_carries_script_handlers_frames_or_includes(site: Path) -> None:
    files = sorted(p for p in site.rglob("*") if p.suffix in (".html", ".json"))
    assert site / "search/search_index.json" in files and len(files) > 180  # 160 students
    problems: list[str] = []
    for path in files:
        name = path.relative_to(site).as_posix()
        text = path.read_text("utf-8")
        problems += _problems(name, text)
        if path.suffix == ".json":  # search index: its strings decoded (\u003c → <, \" → ")
            decoded = json.dumps(json.loads(text), ensure_ascii=False)
            problems += _problems(f"{name} (decoded)", decoded.replace('\\"', '"'))
    assert problems == []


def test_body_markup_is_shown_as_text_and_links_lose_their_href(page: str) -> None:
    body = _record(page).split('<div class="daoshi-body">', 1)[1]
    text = _visible(body)
    for literal in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        '<iframe src="http://evil.invalid">',
        '<div onclick="alert(4)">点我</div>',
        '{: onclick="alert(5)"}',
        '--8<-- "/etc/passwd"',
    ):
        assert literal in text, literal
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<a rel="noopener noreferrer nofollow">x</a>' in body  # the javascript: href is gone


def test_template_syntax_stays_literal(page: str) -> None:
    text = _visible(_record(page))
    assert "模板 {{ 7*7 }} 与 {% for x in y %} 原样显示。" in text
    assert "字段 {{ 7*7 }} 与 {% for x in y %}" in text
    assert "49" not in text.replace(ANCHOR, "")


def test_hostile_text_in_a_field_is_escaped(page: str) -> None:
    record = _record(page)
    facts = record.split('<dl class="daoshi-facts">', 1)[1].split("</dl>", 1)[0]
    assert "<dt>后续跟进</dt>" in facts
    assert "&lt;script&gt;alert(6)&lt;/script&gt;&lt;img src=x onerror=alert(7)&gt;" in facts
    assert "&lt;iframe" in facts and "&lt;div onclick=" in facts
    assert "[y](javascript:alert(8))" in facts  # Markdown is not applied to fields
    assert _problems("follow_up", facts) == []
    follow_up = _visible(facts.split("<dt>后续跟进</dt>", 1)[1])
    assert " ".join(follow_up.split()) == " ".join(FOLLOW_UP.split())
