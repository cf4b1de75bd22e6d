"""Checking a summary the district received before anything is computed from it.

The document must match the published format (``summary.schema.json``, format version 1)
and must itself be de-identified as the district requires: published under a ``k`` no
smaller than the district's, every count of students or records either hidden (``null``),
zero, or at least ``k`` and a multiple of its ``base``. A summary that fails is not shown.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema

from daoshi.district.summary import FORMAT, VERSION

SCHEMA_FILE = Path(__file__).resolve().parent / "summary.schema.json"


class SummaryRejected(ValueError):
    """The summary is not in the format, or not de-identified enough; ``reasons`` in Chinese."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("；".join(reasons[:5]))


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of format version 1."""
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text("utf-8"))
    return loaded


def student_cells(summary: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every published count of students or records, with where it is (for messages)."""
    for s in summary.get("semesters", []):
        sid = s.get("id")
        for u in s.get("units", []):
            where = f"{sid} {u.get('name')}"
            yield f"{where} students", u.get("students")
            for duty, cells in u.get("obligations", {}).items():
                for part, value in cells.items():
                    yield f"{where} {duty} {part}", value
            for part, value in u.get("key_students", {}).items():
                yield f"{where} key_students {part}", value
        for kind in s.get("records", {}).get("kinds", []):
            for value in kind.get("school", []):
                yield f"{sid} records {kind.get('kind')}", value
            for grade, values in kind.get("grades", {}).items():
                for value in values:
                    yield f"{sid} {grade} records {kind.get('kind')}", value
        for part, value in s.get("crisis_reports", {}).items():
            yield f"{sid} crisis_reports {part}", value


def verify_summary(summary: Any, district_k: int) -> dict[str, Any]:
    """The summary, if it is a format-1 summary de-identified at least to ``district_k``."""
    if not isinstance(summary, dict) or summary.get("format") != FORMAT:
        raise SummaryRejected(["不是 daoshi 学校汇总文件"])
    if summary.get("version") != VERSION:
        raise SummaryRejected(
            [f"汇总格式版本 {summary.get('version')!r} 不受支持（应为 {VERSION}）"]
        )
    validator = jsonschema.Draft7Validator(schema())
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(e.absolute_path))
    if errors:
        raise SummaryRejected(
            [
                f"{'/'.join(map(str, e.absolute_path)) or '（顶层）'}：{e.message}"
                for e in errors[:10]
            ]
        )
    k, base = summary["protection"]["k"], summary["protection"]["base"]
    reasons = []
    if k < district_k:
        reasons.append(f"学校按 k={k} 发布，小于区要求的 k={district_k}")
    for where, value in student_cells(summary):
        if value is None or value == 0:
            continue
        if value < max(k, district_k) or value % base:
            reasons.append(f"{where} = {value}：未按 k={k}、取整 {base} 去标识")
    if reasons:
        raise SummaryRejected(reasons)
    return summary
