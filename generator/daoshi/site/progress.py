"""成长记录对照: a student's monthly conduct and exam results over every semester.

枣庄“对学生每月的表现及每次考试成绩逐一记录，分析对照”: one row a month, oldest
first, so the reader sees the percentage band move from exam to exam. Each cell shows
only when its field's sensitivity is within what this audience sees of the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from daoshi.records.model import Record
from daoshi.site.core import Site, record_anchor

PROGRESS = "progress"
CELLS = ("conduct", "exam", "band", "class_rank", "change")
# the band moved up (a better band) or down since the exam before
MOVES = {-1: "↑ 进步", 0: "持平", 1: "↓ 退步"}


def progress_series(site: Site, records: Iterable[Record]) -> dict[str, Any] | None:
    """The table's columns and rows; None when this audience sees no progress record."""
    form = site.school.forms.kinds.get(PROGRESS)
    series = sorted((r for r in records if r.kind == PROGRESS), key=lambda r: r.date)
    if form is None or not series:
        return None
    band_form = form.fields.get("band")
    order = list(band_form.values) if band_form is not None else []
    rows: list[dict[str, Any]] = []
    shown: set[str] = set()
    last_band: int | None = None
    for r in series:
        rank = site.access.record_rank(r)
        cells: dict[str, str] = {}
        for name in CELLS:
            field = form.fields.get(name)
            if (
                field is None
                or name not in r.fields
                or not site.access.allows(rank, field.sensitivity)
            ):
                continue
            value = r.fields[name]
            cells[name] = field.values[value].zh if field.type == "enum" else str(value)
            shown.add(name)
        move = ""
        if "band" in cells and r.fields["band"] in order:
            band = order.index(r.fields["band"])
            move = MOVES[(band > last_band) - (band < last_band)] if last_band is not None else ""
            last_band = band
        rows.append(
            {
                "month": f"{r.date.year}年{r.date.month}月",
                "anchor": record_anchor(r),
                "cells": cells,
                "move": move,
            }
        )
    columns = [name for name in CELLS if name in shown]
    for row in rows:
        row["cells"] = [row["cells"].get(name, "") for name in columns]
    labels = [form.fields[name].label.zh for name in columns]
    return {"columns": labels, "rows": rows, "moves": "band" in shown}
