"""Where each file of a records repository belongs (see docs/records.md)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from .errors import Location, Problem
from .forms import FileForm
from .messages import language, problem

RECORD = "record"
JOURNAL = re.compile(
    r"semesters/(?P<semester>[^/]+)/journal/(?P<mentor>[^/]+)/(?P<subject>[^/]+)/(?P<name>[^/]+)\Z"
)
RECORD_NAME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<kind>[a-z]+(?:-[a-z]+)*?)(?:-(?P<n>[1-9][0-9]*))?\.md\Z"
)
GROUP = "group"
IGNORED_TOP = frozenset({"forms", "schemas", "README.md", "readme.md"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A file found in the records tree and what it is (a file form's name or ``record``)."""

    path: str
    role: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class RecordPath:
    """What a journal path says about its record."""

    semester: str
    mentor: str
    subject: str
    date: str | None
    kind: str | None


def walk(root: Path) -> Iterator[tuple[str, int, int]]:
    """Every file under ``root`` (relative POSIX path, size, mtime), hidden ones skipped."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        with os.scandir(root / rel_dir if rel_dir else root) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if not rel_dir and entry.name in IGNORED_TOP:
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(rel)
            elif entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                yield rel, st.st_size, st.st_mtime_ns
            else:
                yield rel, -1, 0


def _matches(path: str, glob: str) -> bool:
    parts, globs = path.split("/"), glob.split("/")
    return len(parts) == len(globs) and all(
        fnmatchcase(p, g) for p, g in zip(parts, globs, strict=True)
    )


def classify(path: str, files: Mapping[str, FileForm]) -> str | None:
    """The role of a path: a file form's name, ``record``, or None if it is not in the layout."""
    if JOURNAL.match(path):
        return RECORD
    for form in files.values():
        if _matches(path, form.path):
            return form.name
    return None


def record_path(path: str) -> RecordPath | None:
    """Parse a journal path; date and kind are None when the file name is not well formed."""
    m = JOURNAL.match(path)
    if m is None:
        return None
    name = RECORD_NAME.match(m["name"])
    return RecordPath(
        m["semester"],
        m["mentor"],
        m["subject"],
        name["date"] if name else None,
        name["kind"] if name else None,
    )


def _hint(path: str) -> str:
    zh = language() != "en"
    if path.startswith("semesters/") and "/journal/" in path:
        return (
            "记录应放在 journal/<工号>/<学号或 group>/YYYY-MM-DD-<种类>.md"
            if zh
            else "records go in journal/<teacher>/<student or group>/YYYY-MM-DD-<kind>.md"
        )
    return "请移走或改名" if zh else "move or rename it"


def discover(root: Path, files: Mapping[str, FileForm]) -> tuple[list[Entry], list[Problem]]:
    """Classify every file; a file outside the layout is a problem, never silently skipped."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    for rel, size, mtime in walk(root):
        role = classify(rel, files) if size >= 0 else None
        if role is None:
            problems.append(problem(Location(rel), "F016", hint=_hint(rel)))
            continue
        if role == RECORD:
            rp = record_path(rel)
            if rp is None or rp.kind is None:
                problems.append(problem(Location(rel), "F016", hint=_hint(rel)))
        entries.append(Entry(rel, role, size, mtime))
    return entries, problems
