"""The audit trail: each record's versions with per-field changes, and the flags reviewers see.

Built from the history index (``history.py``) and the validated school. A change is
structured per field — (field, label, old, new, sensitivity level from the record's form) —
so each audience's build can leave out what it may not see; nothing here is raw diff text.

Flags (``FLAG_LABELS``): a record committed long after its date (backdated), changed after
its semester's close tag (late edit), written or changed by a teacher other than its
mentor, deleted (with its last content's author and date), committed by someone who is not
a known teacher, and — when the school requires signing — unsigned or unverifiable commits.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daoshi.history.blobs import Contents
from daoshi.history.content import (
    Change,
    Content,
    diff_contents,
    parse_content,
)
from daoshi.history.flags import (
    general_flags,
    record_flags,
)
from daoshi.history.gitlog import Commit
from daoshi.history.index import FileHistory, HistoryIndex
from daoshi.history.load import advance_history, load_history
from daoshi.history.provenance import attach_push_log, provenance
from daoshi.history.trail import (
    Audit,
    RecordHistory,
    RecordVersion,
    _moment,
    read_close_tags,
    read_settings,
    signature_status,
    teacher_emails,
)
from daoshi.records.layout import JOURNAL, record_path
from daoshi.records.model import School


class _Builder:
    """Turns the index into record histories and their flags."""

    def __init__(self, root: Path, school: School, audit: Audit) -> None:
        self.root = root
        self.school = school
        self.audit = audit
        self.zone = audit.timezone
        self.emails = teacher_emails(root, school)
        self.contents = Contents(root)
        self.by_path = {r.path: r for r in school.records}
        self.signatures: dict[str, tuple[str, str | None]] = {}
        self.now = dt.datetime.now(self.zone)

    def teacher(self, commit: Commit) -> str | None:
        return self.emails.get(commit.author_email.lower())

    def who_version(self, v: RecordVersion) -> str:
        tid = v.author_teacher
        if tid is not None and tid in self.school.teachers:
            return f"{self.school.teachers[tid].name}（{tid}）"
        return f"{v.author} <{v.author_email}>"

    def run(self, histories: list[FileHistory]) -> None:
        wanted: list[str | None] = []
        for h in histories:
            if len(h.versions) > 1:  # a diff, or a deleted record's last content
                wanted += [v.ref for v in h.versions if v.change in "MR"]
                wanted += [v.old_ref for v in h.versions if v.change in "MRD"]
        self.contents.fetch(wanted)
        if self.audit.settings.require_signed:
            self.signatures = signature_status(
                self.root, (v.commit for h in histories for v in h.versions)
            )
        for h in histories:
            record = self.record(h)
            self.audit.records[record.path] = record

    def version(self, v: Any, changes: tuple[Change, ...]) -> RecordVersion:
        c = self.audit.index.commits[v.commit]
        return RecordVersion(
            commit=c.id,
            change=v.change,
            path=v.path,
            old_path=v.old_path,
            author=c.author,
            author_email=c.author_email,
            author_teacher=self.teacher(c),
            committer=c.committer,
            committer_email=c.committer_email,
            author_time=_moment(c.author_time, self.zone),
            commit_time=_moment(c.commit_time, self.zone),
            message=c.message,
            changes=changes,
            **provenance(self.audit, c.id, self.signatures.get(c.id)),  # type: ignore[arg-type]
        )

    def record(self, h: FileHistory) -> RecordHistory:
        forms = self.school.forms
        where = record_path(h.path)
        assert where is not None
        model = None if h.deleted else self.by_path.get(h.path)
        last = h.versions[-1]
        content = None
        if model is None:
            content = parse_content(self.contents.get(last.ref or last.old_ref), h.path)
        kind = model.kind if model else str(where.kind or "")
        form = forms.kinds.get(kind)
        versions = []
        for v in h.versions:
            changes: tuple[Change, ...] = ()
            if v.change in "MR":
                before, after = self.contents.get(v.old_ref), self.contents.get(v.ref)
                if before != after:
                    old = parse_content(before, v.old_path or v.path)
                    new = parse_content(after, v.path)
                    changes = tuple(diff_contents(old, new, form, forms))
            versions.append(self.version(v, changes))
        record = RecordHistory(
            path=h.path,
            semester=where.semester,
            mentor=model.mentor if model else where.mentor,
            kind=kind,
            date=model.date if model else _content_date(content, where.date),
            students=model.students if model else _content_students(content, where.subject),
            versions=tuple(versions),
            deleted=h.deleted,
        )
        return _with_flags(record, self)


def _content_date(content: Content | None, path_date: str | None) -> dt.date | None:
    value = content.fields.get("date") if content else None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(path_date) if path_date else None
    except ValueError:
        return None


def _content_students(content: Content | None, subject: str) -> tuple[str, ...]:
    fields = content.fields if content else {}
    if isinstance(fields.get("student"), str):
        return (fields["student"],)
    if isinstance(fields.get("participants"), list):
        return tuple(str(s) for s in fields["participants"])
    return () if subject in ("group", "self") else (subject,)


def _with_flags(record: RecordHistory, b: _Builder) -> RecordHistory:
    return RecordHistory(**{**record.__dict__, "flags": tuple(record_flags(record, b))})


def build_audit(
    root: Path,
    school: School,
    *,
    index: HistoryIndex | None = None,
    use_cache: bool = True,
) -> Audit:
    """The audit of the records repository at ``root`` (its git history up to HEAD)."""
    index = index or load_history(root, use_cache=use_cache)
    zone = ZoneInfo(school.timezone)
    settings = read_settings(root, school)
    audit = Audit(settings, zone, index)
    audit.closes = read_close_tags(root, settings, index, zone)
    attach_push_log(audit, root)
    journal = [h for h in index.files.values() if JOURNAL.match(h.path)]
    journal += [h for h in index.deleted if JOURNAL.match(h.path)]
    _Builder(root, school, audit).run(journal)
    audit.general = general_flags(audit)
    return audit


def refreshed_audit(old: Audit, root: Path, school: School) -> Audit:
    """The audit after new commits: the histories of the files they touched made again, every
    other record's history and flags kept (they depend on nothing the commits changed).

    ``old``'s history index is brought up to HEAD in place (``old`` is replaced by the
    result). Everything is built again when the settings, the close tags or the history
    (rewritten) differ from ``old``'s, as the flags of untouched records would change too.
    """
    added = advance_history(root, old.index)
    if added is None:  # rewritten: a new index (``committed_paths`` compares the two)
        return build_audit(root, school, index=load_history(root))
    index = old.index
    new = {commit.id for commit, _ in added}
    committed = {
        p for _, changes in added for _, path, moved in changes for p in (path, moved) if p
    }
    settings = read_settings(root, school)
    closes = read_close_tags(root, settings, index, old.timezone)
    same_closes = {k: (c.tag, c.commit) for k, c in closes.items()} == {
        k: (c.tag, c.commit) for k, c in old.closes.items()
    }
    if settings != old.settings or not same_closes:
        audit = build_audit(root, school, index=index)
        audit.committed = committed
        return audit
    journal = [h for h in index.files.values() if JOURNAL.match(h.path)]
    journal += [h for h in index.deleted if JOURNAL.match(h.path)]
    touched = {
        h.path for h in journal if h.path in committed and any(row[0] in new for row in h.rows())
    }
    audit = Audit(settings, old.timezone, index)
    audit.closes = closes
    audit.committed = committed
    _Builder(root, school, audit).run([h for h in journal if h.path in touched])
    made = audit.records
    order = dict.fromkeys(h.path for h in journal)  # the order build_audit gives the records
    audit.records = {p: made[p] if p in touched else old.records[p] for p in order}
    audit.general = general_flags(audit)
    audit.carry_lookups(old, touched)
    return audit
