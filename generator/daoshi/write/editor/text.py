"""The editor's text side: form values ⇄ a record file, laid out as ``daoshi new`` does.

A new record is written by ``newrecord.render`` (modeline, a Chinese comment above each
field, body); an existing one is edited through ruamel's round-trip loader, so comments,
key order and everything the editor does not show stay as the teacher left them.
Pure functions of text and forms: no git, no filesystem.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from daoshi.records.forms import FieldForm, KindForm
from daoshi.write.newrecord import render

BASE_FIELDS = frozenset({"kind", "mentor", "student", "participants", "date"})
# what a teacher types between list items in a one-line list
_LIST_SPLIT = re.compile(r"[\n,，、;；]+")
_FRONT = re.compile(r"\A---\r?\n(?P<front>.*?\n)---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z", re.S)

Raw = str | list[str]


class FieldError(ValueError):
    """A value the editor cannot turn into YAML (message in Chinese)."""


@dataclass(frozen=True)
class Widget:
    """How a form field is shown: which input, its choices, its limits."""

    field: FieldForm
    input: str  # text, textarea, number, date, select, checks, yaml, boolean, ref
    choices: tuple[tuple[str, str], ...] = ()


def widget(field: FieldForm) -> Widget:
    """The input for a field type (enumerations become selects, enum lists checkboxes)."""
    t = field.type
    if t == "enum":
        return Widget(field, "select", tuple((k, v.zh) for k, v in field.values.items()))
    if t == "list" and field.items is not None:
        if field.items.type == "enum":
            choices = tuple((k, v.zh) for k, v in field.items.values.items())
            return Widget(field, "checks", choices)
        if field.items.type == "object":
            return Widget(field, "yaml")
        return Widget(field, "list")
    if t in ("object", "mapping"):
        return Widget(field, "yaml")
    return Widget(
        field,
        {"text": "textarea", "integer": "number", "number": "number", "date": "date"}.get(
            t, "boolean" if t == "boolean" else "text"
        ),
    )


def kind_widgets(form: KindForm) -> list[Widget]:
    """The kind's own fields (the base fields are shown by the editor itself)."""
    return [widget(f) for name, f in form.fields.items() if name not in BASE_FIELDS]


def _yaml() -> YAML:
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 200
    return yaml


def typed(field: FieldForm, raw: Raw) -> Any:
    """The YAML value for what was typed; ``None`` when empty. Raises ``FieldError``."""
    if isinstance(raw, list):
        items = [x.strip() for x in raw if x.strip()]
    else:
        text = raw.replace("\r\n", "\n")
        if not text.strip():
            return None
        items = []
    t = field.type
    if widget(field).input == "yaml":
        try:
            value = _yaml().load(text) if not isinstance(raw, list) else None
        except YAMLError as exc:
            raise FieldError(f"不是有效的 YAML：{str(exc).splitlines()[0]}") from None
        return value
    if t == "list":
        if not isinstance(raw, list):
            items = [x.strip() for x in _LIST_SPLIT.split(text) if x.strip()]
        if not items:
            return None
        seq = CommentedSeq([typed(field.items, x) if field.items is not None else x for x in items])
        seq.fa.set_flow_style()
        return seq
    value = items[0] if isinstance(raw, list) and items else (raw if isinstance(raw, str) else "")
    value = value.strip() if t != "text" else value.strip("\n")
    if not value.strip():
        return None
    if t == "integer" and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if t == "number" and re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    if t == "boolean":
        return {"true": True, "false": False}.get(value, value)
    if t == "date":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise FieldError("日期应写成 2025-10-12 的形式") from None
    if t == "text" and "\n" in value:
        return LiteralScalarString(value.rstrip() + "\n")
    return value


def raw_of(field: FieldForm, value: Any) -> Raw:
    """What the form shows for a value read from a file."""
    if value is None:
        return [] if widget(field).input == "checks" else ""
    w = widget(field).input
    if w == "checks":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if w == "yaml":
        stream = io.StringIO()
        _yaml().dump(value, stream)
        return stream.getvalue()
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).rstrip("\n") if field.type == "text" else str(value)


def clean_body(body: str) -> str:
    """Unix newlines and no trailing blank lines (the writer adds the final newline)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return text


def fill(form: KindForm, raw: Mapping[str, Raw]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values for the kind's own fields, and the fields that could not be read."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for w in kind_widgets(form):
        name = w.field.name
        try:
            value = typed(w.field, raw.get(name, ""))
        except FieldError as exc:
            errors[name] = str(exc)
            continue
        if value is not None:
            values[name] = value
    return values, errors


def new_text(
    form: KindForm, base: Mapping[str, Any], values: Mapping[str, Any], depth: int, body: str
) -> str:
    """A new record's file: exactly ``daoshi new``'s layout, with the teacher's values."""
    return render(form, {**base, **values}, depth, clean_body(body))


def split(text: str) -> tuple[str, str]:
    """Front matter (without the ``---`` lines) and body; ``("", text)`` without front matter.

    A file as Windows editors write it (a BOM, CRLF or CR line ends) is read as validation
    reads it (daoshi.records.decoding): saving it writes UTF-8 with LF."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT.match(text)
    if match is None:
        return "", text
    return match["front"], match["body"]


def read(form: KindForm, text: str) -> tuple[dict[str, Raw], str]:
    """The form values and body of an existing record."""
    front, body = split(text)
    data = _yaml().load(front) if front.strip() else None
    raw: dict[str, Raw] = {}
    mapping = data if isinstance(data, dict) else {}
    for w in kind_widgets(form):
        raw[w.field.name] = raw_of(w.field, mapping.get(w.field.name))
    return raw, body.strip("\n")


def edited_text(form: KindForm, old: str, values: Mapping[str, Any], body: str) -> str:
    """An existing record with new values and body; comments and order kept (round trip)."""
    front, _ = split(old)
    yaml = _yaml()
    data = yaml.load(front)
    if not isinstance(data, CommentedMap):
        raise FieldError("原文件的头部不是 YAML 映射，请用文本编辑器修改")
    for w in kind_widgets(form):
        name = w.field.name
        value = values.get(name)
        if name in data or value is not None:
            data[name] = value
    stream = io.StringIO()
    yaml.dump(data, stream)
    out = re.sub(r"^([^\s#][^:\n]*): null$", r"\1:", stream.getvalue(), flags=re.M)
    return f"---\n{out}---\n{clean_body(body)}\n"


def teachers_words(form: KindForm, message: str) -> str:
    """A validator message as a teacher reads it: each field code and choice code of the
    form named by its label (``minutes`` → “时长（分钟）”), no problem code."""
    names: dict[str, str] = {}
    for name, f in form.fields.items():
        names[name] = f.label.zh
        values = f.values or (f.items.values if f.items is not None else {})
        for code, label in values.items():
            names.setdefault(code, label.zh)
    if not names:
        return message
    words = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, words)) + r")(?![\w-])")
    return pattern.sub(lambda m: f"“{names[m[1]]}”", message).replace("`", "")


def record_content(text: str) -> list[str]:
    """A record's lines without comments and blank lines: what it says, not how."""
    return [
        line.rstrip()
        for line in text.replace("\r\n", "\n").split("\n")
        if line.strip() and not line.lstrip().startswith("#")
    ]
