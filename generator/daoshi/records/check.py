"""Check one parsed file against its form: pure, no filesystem, no other files.

The result (``Checked``) holds typed values, where each was written, the references to
other files (checked later, across files) and the problems found. It is what the cache
stores per file content.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.messages import describe, expected, language, limit_text, problem
from daoshi.records.forms import BodyForm, FieldForm, Forms, plain
from daoshi.records.sources import Node

INVALID = object()
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
MAX_ID_LENGTH = 64  # an ID is a folder of the site and of the journal: far below 255 bytes
# Names an ID may not take, though the pattern allows them: folders and files of the site
# (students/<ID>/, site/<audience>/), journal folders (journal/<teacher>/group/, self/), and
# Windows' device names, which no file or folder may have there.
RESERVED_IDS = frozenset(
    {"index", "search", "assets", "404", "sitemap", "group", "self", "leader", "history", "daoshi"}
)
_DEVICE = re.compile(r"(?i:con|prn|aux|nul|com[0-9]|lpt[0-9])\Z")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
Key = tuple[str | int, ...]


@dataclass(slots=True)
class Ref:
    """A reference to another file's entity, checked once everything is read."""

    target: str
    id: str
    line: int
    col: int
    key: Key


@dataclass(slots=True)
class Checked:
    """One file after its form check: typed data, locations, references, problems."""

    path: str
    role: str
    data: dict[str, Any] | None
    locs: dict[Key, tuple[int, int]] = field(default_factory=dict)
    refs: list[Ref] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    body: str | None = None
    body_line: int = 0
    kind: str | None = None

    def loc(self, *key: str | int) -> Location:
        """Where the value at ``key`` was written (the file's start if unknown)."""
        line, col = self.locs.get(key, (1, 1))
        return Location(self.path, line, col)


class FormChecker:
    """Converts a Node tree to typed values by a form, collecting problems."""

    def __init__(self, checked: Checked, forms: Forms) -> None:
        self.out = checked
        self.forms = forms

    def report(self, node: Node, code: str, **args: Any) -> None:
        self.out.problems.append(
            problem(Location(self.out.path, node.line, node.col), code, **args)
        )

    def mapping(
        self, node: Node, fields: Mapping[str, FieldForm], key: Key, form_label: str
    ) -> dict[str, Any]:
        """Check a mapping's keys and values; unknown and missing fields are reported."""
        result: dict[str, Any] = {}
        items: dict[str, Node] = node.value
        for name, child in items.items():
            spec = fields.get(name)
            if spec is None:
                self.out.problems.append(
                    problem(
                        Location(self.out.path, child.key_line, child.key_col),
                        "R101",
                        key=name,
                        form=form_label,
                    )
                )
                continue
            value = self.value(child, spec, (*key, name))
            if value is not INVALID and value is not None:
                result[name] = value
        for name, spec in fields.items():
            if (
                spec.required
                and (name not in items or items[name].value is None)
                and not (name in items and items[name].bad)
            ):
                where = items.get(name, node)
                self.report(where, "R102", label=str(spec.label), key=name)
        return result

    def value(self, node: Node, spec: FieldForm, key: Key) -> Any:
        """One value by its field form; returns INVALID after reporting a problem."""
        self.out.locs[key] = (node.line, node.col)
        if node.bad:
            return INVALID
        value = node.value
        if value is None:
            return None
        checker = _CHECKS[spec.type]
        return checker(self, node, spec, key)

    def wrong_type(self, node: Node, spec: FieldForm) -> object:
        self.report(
            node,
            "R103",
            label=str(spec.label),
            expected=expected(spec.type),
            actual=describe(node.value),
        )
        return INVALID

    def text(self, node: Node, spec: FieldForm, key: Key) -> Any:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return self.wrong_type(node, spec)
        text = value if isinstance(value, str) else str(node.raw)
        if spec.required and not text.strip():  # required means not blank: spaces are no theme
            self.report(node, "R102", label=str(spec.label), key=spec.name)
            return INVALID
        if spec.max_length is not None and len(text) > spec.max_length:
            self.report(
                node, "R107", label=str(spec.label), limit=limit_text("max_length", spec.max_length)
            )
            return INVALID
        if spec.pattern is not None and not re.search(spec.pattern, text):
            self.report(node, "R108", label=str(spec.label), pattern=spec.pattern)
            return INVALID
        return text

    def ident(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if not isinstance(node.value, str):
            return self.wrong_type(node, spec)
        pattern = spec.pattern or ID_PATTERN.pattern
        if not re.match(pattern, node.value):
            self.report(node, "R108", label=str(spec.label), pattern=pattern)
            return INVALID
        if spec.type == "id" and not self.usable_id(node, spec):
            return INVALID
        if spec.type == "ref":
            assert spec.to is not None
            self.out.refs.append(Ref(spec.to, node.value, node.line, node.col, key))
        return node.value

    def usable_id(self, node: Node, spec: FieldForm) -> bool:
        """An ID becomes a file or folder name: not too long, not a name taken already."""
        ident: str = node.value
        if len(ident) > MAX_ID_LENGTH:
            self.report(node, "R113", label=str(spec.label), length=len(ident), limit=MAX_ID_LENGTH)
            return False
        why = reserved_id(ident)
        if why:
            self.report(node, "R112", label=str(spec.label), value=ident, why=why)
            return False
        return True

    def kind(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if not isinstance(node.value, str) or node.value not in self.forms.kinds:
            self.report(node, "R110", kind=node.value, allowed=", ".join(sorted(self.forms.kinds)))
            return INVALID
        return node.value

    def number(self, node: Node, spec: FieldForm, key: Key) -> Any:
        value = node.value
        allowed = int if spec.type == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, allowed):
            return self.wrong_type(node, spec)
        return INVALID if self.out_of_bounds(node, spec, value, "min", "max") else value

    def out_of_bounds(
        self, node: Node, spec: FieldForm, measure: float, low: str, high: str
    ) -> bool:
        """Report R107 when ``measure`` is under the form's ``low`` or over its ``high``."""
        for bound, broken in (
            (low, getattr(spec, low) is not None and measure < getattr(spec, low)),
            (high, getattr(spec, high) is not None and measure > getattr(spec, high)),
        ):
            if broken:
                limit = limit_text(bound, getattr(spec, bound))
                self.report(node, "R107", label=str(spec.label), limit=limit)
                return True
        return False

    def boolean(self, node: Node, spec: FieldForm, key: Key) -> Any:
        return node.value if isinstance(node.value, bool) else self.wrong_type(node, spec)

    def date(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if node.raw is None:
            return self.wrong_type(node, spec)
        text = node.raw
        if not DATE_PATTERN.match(text):
            self.report(node, "R105", label=str(spec.label), value=text)
            return INVALID
        try:
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        except ValueError:
            self.report(node, "R106", label=str(spec.label), value=text)
            return INVALID

    def enum(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if node.raw is None:
            return self.wrong_type(node, spec)
        if not isinstance(node.value, str) or node.value not in spec.values:
            allowed = ", ".join(f"{v} ({label})" for v, label in spec.values.items())
            self.report(node, "R104", label=str(spec.label), value=node.raw, allowed=allowed)
            return INVALID
        return node.value

    def sequence(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if not isinstance(node.value, list):
            return self.wrong_type(node, spec)
        assert spec.items is not None
        items: list[Node] = node.value
        self.out_of_bounds(node, spec, len(items), "min_items", "max_items")
        values = [self.value(item, spec.items, (*key, i)) for i, item in enumerate(items)]
        return tuple(v for v in values if v is not INVALID and v is not None)

    def obj(self, node: Node, spec: FieldForm, key: Key) -> Any:
        if not isinstance(node.value, dict):
            return self.wrong_type(node, spec)
        return self.mapping(node, spec.fields, key, str(spec.label))

    def free(self, node: Node, spec: FieldForm, key: Key) -> Any:
        """A mapping whose keys the file names (``type: mapping``): its values are checked
        by the rules that read it, which find each key where it was written."""
        if not isinstance(node.value, dict):
            return self.wrong_type(node, spec)
        self.key_places(node, key)
        return plain(node)

    def key_places(self, node: Node, key: Key) -> None:
        for name, child in node.value.items():
            self.out.locs[(*key, name)] = (child.key_line, child.key_col)
            if isinstance(child.value, dict):
                self.key_places(child, (*key, name))


def reserved_id(ident: str) -> str:
    """Why an ID cannot be used (empty when it can): a device name or a name of the site."""
    en = language() == "en"
    if _DEVICE.match(ident):
        return "a Windows device name, not a file name" if en else "Windows 的设备名，不能作文件名"
    if ident.lower() in RESERVED_IDS:
        return "the site or the journal uses this name" if en else "网站或记录目录已用这个名字"
    return ""


_CHECKS = {
    "string": FormChecker.text,
    "text": FormChecker.text,
    "id": FormChecker.ident,
    "ref": FormChecker.ident,
    "kind": FormChecker.kind,
    "integer": FormChecker.number,
    "number": FormChecker.number,
    "boolean": FormChecker.boolean,
    "date": FormChecker.date,
    "enum": FormChecker.enum,
    "list": FormChecker.sequence,
    "object": FormChecker.obj,
    "mapping": FormChecker.free,
}


_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def check_body(checked: Checked, body: BodyForm) -> None:
    """A required body must have text; HTML comments (e.g. ``daoshi new``'s hint) do not count."""
    if body.required and not _HTML_COMMENT.sub("", checked.body or "").strip():
        line = checked.body_line or 1
        checked.problems.append(
            problem(Location(checked.path, line, 1), "R109", label=str(body.label))
        )
