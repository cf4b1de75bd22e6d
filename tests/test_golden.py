"""Golden files: the content of three built pages of the demo school, normalised.

The site is built once from ``records/`` (today 2026-11-25) and the page content, the
``<article class="md-content__inner …">`` element, of a student, a mentor and a class page
is compared with ``tests/golden/*.html``. The comparison is on a normalised form (one tag or
text run a line, attributes sorted, whitespace collapsed, zero-width spaces removed), so the
theme's indentation does not matter but every tag, attribute and word does.

When a change to the pages is intended, regenerate the golden files and review the diff:

    DAOSHI_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
    git diff tests/golden/
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from daoshi.site.build import build_site

REPO = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
TODAY = dt.date(2026, 11, 25)
PAGES = {
    "student-S250001.html": "students/S250001/index.html",
    "mentor-T001.html": "mentors/T001/index.html",
    "class-C2025-01.html": "classes/C2025-01/index.html",
}
UPDATE = os.environ.get("DAOSHI_UPDATE_GOLDEN") == "1"
DIFF_LINES = 60


def _collapse(text: str) -> str:
    return " ".join(text.replace("\u200b", "").split())


class _ArticleNormaliser(HTMLParser):
    """One line per start tag, end tag or text run of the page's content ``<article>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.depth = 0  # open <article> elements, the content article included
        self.done = False

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]], close: str = "") -> str:
        parts = [tag]
        for name, value in sorted(attrs, key=lambda a: (a[0], a[1] or "")):
            parts.append(name if value is None else f'{name}="{escape(_collapse(value))}"')
        return f"<{' '.join(parts)}{close}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth == 0:
            classes = dict(attrs).get("class") or ""
            if tag != "article" or "md-content__inner" not in classes.split():
                return
        if tag == "article":
            self.depth += 1
        self.lines.append(self._tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth and not self.done:
            self.lines.append(self._tag(tag, attrs, " /"))

    def handle_endtag(self, tag: str) -> None:
        if self.depth == 0 or self.done:
            return
        self.lines.append(f"</{tag}>")
        if tag == "article":
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        text = _collapse(data)
        if self.depth and not self.done and text:
            self.lines.append(escape(text, quote=False))


def normalise(page: str) -> str:
    """The content article of a built page, one tag or text run a line."""
    parser = _ArticleNormaliser()
    parser.feed(page)
    parser.close()
    assert parser.done, 'no complete <article class="md-content__inner"> in the page'
    return "\n".join(parser.lines) + "\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(out / "cache"))
        return build_site(REPO / "records", out / "site", TODAY)


def test_normalise_sorts_attributes_and_collapses_whitespace() -> None:
    page = (
        '<body><p>outside</p><article id="a" class="md-content__inner md-typeset">\n'
        '  <h1>标题\u200b  一</h1><article id="r" class="x"><br/>text &amp; more</article>\n'
        "</article><p>after</p></body>"
    )
    assert normalise(page) == (
        '<article class="md-content__inner md-typeset" id="a">\n<h1>\n标题 一\n</h1>\n'
        '<article class="x" id="r">\n<br />\ntext &amp; more\n</article>\n</article>\n'
    )


@pytest.mark.parametrize("golden", sorted(PAGES))
def test_page_matches_golden_file(site: Path, golden: str) -> None:
    actual = normalise((site / PAGES[golden]).read_text("utf-8"))
    path = GOLDEN / golden
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, "utf-8")
    assert path.is_file(), f"{path} is missing: DAOSHI_UPDATE_GOLDEN=1 .venv/bin/pytest {__file__}"
    expected = path.read_text("utf-8")
    if actual != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(),
                actual.splitlines(),
                f"tests/golden/{golden}",
                f"built {PAGES[golden]}",
                lineterm="",
            )
        )
        shown = "\n".join(diff[:DIFF_LINES])
        more = f"\n… {len(diff) - DIFF_LINES} more diff lines" if len(diff) > DIFF_LINES else ""
        pytest.fail(
            f"{PAGES[golden]} differs from tests/golden/{golden} "
            f"(if intended: DAOSHI_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py)\n"
            f"{shown}{more}",
            pytrace=False,
        )
