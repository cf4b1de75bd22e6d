"""The server's push log: who pushed which commits, and when the server received them.

The pre-receive hook appends one JSON line per accepted push to
``<bare repository>/daoshi/push-log.jsonl`` before it says yes (``write.pushlog``): the
hosting layer's user and the teacher, the server's clock, every ref update and every new
commit (its author, committer and both dates as the commit says them, its signature). The
file lives beside git's data, not in it: no push can change it. Each line carries the
SHA-256 of the line before (``prev``), so a line changed or taken out breaks the chain.

An auditor reads it with the repository (``verify``): every landed push's commits must be
in the branch's history, the branch must have moved only by logged pushes, and every commit
of the branch since the log began must have come by one. A fresh auditor needs nothing
else to find commits dropped or changed on the server. What the log cannot do alone: a
person with the server's files (root) can rewrite both the repository and the whole log
consistently; the chain's last value (shown on every review) kept elsewhere, or signed
pushes, say whether that happened (docs/audit.md).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi import git as gitcmd

LOG_DIR = "daoshi"
LOG_NAME = "push-log.jsonl"
ENV = "DAOSHI_PUSH_LOG"


@dataclass(frozen=True)
class PushedCommit:
    """A commit as a push brought it (what the commit says of itself, at that moment)."""

    id: str
    author: str
    author_email: str
    author_time: int
    committer_time: int
    signer: str | None = None  # the registered teacher whose key signed it (when checked)
    signature: str = ""  # git's %G? when the school requires signing, else ""


@dataclass(frozen=True)
class Push:
    """One accepted push: its number, when the server received it, who, what."""

    n: int
    received: int  # seconds since the epoch, the server's clock
    user: str  # the hosting layer's user name
    teacher: str | None
    admin: bool
    updates: tuple[tuple[str, str, str], ...]  # (ref, old, new)
    commits: tuple[PushedCommit, ...]
    void: bool = False  # a later push found that its refs never moved (a lost race)

    def update_of(self, ref: str) -> tuple[str, str] | None:
        return next(((old, new) for r, old, new in self.updates if r == ref), None)

    @property
    def who(self) -> str:
        return self.teacher or self.user


@dataclass
class PushLog:
    """The log as read: its pushes, problems with the file itself, the chain's last value."""

    path: Path
    pushes: list[Push] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    head: str = ""  # SHA-256 of the last line: what an auditor writes down

    def by_commit(self) -> dict[str, tuple[Push, PushedCommit]]:
        """Each logged commit of a push that landed, with that push."""
        found: dict[str, tuple[Push, PushedCommit]] = {}
        for push in self.pushes:
            if not push.void:
                for c in push.commits:
                    found.setdefault(c.id, (push, c))
        return found


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def log_path(git_dir: Path) -> Path:
    return git_dir / LOG_DIR / LOG_NAME


def _commit(data: Mapping[str, Any]) -> PushedCommit:
    return PushedCommit(
        str(data["id"]),
        str(data.get("author", "")),
        str(data.get("author_email", "")),
        int(data.get("author_time", 0)),
        int(data.get("commit_time", 0)),
        data.get("signer") if isinstance(data.get("signer"), str) else None,
        str(data.get("signature", "")),
    )


def _push(data: Mapping[str, Any]) -> Push:
    updates = tuple((str(u["ref"]), str(u["old"]), str(u["new"])) for u in data["updates"])
    teacher = data.get("teacher")
    return Push(
        int(data["n"]),
        int(data["received"]),
        str(data.get("user", "")),
        teacher if isinstance(teacher, str) else None,
        bool(data.get("admin", False)),
        updates,
        tuple(_commit(c) for c in data.get("commits", [])),
    )


def read_push_log(path: Path) -> PushLog:
    """Read and check the chain (each line's ``prev`` is the hash of the line before)."""
    log = PushLog(path)
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        log.problems.append(f"推送日志 {path} 无法读取：{exc.strerror or exc}")
        return log
    prev, by_n = "", dict[int, Push]()
    for number, line in enumerate((x for x in lines if x), 1):
        try:
            data = json.loads(line)
            if data.get("prev", "") != prev:
                log.problems.append(f"推送日志第 {number} 行的校验值不接续上一行：日志被改动过")
            if data.get("n") != number:
                log.problems.append(
                    f"推送日志第 {number} 行的编号是 {data.get('n')}：有行被删除或插入"
                )
            if "void" in data:
                target = by_n.get(int(data["void"]))
                if target is not None:
                    log.pushes[log.pushes.index(target)] = _void(target)
            else:
                push = _push(data)
                by_n[push.n] = push
                log.pushes.append(push)
        except (ValueError, KeyError, TypeError, AttributeError):
            log.problems.append(f"推送日志第 {number} 行无法读取：日志被改动或损坏")
        prev = line_hash(line)
    log.head = prev
    return log


def _void(push: Push) -> Push:
    return Push(push.n, push.received, push.user, push.teacher, push.admin, push.updates, (), True)


def find_push_log(root: Path) -> Path | None:
    """The push log of the records repository at ``root``: ``$DAOSHI_PUSH_LOG``, else
    ``git config daoshi.pushLog``, else the log of the bare repository ``origin`` is when
    that is a folder on this machine (a site built on the server)."""
    named = os.environ.get(ENV) or _config(root, "daoshi.pushLog")
    if named:
        return Path(named).expanduser()
    origin = _config(root, "remote.origin.url")
    if origin and "://" not in origin and ":" not in origin.split("/", 1)[0]:
        bare = Path(origin) if os.path.isabs(origin) else (root / origin).resolve()
        candidate = log_path(bare)
        if candidate.is_file():
            return candidate
    return None


def _config(root: Path, key: str) -> str:
    done = gitcmd.run("config", "--get", key, cwd=root, check=False)
    return done.stdout.decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class RepositoryState:
    """What ``verify`` compares the log with: a branch's tip and history, the tags."""

    branch: str  # refs/heads/main
    tip: str | None
    history: frozenset[str]  # every commit reachable from the tip
    tags: Mapping[str, str]  # refs/tags/… → object


def verify(log: PushLog, state: RepositoryState, since: Iterable[str] = ()) -> list[str]:
    """What the log and the repository disagree on (in Chinese, one finding a line).

    ``since`` are the commits the branch had before the log began (reachable from the
    first logged push's old tip), which no push brought.
    """
    found = list(log.problems)
    pushes = list(log.pushes)
    moving = [p for p in pushes if not p.void and p.update_of(state.branch)]
    if moving:  # the last push was checked and logged, but its ref never moved
        old, new = moving[-1].update_of(state.branch) or ("", "")
        if state.tip == old and new not in state.history:
            pushes[pushes.index(moving[-1])] = _void(moving[-1])
            found.append(f"推送日志第 {moving[-1].n} 条（{moving[-1].who}）没有生效：分支没有更新")
    head: str | None = None
    started = False
    for push in pushes:
        moved = push.update_of(state.branch)
        if push.void or moved is None:
            continue
        old, new = moved
        if started and old != head:
            found.append(
                f"推送日志第 {push.n} 条（{push.who}）之前，{_short(state.branch)} 从 "
                f"{_id(head)} 变成了 {_id(old)}，没有经过推送日志：有人绕过了钩子"
            )
        started, head = True, new
        for c in push.commits:
            if c.id not in state.history:
                found.append(
                    f"推送日志第 {push.n} 条中 {push.who} 推送的提交 {c.id[:10]} 不在当前历史中："
                    "它被删除或改动过"
                )
    if started and state.tip != head:
        found.append(
            f"{_short(state.branch)} 现在是 {_id(state.tip)}，推送日志最后记录的是 {_id(head)}："
            "分支在日志之外被改动过"
        )
    logged = {c.id for p in pushes if not p.void for c in p.commits}
    strays = state.history - logged - set(since)
    if started and strays:
        listed = "、".join(sorted(s[:10] for s in strays)[:5])
        more = f"等 {len(strays)} 个" if len(strays) > 5 else ""
        found.append(f"提交 {listed}{more}在当前历史中，却没有经过任何一次推送")
    for push in pushes:
        for ref, _, new in push.updates:
            closing = ref.startswith("refs/tags/close/") and not push.void and new.strip("0")
            if closing and state.tags.get(ref) != new:
                found.append(
                    f"结档标签 {ref[len('refs/tags/') :]} 在推送日志第 {push.n} 条中指向 "
                    f"{new[:10]}，现在{'不存在' if ref not in state.tags else '被移动了'}"
                )
    return found


def _short(ref: str) -> str:
    return ref.removeprefix("refs/heads/")


def _id(sha: str | None) -> str:
    return sha[:10] if sha else "（无）"
