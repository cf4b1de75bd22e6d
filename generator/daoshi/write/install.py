"""``daoshi hook install``: the server's git hooks, written to run this installation's
daoshi by the absolute path of its interpreter, with the options in the repository's config.

Two hooks: ``pre-receive`` (the rules, ``daoshi.write.hook``) and ``post-receive`` (note the
push and start what follows it, ``daoshi.write.postreceive``).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable
from pathlib import Path

from daoshi.git import Repository
from daoshi.write.pushlog import prepare

_HOOK_MARK = "# installed by daoshi hook install"
HOOKS = ("pre-receive", "post-receive")


def _hook_path(git: Repository, name: str) -> Path:
    hook = git.git_dir / "hooks" / name
    if hook.with_suffix(".d").is_dir():  # Gitea runs every script in hooks/<name>.d/
        hook = hook.with_suffix(".d") / "daoshi"
    return hook


def install(
    git_dir: Path,
    user_env: str | None,
    admins: Iterable[str],
    force: bool,
    *,
    delegates: Iterable[str] = (),
    after_push: Iterable[str] = (),
) -> Path:
    """Write ``hooks/pre-receive`` and ``hooks/post-receive`` (or Gitea's
    ``hooks/<name>.d/daoshi``), calling this Python's daoshi; options go into the
    repository's git config. Returns the pre-receive hook's path."""
    git = Repository.at(git_dir)
    if not git.ok("rev-parse", "--git-dir"):
        raise ValueError(f"{git_dir} 不是 git 仓库")
    hooks = {name: _hook_path(git, name) for name in HOOKS}
    for hook in hooks.values():
        foreign = hook.exists() and _HOOK_MARK not in hook.read_text("utf-8", errors="replace")
        if foreign and not force:
            raise ValueError(f"{hook} 已经存在，不是 daoshi 安装的；确认后用 --force 覆盖")
    # this interpreter by its absolute path; -P keeps the push's current folder off
    # sys.path, so no daoshi.py (or anything else) there can stand in for the package;
    # ``-m daoshi`` (not ``-m daoshi.cli.hook``, which runpy warns about on every push)
    python = shlex.quote(str(Path(sys.executable).absolute()))
    for name, hook in hooks.items():
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(
            f"#!/bin/sh\n{_HOOK_MARK}\nexec {python} -P -m daoshi hook {name}\n", "utf-8"
        )
        hook.chmod(0o755)
    prepare(git)  # the push log, and the reflogs and settings an auditor needs
    # the editor names the teacher it pushes for in a push option (daoshi.write.delegate)
    git.run("config", "receive.advertisePushOptions", "true")
    if user_env:
        git.run("config", "daoshi.userEnv", user_env)
    for admin in admins:
        git.run("config", "--add", "daoshi.admin", admin)
    for delegate in delegates:
        _add_once(git, "daoshi.delegate", delegate)
    for command in after_push:
        _add_once(git, "daoshi.afterPush", command)
    return hooks["pre-receive"]


def _add_once(git: Repository, key: str, value: str) -> None:
    present = git.run("config", "--get-all", key, check=False).splitlines()
    if value not in present:
        git.run("config", "--add", key, value)
