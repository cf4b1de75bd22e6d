"""The audit attached to a loaded school: built once for a site build from the records
repository's git history, brought up to a new head after a commit, carried across an
incremental update, and found again by the school (``audit_of``).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from pathlib import Path

from daoshi.history.audit import build_audit, refreshed_audit
from daoshi.history.gitlog import HistoryError
from daoshi.history.trail import Audit
from daoshi.records.layout import GROUP, SELF, record_path
from daoshi.records.model import School

_AUDITS: dict[int, tuple[weakref.ref[School], Audit]] = {}


def attach_history(root: Path, school: School) -> Audit | None:
    """Build the audit of ``root`` for ``school``'s site; None when root has no git history.

    The site's page makers find it again by the school (``history_makers``).
    """
    known = audit_of(school)
    if known is not None:  # one load serving several audiences' builds
        return known
    return refresh_history(root, school)


def refresh_history(root: Path, school: School) -> Audit | None:
    """The audit of ``root`` built (again, after a commit: the history index reads only
    the new commits, and only the files they touched get their history made again) and
    attached to ``school``; None when root has no git history."""
    known = audit_of(school)
    try:
        audit = build_audit(root, school) if known is None else refreshed_audit(known, root, school)
    except HistoryError:
        return None
    _remember(school, audit)
    return audit


def committed_paths(before: Audit, after: Audit) -> set[str]:
    """The files the commits in ``after`` but not in ``before`` wrote, renamed or deleted."""
    if after.committed is not None:  # refreshed from ``before``: its index, brought up to HEAD
        return set(after.committed)
    new = set(after.index.commits) - set(before.index.commits)
    histories = [*after.index.files.values(), *after.index.deleted]
    found: set[str] = set()
    for history in histories:  # plain rows: no Version made for the files left alone
        for commit, _, path, old_path, _ in history.rows():
            if commit in new:
                found.add(path)
                if old_path:
                    found.add(old_path)
    return found


def history_paths(school: School, paths: Iterable[str]) -> set[str]:
    """The history pages that show these files: their students' record histories, and every
    semester's review report (each names the commit it runs to)."""
    found = {f"review/{semester.id}.md" for semester in school.semesters}
    by_path = {r.path: r for r in school.records}
    for path in paths:
        record = by_path.get(path)
        parsed = record_path(path)
        if record is not None:
            students: Iterable[str] = record.students
        elif parsed is not None and parsed.subject not in (GROUP, SELF):
            students = [parsed.subject]  # a deleted record's student
        else:
            students = []
        found.update(f"students/{sid}/history.md" for sid in students)
    return found


def _remember(school: School, audit: Audit) -> None:
    key = id(school)
    _AUDITS[key] = (weakref.ref(school, lambda _: _AUDITS.pop(key, None)), audit)


def audit_of(school: School) -> Audit | None:
    """The audit attached to this school's site build, if any."""
    found = _AUDITS.get(id(school))
    return found[1] if found is not None and found[0]() is school else None


def carry_history(old: School, new: School) -> None:
    """Let an updated school (incremental build: a record saved, not yet committed) keep
    the audit of the school it replaces; the history changes only with a commit."""
    audit = audit_of(old)
    if audit is not None:
        _remember(new, audit)
