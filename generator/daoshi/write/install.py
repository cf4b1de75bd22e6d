"""``daoshi hook install``: the server's git hooks, written to run this installation's
daoshi by the absolute path of its interpreter, with the options in the repository's config.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from pathlib import Path

from daoshi.git import Repository

_HOOK_MARK = "# installed by daoshi hook install"


def install(git_dir: Path, user_env: str | None, admins: Iterable[str], force: bool) -> Path:
    """Write ``hooks/pre-receive`` (or Gitea's ``hooks/pre-receive.d/daoshi``), calling
    this Python's daoshi; options go into the repository's git config."""
    git = Repository.at(git_dir)
    if not git.ok("rev-parse", "--git-dir"):
        raise ValueError(f"{git_dir} 不是 git 仓库")
    hook = git.git_dir / "hooks" / "pre-receive"
    if hook.with_suffix(".d").is_dir():  # Gitea runs every script in hooks/pre-receive.d/
        hook = hook.with_suffix(".d") / "daoshi"
    if hook.exists() and _HOOK_MARK not in hook.read_text("utf-8", errors="replace") and not force:
        raise ValueError(f"{hook} 已经存在，不是 daoshi 安装的；确认后用 --force 覆盖")
    hook.parent.mkdir(exist_ok=True)
    # this interpreter by its absolute path; -P keeps the push's current folder off
    # sys.path, so no daoshi.py (or anything else) there can stand in for the package
    python = shlex.quote(str(Path(sys.executable).absolute()))
    hook.write_text(
        f"#!/bin/sh\n{_HOOK_MARK}\nexec {python} -P -m daoshi.cli.hook pre-receive\n", "utf-8"
    )
    hook.chmod(0o755)
    if user_env:
        git.run("config", "daoshi.userEnv", user_env)
    for admin in admins:
        git.run("config", "--add", "daoshi.admin", admin)
    return hook
