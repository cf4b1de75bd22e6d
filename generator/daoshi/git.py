"""The one door to git: every git process daoshi starts goes through here.

One environment policy, one error type, one way to stream. A records repository is named
by its folder (``cwd``); a bare repository (the server's, in the hook) by ``git_dir``. The
environment drops the caller's ``GIT_*`` variables (a daoshi command run from inside a git
hook must not act on the hook's repository), except where the hook needs them (its
quarantined objects), never prompts for a password, and keeps ``GIT_CONFIG*`` so a school's
test or CI setup still applies.

The commands a repository's hooks are configured to start after a push (``daoshi.afterPush``)
start here too, with the same environment policy: they must not act on the hook's
repository through its ``GIT_*`` variables.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

# what a command run from a hook keeps: the objects of the push being received
_HOOK_VARIABLES = (
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_QUARANTINE_PATH",
)


class GitError(RuntimeError):
    """A git command failed (or git is missing); ``stderr`` is what git said."""

    def __init__(self, args: Sequence[str], stderr: str, returncode: int = 1) -> None:
        self.args_ = tuple(args)
        self.stderr = stderr
        self.returncode = returncode
        super().__init__(f"git {' '.join(self.args_[:1])} 失败：{stderr.strip()}")


def environment(
    extra: Mapping[str, str] | None = None,
    *,
    base: Mapping[str, str] | None = None,
    keep: Sequence[str] = (),
) -> dict[str, str]:
    """The environment of a git process: ``base`` (os.environ) without its ``GIT_*``
    variables but ``GIT_CONFIG*`` and ``keep``, no password prompts, then ``extra``."""
    source = os.environ if base is None else base
    env = {
        k: v
        for k, v in source.items()
        if not k.startswith("GIT_") or k.startswith("GIT_CONFIG") or k in keep
    }
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.update(extra or {})
    return env


def _command(args: Sequence[str], cwd: Path | None, git_dir: Path | None) -> list[str]:
    command = ["git"]
    if git_dir is not None:
        command += ["--git-dir", str(git_dir)]
    elif cwd is not None:
        command += ["-C", str(cwd)]
    return [*command, *args]


def run(
    *args: str,
    cwd: Path | None = None,
    git_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run git to completion; raise :class:`GitError` with git's message when ``check``."""
    command = _command(args, cwd, git_dir)
    try:
        done = subprocess.run(
            command,
            input=input,
            capture_output=True,
            env=dict(env) if env is not None else environment(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError(args, "找不到 git 命令，请先安装 git", 127) from exc
    if check and done.returncode != 0:
        raise GitError(args, done.stderr.decode("utf-8", "replace"), done.returncode)
    return done


def output(*args: str, **options: object) -> str:
    """git's standard output as text (UTF-8, undecodable bytes replaced)."""
    return run(*args, **options).stdout.decode("utf-8", "replace")  # type: ignore[arg-type]


def succeeds(*args: str, **options: object) -> bool:
    """Whether git exits 0 (``merge-base --is-ancestor``, ``rev-parse --verify`` …)."""
    return run(*args, check=False, **options).returncode == 0  # type: ignore[arg-type]


def start(
    *args: str,
    cwd: Path | None = None,
    git_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: IO[bytes] | int | None = None,
    stdout: IO[bytes] | int | None = None,
    stderr: IO[bytes] | int | None = None,
) -> subprocess.Popen[bytes]:
    """Start git and return at once: its output is read (or its input written) as it runs."""
    try:
        return subprocess.Popen(
            _command(args, cwd, git_dir),
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=dict(env) if env is not None else environment(),
        )
    except FileNotFoundError as exc:
        raise GitError(args, "找不到 git 命令，请先安装 git", 127) from exc


def start_detached(command: str, env: Mapping[str, str], cwd: Path, log: IO[bytes]) -> None:
    """Start a shell command in its own session, output to ``log``, and return at once:
    git (and the pusher) never waits for it (``daoshi hook post-receive``)."""
    subprocess.Popen(
        ["/bin/sh", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        env=dict(env),
        cwd=str(cwd),
        start_new_session=True,
        close_fds=True,
    )


@dataclass
class Repository:
    """A bare repository seen from a hook: its git dir, with the hook's objects in reach."""

    git_dir: Path
    env: dict[str, str]

    @classmethod
    def at(cls, git_dir: Path, base: Mapping[str, str] | None = None) -> Repository:
        resolved = git_dir.resolve()
        env = environment({"GIT_DIR": str(resolved)}, base=base, keep=_HOOK_VARIABLES)
        return cls(resolved, env)

    def run(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        done = run(*args, cwd=self.git_dir, env={**self.env, **(env or {})}, check=check)
        return done.stdout.decode("utf-8", "replace")

    def raw(self, *args: str, input: bytes | None = None) -> bytes:
        """git's standard output as bytes (paths that are not UTF-8 stay as they are)."""
        return run(*args, cwd=self.git_dir, env=self.env, input=input).stdout

    def ok(self, *args: str) -> bool:
        return run(*args, cwd=self.git_dir, env=self.env, check=False).returncode == 0

    def resolve(self, rev: str) -> str | None:
        out = self.run("rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False).strip()
        return out or None

    def config(self, key: str) -> list[str]:
        return self.run("config", "--get-all", key, check=False).split()

    def show(self, rev: str, path: str) -> str | None:
        done = run("cat-file", "blob", f"{rev}:{path}", cwd=self.git_dir, env=self.env, check=False)
        return done.stdout.decode("utf-8", "replace") if done.returncode == 0 else None
