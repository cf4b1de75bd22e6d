"""Where each file of a records repository belongs (see docs/records.md)."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from daoshi.errors import Location, Problem
from daoshi.messages import language, problem
from daoshi.records.forms import FileForm

RECORD = "record"
JOURNAL = re.compile(
    r"semesters/(?P<semester>[^/]+)/journal/(?P<mentor>[^/]+)/(?P<subject>[^/]+)/(?P<name>[^/]+)\Z"
)
RECORD_NAME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})-(?P<kind>[a-z]+(?:-[a-z]+)*?)(?:-(?P<n>[1-9][0-9]*))?\.md\Z"
)
GROUP = "group"
TEACHER = "teacher"  # the base of a teacher's own records (training), about no student
SELF = "self"  # their folder: journal/<teacher>/self/
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


Listing = tuple[int, tuple[tuple[str, str], ...]]  # (folder mtime, ((name, "d"|"f"|"o"), ...))


@dataclass
class Scan:
    """What a walk found, and the folder listings to remember for the next walk.

    A folder whose mtime is unchanged (and not within the racy window) has the same
    entries as last time, so it is not read again: like git's untracked cache.
    """

    listings: dict[str, Listing] = field(default_factory=dict)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def _list(path: str, rel: str, old: Mapping[str, Listing], racy_ns: int) -> Listing:
    mtime = os.stat(path).st_mtime_ns
    known = old.get(rel)
    if known is not None and known[0] == mtime and mtime < racy_ns:
        return known
    children = []
    with os.scandir(path) as it:
        for entry in it:
            kind = "d" if entry.is_dir(follow_symlinks=False) else "f"
            if entry.is_symlink() or not (kind == "d" or entry.is_file(follow_symlinks=False)):
                kind = "o"
            children.append((entry.name, kind))
    return mtime, tuple(sorted(children))


def walk(
    root: Path, old: Mapping[str, Listing] | None = None, racy_ns: int = 0, scan: Scan | None = None
) -> Iterator[tuple[str, int, int]]:
    """Every file under ``root``: relative POSIX path, size and mtime (size -1: not a file).

    Hidden files and folders are skipped; so are forms/, schemas/ and README.md at the top.
    """
    scan = scan if scan is not None else Scan()
    top = str(root)  # plain strings: pathlib costs more than the stat calls themselves
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        try:
            listing = _list(f"{top}/{rel_dir}" if rel_dir else top, rel_dir, old or {}, racy_ns)
        except OSError as exc:
            scan.unreadable.append((rel_dir or ".", exc.strerror or str(exc)))
            continue
        scan.listings[rel_dir] = listing
        folders = []
        for name, kind in listing[1]:
            if name.startswith(".") or (not rel_dir and name in IGNORED_TOP):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if kind == "d":
                folders.append(rel)
                continue
            try:
                st = os.stat(f"{top}/{rel}", follow_symlinks=False)
            except OSError as exc:
                scan.unreadable.append((rel, exc.strerror or str(exc)))
                continue
            yield (rel, st.st_size, st.st_mtime_ns) if kind == "f" else (rel, -1, 0)
        stack.extend(reversed(folders))


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


@functools.cache
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


def record_day(path: str) -> dt.date | None:
    """The date a journal path carries (``…/2025-10-12-talk.md``), if it carries a real one."""
    found = record_path(path)
    try:
        return dt.date.fromisoformat(found.date) if found and found.date else None
    except ValueError:
        return None


def _hint(path: str) -> str:
    zh = language() != "en"
    if path.startswith("semesters/") and "/journal/" in path:
        return (
            "记录应放在 journal/<工号>/<学号、group 或 self>/YYYY-MM-DD-<种类>.md"
            if zh
            else "records go in journal/<teacher>/<student, group or self>/YYYY-MM-DD-<kind>.md"
        )
    return "请移走或改名" if zh else "move or rename it"


def _symlink_hint() -> str:
    if language() == "en":
        return "must not be a symlink or special file"
    return "不能是符号链接或特殊文件"


def discover(
    root: Path,
    files: Mapping[str, FileForm],
    old: Mapping[str, Listing] | None = None,
    racy_ns: int = 0,
) -> tuple[list[Entry], list[Problem], Scan]:
    """Classify every file; a file outside the layout is a problem, never silently skipped."""
    entries: list[Entry] = []
    problems: list[Problem] = []
    scan = Scan()
    for rel, size, mtime in walk(root, old, racy_ns, scan):
        if size < 0:
            problems.append(problem(Location(rel), "F016", hint=_symlink_hint()))
            continue
        role = classify(rel, files)
        if role is None:
            problems.append(problem(Location(rel), "F016", hint=_hint(rel)))
            continue
        if role == RECORD:
            rp = record_path(rel)
            if rp is None or rp.kind is None:
                problems.append(problem(Location(rel), "F016", hint=_hint(rel)))
        entries.append(Entry(rel, role, size, mtime))
    for rel, error in scan.unreadable:
        problems.append(problem(Location(rel), "F001", error=error))
    return entries, problems, scan
