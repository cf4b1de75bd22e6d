"""What changed in a record between two versions: per field, never raw diff text.

A change is (field, label, old, new, sensitivity level from the record's form), so each
audience's build can leave out what it may not see; a list's level is the highest of its
nested fields.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from daoshi.records.forms import FieldForm, Forms, KindForm, plain
from daoshi.records.sources import parse_bytes

BODY = "正文"


CHANGE_LABELS = {"A": "新增", "M": "修改", "R": "改名", "D": "删除"}


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a record changed by a version; ``old``/``new`` as display text."""

    field: str  # the form's field name, or "正文" for the body
    label: str
    old: str | None
    new: str | None
    level: str  # the field's sensitivity level in the record's form


@dataclass(frozen=True)
class Content:
    """A record version's front matter (plain values) and body."""

    fields: Mapping[str, Any]
    body: str


def parse_content(raw: bytes | None, path: str) -> Content:
    """A version's content; a front matter that does not parse is kept as text under "头部"."""
    if raw is None:
        return Content({}, "")
    parsed = parse_bytes(raw, path, markdown=True)
    data = plain(parsed.data)
    if isinstance(data, dict):
        return Content(data, parsed.body or "")
    text = raw.decode("utf-8", "replace")
    return Content({"头部": text.split("\n---\n", 1)[0]}, parsed.body or "")


def display(value: Any, form: Any = None) -> str:
    """A field value as text: enum labels, dates as YYYY-MM-DD, lists joined with 、."""
    if value is None:
        return ""
    values = getattr(form, "values", None) or {}
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str | int | float | dt.date):
        label = values.get(value) if isinstance(value, str) else None
        return label.zh if label is not None else str(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        items = getattr(form, "items", None)
        return "、".join(display(v, items) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _highest(spec: FieldForm, forms: Forms) -> str:
    """A field's level, raised to the most sensitive of its nested fields: a changed list of
    help-plan stages is shown whole, so it is as sensitive as its most sensitive part."""
    levels = [spec.sensitivity]
    if spec.items is not None:
        levels.append(_highest(spec.items, forms))
    levels += [_highest(f, forms) for f in spec.fields.values()]
    return max(levels, key=forms.level_rank)


def diff_contents(old: Content, new: Content, form: KindForm | None, forms: Forms) -> list[Change]:
    """The fields that differ, in the form's order, then the body."""
    top = forms.levels[-1].id if forms.levels else "confidential"
    order = list(form.fields) if form else []
    names = order + sorted((old.fields.keys() | new.fields.keys()) - set(order))
    changes = []
    for name in names:
        a, b = old.fields.get(name), new.fields.get(name)
        if a == b:
            continue
        spec = form.fields.get(name) if form else None
        level = _highest(spec, forms) if spec else (form.sensitivity if form else top)
        label = spec.label.zh if spec else name
        changes.append(
            Change(
                name,
                label,
                display(a, spec) if name in old.fields else None,
                display(b, spec) if name in new.fields else None,
                level,
            )
        )
    if old.body != new.body:
        level = form.body.sensitivity if form else top
        changes.append(Change(BODY, BODY, old.body, new.body, level))
    return changes
