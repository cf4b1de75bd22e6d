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

import bisect
import html
import re
from collections.abc import Iterable, Iterator

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


# One token of markup: a comment, an end tag, a start tag (quoted attribute values may hold
# ">"), a doctype or processing instruction. The text between two tokens is the page's text.
_MARKUP = re.compile(
    r"<(?:"
    r"!--.*?(?:--!?>|\Z)"
    r"|/([a-zA-Z][^\t\n\r\f />]*)[^>]*>"
    r"|([a-zA-Z][^\t\n\r\f />]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>"
    r"|[!?][^>]*>"
    r")",
    re.DOTALL,
)
_CLASS = re.compile(r"""(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I)
_SAME: dict[str, re.Pattern[str]] = {}  # per element name: its start and end tags
_RAW_END = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I)}


def visible_text(page: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each run of text a person sees, ours to word.

    A tokenizer of one regular expression rather than ``html.parser``: the pages are the
    builder's own well-formed HTML, and the check reads every page of every build (with
    ``html.parser`` it took a third of a leaders' build). A skipped element is passed
    whole, with what it holds, so every text run met is visible."""
    runs: list[tuple[int, int, str]] = []
    in_body = False
    pos = counted = 0  # counted: where ``line`` was last brought up to
    line = 1
    size = len(page)
    while pos < size:
        m = _MARKUP.search(page, pos)
        start = size if m is None else m.start()
        if start > pos and in_body:
            text = page[pos:start]
            if "&" in text:
                text = html.unescape(text)
            if text.strip():
                line += page.count("\n", counted, pos)
                counted = pos
                runs.append((line, pos - page.rfind("\n", 0, pos), text))
        if m is None:
            break
        pos = m.end()
        opening = m.group(2)  # end tags, comments, doctypes: nothing to do
        if opening is not None:
            tag = opening.lower()
            attrs = m.group(3)
            if tag == "body":
                in_body = True
            if tag in _VOID or attrs.endswith("/"):
                continue
            if _skipped(tag, attrs):  # on past its end tag
                pos = _end_of(page, tag, pos)
    return runs


def _skipped(tag: str, attrs: str) -> bool:
    """Whether an element (its lower-case name, its start tag's attributes) holds text that
    is not ours to word: a script, style, icon or template, or one of ``_SKIP_CLASSES``."""
    if tag in _SKIP_TAGS:
        return True
    found = _CLASS.search(attrs)
    return found is not None and not _SKIP_CLASSES.isdisjoint(
        next(g for g in found.groups() if g is not None).split()
    )


def _end_of(page: str, tag: str, pos: int) -> int:
    """Where the element opened just before ``pos`` ends: after its end tag (a script's or
    style's text is not markup), elements of the same name inside counted; the page's end
    when it has none."""
    raw = _RAW_END.get(tag)
    if raw is not None:
        end = raw.search(page, pos)
        if end is None:
            return len(page)
        close = page.find(">", end.end())
        return len(page) if close < 0 else close + 1
    same = _SAME.get(tag)
    if same is None:
        same = _SAME[tag] = re.compile(rf"<(/?){re.escape(tag)}(?=[\s/>])[^>]*>", re.I)
    depth = 1
    for m in same.finditer(page, pos):
        if m.group(1):
            depth -= 1
            if not depth:
                return m.end()
        elif not m.group(0).endswith("/>"):
            depth += 1
    return len(page)


def own_names(names: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the names that could look like machinery (those with a Latin letter,
    a slash or a dot; usually none), to be masked before a page is scanned."""
    risky = sorted({n for n in names if re.search(r"[A-Za-z/.]", n)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, risky))) if risky else None


# The quick look (``_nothing_to_find``): text after a ">" up to the next tag, with a Latin
# letter in it (every pattern needs one); where a skipped element may start.
_LATIN_TEXT = re.compile(r">([^<]*?[A-Za-z][^<]*)")
_STRAY = re.compile(r"<(?![a-zA-Z/!?])")  # a "<" that opens nothing: text, read exactly
_SKIP_START = re.compile(
    r"<(?:script|style|svg|template)(?=[\s/>])|daoshi-(?:"
    + "|".join(sorted(c.removeprefix("daoshi-") for c in _SKIP_CLASSES))
    + ")"
)
_COMMENT = re.compile(r"<!--.*?(?:--!?>|\Z)", re.DOTALL)


def _nothing_to_find(page: str, names: re.Pattern[str] | None) -> bool:
    """True when no run of visible text can hold a finding, judged without tokenizing the
    page: every stretch of text between a ">" and the next tag that has a Latin letter,
    outside the skipped elements, passes the patterns. Those stretches hold every visible
    run (and maybe more, e.g. after a ">" inside an attribute value: a finding there sends
    the page to the exact reading). Most pages have no such text outside what teachers
    wrote, so most pages are done here."""
    body = page.find("<body")
    if body < 0 or page.find("<body", body + 1) >= 0 or _STRAY.search(page, body):
        return False
    comments = [(m.start(), m.end()) for m in _COMMENT.finditer(page, body)]
    skipped: list[tuple[int, int]] = []
    for m in _SKIP_START.finditer(page, body):
        at = m.start()
        if (skipped and at < skipped[-1][1]) or any(a <= at < b for a, b in comments):
            continue
        start = at if page.startswith("<", at) else page.rfind("<", body, at)
        tag = _MARKUP.match(page, start) if start >= 0 else None
        if tag is None or tag.group(2) is None or not start <= at < tag.end():
            continue  # a skipped class's name in text, not in a start tag
        name = tag.group(2).lower()
        if _skipped(name, tag.group(3)):
            skipped.append((start, _end_of(page, name, tag.end())))
    starts = [a for a, _ in skipped]
    for m in _LATIN_TEXT.finditer(page, body):
        at = m.start(1)
        n = bisect.bisect_right(starts, at) - 1
        if n >= 0 and at < skipped[n][1]:
            continue
        text = m.group(1)
        if "&" in text:
            text = html.unescape(text)
        if names is not None:
            text = names.sub(lambda n: " " * len(n.group(0)), text)
        if any(_first(pattern, what, text) is not None for what, pattern in PATTERNS):
            return False
    return True


def findings(
    html: str, names: re.Pattern[str] | None = None
) -> Iterator[tuple[int, int, str, str]]:
    """(line, column, what, text) for each internal string on the page."""
    if _nothing_to_find(html, names):
        return
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
