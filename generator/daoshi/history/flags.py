"""The flags reviewers see (``FLAG_LABELS``): a record committed long after its date
(backdated), changed after its semester's close tag (late edit), written or changed by a
teacher other than its mentor, deleted (with its last content's author and date),
committed by someone who is not a known teacher, unsigned or unverifiable commits when the
school requires signing; and flags about the history itself (rewrites, lost close tags).
"""

from __future__ import annotations

from typing import Protocol

from daoshi.history.content import (
    CHANGE_LABELS,
)
from daoshi.history.trail import (
    GOOD_SIGNATURES,
    SIGNATURE_LABELS,
    Audit,
    Flag,
    RecordHistory,
    RecordVersion,
    _clock,
    _moment,
)
from daoshi.records.model import School


class FlagSource(Protocol):
    """What the flags of a record read: the audit so far, the school, the signatures."""

    audit: Audit
    school: School
    signatures: dict[str, str]

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
