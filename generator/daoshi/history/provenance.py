"""Who pushed each commit and when the server received it: the push log in the audit.

``attach_push_log`` finds the log (``history.pushlog.find_push_log``), reads it and checks
it against the server's repository beside it (a log copied elsewhere is checked against
the local clone, up to where that clone is); what does not agree becomes ``push_log``
flags. ``provenance`` gives a version its pusher, its receive time and its signature as
the registered keys say; the flags read them (``history.flags``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from daoshi import git as gitcmd
from daoshi.history.pushlog import (
    Push,
    PushLog,
    RepositoryState,
    find_push_log,
    read_push_log,
    verify,
)
from daoshi.history.signing import STATUS_TEXT
from daoshi.history.trail import Audit, RecordVersion

ZERO = "0" * 40


def _git(cwd: Path, *args: str) -> str:
    done = gitcmd.run(*args, cwd=cwd, check=False)
    return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else ""


def _branch(log: PushLog) -> str:
    for push in reversed(log.pushes):
        for ref, _, _ in push.updates:
            if ref.startswith("refs/heads/"):
                return ref
    return "refs/heads/main"


def repository_state(cwd: Path, branch: str, tip_rev: str) -> RepositoryState:
    tip = _git(cwd, "rev-parse", "-q", "--verify", f"{tip_rev}^{{commit}}").strip() or None
    history = frozenset(_git(cwd, "rev-list", tip).split()) if tip else frozenset()
    tags = {}
    for line in _git(cwd, "for-each-ref", "--format=%(refname) %(objectname)", "refs/tags/").split(
        "\n"
    ):
        ref, _, obj = line.partition(" ")
        if obj:
            tags[ref] = obj
    return RepositoryState(branch, tip, history, tags)


def check_push_log(log: PushLog, root: Path) -> list[str]:
    """The findings of ``verify`` against the repository the log belongs to (the bare
    repository it lies in), else against ``root``'s HEAD as far as it goes."""
    branch = _branch(log)
    bare = log.path.parent.parent
    notes: list[str] = []
    if (bare / "objects").is_dir() and (bare / "HEAD").is_file():
        cwd, state = bare, repository_state(bare, branch, branch)
    else:
        cwd, state = root, repository_state(root, branch, "HEAD")
        ends = [p.n for p in log.pushes if (p.update_of(branch) or ("", ""))[1] == state.tip]
        if ends:  # the clone stops at a logged push: check the log up to there
            log = PushLog(log.path, [p for p in log.pushes if p.n <= ends[-1]], log.problems)
        notes.append("推送日志旁没有服务器仓库，按本地仓库核对（本地可能落后于服务器）")
    first = next((u for p in log.pushes if (u := p.update_of(branch))), None)
    since = _git(cwd, "rev-list", first[0]).split() if first and first[0] != ZERO else []
    return notes + verify(log, state, since)


def attach_push_log(audit: Audit, root: Path, path: Path | None = None) -> None:
    """Read the push log into ``audit`` (nothing when there is none)."""
    path = path or find_push_log(root)
    if path is None:
        return
    log = read_push_log(path)
    audit.push_log = log
    audit.pushes = log.by_commit()
    audit.push_findings = check_push_log(log, root)


def provenance(
    audit: Audit, commit: str, signature: tuple[str, str | None] | None
) -> dict[str, object]:
    """A version's pusher, receive time and signature text (RecordVersion's fields)."""
    found: dict[str, object] = {}
    pushed = audit.pushes.get(commit)
    if pushed is not None:
        push: Push = pushed[0]
        found["pusher"] = push.who
        found["received"] = dt.datetime.fromtimestamp(push.received, audit.timezone)
    if signature is not None:
        status, signer = signature
        text = STATUS_TEXT.get(status, "签名无法验证")
        found["signature"] = f"{text}（{signer} 的密钥）" if signer else text
    return found


def provenance_text(v: RecordVersion) -> str:
    """``推送者 …，服务器接收于 …；签名有效（T001 的密钥）`` for a version (or "")."""
    parts = []
    if v.pusher:
        received = v.received.strftime("%Y-%m-%d %H:%M") if v.received else "—"
        parts.append(f"推送者 {v.pusher}，服务器接收于 {received}")
    if v.signature:
        parts.append(v.signature)
    return "；".join(parts)


def push_log_parts(summary: tuple[int, str] | None) -> tuple[str, str, str]:
    """What a review says of the server's push log: how many pushes, the chain's value to
    write down (docs/audit.md), or that there is none; as the text before the value, the
    value (empty when there is no log) and the text after it, so a page can set the value
    apart as what a reviewer copies."""
    if summary is None:
        return "推送日志：未找到（谁推送、服务器何时接收无法核对；时间只是提交里写的）。", "", ""
    count, head = summary
    return f"推送日志：{count} 次推送，最后一行的校验值 ", head[:16], "（请抄下，下次审核时核对）。"


def push_log_text(summary: tuple[int, str] | None) -> str:
    """``push_log_parts`` as one line of text."""
    return "".join(push_log_parts(summary))
