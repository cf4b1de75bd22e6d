"""Tables out: the office's XLSX and CSV exports, text kept as text (a cell that begins
with ``=``, ``+``, ``-`` or ``@`` is never run by Excel as a formula).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daoshi.year.tables import (
    _DANGEROUS,
    CellValue,
)


def safe_text(value: str) -> str:
    """A string that no spreadsheet will run as a formula (``'`` before = + - @ tab CR)."""
    return "'" + value if value.startswith(_DANGEROUS) else value


@dataclass(frozen=True)
class Sheet:
    """One sheet to write: rows (the first ``header_rows`` bold), an optional merged title."""

    name: str
    rows: Sequence[Sequence[CellValue]]
    title: str | None = None
    widths: Sequence[float] = ()
    header_rows: int = 1


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class _SameBytesZip(zipfile.ZipFile):
    """A zip whose members carry no clock time: the same sheets give the same bytes (a site
    page's download, a committed export), so a file tells nothing about when it was made."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_EPOCH)
            zinfo_or_arcname.compress_type = zipfile.ZIP_DEFLATED
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        # openpyxl writes each worksheet through a temporary file: stored by its bytes
        self.writestr(str(arcname or filename), Path(filename).read_bytes())


def write_xlsx(
    path: str | Path, sheets: Sequence[Sheet], *, stamp: dt.datetime | None = None
) -> None:
    """Write sheets to an XLSX file: text stays text, dangerous text is neutralized.

    The file is the same bytes for the same sheets: its creation time is ``stamp`` (by
    default the zip epoch, 1980-01-01), never the clock, and the zip members carry no time."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for spec in sheets:
        ws = workbook.create_sheet(spec.name[:31])
        width = max((len(r) for r in spec.rows), default=1)
        offset = 0
        if spec.title:
            title = ws.cell(row=1, column=1, value=safe_text(spec.title))
            title.data_type = "s"
            title.font = Font(bold=True, size=14)
            title.alignment = Alignment(horizontal="center")
            if width > 1:
                ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
            offset = 1
        for r, values in enumerate(spec.rows, start=1 + offset):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=c)
                if isinstance(value, str):
                    cell.value = safe_text(value)
                    cell.data_type = "s"  # never a formula, whatever openpyxl guesses
                    cell.number_format = "@"
                elif isinstance(value, dt.datetime):
                    cell.value = value
                elif isinstance(value, dt.date):
                    cell.value = value
                    cell.number_format = "yyyy-mm-dd"
                else:
                    cell.value = value
                cell.border = border
                cell.alignment = Alignment(vertical="center", wrap_text=True)
                if r - offset <= spec.header_rows:
                    cell.font = Font(bold=True)
        for c, w in enumerate(spec.widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = w
        if spec.header_rows:
            ws.freeze_panes = ws.cell(row=1 + offset + spec.header_rows, column=1)
        ws.print_options.horizontalCentered = True
        ws.page_setup.orientation = "landscape" if width > 6 else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if spec.header_rows:
            ws.print_title_rows = f"{1 + offset}:{offset + spec.header_rows}"
    workbook.properties.created = workbook.properties.modified = stamp or dt.datetime(*ZIP_EPOCH)
    with _SameBytesZip(Path(path), "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()


def _csv_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(
    path: str | Path, rows: Iterable[Sequence[CellValue]], encoding: str = "utf-8-sig"
) -> None:
    """Write a CSV that Excel opens correctly (UTF-8 with BOM), dangerous text neutralized."""
    with Path(path).open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        for values in rows:
            writer.writerow([_csv_text(v) for v in values])
