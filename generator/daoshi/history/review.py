"""The review of one semester: what each mentor added, changed and deleted between two
commits, with the flags and the obligations' state; what ``daoshi review`` prints and the
site's review pages show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from daoshi.history.index import HistoryIndex
from daoshi.history.trail import (
    FLAG_LABELS,
    Audit,
    CloseTag,
    Flag,
    RecordHistory,
    RecordVersion,
)
from daoshi.records.model import School

ADDED, CHANGED, DELETED = "added", "changed", "deleted"


STATUS_TITLES = {ADDED: "新增", CHANGED: "修改", DELETED: "删除"}


@dataclass(frozen=True)
class ReviewEntry:
    """A record that was added, changed or deleted in the reviewed period."""

    record: RecordHistory
    status: str  # ADDED, CHANGED or DELETED
    versions: tuple[RecordVersion, ...]  # the record's versions within the period
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class MentorReview:
    """One mentor's part of the review: records by status, flags, obligations."""

    mentor: str
    entries: tuple[ReviewEntry, ...]
    flag_counts: Mapping[str, int]
    obligations: Mapping[str, int] | None  # status → count, None without the engine
    behind: tuple[str, ...] = ()

    def of(self, status: str) -> list[ReviewEntry]:
        return [e for e in self.entries if e.status == status]


@dataclass(frozen=True)
class Review:
    """What changed in a semester's records between two commits, per mentor."""

    semester: str
    from_commit: str | None  # None: from the first commit
    to_commit: str
    mentors: tuple[MentorReview, ...]
    general: tuple[Flag, ...]
    close: CloseTag | None
    obligations_checked: bool
    push_log: tuple[int, str] | None = None  # the server's push log: pushes, chain value

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATUS_TITLES, 0)
        for m in self.mentors:
            for e in m.entries:
                found[e.status] += 1
        return found


def period_commits(index: HistoryIndex, from_commit: str | None, to_commit: str) -> set[str]:
    """Commits reachable from ``to_commit`` and not from ``from_commit``."""
    inside = index.ancestors(to_commit)
    return inside - index.ancestors(from_commit) if from_commit else inside


def _entry(record: RecordHistory, commits: set[str]) -> ReviewEntry | None:
    versions = tuple(v for v in record.versions if v.commit in commits)
    if not versions:
        return None
    # a record added and then changed within the period is listed as changed
    if versions[-1].change == "D":
        status = DELETED
    elif len(versions) == 1 and versions[0] is record.first:
        status = ADDED
    else:
        status = CHANGED
    flags = tuple(f for f in record.flags if f.commit is None or f.commit in commits)
    return ReviewEntry(record, status, versions, flags)


def obligation_status(
    school: School, semester_id: str, on: dt.date
) -> dict[str, tuple[dict[str, int], list[str]]] | None:
    """Per mentor: (status → count, what is behind), or None without the obligations engine."""
    try:
        from daoshi.policy import obligations
    except ImportError:
        return None
    semester = school.semester(semester_id)
    engine = obligations.ObligationEngine(school, semester)
    labels = {k: f.label.zh for k, f in school.forms.kinds.items()}
    out = {}
    for mentor in sorted(engine.mentees):
        checks = engine.team_checks(mentor, on)
        behind = [
            f"{c.subject}：{line}" for c in checks for line in obligations.behind_text([c], labels)
        ]
        out[mentor] = (obligations.tally(checks), behind)
    return out


def review(
    audit: Audit,
    school: School,
    semester_id: str,
    to_commit: str,
    from_commit: str | None = None,
    on: dt.date | None = None,
) -> Review:
    """The review of ``semester_id``'s records changed between the two commits."""
    commits = period_commits(audit.index, from_commit, to_commit)
    semester = school.semester(semester_id)
    on = on or semester.end + dt.timedelta(days=1)
    by_mentor: dict[str, list[ReviewEntry]] = {}
    for record in audit.records.values():
        if record.semester != semester_id:
            continue
        entry = _entry(record, commits)
        if entry is not None:
            by_mentor.setdefault(record.mentor, []).append(entry)
    status = obligation_status(school, semester_id, on)
    mentors = sorted(set(by_mentor) | set(status or {}))
    parts = []
    for mentor in mentors:
        entries = sorted(
            by_mentor.get(mentor, []), key=lambda e: (e.record.date or dt.date.min, e.record.path)
        )
        counts: dict[str, int] = {}
        for e in entries:
            for f in e.flags:
                counts[f.kind] = counts.get(f.kind, 0) + 1
        tally, behind = status[mentor] if status and mentor in status else (None, [])
        parts.append(MentorReview(mentor, tuple(entries), counts, tally, tuple(behind)))
    general = tuple(f for f in audit.general if f.semester in ("", semester_id))
    return Review(
        semester_id,
        from_commit,
        to_commit,
        tuple(parts),
        general,
        audit.closes.get(semester_id),
        status is not None,
        (len(audit.push_log.pushes), audit.push_log.head) if audit.push_log else None,
    )


def flag_counts(flags: Iterable[Flag]) -> dict[str, int]:
    """How many flags of each kind, in FLAG_LABELS order, kinds with none left out."""
    found: dict[str, int] = {}
    for f in flags:
        found[f.kind] = found.get(f.kind, 0) + 1
    return {k: found[k] for k in FLAG_LABELS if k in found}
