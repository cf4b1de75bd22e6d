"""The audit trail's data: its settings, each record's versions, flags, close tags.

Also what git says of a commit beyond its tree: the semester close tags and, when the
school requires signing, each commit's signature status.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from daoshi.cache import _dump, _load, cache_dir
from daoshi.history.content import (
    Change,
)
from daoshi.history.gitlog import git
from daoshi.history.index import HistoryIndex
from daoshi.history.pushlog import Push, PushedCommit, PushLog
from daoshi.history.signing import Signers, commit_signatures, signers_text
from daoshi.records.forms import plain
from daoshi.records.model import School
from daoshi.records.sources import parse_bytes

DEFAULT_BACKDATE_DAYS = 14


DEFAULT_CLOSE_TAG = "close/{semester}"


FLAG_LABELS = {
    "backdated": "补记（提交远晚于记录日期）",
    "late_edit": "结档后修改",
    "other_editor": "非本人导师提交或修改",
    "deleted": "已删除",
    "unknown_author": "提交者不是登记的教师",
    "unsigned": "提交未签名或签名无法验证",
    "wrong_signer": "签名的密钥不是作者的",
    "pusher_differs": "推送者不是作者",
    "future_dated": "提交日期晚于服务器接收时间",
    "rewritten": "历史被改写（强制推送）",
    "push_log": "推送日志与仓库不符",
}


# %G? letters counted as a good signature: G only (U is a key nobody registered)
GOOD_SIGNATURES = frozenset("G")


@dataclass(frozen=True)
class AuditSettings:
    """``audit:`` in school.yaml, with the defaults a school gets without it."""

    backdate_days: int = DEFAULT_BACKDATE_DAYS
    close_tag: str = DEFAULT_CLOSE_TAG
    sign_close_tag: bool = False
    require_signed: bool = False

    def tag_for(self, semester: str) -> str:
        return self.close_tag.replace("{semester}", semester)


def read_settings(root: Path, school: School) -> AuditSettings:
    """The audit settings of the records repository (validated by the school form)."""
    try:
        parsed = parse_bytes((root / "school.yaml").read_bytes(), "school.yaml", markdown=False)
    except OSError:
        return AuditSettings(require_signed=school.require_signed_commits)
    data = plain(parsed.data) or {}
    audit = data.get("audit") if isinstance(data, dict) else None
    audit = audit if isinstance(audit, dict) else {}
    days = audit.get("backdate_days", DEFAULT_BACKDATE_DAYS)
    tag = audit.get("close_tag", DEFAULT_CLOSE_TAG)
    return AuditSettings(
        backdate_days=days if isinstance(days, int) and not isinstance(days, bool) else 14,
        close_tag=tag if isinstance(tag, str) and "{semester}" in tag else DEFAULT_CLOSE_TAG,
        sign_close_tag=audit.get("sign_close_tag") is True,
        require_signed=school.require_signed_commits,
    )


@dataclass(frozen=True)
class RecordVersion:
    """One commit's change to a record, with who and when (in the school's time zone)."""

    commit: str
    change: str  # A, M, R, D
    path: str
    old_path: str | None
    author: str
    author_email: str
    author_teacher: str | None
    committer: str
    committer_email: str
    author_time: dt.datetime
    commit_time: dt.datetime
    message: str
    changes: tuple[Change, ...] = ()
    pusher: str | None = None  # who pushed it (the server's push log), when known
    received: dt.datetime | None = None  # when the server received it (the push log)
    signature: str = ""  # the signature as the registered keys say, when checked


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at, about one record (or the whole history)."""

    kind: str  # a key of FLAG_LABELS
    path: str
    semester: str
    mentor: str
    students: tuple[str, ...]
    commit: str | None
    when: dt.datetime | None
    who: str
    detail: str

    @property
    def label(self) -> str:
        return FLAG_LABELS[self.kind]


@dataclass(frozen=True)
class RecordHistory:
    """A record's whole history: where it is (or was), its own date, versions, flags."""

    path: str
    semester: str
    mentor: str
    kind: str
    date: dt.date | None  # the record's own date (its ``date`` field), never a commit date
    students: tuple[str, ...]
    versions: tuple[RecordVersion, ...]
    deleted: bool
    flags: tuple[Flag, ...] = ()

    @property
    def first(self) -> RecordVersion:
        return self.versions[0]

    @property
    def anchor(self) -> str:
        return self.path.rsplit("/", 1)[-1].removesuffix(".md")


@dataclass
class CloseTag:
    """A semester's close tag and the commits it closed."""

    semester: str
    tag: str
    commit: str
    tagger: str
    time: dt.datetime | None
    closed: frozenset[str] = frozenset()


@dataclass
class Audit:
    """Every record's history and flags, plus the close tags found."""

    settings: AuditSettings
    timezone: ZoneInfo
    index: HistoryIndex
    records: dict[str, RecordHistory] = field(default_factory=dict)  # by (last) path
    closes: dict[str, CloseTag] = field(default_factory=dict)
    general: list[Flag] = field(default_factory=list)  # not about one record
    push_log: PushLog | None = None  # the server's push log, when found
    pushes: dict[str, tuple[Push, PushedCommit]] = field(default_factory=dict)  # by commit
    push_findings: list[str] = field(default_factory=list)  # where log and history disagree
    # the files the commits since the audit it was refreshed from wrote, renamed or deleted
    # (None: built whole, not refreshed)
    committed: set[str] | None = None

    # made on first use and kept while ``records`` and ``general`` stay as they were: every
    # student's history page and every mentor's, class and school page ask, so one pass over
    # all records each would make a site build quadratic
    _lookups: tuple[tuple[int, int, int], _Lookups] | None = field(
        default=None, repr=False, compare=False
    )

    def _lookup(self) -> _Lookups:
        state = (id(self.records), len(self.records), len(self.general))
        if self._lookups is None or self._lookups[0] != state:
            self._lookups = (state, _Lookups(self))
        return self._lookups[1]

    def carry_lookups(self, old: Audit, touched: set[str]) -> None:
        """Take ``old``'s lookups, if made, with the ``touched`` records' students looked up
        again (``self`` is ``old`` refreshed: the same records elsewhere)."""
        found = old._lookups
        if found is None or found[0] != (id(old.records), len(old.records), len(old.general)):
            return
        if any(p not in self.records for p in old.records):
            return
        state = (id(self.records), len(self.records), len(self.general))
        self._lookups = (state, found[1].carried(old, self, touched))

    def flags(self, semester: str | None = None) -> list[Flag]:
        """Every flag, optionally of one semester, in a stable order."""
        return list(self._lookup().flags(semester))

    def of_student(self, student_id: str) -> list[RecordHistory]:
        """The histories of a student's records (also deleted ones), by date and path."""
        return list(self._lookup().by_student.get(student_id, ()))

    def of_mentor(self, semester: str, mentor: str) -> list[RecordHistory]:
        found = [r for r in self.records.values() if r.semester == semester and r.mentor == mentor]
        return sorted(found, key=lambda r: (r.date or dt.date.min, r.path))


class _Lookups:
    """The audit's records by student, and its flags by semester: one pass for all."""

    def __init__(self, audit: Audit) -> None:
        by_student: dict[str, list[RecordHistory]] = {}
        for r in audit.records.values():
            for sid in dict.fromkeys(r.students):
                by_student.setdefault(sid, []).append(r)
        for found in by_student.values():
            found.sort(key=lambda r: (r.date or dt.date.min, r.path))
        self.by_student = by_student
        self.all_flags = sorted(
            [f for r in audit.records.values() for f in r.flags] + audit.general, key=_flag_order
        )
        self._of_semester: dict[str, list[Flag]] = {}

    def carried(self, old: Audit, new: Audit, touched: set[str]) -> _Lookups:
        """These lookups (of ``old``) for ``new``, an audit whose records differ from
        ``old``'s only at the ``touched`` paths and whose general flags were made again:
        only the students of those records are looked up again (an update's cost)."""
        lookups = _Lookups.__new__(_Lookups)
        histories = [h for p in touched for h in (old.records.get(p), new.records.get(p)) if h]
        by_student = dict(self.by_student)
        for sid in {sid for h in histories for sid in h.students}:
            found = [r for r in by_student.get(sid, ()) if r.path not in touched]
            found += [new.records[p] for p in touched if sid in _students_of(new, p)]
            found.sort(key=lambda r: (r.date or dt.date.min, r.path))
            if found:
                by_student[sid] = found
            else:
                by_student.pop(sid, None)
        lookups.by_student = by_student
        stale = {id(f) for f in old.general}
        stale.update(id(f) for p in touched if (h := old.records.get(p)) for f in h.flags)
        kept = [f for f in self.all_flags if id(f) not in stale]
        fresh = [f for p in new.records if p in touched for f in new.records[p].flags]
        lookups.all_flags = sorted([*kept, *fresh, *new.general], key=_flag_order)
        lookups._of_semester = {}
        return lookups

    def flags(self, semester: str | None) -> list[Flag]:
        if semester is None:
            return self.all_flags
        if semester not in self._of_semester:
            wanted = (semester, "")
            self._of_semester[semester] = [f for f in self.all_flags if f.semester in wanted]
        return self._of_semester[semester]


def _students_of(audit: Audit, path: str) -> dict[str, None]:
    found = audit.records.get(path)
    return dict.fromkeys(found.students) if found is not None else {}


def _flag_order(f: Flag) -> tuple[str, str, str, str, str]:
    when = f.when.isoformat() if f.when else ""
    return (f.semester, f.mentor, f.path, when, f.kind)


def teacher_emails(root: Path, school: School) -> dict[str, str]:
    """E-mail (lower case) → teacher ID: ``email`` and the optional ``git_emails`` list."""
    found = {t.email.lower(): t.id for t in school.teachers.values() if t.email}
    try:
        raw = (root / "people/teachers.yaml").read_bytes()
    except OSError:
        return found
    data = plain(parse_bytes(raw, "people/teachers.yaml", markdown=False).data)
    items = data.get("teachers") if isinstance(data, dict) else None
    for item in items if isinstance(items, list) else []:
        extra = item.get("git_emails") if isinstance(item, dict) else None
        if isinstance(extra, list) and isinstance(item.get("id"), str):
            found.update({str(e).lower(): item["id"] for e in extra})
    return found


def _moment(seconds: int, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, zone)


def read_close_tags(
    root: Path, settings: AuditSettings, index: HistoryIndex, zone: ZoneInfo
) -> dict[str, CloseTag]:
    """Each semester's close tag (by the ``close_tag`` pattern) and the commits it closed."""
    prefix, _, suffix = settings.close_tag.partition("{semester}")
    out = git(
        root,
        "for-each-ref",
        "--format=%(refname:strip=2)%00%(objectname)%00%(*objectname)%00%(taggername)%00%(taggerdate:unix)",
        "refs/tags/",
    ).decode("utf-8", "replace")
    found: dict[str, CloseTag] = {}
    for line in out.splitlines():
        name, obj, peeled, tagger, when = (line.split("\0") + [""] * 5)[:5]
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        semester = name[len(prefix) : len(name) - len(suffix) if suffix else None]
        commit = peeled or obj
        moment = _moment(int(when), zone) if when.isdigit() else None
        found[semester] = CloseTag(
            semester, name, commit, tagger, moment, frozenset(index.ancestors(commit))
        )
    return found


def signature_status(root: Path, commits: Iterable[str]) -> dict[str, tuple[str, str | None]]:
    """Each commit's (``%G?``, signer): G good, U a key nobody registered, N none, B bad …

    The keys are the teachers' ``signing_keys`` in ``people/teachers.yaml`` (the signer is
    then the teacher's ID); without any, git's ``gpg.ssh.allowedSignersFile`` (or GPG's
    keyring). Answers are cached by commit, salted with the keys, since verifying runs
    gpg or ssh-keygen once per signed commit.
    """
    wanted = sorted(set(commits))
    try:
        raw = (root / "people/teachers.yaml").read_bytes()
        items = plain(parse_bytes(raw, "people/teachers.yaml", markdown=False).data) or {}
    except OSError:
        items = {}
    text = signers_text(items.get("teachers") or [] if isinstance(items, dict) else [])
    configured = git(root, "config", "--get", "gpg.ssh.allowedSignersFile", check=False).strip()
    salt = hashlib.sha256(text.encode() + b"\0" + configured)
    with contextlib.suppress(OSError):
        salt.update(Path(configured.decode()).expanduser().read_bytes() if configured else b"")
    store = cache_dir(root) / "signatures.pickle"
    cached = _load(store)
    known: dict[str, tuple[str, str | None]] = (
        cached["status"]
        if isinstance(cached, dict) and cached.get("salt") == salt.hexdigest()
        else {}
    )
    missing = [c for c in wanted if c not in known]
    if missing:
        if text:
            with Signers(text) as signers:
                known.update(commit_signatures(signers, missing, root))
        else:
            out = git(
                root,
                "-c",
                "log.showSignature=false",
                "log",
                "--no-walk=unsorted",
                "--stdin",
                "--format=%H%x00%G?%x00%GS",
                input="".join(f"{c}\n" for c in missing).encode(),
            ).decode("utf-8", "replace")
            for line in out.splitlines():
                cid, status, signer = [*line.split("\0"), "", ""][:3]
                known[cid] = (status or "N", signer if status == "G" and signer else None)
        _dump(store, {"salt": salt.hexdigest(), "status": known})
    return {c: known.get(c, ("N", None)) for c in wanted}


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
