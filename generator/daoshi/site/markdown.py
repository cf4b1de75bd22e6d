"""Teacher-written Markdown → safe HTML.

:func:`render_markdown` is the ONLY place where text written by a teacher (the Markdown body of a
record, or any other free text from the records repository) becomes HTML. Everything else in the
generator must treat teacher text as plain text and let the templates escape it. Teacher text is
untrusted: a record can be written by anyone with commit rights to the records repository, and
the site it is rendered into is read by colleagues, school leaders and parents' liaisons.

The pipeline is:

1. Python-Markdown with a small, fixed set of extensions (tables, fenced code, definition lists,
   abbreviations, ``sane_lists``, ``nl2br``). Nothing that executes code, includes files or
   parses attribute lists (``attr_list``, and therefore ``extra``, is deliberately not enabled,
   so ``{: onclick=...}`` stays literal text). Headings are demoted by two levels (``#`` → h3,
   ``##`` → h4, …, capped at h6) because the page owns h1 and h2.
2. nh3 (the Rust ``ammonia`` sanitizer) with an allow-list: anything not listed is dropped.
   Raw HTML in the Markdown is allowed through Python-Markdown *only* so that nh3 can keep the
   harmless part (``<u>``, ``<del>``, ``<br>``…) and drop the rest.
3. ``{`` and ``}`` are written as character references, so that the output can never be read as
   Jinja (or any other ``{{ … }}`` / ``{% … %}``) template syntax, even if it were mistakenly
   pasted into a template source. Browsers show the braces unchanged.

Rendering is bounded. Python-Markdown's time grows with the square of some texts: its inline
patterns rescan the rest of a paragraph at every ``[`` (50,000 of them took minutes), its block
parser re-reads the rest of a block at every heading or definition, and deep nesting exhausts
the stack. :func:`markdown_work` estimates that cost from the text alone (one pass, no
parsing); a body past ``MAX_MARKDOWN_WORK`` is shown as written, as escaped plain text in
paragraphs, with a note. The limit is far above what a teacher writes (a 10,000-character
record with a hundred marks of formatting is about 1/4 of it), and within it the slowest
texts we know render in well under a second (bench/hostile.py).

The result is a :class:`markupsafe.Markup`, so Jinja templates insert it without escaping again.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import HtmlInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "MAX_MARKDOWN_WORK",
    "markdown_work",
    "render_markdown",
]

#: Tags that may appear in rendered teacher text. No img (records are text, and an image could
#: beacon out of the intranet), no iframe/object/embed/script/style/form/input/svg/math.
#: h1/h2 are absent: the page owns them (Markdown headings are demoted by two levels).
#: dl/dt/dd are what the ``def_list`` extension produces.
ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "del",
        "ins",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "code",
        "pre",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "a",
        "abbr",
    }
)

#: The only attributes kept. No style, class, id or event handler on anything. ``rel`` on links
#: is not taken from the input: nh3 sets it (see ``_LINK_REL``).
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href"}),
    "abbr": frozenset({"title"}),
}

#: URL schemes allowed in ``href``. Only absolute URLs with one of these schemes are kept:
#: a relative link in a record means nothing on the generated site (and ``\ufffdjavascript:…``
#: or ``java script:…`` are relative URLs to a browser), so ``href`` is removed from the rest.
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
_ABSOLUTE_URL = re.compile(
    r"(?:" + "|".join(sorted(ALLOWED_URL_SCHEMES)) + r"):[^\x00-\x20\x7f]", re.IGNORECASE
)

_LINK_REL = "noopener noreferrer nofollow"
# "*": nothing, or nh3 keeps its generic attributes (lang, title) on every tag.
_ATTRIBUTES: dict[str, frozenset[str]] = {"*": frozenset(), **ALLOWED_ATTRIBUTES}

#: Tags nh3 drops together with their content (it unwraps other disallowed tags: the tag goes,
#: the text stays). Defence in depth: raw HTML other than allowed inline tags never reaches nh3
#: as markup (see ``_Restrictions``).
_CLEAN_CONTENT_TAGS: frozenset[str] = frozenset(
    {
        "script",
        "style",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "noscript",
        "noembed",
        "noframes",
        "svg",
        "math",
        "head",
        "title",
    }
)

#: C0 control characters other than tab, newline and carriage return (and DEL). They never
#: belong in a record, and STX/ETX are Python-Markdown's own placeholder delimiters.
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: Raw HTML tags a teacher may type (``<u>``, ``<del>``, ``<br>``…): the inline part of the
#: allow-list. Attributes follow Python-Markdown's own ``HTML_RE``; nh3 still filters them.
_RAW_INLINE_TAGS = ("abbr", "a", "br", "b", "code", "del", "em", "ins", "i", "strong", "s", "u")
_RAW_TAG = (
    r"(</?+(?i:" + "|".join(_RAW_INLINE_TAGS) + r")(?=[\s/>])"
    r"""(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?>)"""
)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

_HEADING_SHIFT = 2
_HEADINGS = {f"h{n}": f"h{min(n + _HEADING_SHIFT, 6)}" for n in range(1, 7)}


class _DemoteHeadings(Treeprocessor):
    """Shift Markdown headings down two levels: ``#`` → h3, ``##`` → h4, capped at h6."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            demoted = _HEADINGS.get(element.tag)
            if demoted is not None:
                element.tag = demoted


class _DropComments(Preprocessor):
    """Remove HTML comments (``daoshi new`` writes its hint for the body as one).

    Runs after fenced code blocks are stashed, so a comment inside a fenced block stays.
    """

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "<!--" not in text:
            return lines
        return _COMMENT.sub("", text).split("\n")


class _Restrictions(Extension):
    """Raw HTML only for allowed inline tags; comments dropped; headings demoted.

    Python-Markdown passes any ``<word ...>`` through as raw HTML. Sanitizing that would silently
    delete text a teacher meant literally (``<Harry Potter>``, ``List<String>``, ``成绩<B等>``),
    so the raw-HTML block parser is removed and the inline one only recognises the inline tags
    of the allow-list. Any other ``<...>`` stays text and is escaped.
    """

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.preprocessors.register(_DropComments(md), "daoshi_drop_comments", 20)
        md.inlinePatterns.register(HtmlInlineProcessor(_RAW_TAG, md), "html", 90)
        md.treeprocessors.register(_DemoteHeadings(md), "daoshi_demote_headings", 5)


def _new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "def_list",
            "abbr",
            "sane_lists",
            "nl2br",
            _Restrictions(),
        ],
        output_format="html",
    )


class _Local(threading.local):
    """One Markdown instance per thread (a ``Markdown`` object is not thread-safe)."""

    def __init__(self) -> None:
        self.md = _new_markdown()


_local = _Local()


# nh3 before 0.3 accepts only (mutable) sets, not frozensets: private copies for it.
_NH3_TAGS = set(ALLOWED_TAGS)
_NH3_CLEAN_CONTENT_TAGS = set(_CLEAN_CONTENT_TAGS)
_NH3_ATTRIBUTES = {tag: set(names) for tag, names in _ATTRIBUTES.items()}
_NH3_URL_SCHEMES = set(ALLOWED_URL_SCHEMES)


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    """nh3's attribute filter: an ``href`` must be an absolute http, https or mailto URL."""
    if name == "href" and not _ABSOLUTE_URL.match(value):
        return None
    return value


#: See the module docstring: past this estimate a body is shown as plain text.
MAX_MARKDOWN_WORK = 4_000_000
#: Characters that start an inline pattern (links, emphasis, code, raw HTML, entities,
#: escapes, table cells): each one costs a scan of the rest of its paragraph.
_MARKS = "[]!*_`<>&\\|"
_BLOCKS = re.compile(r"\n[ \t]*\n")
_ABBREVIATION = re.compile(r"^[ ]{0,3}\*\[", re.MULTILINE)
LITERAL_NOTE = "（这段正文的格式过于复杂，无法排版，下面按原文显示。）"


_PER_BLOCK = 400  # each block costs the parser more than its characters (measured)


def markdown_work(text: str) -> int:
    """An upper estimate of Python-Markdown's work on ``text``: for each block (paragraphs
    between blank lines) its length times its lines and marks, and a fixed cost; plus every
    abbreviation definition times the whole text (each one is a pattern tried everywhere)."""
    work = len(_ABBREVIATION.findall(text)) * len(text)
    for block in _BLOCKS.split(text):
        marks = sum(block.count(c) for c in _MARKS)
        work += len(block) * (1 + block.count("\n") + marks) + _PER_BLOCK
    return work


def _literal(text: str) -> Markup:
    """The text as written: escaped, its paragraphs and line breaks kept, and a note."""
    paragraphs = [p.strip("\n") for p in _BLOCKS.split(text) if p.strip()]
    html = "".join(
        "<p>" + "<br>\n".join(str(escape(line)) for line in p.split("\n")) + "</p>\n"
        for p in paragraphs
    )
    note = f"<p><em>{LITERAL_NOTE}</em></p>\n"
    return Markup((note + html).replace("{", "&#123;").replace("}", "&#125;"))


def render_markdown(text: str) -> Markup:
    """Render untrusted teacher-written Markdown as sanitized HTML.

    This is the only function that turns teacher text into HTML (see the module docstring for
    the pipeline). Empty or whitespace-only text gives an empty :class:`~markupsafe.Markup`;
    text past ``MAX_MARKDOWN_WORK`` (or nested past the parser's stack) is shown as plain
    text. The output is deterministic: the same text always gives the same string.
    """
    text = _CONTROL_CHARS.sub("", text)
    if not text.strip():
        return Markup("")
    if markdown_work(text) > MAX_MARKDOWN_WORK:
        return _literal(text)
    md = _local.md
    md.reset()
    try:
        html = md.convert(text)
    except RecursionError:  # nesting deeper than the stack: not a record a person wrote
        md.reset()
        return _literal(text)
    clean = nh3.clean(
        html,
        tags=_NH3_TAGS,
        clean_content_tags=_NH3_CLEAN_CONTENT_TAGS,
        attributes=_NH3_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        strip_comments=True,
        link_rel=_LINK_REL,
        url_schemes=_NH3_URL_SCHEMES,
    )
    # Braces as character references: the output can never be read as template syntax.
    return Markup(clean.replace("{", "&#123;").replace("}", "&#125;"))
