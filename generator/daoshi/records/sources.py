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

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.base = 1 + line_offset
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
            node = Node(ynode.value, line, col, raw=ynode.value)
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
    builder = _Builder(path, line_offset)
    try:
        builder.find_anchors(text)
        ynode = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
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


def _utf8_error(raw: bytes, exc: UnicodeDecodeError) -> Location:
    before = raw[: exc.start]
    line = before.count(b"\n") + 1
    col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
    return Location("", line, col)


def decode(raw: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """Bytes to text, reporting BOM, bad UTF-8, CRLF and empty files."""
    problems: list[Problem] = []
    bom = 0
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(problem(Location(path), "F003"))
        raw, bom = raw[3:], 3
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = _utf8_error(raw, exc)
        problems.append(
            problem(Location(path, where.line, where.col), "F002", byte=exc.start + bom + 1)
        )
        return None, problems
    if "\r" in text:
        problems.append(problem(_position(text, text.index("\r"), path), "F004"))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        problems.append(problem(Location(path), "F006"))
        return None, problems
    return text, problems


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _position(text: str, index: int, path: str) -> Location:
    """The 1-based line and column of a character, counting only LF as a line break."""
    line = text.count("\n", 0, index) + 1
    return Location(path, line, index - text.rfind("\n", 0, index))


def _control_characters(text: str, path: str, problems: list[Problem]) -> str:
    """Report invisible control characters and Unicode line separators, then blank them.

    libyaml would count U+2028 and U+0085 as line breaks (shifting every later line number)
    and stops at a NUL without a position; editors show neither.
    """
    for m in _CONTROL.finditer(text):
        char = f"U+{ord(m.group()):04X}"
        problems.append(problem(_position(text, m.start(), path), "F018", char=char))
    return _CONTROL.sub("", text)


def _tabs(text: str, path: str, line_offset: int) -> list[Problem]:
    found = []
    for number, line in enumerate(text.split("\n"), start=1 + line_offset):
        if "\t" in line:
            found.append(problem(Location(path, number, line.index("\t") + 1), "F005"))
    return found


def split_front_matter(text: str, path: str) -> tuple[str | None, str, int, list[Problem]]:
    """Split ``---`` front matter from the Markdown body.

    Returns (yaml text, body, first body line, problems); the YAML starts on line 2.
    """
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return None, text, 1, [problem(Location(path), "F008")]
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            return None, "", 0, [problem(Location(path), "F009")]
    front = text[4 : end + 1]
    body_start = end + 5
    body_line = text.count("\n", 0, body_start) + 1
    return front, text[body_start:], body_line, []


def parse_text(text: str, path: str, markdown: bool) -> SourceFile:
    """Parse decoded text: a record (front matter + body) or a plain YAML file."""
    body: str | None = None
    body_line = 0
    offset = 0
    problems: list[Problem] = []
    if _CONTROL.search(text):
        text = _control_characters(text, path, problems)
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
        problems.append(problem(Location(path, 1 + offset, 1), "F015"))
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
