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
    """Write ``files`` (path relative to root -> text) and commit them all; the new hash.

    When ``git add`` or ``git commit`` fails (a pre-commit hook says no, the signing key is
    missing), the files and the index are put back as they were and ``CommitError`` says
    what git said: the working tree holds nothing half done.
    """
    check_committable(root, list(files))
    before = {name: _read(root / name) for name in files}
    created = [p for name in files for p in _missing_folders(root, name)]
    try:
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        git.run("add", "--", *files, cwd=root)
        git.run("commit", "-q", "-m", message, "--", *files, cwd=root)
    except (git.GitError, OSError) as exc:
        _restore(root, before, created)
        detail = exc.stderr.strip() if isinstance(exc, git.GitError) else str(exc)
        raise CommitError(
            "提交没有成功（可能是 pre-commit 钩子拒绝，或签名失败），改动已全部撤销，"
            f"文件和暂存区保持原样。git 的说明：{detail or '（没有说明）'}"
        ) from exc
    return git.output("rev-parse", "--short", "HEAD", cwd=root).strip()


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _missing_folders(root: Path, name: str) -> list[Path]:
    """The folders ``name`` needs that do not exist yet, deepest first."""
    missing = []
    folder = (root / name).parent
    while folder != root and not folder.exists():
        missing.append(folder)
        folder = folder.parent
    return missing


def _restore(root: Path, before: Mapping[str, bytes | None], created: Sequence[Path]) -> None:
    """Each file back to its bytes before (or gone, if it was new), its index entry back to
    HEAD's (files are only written when they had no changes of their own), new folders gone."""
    for name, content in before.items():
        target = root / name
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(content)
    if git.succeeds("rev-parse", "-q", "--verify", "HEAD", cwd=root):
        git.run("reset", "-q", "--", *before, cwd=root, check=False)
    else:  # no commit yet: nothing to go back to but an empty index entry
        git.run("rm", "-q", "--cached", "--ignore-unmatch", "--", *before, cwd=root, check=False)
    for folder in created:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
