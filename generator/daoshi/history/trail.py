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
    "rewritten": "历史被改写（强制推送）",
}


# %G? letters git-verify-commit counts as a good signature
GOOD_SIGNATURES = frozenset("GU")


SIGNATURE_LABELS = {
    "N": "没有签名",
    "B": "签名无效",
    "E": "签名无法验证（缺少公钥或允许签名者名单）",
    "X": "签名已过期",
    "Y": "签名密钥已过期",
    "R": "签名密钥已吊销",
}


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

    def flags(self, semester: str | None = None) -> list[Flag]:
        """Every flag, optionally of one semester, in a stable order."""
        found = [f for r in self.records.values() for f in r.flags] + self.general
        if semester is not None:
            found = [f for f in found if f.semester in (semester, "")]
        return sorted(found, key=_flag_order)

    def of_student(self, student_id: str) -> list[RecordHistory]:
        found = [r for r in self.records.values() if student_id in r.students]
        return sorted(found, key=lambda r: (r.date or dt.date.min, r.path))

    def of_mentor(self, semester: str, mentor: str) -> list[RecordHistory]:
        found = [r for r in self.records.values() if r.semester == semester and r.mentor == mentor]
        return sorted(found, key=lambda r: (r.date or dt.date.min, r.path))


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


def signature_status(root: Path, commits: Iterable[str]) -> dict[str, str]:
    """``%G?`` of each commit (G good, U good but untrusted key, N none, B bad, E unknown key ...).

    The answers are cached by commit, salted with the allowed-signers file's content, since
    verifying runs gpg or ssh-keygen once per signed commit.
    """
    wanted = sorted(set(commits))
    signers = git(root, "config", "--get", "gpg.ssh.allowedSignersFile", check=False).strip()
    salt = hashlib.sha256(signers)
    with contextlib.suppress(OSError):
        salt.update(Path(signers.decode()).expanduser().read_bytes() if signers else b"")
    store = cache_dir(root) / "signatures.pickle"
    cached = _load(store)
    known: dict[str, str] = (
        cached["status"]
        if isinstance(cached, dict) and cached.get("salt") == salt.hexdigest()
        else {}
    )
    missing = [c for c in wanted if c not in known]
    if missing:
        out = git(
            root,
            "log",
            "--no-walk=unsorted",
            "--stdin",
            "--format=%H %G?",
            input="".join(f"{c}\n" for c in missing).encode(),
        ).decode()
        for line in out.splitlines():
            cid, _, status = line.partition(" ")
            known[cid] = status or "N"
        _dump(store, {"salt": salt.hexdigest(), "status": known})
    return {c: known.get(c, "N") for c in wanted}


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")
