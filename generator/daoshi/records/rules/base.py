"""The cross-file checker's state and its shared helpers.

Reporting a problem, unique IDs, one file per role; the other layers build on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.messages import language, problem
from daoshi.records.check import Checked
from daoshi.records.forms import Forms
from daoshi.records.model import (
    Pairing,
    SchoolClass,
    ScreeningEntry,
    Semester,
    Span,
    Student,
    StudentNeeds,
    SurveyResult,
    Teacher,
)

REF_CODES = {
    "student": "X201",
    "teacher": "X202",
    "class": "X203",
    "semester": "X204",
    "policy": "X205",
}
SURVEY_SCORES = ("method", "attitude", "frequency", "effect")
PROFILE_FIELDS = ("interests", "family", "health")


@dataclass(frozen=True)
class PairingItem:
    """One item of a pairing table, checked; a mentor has several after a mid-year change."""

    students: tuple[str, ...]
    span: Span
    key: str | None
    agreement: bool | None
    where: Location
    mutual: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()  # 学习小组 (太谷)
    groups_where: Location | None = None  # where the item's groups are written (X253)


SEMESTER_FILES = ("semester.yaml", "pairings.yaml")  # what every semester folder holds


def in_language(zh: str, en: str) -> str:
    return en if language() == "en" else zh


class RulesBase:
    """The state every rule reads and writes; the model is assembled from it."""

    def __init__(self, files: Iterable[Checked], forms: Forms, today: dt.date) -> None:
        self.forms = forms
        self.today = today
        self.problems: list[Problem] = []
        self.by_role: dict[str, list[Checked]] = defaultdict(list)
        for checked in files:
            if checked.data is not None:
                self.by_role[checked.role].append(checked)
        self.teachers: dict[str, Teacher] = {}
        self.classes: dict[str, SchoolClass] = {}
        self.students: dict[str, Student] = {}
        self.student_locs: dict[str, Location] = {}
        self.semesters: dict[str, Semester] = {}
        self.pairings: list[Pairing] = []
        self.mentees: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.paired: set[str] = set()  # semesters whose pairing table was read
        self.spans: dict[tuple[str, str, str], list[Span]] = defaultdict(list)  # (sem, mentor, sid)
        self.school_file: Checked | None = None
        self.paths: set[str] = set()  # the files load_data was told of
        self.screening: tuple[ScreeningEntry, ...] = ()
        self.needs: tuple[StudentNeeds, ...] = ()
        self.surveys: tuple[SurveyResult, ...] = ()

    def add(self, location: Location, code: str, **args: Any) -> None:
        self.problems.append(problem(location, code, **args))

    def unique(self, seen: dict[str, Location], ident: str, where: Location, what: str) -> bool:
        """Report a duplicate ID, or one that differs from another only in case (two pages
        of the site would be one file on Windows and macOS); True when the ID is new."""
        if ident in seen:
            self.add(where, "X206", what=what, id=ident, other=str(seen[ident]))
            return False
        folded = f"\0{ident.casefold()}"  # the key of the first ID of this spelling
        first = seen.get(folded)
        if first is not None:
            other = next(k for k, v in seen.items() if v is first and not k.startswith("\0"))
            self.add(where, "X224", what=what, id=ident, other_id=other, other=str(first))
            return False
        seen[ident] = seen[folded] = where
        return True

    def one(self, role: str, path: str, paths: set[str]) -> Checked | None:
        """The one file of a role; X216 only when it is absent (a broken one has its problems)."""
        files = self.by_role.get(role, [])
        if path not in paths:
            self.add(Location(path), "X216", file=path)
        return files[0] if files else None
