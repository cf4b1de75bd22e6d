"""One error type for every layer: a located problem, and the exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
        return f"{path}:{where}{loc.line}:{loc.col}: {self.code} {self.message}"


class ProjectError(Exception):
    """Raised when the records cannot be used; carries every problem found."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems[:20]))
