"""One error type for every layer: a located problem, and the exception that carries them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# What would break a problem line or reorder it on the screen: line breaks, control
# characters, bidirectional overrides. A file may be named with them; the line shows them
# as escapes (\n, \x1b, \u202e), so one problem stays one line.
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def printable(text: str) -> str:
    """``text`` with every unprintable character as a Python-style escape."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where a problem is: a path relative to the records root, 1-based line and column.

    In a spreadsheet (roster, survey, preferences) ``sheet`` names the sheet and ``line``
    is the row: ``roster.xlsx:学生!5:3``. A CSV file has ``sheet`` empty.
    """

    path: str
    line: int = 1
    col: int = 1
    sheet: str = ""

    def __str__(self) -> str:
        where = f"{self.sheet}!" if self.sheet else ""
        return f"{self.path}:{where}{self.line}:{self.col}"


@dataclass(frozen=True, order=True, slots=True)
class Problem:
    """One problem found in the records, with a stable code (see docs/errors.md)."""

    location: Location
    code: str
    message: str

    def format(self, prefix: str = "") -> str:
        """``path:line:col: CODE message``, the path optionally under ``prefix``."""
        path = self.location.path
        if prefix and prefix != "." and not path.startswith("/"):
            path = f"{prefix.rstrip('/')}/{path}"
        loc = self.location
        where = f"{loc.sheet}!" if loc.sheet else ""
        line = f"{path}:{where}{loc.line}:{loc.col}: {self.code} {self.message}"
        return printable(line)


class ProjectError(Exception):
    """Raised when the records cannot be used; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems[:20]))
