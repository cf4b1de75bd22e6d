"""The editor's git edge: the clone it writes to, commits as the teacher, pushes, merges.

Local mode writes into the teacher's own clone (and pushes only when asked). Server mode
keeps a working clone of the school's bare repository: before each save it is brought to
the remote's branch, and a save is pushed there, so the pre-receive hook (``daoshi hook``)
judges every commit the editor makes exactly as it judges a teacher's own push.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from daoshi import git
from daoshi.git import GitError


def _environ(extra: dict[str, str] | None = None) -> dict[str, str]:
    # git's own messages in one language: the editor reads some of them (a refused push)
    return git.environment({"LC_ALL": "C.UTF-8", **(extra or {})})


@dataclass
class Clone:
    """A git work tree; ``remote``/``branch`` set in server mode (the school's bare repo)."""

    root: Path
    remote: str | None = None
    branch: str = "main"

    def git(self, *args: str, env: dict[str, str] | None = None, stdin: bytes = b"") -> str:
        done = git.run(*args, cwd=self.root, env=_environ(env), input=stdin)
        return done.stdout.decode("utf-8", "replace")

    @classmethod
    def working_copy(cls, bare: str, folder: Path, branch: str) -> Clone:
        """The server's working clone of ``bare`` at ``folder`` (cloned the first time)."""
        if not (folder / ".git").is_dir():
            folder.parent.mkdir(parents=True, exist_ok=True)
            git.run("clone", "-q", "--branch", branch, bare, str(folder), env=_environ())
        clone = cls(folder, "origin", branch)
        clone.git("remote", "set-url", "origin", bare)
        return clone

    @property
    def git_dir(self) -> Path:
        return Path(self.git("rev-parse", "--absolute-git-dir").strip())

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def sync(self) -> None:
        """Server mode: the working clone becomes the remote branch (it holds nothing else)."""
        if self.remote is None:
            return
        self.git("fetch", "-q", "--tags", self.remote, self.branch)
        self.git("reset", "-q", "--hard", f"{self.remote}/{self.branch}")
        self.git("clean", "-qfd")

    def blob(self, path: str) -> str | None:
        """The blob id of the file as it is now (stored, so a later merge can read it)."""
        if not (self.root / path).is_file():
            return None
        return self.git("hash-object", "-w", "--", path).strip()

    def blob_text(self, blob: str) -> str | None:
        try:
            return self.git("cat-file", "blob", blob)
        except GitError:
            return None

    def commit(self, path: str, name: str, email: str, message: str) -> str:
        """Commit only ``path``, authored and committed as the teacher; the new head.

        When nothing else is staged (always so in server mode) the commit is made with
        plumbing — the one file into the index, ``write-tree`` (the index's cached trees
        make it cheap), ``commit-tree``, ``update-ref`` — so a school of 100 000 files is
        never scanned. Otherwise ``git commit -- path`` leaves the teacher's staged work out.
        """
        ident = ("-c", f"user.name={name}", "-c", f"user.email={email}")
        parent = self.head()
        if self.remote is None and not self._index_is_head():
            self.git("add", "--", path)
            self.git(
                *ident, "-c", "commit.gpgsign=false", "commit", "-q", "-m", message, "--", path
            )
            return self.head()
        self.git("update-index", "--add", "--", path)
        tree = self.git("write-tree").strip()
        sha = self.git(*ident, "commit-tree", tree, "-p", parent, "-m", message).strip()
        self.git("update-ref", "-m", f"commit: {message}", "HEAD", sha, parent)
        return sha

    def _index_is_head(self) -> bool:
        try:
            self.git("diff-index", "--cached", "--quiet", "HEAD", "--")
        except GitError:
            return False
        return True

    def has_upstream(self) -> bool:
        try:
            self.git("rev-parse", "--abbrev-ref", "@{upstream}")
        except GitError:
            return False
        return True

    def push(self, env: dict[str, str], options: tuple[str, ...] = ()) -> tuple[bool, str]:
        """Push the branch with these push options; (accepted, what git and the hook said)."""
        argv = ["push", "-q", *(f"--push-option={o}" for o in options)]
        argv += [self.remote, f"HEAD:{self.branch}"] if self.remote else []
        try:
            self.git(*argv, env=env)
        except GitError as exc:
            return False, exc.stderr
        return True, ""

    def undo_last(self) -> None:
        """Drop the last commit (a push the hook refused): the text stays in the draft."""
        self.git("reset", "-q", "--hard", "HEAD~1")


def merge3(ours: str, base: str, theirs: str) -> tuple[str, bool]:
    """``git merge-file`` of three texts: the merged text and whether it merged cleanly."""
    with tempfile.TemporaryDirectory(prefix="daoshi-merge-") as tmp:
        files = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            target = Path(tmp) / name
            target.write_text(text, "utf-8")
            files.append(str(target))
        labels = ("-L", "你的版本", "-L", "原版本", "-L", "他人的版本")
        done = git.run("merge-file", "-p", *labels, *files, env=_environ(), check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise GitError(("merge-file",), done.stderr.decode("utf-8", "replace"))
    return done.stdout.decode("utf-8", "replace"), done.returncode == 0
