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

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daoshi.cache import _dump, _load, cache_dir
from daoshi.history.gitlog import Commit, git
from daoshi.history.index import Contents, FileHistory, HistoryIndex, load_history
from daoshi.records.forms import FieldForm, Forms, KindForm, plain
from daoshi.records.layout import JOURNAL, record_path
from daoshi.records.model import School
from daoshi.records.sources import parse_bytes

BODY = "正文"
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
CHANGE_LABELS = {"A": "新增", "M": "修改", "R": "改名", "D": "删除"}
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


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a record changed by a version; ``old``/``new`` as display text."""

    field: str  # the form's field name, or "正文" for the body
    label: str
    old: str | None
    new: str | None
    level: str  # the field's sensitivity level in the record's form


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


# -- reading contents and diffing them ----------------------------------------------------


@dataclass(frozen=True)
class Content:
    """A record version's front matter (plain values) and body."""

    fields: Mapping[str, Any]
    body: str


def parse_content(raw: bytes | None, path: str) -> Content:
    """A version's content; a front matter that does not parse is kept as text under "头部"."""
    if raw is None:
        return Content({}, "")
    parsed = parse_bytes(raw, path, markdown=True)
    data = plain(parsed.data)
    if isinstance(data, dict):
        return Content(data, parsed.body or "")
    text = raw.decode("utf-8", "replace")
    return Content({"头部": text.split("\n---\n", 1)[0]}, parsed.body or "")


def display(value: Any, form: Any = None) -> str:
    """A field value as text: enum labels, dates as YYYY-MM-DD, lists joined with 、."""
    if value is None:
        return ""
    values = getattr(form, "values", None) or {}
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str | int | float | dt.date):
        label = values.get(value) if isinstance(value, str) else None
        return label.zh if label is not None else str(value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        items = getattr(form, "items", None)
        return "、".join(display(v, items) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _highest(spec: FieldForm, forms: Forms) -> str:
    """A field's level, raised to the most sensitive of its nested fields: a changed list of
    help-plan stages is shown whole, so it is as sensitive as its most sensitive part."""
    levels = [spec.sensitivity]
    if spec.items is not None:
        levels.append(_highest(spec.items, forms))
    levels += [_highest(f, forms) for f in spec.fields.values()]
    return max(levels, key=forms.level_rank)


def diff_contents(old: Content, new: Content, form: KindForm | None, forms: Forms) -> list[Change]:
    """The fields that differ, in the form's order, then the body."""
    top = forms.levels[-1].id if forms.levels else "confidential"
    order = list(form.fields) if form else []
    names = order + sorted((old.fields.keys() | new.fields.keys()) - set(order))
    changes = []
    for name in names:
        a, b = old.fields.get(name), new.fields.get(name)
        if a == b:
            continue
        spec = form.fields.get(name) if form else None
        level = _highest(spec, forms) if spec else (form.sensitivity if form else top)
        label = spec.label.zh if spec else name
        changes.append(
            Change(
                name,
                label,
                display(a, spec) if name in old.fields else None,
                display(b, spec) if name in new.fields else None,
                level,
            )
        )
    if old.body != new.body:
        level = form.body.sensitivity if form else top
        changes.append(Change(BODY, BODY, old.body, new.body, level))
    return changes


# -- building the audit ---------------------------------------------------------------------


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
        self.signatures: dict[str, str] = {}

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
    return () if subject == "group" else (subject,)


def _with_flags(record: RecordHistory, b: _Builder) -> RecordHistory:
    return RecordHistory(**{**record.__dict__, "flags": tuple(record_flags(record, b))})


def record_flags(record: RecordHistory, b: _Builder) -> list[Flag]:
    """The flags of one record's history (see the module docstring)."""
    settings = b.audit.settings
    teachers = b.school.teachers
    flags: list[Flag] = []

    def flag(kind: str, v: RecordVersion, detail: str) -> None:
        who = b.who_version(v)
        flags.append(
            Flag(
                kind,
                record.path,
                record.semester,
                record.mentor,
                record.students,
                v.commit,
                v.author_time,
                who,
                detail,
            )
        )

    first = record.first
    entered = max(first.author_time, first.commit_time).date()
    late = (entered - record.date).days if record.date else 0
    if late > settings.backdate_days:
        flag("backdated", first, f"记录日期 {record.date}，首次提交于 {entered}，晚 {late} 天")
    close = b.audit.closes.get(record.semester)
    if close is not None and close.commit not in b.audit.index.commits:
        close = None  # the tag is not in this history: a general flag says so
    mentor = teachers[record.mentor].name if record.mentor in teachers else record.mentor
    for v in record.versions:
        action = "提交" if v is first else CHANGE_LABELS[v.change]
        if close is not None and v.commit not in close.closed:
            flag("late_edit", v, f"{action}于 {_clock(v.commit_time)}，在 {close.tag} 结档之后")
        if v.author_teacher is None:
            flag("unknown_author", v, f"{action}者 {v.author} <{v.author_email}> 不在教师名单中")
        elif v.author_teacher != record.mentor:
            flag(
                "other_editor", v, f"{b.who_version(v)}{action}了{mentor}（{record.mentor}）的记录"
            )
        status = b.signatures.get(v.commit)
        if settings.require_signed and status not in GOOD_SIGNATURES:
            flag(
                "unsigned",
                v,
                f"提交 {v.commit[:10]} {SIGNATURE_LABELS.get(status or 'N', '签名无法验证')}",
            )
    if record.deleted:
        deletion = record.versions[-1]
        last = record.versions[-2] if len(record.versions) > 1 else deletion
        flag(
            "deleted",
            deletion,
            f"最后内容由 {b.who_version(last)} 提交（作者时间 {_clock(last.author_time)}），"
            f"{b.who_version(deletion)} 于 {_clock(deletion.commit_time)} 删除",
        )
    return flags


def general_flags(audit: Audit) -> list[Flag]:
    """Flags about the history itself: rewrites seen, close tags no longer in the history."""
    flags = []
    for rw in audit.index.rewrites:
        when = _moment(rw.seen_at, audit.timezone)
        flags.append(
            Flag(
                "rewritten",
                "",
                "",
                "",
                (),
                rw.new_head,
                when,
                "",
                f"原来的最新提交 {rw.old_head[:10]} 已不在历史中（于 {_clock(when)} 发现）",
            )
        )
    for close in audit.closes.values():
        if close.commit not in audit.index.commits:
            flags.append(
                Flag(
                    "rewritten",
                    "",
                    close.semester,
                    "",
                    (),
                    close.commit,
                    close.time,
                    close.tagger,
                    f"结档标签 {close.tag} 指向的提交 {close.commit[:10]} 不在当前历史中",
                )
            )
    return flags


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


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
    journal = [h for h in index.files.values() if JOURNAL.match(h.path)]
    journal += [h for h in index.deleted if JOURNAL.match(h.path)]
    _Builder(root, school, audit).run(journal)
    audit.general = general_flags(audit)
    return audit


# -- the review of one semester ----------------------------------------------------------

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
    )


def flag_counts(flags: Iterable[Flag]) -> dict[str, int]:
    """How many flags of each kind, in FLAG_LABELS order, kinds with none left out."""
    found: dict[str, int] = {}
    for f in flags:
        found[f.kind] = found.get(f.kind, 0) + 1
    return {k: found[k] for k in FLAG_LABELS if k in found}
