"""Read record files safely into located value trees.

The fast path is libyaml's composer (``yaml.CSafeLoader``): it builds nodes with line and
column marks and no Python objects, which measured faster than ``yaml.load`` itself. We
type the scalars ourselves by YAML 1.2 rules and turn the YAML 1.1 surprises (``no``,
``0123``) into located problems instead of guessing. Round-trip editing, where comments
must survive, uses ruamel.yaml elsewhere (``daoshi.write.newrecord``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.decoding import CONTROL, control_characters, decode, position

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 12
_PLAIN, _QUOTED, _MAP, _SEQ = "plain", "quoted", "map", "seq"


@dataclass(slots=True)
class Node:
    """A YAML value with where it was written (1-based line and column).

    ``value`` is a scalar (str, int, float, bool or None), a ``list[Node]`` or a
    ``dict[str, Node]``. ``raw`` is a scalar's source text. ``bad`` marks a value that
    already has a problem, so later checks do not report it twice.
    """

    value: Any
    line: int
    col: int
    key_line: int = 0
    key_col: int = 0
    raw: str | None = None
    bad: bool = False


@dataclass(slots=True)
class SourceFile:
    """One parsed file: its front matter (or whole YAML) and, for records, the body."""

    path: str
    data: Node | None
    body: str | None = None
    body_line: int = 0
    problems: list[Problem] = field(default_factory=list)


class _Loader(yaml.CSafeLoader):
    """libyaml composer whose resolver only says how a scalar was written."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED
        return _MAP if kind is yaml.MappingNode else _SEQ


_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_INT_OTHER = re.compile(r"0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf")}
_YAML11_NUMBER = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?\Z|[-+]?[0-9]+(?::[0-5]?[0-9])+")
_NUMERIC_START = frozenset("0123456789+-.")


def plain_scalar(text: str) -> tuple[Any, bool]:
    """Type a plain scalar by YAML 1.2 core rules; the flag says it is a YAML 1.1 trap."""
    if text in _NULLS:
        return None, False
    if text in _TRUE:
        return True, False
    if text in _FALSE:
        return False, False
    if text.lower() in _YAML11_BOOLS:
        return text, True
    if text[0] not in _NUMERIC_START or ("-" in text[1:] and "e" not in text and "E" not in text):
        return text, False  # most values: IDs, words, dates (a "-" past the sign is no number)
    if _INT.match(text):
        return int(text), False
    if _INT_OTHER.match(text):  # 0x1F is a number in both YAML versions, 0o17 only in 1.2
        return (text, True) if text.startswith("0o") else (int(text, 16), False)
    if _LEADING_ZERO.match(text):
        return text, True
    if _FLOAT.match(text):  # 1e3 without a dot is text in YAML 1.1
        if "." not in text and ("e" in text or "E" in text):
            return text, True
        return float(text), False
    if text.lower() in _SPECIAL_FLOAT:
        return _SPECIAL_FLOAT[text.lower()], False
    if _YAML11_NUMBER.match(text):
        return text, True
    return text, False


class _Builder:
    """Turns libyaml nodes into ``Node`` trees, collecting problems on the way.

    This is the hot loop of a cold validation, so marks are read inline.
    """

    def __init__(self, path: str, line_offset: int, text: str = "") -> None:
        self.path = path
        self.base = 1 + line_offset
        self.text = text
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.anchors = False

    def find_anchors(self, text: str) -> None:
        """Report every anchor (&a) and alias (*a); only texts that contain & or * pay for it."""
        if "&" not in text and "*" not in text:
            return
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                self.anchors = True
                self.report(event.start_mark, "F012")

    def report(self, mark: Any, code: str, **args: Any) -> None:
        where = Location(self.path, mark.line + self.base, mark.column + 1)
        self.problems.append(problem(where, code, **args))

    def build(self, ynode: Any, depth: int = 0) -> Node:
        mark = ynode.start_mark
        line, col = mark.line + self.base, mark.column + 1
        if depth > MAX_DEPTH:
            self.report(mark, "F017", depth=MAX_DEPTH)
            return Node(None, line, col, bad=True)
        if self.anchors:
            if id(ynode) in self.seen:  # an alias: reported where it was written, not expanded
                return Node(None, line, col, bad=True)
            self.seen.add(id(ynode))
        tag = ynode.tag
        if tag is _PLAIN:
            raw = ynode.value
            value, trap = plain_scalar(raw)
            if trap:
                self.report(mark, "F014", text=raw)
            node = Node(value, line, col, raw=raw, bad=trap)
        elif tag is _QUOTED:
            bad = ynode.style == '"' and _ESCAPED_BAD.search(ynode.value) is not None
            if bad:
                self.bad_escapes(ynode.start_mark.index, ynode.end_mark.index)
            node = Node(ynode.value, line, col, raw=ynode.value, bad=bad)
        elif tag is _MAP or tag is _SEQ:
            if tag is _SEQ:
                items = [self.build(item, depth + 1) for item in ynode.value]
                node = Node(items, line, col)
            else:
                node = Node(self.mapping(ynode, depth), line, col)
        else:
            self.report(mark, "F011", tag=tag)
            return Node(None, line, col, bad=True)
        return node

    def bad_escapes(self, start: int, end: int) -> None:
        """F021 at each escape of a double-quoted scalar that writes an invisible or invalid
        character (``\\e``, ``\\a``, ``\\x1b``, ``\\u202e``, a lone ``\\ud800`` …)."""
        text = self.text
        for m in _ESCAPE.finditer(text, start, end):
            if _escaped_backslash(text, m.start()):
                continue
            char = _unescape(m.group())
            if char is not None and _ESCAPED_BAD.match(char):
                at = position(text, m.start(), self.path)
                where = Location(self.path, at.line + self.base - 1, at.col)
                self.problems.append(
                    problem(where, "F021", escape=m.group(), char=f"U+{ord(char):04X}")
                )

    def mapping(self, ynode: Any, depth: int) -> dict[str, Node]:
        result: dict[str, Node] = {}
        base = self.base
        for knode, vnode in ynode.value:
            kmark = knode.start_mark
            if knode.tag is not _PLAIN and knode.tag is not _QUOTED:
                self.report(kmark, "R111")
                continue
            key = knode.value
            if key in result:
                self.report(kmark, "F013", key=key, line=result[key].key_line)
                continue
            child = self.build(vnode, depth + 1)
            child.key_line = kmark.line + base
            child.key_col = kmark.column + 1
            result[key] = child
        return result


def parse_yaml(text: str, path: str, line_offset: int = 0) -> tuple[Node | None, list[Problem]]:
    """Parse one YAML document into a located ``Node`` tree; never raises on bad input."""
    builder = _Builder(path, line_offset, text)
    deep = _too_deep(text)
    if deep is not None:  # before libyaml: older builds crash (segfault) on deep nesting
        where = position(text, deep, path)
        where = Location(path, where.line + line_offset, where.col)
        return None, [problem(where, "F017", depth=MAX_NESTING)]
    try:
        builder.find_anchors(text)
        ynode = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.problem == _BAD_ESCAPE and exc.context_mark is not None and mark is not None:
            line_end = text.find("\n", mark.index)
            builder.bad_escapes(exc.context_mark.index, len(text) if line_end < 0 else line_end)
            if builder.problems:
                return None, builder.problems
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        loc = Location(path, 1 + line_offset, 1)
        if mark is not None:
            loc = Location(path, mark.line + builder.base, mark.column + 1)
        return None, [*builder.problems, problem(loc, "F010", detail=detail)]
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        return None, [problem(Location(path, 1 + line_offset, 1), "F010", detail=str(exc))]
    if ynode is None:
        return None, []
    return builder.build(ynode), builder.problems


MAX_NESTING = 1000  # far past any form (MAX_DEPTH); libyaml 0.2.5 overflows its stack near 10^5
_FLOW = re.compile(r"[\[\]{}]")
_COMPACT = re.compile(rf"^ *(?:[-?] +){{{MAX_NESTING}}}", re.MULTILINE)
_BAD_ESCAPE = "found invalid Unicode character escape code"
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0abtvfreN_LP])")
# what an escape may not write: what CONTROL blanks in the text, and lone surrogates
_ESCAPED_BAD = re.compile(CONTROL.pattern[:-1] + "\ud800-\udfff]")
_SHORT_ESCAPES = {
    "0": "\x00", "a": "\x07", "b": "\x08", "t": "\t", "v": "\x0b", "f": "\x0c",
    "r": "\r", "e": "\x1b", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}  # fmt: skip


def _unescape(escape: str) -> str | None:
    """The character a YAML double-quoted escape stands for (None: not one character)."""
    if escape[1] in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[escape[1]]
    code = int(escape[2:], 16)
    return chr(code) if code <= 0x10FFFF else None


def _escaped_backslash(text: str, index: int) -> bool:
    """Whether the backslash at ``index`` is itself escaped (an odd run of them before it)."""
    run = 0
    while index > run and text[index - run - 1] == "\\":
        run += 1
    return run % 2 == 1


def _too_deep(text: str) -> int | None:
    """Where the nesting passes ``MAX_NESTING`` levels: flow brackets (``[[[…``) or compact
    block indicators on one line (``- - - …``); None when it cannot. Plain counting first,
    so ordinary files pay two ``str.count`` calls."""
    if text.count("[") + text.count("{") > MAX_NESTING:
        depth = 0
        for m in _FLOW.finditer(text):
            depth = depth + 1 if m.group() in "[{" else max(depth - 1, 0)
            if depth > MAX_NESTING:
                return m.start()
    if text.count("-") + text.count("?") > MAX_NESTING:
        found = _COMPACT.search(text)
        if found is not None:
            return found.start()
    return None


def _tabs(text: str, path: str, line_offset: int) -> list[Problem]:
    found = []
    for number, line in enumerate(text.split("\n"), start=1 + line_offset):
        if "\t" in line:
            found.append(problem(Location(path, number, line.index("\t") + 1), "F005"))
    return found


_CLOSING = re.compile(r"^(?:---|\.\.\.)$", re.MULTILINE)


def split_front_matter(text: str, path: str) -> tuple[str | None, str, int, list[Problem]]:
    """Split ``---`` front matter from the Markdown body.

    Returns (yaml text, body, first body line, problems); the YAML starts on line 2. A
    front matter closed by ``...`` (YAML's end of document) is reported there (F020) and
    read as if closed by ``---``, so the rest of the file is checked too.
    """
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return None, text, 1, [problem(Location(path), "F008")]
    closing = _CLOSING.search(text, 4) if len(text) > 3 else None
    if closing is None:
        return None, "", 0, [problem(Location(path), "F009")]
    problems = []
    if closing.group() == "...":
        problems.append(problem(position(text, closing.start(), path), "F020"))
    front = text[4 : closing.start()]
    body_start = min(closing.end() + 1, len(text))
    body_line = text.count("\n", 0, body_start) + 1
    return front, text[body_start:], body_line, problems


def parse_text(text: str, path: str, markdown: bool) -> SourceFile:
    """Parse decoded text: a record (front matter + body) or a plain YAML file.

    An empty front matter (or a file of comments only) is an empty mapping, so the form
    check names every missing field.
    """
    body: str | None = None
    body_line = 0
    offset = 0
    problems: list[Problem] = []
    if CONTROL.search(text):
        text = control_characters(text, path, problems)
    yaml_text: str | None = text
    if markdown:
        yaml_text, body, body_line, split_problems = split_front_matter(text, path)
        problems.extend(split_problems)
        offset = 1
    if yaml_text is None:
        return SourceFile(path, None, body, body_line, problems)
    problems.extend(_tabs(yaml_text, path, offset))
    data, yaml_problems = parse_yaml(yaml_text, path, offset)
    problems.extend(yaml_problems)
    if data is not None and not isinstance(data.value, dict):
        problems.append(problem(Location(path, data.line, data.col), "F015"))
        data = None
    elif data is None and not yaml_problems:
        data = Node({}, 1 + offset, 1)
    return SourceFile(path, data, body, body_line, problems)


def parse_bytes(raw: bytes, path: str, markdown: bool) -> SourceFile:
    """Parse a file's bytes; every problem is located, nothing raises."""
    if len(raw) > MAX_BYTES:
        return SourceFile(
            path, None, problems=[problem(Location(path), "F007", size=len(raw), limit=MAX_BYTES)]
        )
    text, problems = decode(raw, path)
    if text is None:
        return SourceFile(path, None, problems=problems)
    parsed = parse_text(text, path, markdown)
    parsed.problems[:0] = problems
    return parsed
