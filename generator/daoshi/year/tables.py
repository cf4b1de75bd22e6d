"""Spreadsheets in and out: the office's XLSX and CSV files, read safely and written safely.

Reading (rosters, preferences, surveys)::

    table = read_table(
        path,
        columns={"id": ("学号", "学籍号"), "name": ("姓名",), "class": ("班级",)},
        required={"id", "name"},
        mapping={"学生编号": "id"},  # a school's own header -> canonical name (optional)
        sheet=None,  # None: the first visible sheet that has the header
    )
    table.problems  # list[Problem], located FILE:SHEET!ROW:COL (CSV: FILE:ROW:COL)
    for row in table.rows:  # data rows below the header, empty rows skipped
        row["id"], row.get("class"), row.at("id"), row.cells["name"].raw

- XLSX (openpyxl, read-only): hidden sheets are skipped; title rows (merged or not)
  above the header are skipped (the header is the first of the top 30 rows that
  names the most known columns); empty rows anywhere, trailing ones included, are
  skipped; a formula (``=...``) or an error value (``#N/A``) is a problem, never read
  as data; Excel dates become ``2025-09-01`` and whole numbers lose their ``.0``.
- CSV: UTF-8 with or without BOM, GB18030/GBK (what Chinese office software writes)
  and UTF-16 with BOM are detected; comma, tab or semicolon separated.
- Every cell is normalized: full-width digits, letters and spaces become half-width,
  NBSP and zero-width characters go, runs of spaces become one, the ends are stripped.
  Header names are compared without any spaces and without a trailing ``*``.
- ``parse_date(cell)`` reads ISO, ``2025/9/1``, ``2025.9.1``, ``2025年9月1日`` and
  Excel serial numbers; ``restore_width(text, width)`` puts back the leading zeros
  that a number-formatted ID column lost.

Writing (exports)::

    write_xlsx(path, [Sheet("对接表", rows, title="…", widths=(10, 12))])
    write_csv(path, rows)  # UTF-8 with BOM, so that Excel opens it correctly

A string cell that starts with ``= + - @``, tab or CR is prefixed with ``'`` (no
spreadsheet formula injection); strings stay text (IDs keep their leading zeros: the
cell's number format is ``@``); dates are real dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from daoshi.errors import Location, Problem
from daoshi.messages import problem

HEADER_SCAN_ROWS = 30


EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


EXCEL_EPOCH = dt.date(1899, 12, 30)


_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


# full-width ASCII (U+FF01..U+FF5E) -> ASCII; ideographic space and NBSP -> space
_WIDTH: dict[int, int | None] = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


_WIDTH.update({0x3000: 0x20, 0xA0: 0x20, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None})


_SPACES = re.compile(r"\s+")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def normalize(text: str) -> str:
    """Half-width digits, letters and spaces; one space between words; stripped."""
    return _SPACES.sub(" ", text.translate(_WIDTH)).strip()


def header_key(text: str) -> str:
    """How a header is compared: normalized, no spaces, no required-marker ``*``, lower case."""
    return normalize(text).replace(" ", "").rstrip("*").lower()


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's normalized text, where it is, and what the file held (number, date, text)."""

    value: str
    location: Location
    raw: object = None


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its cells by canonical column name (absent or empty cells are missing)."""

    location: Location
    cells: Mapping[str, Cell]
    columns: Mapping[str, int] = field(default_factory=dict)  # canonical name -> column
    reported: frozenset[str] = frozenset()  # columns whose cell already has a problem

    def __getitem__(self, name: str) -> str:
        cell = self.cells.get(name)
        return cell.value if cell is not None else ""

    def get(self, name: str, default: str = "") -> str:
        """The cell's text, or ``default`` when it is empty or the column is absent."""
        cell = self.cells.get(name)
        return cell.value if cell is not None and cell.value else default

    def at(self, name: str) -> Location:
        """Where the cell of a column is on this row (the row's start when no such column)."""
        cell = self.cells.get(name)
        if cell is not None:
            return cell.location
        col = self.columns.get(name)
        loc = self.location
        return Location(loc.path, loc.line, col, loc.sheet) if col else loc


@dataclass
class Table:
    """What ``read_table`` found: the rows, the problems, and where the header was."""

    path: str
    sheet: str = ""
    header_row: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # canonical name -> 1-based column
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def location(self, row: int = 1, col: int = 1) -> Location:
        """A location in this table's sheet."""
        return Location(self.path, row, col, self.sheet)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return normalize(str(value))


def parse_date(cell: Cell | str | None) -> dt.date | None:
    """A date from a cell: an Excel date, an Excel serial number, or text such as 2025/9/1."""
    if cell is None:
        return None
    raw = cell.raw if isinstance(cell, Cell) else None
    text = cell.value if isinstance(cell, Cell) else normalize(cell)
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial: 20000..99999 is 1954..2173
        serial = int(float(text))
        if serial >= 20000:
            return EXCEL_EPOCH + dt.timedelta(days=serial)
    if re.fullmatch(r"\d{8}", text):  # 20250901
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_TEXT.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def restore_width(text: str, width: int | None) -> str:
    """Put back the leading zeros of an all-digit ID that Excel stored as a number."""
    if width and text.isdigit() and len(text) < width:
        return text.zfill(width)
    return text


def _header_names(
    columns: Mapping[str, tuple[str, ...]], mapping: Mapping[str, str] | None
) -> dict[str, str]:
    names: dict[str, str] = {}
    for canonical, accepted in columns.items():
        names[header_key(canonical)] = canonical
        for header in accepted:
            names[header_key(header)] = canonical
    for header, canonical in (mapping or {}).items():  # the school's own headers win
        names[header_key(header)] = canonical
    return names


def _labels(canonical: list[str], names: Mapping[str, str]) -> str:
    """Each column by the first header name accepted for it (学号, not id)."""
    first: dict[str, str] = {}
    for header, name in names.items():
        if header != name:
            first.setdefault(name, header)
    return "、".join(first.get(c, c) for c in canonical)


def _find_header(rows: Sequence[tuple[int, Sequence[object]]], names: Mapping[str, str]) -> int:
    """The index in ``rows`` of the row naming the most known columns (-1: none)."""
    best, best_count = -1, 0
    for index, (_, values) in enumerate(rows):
        found = {names[k] for v in values if (k := header_key(_cell_text(v))) in names}
        if len(found) > best_count:
            best, best_count = index, len(found)
    return best


def _rows_of(
    table: Table,
    source: Iterable[tuple[int, Sequence[object]]],
    names: Mapping[str, str],
    required: set[str],
    is_xlsx: bool,
) -> bool:
    """Fill ``table`` from numbered rows; False when this sheet has no header."""
    iterator = iter(source)
    head: list[tuple[int, Sequence[object]]] = []
    for numbered in iterator:
        head.append(numbered)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    index = _find_header(head, names)
    if index < 0:
        return False
    header_row, header = head[index]
    table.header_row = header_row
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for col, value in enumerate(header, start=1):
        key = header_key(_cell_text(value))
        canonical = names.get(key)
        if canonical is None:
            continue
        if canonical in seen:
            table.problems.append(
                problem(
                    table.location(header_row, col),
                    "I405",
                    header=_cell_text(value),
                    col=seen[canonical],
                )
            )
            continue
        seen[canonical] = col
        positions[col - 1] = canonical
    table.columns = dict(sorted(seen.items(), key=lambda kv: kv[1]))
    missing = sorted(required - set(seen))
    if missing:
        table.problems.append(
            problem(table.location(header_row, 1), "I403", columns=_labels(missing, names))
        )
    path, sheet = table.path, table.sheet
    columns = table.columns
    rows = table.rows
    problems = table.problems
    wanted = sorted(positions.items())
    for row_number, values in [*head[index + 1 :], *iterator]:
        cells: dict[str, Cell] = {}
        reported: set[str] = set()
        empty = True
        width = len(values)
        for col0, canonical in wanted:
            value = values[col0] if col0 < width else None
            if value is None or value == "":
                continue
            location = Location(path, row_number, col0 + 1, sheet)
            if is_xlsx and isinstance(value, str):
                if value.startswith("="):
                    problems.append(problem(location, "I404", formula=value[:40]))
                    reported.add(canonical)
                    empty = False
                    continue
                if value in EXCEL_ERRORS:
                    problems.append(problem(location, "I408", value=value))
                    reported.add(canonical)
                    empty = False
                    continue
            text = _cell_text(value)
            if text:
                empty = False
                cells[canonical] = Cell(text, location, value)
        if not empty:
            rows.append(
                Row(Location(path, row_number, 1, sheet), cells, columns, frozenset(reported))
            )
    return True


def _read_xlsx(
    path: Path,
    display: str,
    names: Mapping[str, str],
    required: set[str],
    sheet: str | None,
) -> Table:
    import zipfile

    from openpyxl import load_workbook

    table = Table(display)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        table.problems.append(
            problem(table.location(), "I401", error=str(exc) or type(exc).__name__)
        )
        return table
    try:
        visible = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        if sheet is not None:
            chosen = [ws for ws in workbook.worksheets if ws.title == sheet]
            if not chosen:
                names_list = "、".join(ws.title for ws in visible)
                table.problems.append(
                    problem(table.location(), "I406", sheet=sheet, sheets=names_list)
                )
                return table
            visible = chosen
        for ws in visible:
            attempt = Table(display, sheet=ws.title)
            numbered = enumerate(ws.iter_rows(values_only=True), start=1)
            if _rows_of(attempt, numbered, names, required, is_xlsx=True):
                return attempt
        first = visible[0].title if visible else ""
        table.sheet = first
        table.problems.append(
            problem(table.location(), "I403", columns=_labels(sorted(required), names))
        )
        return table
    finally:
        workbook.close()


def _decode(data: bytes) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_csv(path: Path, display: str, names: Mapping[str, str], required: set[str]) -> Table:
    table = Table(display)
    try:
        data = path.read_bytes()
    except OSError as exc:
        table.problems.append(problem(table.location(), "I401", error=exc.strerror or str(exc)))
        return table
    text = _decode(data)
    if text is None:
        table.problems.append(problem(table.location(), "I402"))
        return table
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not _rows_of(table, enumerate(reader, start=1), names, required, is_xlsx=False):
        table.problems.append(
            problem(table.location(), "I403", columns=_labels(sorted(required), names))
        )
    return table


def read_table(
    path: str | Path,
    columns: Mapping[str, tuple[str, ...]],
    required: set[str],
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    display: str | None = None,
) -> Table:
    """Read an XLSX or CSV file into rows of normalized cells, with every problem located.

    ``columns`` maps each canonical column name to the header texts accepted for it;
    ``mapping`` maps a school's own header text to a canonical name; ``display`` is the
    path shown in problems (default: ``path`` as given).
    """
    path = Path(path)
    shown = display if display is not None else str(path)
    names = _header_names(columns, mapping)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, shown, names, required, sheet)
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path, shown, names, required)
    table = Table(shown)
    table.problems.append(problem(table.location(), "I407", suffix=path.suffix or "（无）"))
    return table


CellValue = str | int | float | dt.date | bool | None


def iter_cells(table: Table) -> Iterator[Cell]:
    """Every non-empty cell of a table, row by row."""
    for row in table.rows:
        yield from row.cells.values()
