"""Export the forms as JSON Schema (draft-07), so editors validate and autocomplete.

VS Code's YAML extension reads ``# yaml-language-server: $schema=...`` at the top of a
file; ``daoshi new`` writes that line into every record it creates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from daoshi.records.check import DATE_PATTERN, ID_PATTERN
from daoshi.records.forms import FieldForm, FileForm, Forms, KindForm

DRAFT = "http://json-schema.org/draft-07/schema#"
SCHEMA_DIR = "schemas"


def _describe(field: FieldForm) -> dict[str, Any]:
    required = "（必填）" if field.required else ""
    return {
        "title": f"{field.label.zh} {field.label.en}",
        "description": f"{field.label.zh}{required}：{field.help.zh}\n{field.help.en}",
    }


def field_schema(field: FieldForm, kind: str | None = None) -> dict[str, Any]:
    """One field's JSON Schema."""
    schema: dict[str, Any] = _describe(field)
    t = field.type
    if t in ("string", "text"):
        schema["type"] = "string"
    elif t in ("id", "ref"):
        schema.update(
            type="string",
            pattern=field.pattern or "^" + ID_PATTERN.pattern.removesuffix(r"\Z") + "$",
        )
    elif t == "kind":
        schema["const" if kind else "type"] = kind or "string"
    elif t in ("integer", "number", "boolean"):
        schema["type"] = t
    elif t == "date":
        schema.update(
            type="string",
            format="date",
            pattern="^" + DATE_PATTERN.pattern.removesuffix(r"\Z") + "$",
        )
    elif t == "enum":
        schema["enum"] = list(field.values)
        schema["enumDescriptions"] = [f"{v.zh} {v.en}" for v in field.values.values()]
    elif t == "list":
        assert field.items is not None
        schema.update(type="array", items=field_schema(field.items))
    elif t == "object":
        schema.update(object_schema(field.fields))
    elif t == "mapping":
        schema["type"] = "object"
    bounds = {
        "min": "minimum",
        "max": "maximum",
        "min_items": "minItems",
        "max_items": "maxItems",
        "max_length": "maxLength",
    }
    for attr, key in bounds.items():
        if getattr(field, attr) is not None:
            schema[key] = getattr(field, attr)
    if field.pattern and t in ("string", "text"):
        schema["pattern"] = field.pattern
    return schema


def object_schema(fields: Mapping[str, FieldForm], kind: str | None = None) -> dict[str, Any]:
    """A mapping of fields: unknown keys are not allowed."""
    return {
        "type": "object",
        "properties": {name: field_schema(f, kind) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
        "additionalProperties": False,
    }


def kind_schema(form: KindForm) -> dict[str, Any]:
    """The front matter of one record kind."""
    return {
        "$schema": DRAFT,
        "$id": f"{form.kind}.schema.json",
        "title": f"{form.label.zh} {form.label.en}",
        "description": f"{form.help.zh}\n{form.help.en}",
        **object_schema(form.fields, form.kind),
    }


def file_schema(form: FileForm) -> dict[str, Any]:
    """A data file (school.yaml, teachers, pairings ...)."""
    return {
        "$schema": DRAFT,
        "$id": f"{form.name}.schema.json",
        "title": f"{form.label.zh} {form.label.en}",
        "description": f"{form.help.zh}\n{form.help.en}\n({form.path})",
        **object_schema(form.fields),
    }


def all_schemas(forms: Forms) -> dict[str, dict[str, Any]]:
    """File name → schema, for every kind and data file."""
    out = {f"{k.kind}.schema.json": kind_schema(k) for k in forms.kinds.values()}
    out.update({f"{f.name}.schema.json": file_schema(f) for f in forms.files.values()})
    return out


def schema_texts(forms: Forms) -> dict[str, str]:
    """File name → the JSON text written for it (stable, so a rewrite changes nothing)."""
    return {
        name: json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
        for name, schema in sorted(all_schemas(forms).items())
    }


def write_schemas(forms: Forms, out: Path) -> list[Path]:
    """Write every schema into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts(forms).items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def modeline(kind: str, depth: int) -> str:
    """The yaml-language-server line for a record ``depth`` folders below the records root."""
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/{kind}.schema.json"
