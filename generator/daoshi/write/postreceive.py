"""After a push is accepted (``daoshi hook post-receive``): note it, start what follows, return.

The push is already in; nothing here may make the teacher wait or fail it. The hook writes
one small JSON file per push into the repository's spool (``<repo>/daoshi-spool/``: who,
when, which refs moved from what to what) and starts each command of the repository's
``daoshi.afterPush`` configuration in the background — the alert sender (``daoshi notify
send``), the builder's poke — detached from git, so a slow mail server or a long build
never holds the push. Those commands read the spool at their own pace; the spool is a
log (kept 90 days), never consumed, so a reader without write access to the repository
(the site's service user) keeps its own record of what it has done.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shlex
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from daoshi import git as gitdoor
from daoshi.git import Repository
from daoshi.write.delegate import DELEGATE_ENV, delegated, user_variable
from daoshi.write.refs import RefUpdate

SPOOL = "daoshi-spool"
KEEP_DAYS = 90
LOG = "after-push.log"


@dataclass(frozen=True)
class Push:
    """One accepted push as the spool keeps it."""

    id: str  # sortable: UTC time, then a random tail
    time: str  # ISO 8601 with the offset
    user: str  # the teacher (or account) the hook judged the push as
    delegate: str  # the service that pushed for them ("" for a direct push)
    updates: tuple[RefUpdate, ...]


def spool_dir(git_dir: Path) -> Path:
    return git_dir / SPOOL


def record_push(git: Repository, updates: Iterable[RefUpdate], environ: Mapping[str, str]) -> Push:
    """Write the push into the spool (atomically: a reader never sees half a file)."""
    env = delegated(git, environ)
    now = dt.datetime.now(dt.UTC)
    push = Push(
        f"{now:%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}",
        now.astimezone().isoformat(timespec="seconds"),
        env.get(user_variable(git), ""),
        env.get(DELEGATE_ENV, ""),
        tuple(updates),
    )
    folder = spool_dir(git.git_dir)
    folder.mkdir(exist_ok=True)
    data = {
        "id": push.id,
        "time": push.time,
        "user": push.user,
        "delegate": push.delegate,
        "updates": [[u.old, u.new, u.ref] for u in push.updates],
    }
    tmp = folder / f".{push.id}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    os.replace(tmp, folder / f"{push.id}.json")
    _prune(folder)
    return push


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_DAYS * 86400
    for old in folder.glob("*.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def read_pushes(folder: Path, after: str = "") -> list[Push]:
    """The pushes in the spool with an id after ``after``, oldest first; a file that cannot
    be read is skipped (it is reported by the reader's own log, never fatal)."""
    found = []
    for path in sorted(folder.glob("*.json")):
        if path.stem <= after:
            continue
        try:
            data = json.loads(path.read_text("utf-8"))
            updates = tuple(RefUpdate(*map(str, u)) for u in data["updates"])
            found.append(
                Push(
                    str(data["id"]),
                    str(data["time"]),
                    str(data.get("user", "")),
                    str(data.get("delegate", "")),
                    updates,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return found


def after_push_commands(git: Repository) -> list[str]:
    """The repository's ``daoshi.afterPush`` commands, one shell command each."""
    out = git.run("config", "--get-all", "daoshi.afterPush", check=False)
    return [line.strip() for line in out.splitlines() if line.strip()]


def start_after_push(git: Repository, push: Push) -> list[str]:
    """Start every after-push command detached (own session, no pipes back to git) and
    return at once; what they print goes to ``daoshi-spool/after-push.log``."""
    commands = after_push_commands(git)
    if not commands:
        return []
    folder = spool_dir(git.git_dir)
    env = gitdoor.environment(
        {
            "DAOSHI_REPOSITORY": str(git.git_dir),
            "DAOSHI_SPOOL": str(folder),
            "DAOSHI_PUSH": str(folder / f"{push.id}.json"),
        }
    )
    with (folder / LOG).open("ab") as log:
        log.write(f"{push.time} {push.id}: {' ; '.join(commands)}\n".encode())
        log.flush()
        for command in commands:
            gitdoor.start_detached(command, env, folder, log)
    return commands


def quoted(argv: Iterable[str]) -> str:
    """A command line for ``daoshi.afterPush`` from its words."""
    return " ".join(shlex.quote(a) for a in argv)
