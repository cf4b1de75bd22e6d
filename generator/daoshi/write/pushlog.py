"""The pre-receive hook's last act: write the accepted push into the push log.

``history.pushlog`` says what the log holds and how it is read. Here it is written, under
its own lock: one JSON line, chained to the line before, flushed to disk before the hook
says yes; if that fails, the push is refused (W723). A push accepted by its hook can still
lose its ref update to a concurrent push; the next push settles that (it waits for the
earlier push's receive-pack while it runs, then writes a ``void`` line when the branch
never moved) and is itself refused when the branch moved under it (W726). ``prepare``
sets what an auditor needs in a new server repository.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.history.pushlog import line_hash, log_path
from daoshi.messages import problem
from daoshi.write.commits import Commit
from daoshi.write.identity import Pusher
from daoshi.write.refs import ZERO, RefUpdate

WAIT_SECONDS = 30.0  # how long a push waits for an earlier one's ref update to finish

# what the server repository keeps for an auditor (docs/deploy.md): every ref update in a
# reflog (tags too), reflogs and unreachable objects never expired, no forced update even
# if the hook were removed
AUDIT_CONFIG = (
    ("core.logAllRefUpdates", "always"),
    ("gc.reflogExpire", "never"),
    ("gc.reflogExpireUnreachable", "never"),
    ("gc.pruneExpire", "never"),
    ("receive.denyNonFastForwards", "true"),
)


def prepare(git: Repository) -> Path:
    """Set ``AUDIT_CONFIG`` and make the push log's folder; the log's path."""
    for key, value in AUDIT_CONFIG:
        git.run("config", key, value)
    path = log_path(git.git_dir)
    path.parent.mkdir(exist_ok=True)
    path.touch()
    return path


def record_push(
    git: Repository,
    pusher: Pusher,
    updates: list[RefUpdate],
    commits: list[Commit],
    main: str,
    signatures: Mapping[str, tuple[str, str | None]] | None = None,
) -> Problem | None:
    """Append the push (None), or the problem that refuses it."""
    path = log_path(git.git_dir)
    where = Location(main)
    try:
        path.parent.mkdir(exist_ok=True)
        with (path.parent / "push-log.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            lines = [x for x in path.read_bytes().split(b"\n") if x] if path.exists() else []
            with path.open("ab") as out:
                if lines:
                    lines += _settle(git, out, lines, main)
                moving = next((u for u in updates if u.ref == main), None)
                now = git.resolve(main) or ZERO
                if moving is not None and moving.old != now:
                    n = len(lines)
                    return problem(where, "W726", branch=main.removeprefix("refs/heads/"), entry=n)
                entry = _entry(len(lines) + 1, pusher, updates, commits, signatures or {})
                _append(out, entry, lines[-1] if lines else None)
    except OSError as exc:
        return problem(where, "W723", error=exc.strerror or str(exc))
    return None


def _entry(
    n: int,
    pusher: Pusher,
    updates: list[RefUpdate],
    commits: list[Commit],
    signatures: Mapping[str, tuple[str, str | None]],
) -> dict[str, Any]:
    now = time.time()
    return {
        "n": n,
        "received": int(now),
        "time": dt.datetime.fromtimestamp(int(now), dt.UTC).isoformat(),
        "user": pusher.user,
        "teacher": pusher.teacher,
        "admin": pusher.admin,
        "pid": os.getppid(),  # git receive-pack, which updates the refs after the hook
        "updates": [{"ref": u.ref, "old": u.old, "new": u.new} for u in updates],
        "commits": [
            {
                "id": c.sha,
                "author": c.author,
                "author_email": c.author_email,
                "author_time": c.author_time,
                "commit_time": c.commit_time,
                **(
                    {"signature": signatures[c.sha][0], "signer": signatures[c.sha][1]}
                    if c.sha in signatures
                    else {}
                ),
            }
            for c in commits
        ],
    }


def _append(out: Any, entry: dict[str, Any], previous: bytes | None) -> bytes:
    entry["prev"] = line_hash(previous) if previous is not None else ""
    line = json.dumps(entry, ensure_ascii=False, sort_keys=True).encode("utf-8")
    out.write(line + b"\n")
    out.flush()
    os.fsync(out.fileno())
    return line


def _settle(git: Repository, out: Any, lines: list[bytes], main: str) -> list[bytes]:
    """The last logged push that moves ``main`` but has not moved it (yet): wait while
    its receive-pack runs, then write it off as ``void`` when the branch never moved."""
    try:
        last = json.loads(lines[-1])
        update = next(u for u in last["updates"] if u["ref"] == main)
    except (ValueError, KeyError, TypeError, StopIteration):
        return []
    deadline = time.monotonic() + WAIT_SECONDS
    while (git.resolve(main) or ZERO) == update["old"] != update["new"]:
        if not _alive(last.get("pid")) or time.monotonic() > deadline:
            void = {
                "n": len(lines) + 1,
                "void": last["n"],
                "received": int(time.time()),
                "reason": "分支没有更新（引用更新失败或被并发推送抢先）",
            }
            return [_append(out, void, lines[-1])]
        time.sleep(0.05)
    return []


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 1:
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:  # there, but another user's
        return True
    except ProcessLookupError:
        return False
    return True
