"""The words on a teacher's page: no file paths, shell commands, field IDs or English UI text.

Every page of the site is read by teachers, so none may show the machinery: ``forms/rubrics/``,
``daoshi export …``, ``exam_ranking: false``, ``Page not found``. ``page_problems`` scans the
text a person sees on a finished page (teacher-written text and file diffs excepted: they are
the records themselves) and returns a located problem for each such string; the plugin stops
the build on the first page that has one. The allowed exceptions are all in ``ALLOWED``.

Names are the school's data, not our wording: a school, a student or a teacher may be named
with Latin letters (or with markup, which pages show as text), so ``own_names`` masks them
before the scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser

from daoshi.errors import Location, Problem
from daoshi.messages import problem

# The one list of exceptions: words a teacher meets in daily life and may see on a page.
ALLOWED = frozenset(
    {
        "A4", "Ctrl", "Excel", "PDF", "Word", "WPS", "QQ", "App", "Markdown", "IT",
        "Enter", "Tab", "Esc", "Shift", "Alt", "Cmd", "OK", "VS", "Code", "YAML",
        "Asia/Shanghai", "Material", "MkDocs", "for",
    }
)  # fmt: skip

# What gives the machinery away, most telling first.
PATTERNS = (
    (
        "文件路径",
        re.compile(
            r"(?<![\w/])(?:forms|semesters|people|schemas|records|docs|generator|site)/[\w./{}<>-]*"
            r"|\b[\w-]+\.(?:ya?ml|md|py|json|txt|sh)\b"
        ),
    ),
    (
        "命令",
        re.compile(r"(?<![\w-])(?:daoshi|git|mkdocs|python3?|pip|bash|sudo)\s+[a-z-]{2,}"),
    ),
    (
        "字段代号",
        re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\s*:\s*(?:true|false)\b"),
    ),
    ("英文界面文字", re.compile(r"[A-Za-z][A-Za-z'/]{1,}(?:[ -][A-Za-z][A-Za-z'/]*)*")),
)

# Elements whose text is not ours to word: what teachers wrote, file diffs, commit names,
# scripts and styles (the allowed exceptions, with ALLOWED).
_SKIP_TAGS = frozenset({"script", "style", "svg", "template"})
_SKIP_CLASSES = frozenset(
    {
        "daoshi-body",  # a record's text, as its teacher wrote it
        "daoshi-facts",  # a record's fields, as its teacher wrote them
        "daoshi-stages",  # a help plan's stages, as its teacher wrote them
        "daoshi-diff",  # a file's lines before and after a change (history pages)
        "daoshi-changes",
        "daoshi-message",  # a commit message, as its author wrote it
        "daoshi-commit",  # a commit or tag name: what a reviewer looks up in the repository
        "daoshi-user",  # any other value people wrote (a student's profile …)
        "daoshi-aka",  # a student's name as searched for (given name, ID): the name itself
    }
)
_VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area"})


class _Text(HTMLParser):
    """The visible text of a page with the line and column where each run starts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: whether it is skipped
        self.runs: list[tuple[int, int, str]] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.in_body = True
        if tag in _VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skipped = tag in _SKIP_TAGS or bool(classes & _SKIP_CLASSES)
        self.stack.append(skipped or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_body and not (self.stack and self.stack[-1]) and data.strip():
            line, col = self.getpos()
            self.runs.append((line, col + 1, data))


def visible_text(html: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each run of text a person sees, ours to word."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.runs


def own_names(names: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the names that could look like machinery (those with a Latin letter,
    a slash or a dot; usually none), to be masked before a page is scanned."""
    risky = sorted({n for n in names if re.search(r"[A-Za-z/.]", n)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, risky))) if risky else None


def findings(
    html: str, names: re.Pattern[str] | None = None
) -> Iterator[tuple[int, int, str, str]]:
    """(line, column, what, text) for each internal string on the page."""
    for line, col, text in visible_text(html):
        if names is not None:  # the same length: the columns stay right
            text = names.sub(lambda m: " " * len(m.group(0)), text)
        for what, pattern in PATTERNS:
            hit = _first(pattern, what, text)
            if hit is not None:
                before = text[: hit.start()]
                at_line = line + before.count("\n")
                at_col = len(before) - before.rfind("\n") if "\n" in before else col + len(before)
                yield at_line, at_col, what, hit.group(0).strip()
                break  # one finding a run of text is enough to act on


def _first(pattern: re.Pattern[str], what: str, text: str) -> re.Match[str] | None:
    for m in pattern.finditer(text):
        found = m.group(0).strip()
        if what == "英文界面文字":
            if all(w in ALLOWED or len(w) < 2 for w in re.split(r"[ -]", found)):
                continue
        elif found in ALLOWED:
            continue
        return m
    return None


def page_problems(path: str, html: str, names: re.Pattern[str] | None = None) -> list[Problem]:
    """P901 for every internal string on a built page (``path`` as the site names it);
    ``names`` (from ``own_names``) are masked first."""
    return [
        problem(Location(path, line, col), "P901", what=what, text=text[:40])
        for line, col, what, text in findings(html, names)
    ]
