"""Load the forms: record kinds, data-file forms, sensitivity levels and policy presets.

Forms are data (``forms/``), so a school adds a kind or a field by editing YAML. A records
repository may carry its own ``forms/`` folder; its files replace daoshi's of the same name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from daoshi.messages import language
from daoshi.paths import shipped
from daoshi.records.access_form import EMPTY_ACCESS, AccessForm
from daoshi.records.sources import Node

BUNDLED_FORMS = shipped("forms")


FIELD_TYPES = frozenset(
    {
        "string",
        "text",
        "integer",
        "number",
        "boolean",
        "date",
        "enum",
        "list",
        "object",
        "mapping",
        "ref",
        "id",
        "kind",
    }
)


REF_TARGETS = frozenset({"student", "teacher", "class", "semester", "policy"})


KIND_CODE = re.compile(r"[a-z]+(?:-[a-z]+)*\Z")


_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Text:
    """A UI text in Chinese and English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en if language() == "en" else self.zh


@dataclass(frozen=True)
class FieldForm:
    """One field of a form: its type, constraints, labels and sensitivity level."""

    name: str
    type: str
    label: Text
    help: Text
    sensitivity: str
    required: bool = False
    values: Mapping[str, Text] = field(default_factory=lambda: _EMPTY)
    items: FieldForm | None = None
    fields: Mapping[str, FieldForm] = field(default_factory=lambda: _EMPTY)
    to: str | None = None
    min: float | None = None
    max: float | None = None
    min_items: int | None = None
    max_items: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    unique: str | None = None


@dataclass(frozen=True)
class BodyForm:
    """The Markdown body of a record kind."""

    required: bool
    label: Text
    help: Text
    sensitivity: str


@dataclass(frozen=True)
class KindForm:
    """A record kind (talk, home visit ...): base fields plus its own, and the body."""

    kind: str
    base: str
    label: Text
    help: Text
    source: str
    sensitivity: str
    fields: Mapping[str, FieldForm]
    body: BodyForm
    urgent: bool = False  # a new record alerts its readers at once (daoshi.notify)


@dataclass(frozen=True)
class FileForm:
    """A data file (school, teachers, pairings ...) and the path glob it lives at."""

    name: str
    path: str
    label: Text
    help: Text
    sensitivity: str
    fields: Mapping[str, FieldForm]


@dataclass(frozen=True)
class Level:
    """A sensitivity level; levels are ordered from least to most sensitive."""

    id: str
    label: Text
    help: Text


@dataclass(frozen=True)
class Policy:
    """A policy preset (一校一策): ratio caps and obligations as data."""

    id: str
    label: Text
    help: Text
    source: str
    ratio_cap: int
    class_teacher_ratio_cap: int
    obligations: tuple[Mapping[str, Any], ...]
    counts: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # what a record needs
    settings: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # the engine's readings


@dataclass(frozen=True)
class Forms:
    """Everything in forms/, validated."""

    levels: tuple[Level, ...]
    kinds: Mapping[str, KindForm]
    files: Mapping[str, FileForm]
    policies: Mapping[str, Policy]
    digest: str = ""
    paths: tuple[str, ...] = field(default=())
    access: AccessForm = EMPTY_ACCESS

    def level_rank(self, level: str) -> int:
        """Position of a level from least (0) to most sensitive."""
        return [lv.id for lv in self.levels].index(level)


def plain(node: Node | None) -> Any:
    """A Node tree as plain Python values (for data that needs no locations)."""
    if node is None:
        return None
    if isinstance(node.value, dict):
        return {k: plain(v) for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [plain(v) for v in node.value]
    return node.value
