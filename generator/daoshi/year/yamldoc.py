"""Round-trip YAML for the files the school-year commands edit: comments, order and
unchanged lines stay as they were (ruamel.yaml), new documents carry their schema hint.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

_UNSAFE_START = frozenset("-?:,[]{}#&*!|>'\"%@`0123456789+. ")
_UNSAFE_INSIDE = re.compile(r": |\s#|[,\[\]{}\n\t\r\\]|:$|\s$")
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"})


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    yaml.representer.ignore_aliases = lambda data: True  # the records forbid anchors (F012)
    return yaml


def load_yaml(path: Path) -> Any:
    """A records file as ruamel round-trip data (comments kept)."""
    return _yaml().load(path.read_text("utf-8"))


def dump_yaml(data: Any) -> str:
    """Round-trip data as text, the way the records are written (LF, 2-space indent)."""
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def text_value(value: str) -> str:
    """A string that YAML 1.1 and 1.2 readers both read back as the same text."""
    if (
        value
        and value[0] not in _UNSAFE_START
        and value.lower() not in _RESERVED
        and not _UNSAFE_INSIDE.search(value)
    ):
        return value
    quoted: str = DoubleQuotedScalarString(value)
    return quoted


def flow_list(values: Sequence[str]) -> CommentedSeq:
    """A short list of scalars written ``[a, b]``."""
    seq = CommentedSeq(text_value(v) for v in values)
    seq.fa.set_flow_style()
    return seq


def new_document(schema: str, depth: int, comment: str | None = None) -> CommentedMap:
    """An empty top-level mapping with the editor's schema hint as the first comment."""
    doc = CommentedMap()
    lines = [f"yaml-language-server: $schema={'../' * depth}schemas/{schema}.schema.json"]
    if comment:
        lines.append(comment)
    doc.yaml_set_start_comment("\n".join(lines))
    return doc


def yaml_scalar(value: object) -> str:
    """One scalar as the records write it: plain when safe, else double-quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | int):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    text = str(value)
    quoted = text_value(text)
    return text if quoted is text else json.dumps(text, ensure_ascii=False)
