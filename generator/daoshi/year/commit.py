"""One commit of the files a school-year command wrote, by the person running it.

Nothing is written unless the repository can take the commit: the top of a git work tree,
an identity set, and none of the files with uncommitted edits of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from daoshi import git


class CommitError(Exception):
    """The change cannot be committed (not a repository, no identity, uncommitted edits)."""


def is_repository(root: Path) -> bool:
    """Whether ``root`` is the top of a git work tree."""
    done = git.run("rev-parse", "--show-toplevel", cwd=root, check=False)
    top = done.stdout.decode("utf-8", "replace").strip()
    return done.returncode == 0 and Path(top).resolve() == root.resolve()


def check_committable(root: Path, paths: Sequence[str]) -> None:
    """Raise ``CommitError`` unless a commit of ``paths`` would hold only our change."""
    if not is_repository(root):
        raise CommitError(f"{root} 不是 git 仓库的根目录：导入的改动需要提交到记录仓库")
    for key in ("user.name", "user.email"):
        if not git.output("config", key, cwd=root, check=False).strip():
            raise CommitError(
                f"没有设置 git {key}：请先运行 git config --global {key} …（提交以此署名）"
            )
    dirty = git.output("status", "--porcelain", "--", *paths, cwd=root).strip()
    if dirty:
        files = "、".join(line[3:] for line in dirty.splitlines())
        raise CommitError(f"这些文件有未提交的修改，请先提交或撤销：{files}")


def commit_files(root: Path, files: Mapping[str, str], message: str) -> str:
    """Write ``files`` (path relative to root -> text) and commit them all; the new hash."""
    check_committable(root, list(files))
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
    git.run("add", "--", *files, cwd=root)
    git.run("commit", "-q", "-m", message, "--", *files, cwd=root)
    return git.output("rev-parse", "--short", "HEAD", cwd=root).strip()
