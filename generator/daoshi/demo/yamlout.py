"""A small, deterministic YAML writer for the demo school's files.

It writes the subset the records format uses, the way a person would type it: block
mappings, short lists of scalars in flow style (``[study, psych]``), lists of mappings as
``- key: value`` items, multi-line text as ``|`` block scalars, and strings plain unless
YAML 1.2 (or a YAML 1.1 reader) could take them for something else, in which case they are
double-quoted. ``None`` values are left out, so optional fields can be passed as ``None``.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
from typing import TypeAlias

YamlValue: TypeAlias = (
    "str | int | float | bool | datetime.date | list[YamlValue] | dict[str, YamlValue] | None"
)

_UNSAFE_START = frozenset("-?:,[]{}#&*!|>'\"%@`0123456789+. ")
_UNSAFE_INSIDE = re.compile(r": |\s#|[,\[\]{}\n\t\r\\]|:$|\s$")
_TERM_ID = re.compile(r"\d{4}-\d{4}-[12]\Z")  # 2025-2026-1: text in YAML 1.1 and 1.2 alike
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})


@functools.lru_cache(maxsize=1 << 16)
def _text(value: str) -> str:
    if _TERM_ID.match(value) or (
        value
        and value[0] not in _UNSAFE_START
        and value.lower() not in _RESERVED
        and not _UNSAFE_INSIDE.search(value)
    ):
        return value
    return json.dumps(value, ensure_ascii=False)


def scalar(value: str | int | float | bool | datetime.date) -> str:
    """One scalar as YAML text (strings quoted only when they must be)."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return value.isoformat()


def _flow(items: list[YamlValue]) -> str:
    parts = []
    for item in items:
        if isinstance(item, list | dict) or item is None:
            raise TypeError("flow lists hold scalars only")
        parts.append(scalar(item))
    return "[" + ", ".join(parts) + "]"


def _entry(prefix: str, key: str, value: YamlValue, indent: int, out: list[str]) -> None:
    if isinstance(value, str) and "\n" in value:
        out.append(f"{prefix}{key}: |")
        pad = " " * (indent + 2)
        out.extend(pad + line if line else "" for line in value.split("\n"))
    elif isinstance(value, dict):
        out.append(f"{prefix}{key}:")
        _mapping(value, indent + 2, out)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out.append(f"{prefix}{key}:")
        for item in value:
            assert isinstance(item, dict)
            _mapping(item, indent + 4, out, first=" " * (indent + 2) + "- ")
    elif isinstance(value, list):
        out.append(f"{prefix}{key}: {_flow(value)}")
    else:
        assert value is not None
        out.append(f"{prefix}{key}: {scalar(value)}")


def _mapping(
    mapping: dict[str, YamlValue], indent: int, out: list[str], first: str | None = None
) -> None:
    prefix = first
    for key, value in mapping.items():
        if value is None:
            continue
        _entry(prefix if prefix is not None else " " * indent, key, value, indent, out)
        prefix = None


def dump(mapping: dict[str, YamlValue], *comments: str) -> str:
    """A YAML document for ``mapping``, after a comment line for each of ``comments``."""
    out = [f"# {comment}" for comment in comments]
    _mapping(mapping, 0, out)
    return "\n".join(out) + "\n"


def modeline(schema: str, depth: int) -> str:
    """The editor hint naming the JSON Schema of a file ``depth`` folders below the root."""
    return f"yaml-language-server: $schema={'../' * depth}schemas/{schema}.schema.json"


def front_matter(mapping: dict[str, YamlValue], kind: str, body: str) -> str:
    """A record file (five folders down): ``---``, the schema hint, the fields, ``---``, body."""
    head = dump(mapping, modeline(kind, 5))
    text = body.strip()
    return f"---\n{head}---\n{text}\n" if text else f"---\n{head}---\n"
