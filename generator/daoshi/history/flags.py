"""The flags reviewers see (``FLAG_LABELS``): a record that reached the server long after
its date (backdated: by the push log's receive time where there is one, else the later git
date), changed after its semester's close tag (late edit), written or changed by a teacher
other than its mentor, deleted (with its last content's author and date), committed by
someone who is not a known teacher, pushed by someone other than its author, dated after
the server received it, unsigned or signed with a key that is not the author's when the
school requires signing; and flags about the history itself (rewrites, lost close tags,
the push log disagreeing with the repository).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Protocol

from daoshi.history.content import (
    CHANGE_LABELS,
)
from daoshi.history.signing import STATUS_TEXT
from daoshi.history.trail import (
    GOOD_SIGNATURES,
    Audit,
    Flag,
    RecordHistory,
    RecordVersion,
    _clock,
    _moment,
)
from daoshi.records.model import School

# a teacher's computer clock may be off by hours; a commit dated more than this after it
# reached the server (or after the audit, without a push log) was dated by hand
FUTURE_SLACK = dt.timedelta(days=1)


class FlagSource(Protocol):
    """What the flags of a record read: the audit so far, the school, the signatures."""

    audit: Audit
    school: School
    signatures: dict[str, tuple[str, str | None]]

    @property
    def now(self) -> dt.datetime: ...

    def who_version(self, v: RecordVersion) -> str: ...


def record_flags(record: RecordHistory, b: FlagSource) -> list[Flag]:
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
    entered = (first.received or max(first.author_time, first.commit_time)).date()
    late = (entered - record.date).days if record.date else 0
    if late > settings.backdate_days:
        how = "服务器接收于" if first.received else "首次提交于"
        flag("backdated", first, f"记录日期 {record.date}，{how} {entered}，晚 {late} 天")
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
        _push_flags(v, b, flag)
        status, signer = b.signatures.get(v.commit, ("N", None))
        if settings.require_signed and status not in GOOD_SIGNATURES:
            flag("unsigned", v, f"提交 {v.commit[:10]} {STATUS_TEXT.get(status, '签名无法验证')}")
        elif settings.require_signed and signer not in (v.author_teacher, v.pusher):
            who = _name(b, signer)
            flag(
                "wrong_signer",
                v,
                f"提交 {v.commit[:10]} 由 {who} 的密钥签名，作者是 {b.who_version(v)}",
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


def _name(b: FlagSource, teacher: str | None) -> str:
    found = b.school.teachers.get(teacher) if teacher else None
    return f"{found.name}（{teacher}）" if found else (teacher or "未登记的人")


def _push_flags(
    v: RecordVersion, b: FlagSource, flag: Callable[[str, RecordVersion, str], None]
) -> None:
    """What the push log says of a version: pushed by someone else, dated after it came."""
    if v.pusher is not None and v.pusher != v.author_teacher:
        flag("pusher_differs", v, f"作者 {b.who_version(v)}，推送者 {_name(b, v.pusher)}")
    arrived = v.received or b.now
    dated = max(v.author_time, v.commit_time)
    if dated - arrived > FUTURE_SLACK:
        when = "服务器接收" if v.received else "审计"
        flag(
            "future_dated",
            v,
            f"提交注明的时间 {_clock(dated)} 晚于{when}时间 {_clock(arrived)}：日期是假的",
        )


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
    for finding in audit.push_findings:
        flags.append(Flag("push_log", "", "", "", (), None, None, "", finding))
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
