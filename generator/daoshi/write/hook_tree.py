"""The trees the pre-receive hook checks a commit in, kept next to the bare repository.

``CheckTree`` is a whole work tree, for a commit that must be validated whole. A commit
that only adds or edits records on top of a valid tree is checked against the data files
alone: ``DataTree`` holds the commit's files but the journals (people, forms, semesters,
pairings …, a few dozen at a full school instead of 120,000), brought from commit to
commit by the blob ids of its files, with the commit's own records written in for the
check and taken out again.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from daoshi import git
from daoshi.git import Repository

# what git writes into a work tree as a plain file: anything else (a link, a submodule)
# goes the whole way through read-tree, which knows how to refuse it
_FILE_MODES = frozenset({"100644", "100755"})


class CheckTree:
    """A work tree kept next to the bare repository, moved from commit to commit.

    Only files that differ are rewritten (``read-tree --reset -u`` with a private index),
    so the validation cache keeps its per-file results between commits and pushes. A
    lock serialises concurrent pushes.
    """

    def __init__(self, git: Repository) -> None:
        self.git = git
        self.dir = git.git_dir / "daoshi-check"
        self.tree = self.dir / "tree"
        self.index = self.dir / "index"

    def __enter__(self) -> CheckTree:
        self.tree.mkdir(parents=True, exist_ok=True)
        self._lock = (self.dir / "lock").open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def checkout(self, sha: str) -> Path:
        env = {"GIT_INDEX_FILE": str(self.index), "GIT_WORK_TREE": str(self.tree)}
        try:
            self.git.run("read-tree", "--reset", "-u", sha, env=env)
        except RuntimeError:  # a damaged index or tree: start again from nothing
            self.index.unlink(missing_ok=True)
            shutil.rmtree(self.tree, ignore_errors=True)
            self.tree.mkdir()
            self.git.run("read-tree", "--reset", "-u", sha, env=env)
        return self.tree


class DataTree:
    """A commit's files but its journals, in ``daoshi-check/data`` (under ``CheckTree``'s
    lock). ``files.json`` says which blob each file holds; it is removed while the folder
    changes, so a push stopped half-way leaves a folder that is written again whole."""

    def __init__(self, git: Repository, base: Path) -> None:
        self.git = git
        self.dir = base / "data"
        self.manifest = base / "data-files.json"

    @contextlib.contextmanager
    def checked_out(self, sha: str, records: list[str]) -> Iterator[Path | None]:
        """The folder, holding ``sha``'s files but the journals and, while the block runs,
        these records of ``sha``; None when the tree has something only a checkout writes
        (a link, a submodule, an odd path): then the whole tree is checked out instead."""
        root = self._sync(sha)
        if root is None or any(_unsafe(p) for p in records):
            yield None
            return
        written: list[Path] = []
        try:
            for path, data in zip(
                records, self._blobs([f"{sha}:{p}" for p in records]), strict=True
            ):
                if data is not None:
                    written.append(self._write(path, data))
            yield root
        finally:
            for target in written:
                target.unlink(missing_ok=True)

    def _sync(self, sha: str) -> Path | None:
        wanted = self._entries(sha)
        if wanted is None:
            return None
        try:
            known = json.loads(self.manifest.read_text("utf-8"))
        except (OSError, ValueError):
            known = {}
        if not isinstance(known, dict) or not self.dir.is_dir():
            known = {}
        stale = {p: oid for p, oid in wanted.items() if known.get(p) != oid}
        gone = [p for p in known if p not in wanted]
        if not stale and not gone:
            return self.dir
        self.manifest.unlink(missing_ok=True)
        try:
            for path in gone:
                (self.dir / path).unlink(missing_ok=True)
            blobs = self._blobs(list(stale.values()))
            for path, data in zip(stale, blobs, strict=True):
                if data is None:
                    return None
                self._write(path, data)
        except OSError:  # a file where a folder was, say: the next push writes it anew
            shutil.rmtree(self.dir, ignore_errors=True)
            return None
        self.manifest.write_text(json.dumps(wanted, ensure_ascii=False), "utf-8")
        return self.dir

    def _entries(self, sha: str) -> dict[str, str] | None:
        """Path → blob id of ``sha``'s files outside ``semesters/*/journal/``."""
        found: dict[str, str] = {}
        trees: list[str] = []
        semesters: list[str] = []
        for mode, kind, oid, path in self._listing(sha):
            if kind == "tree":
                (semesters if path == "semesters" else trees).append(path)
            elif mode in _FILE_MODES:
                found[path] = oid
            else:
                return None
        if semesters:  # each semester's folder, but its journal
            for mode, kind, oid, path in self._listing(sha, "semesters/"):
                if kind == "tree":
                    semesters.append(f"{path}/")
                elif mode in _FILE_MODES:
                    found[path] = oid
                else:
                    return None
            inside = semesters[1:] and self._listing(sha, *semesters[1:])
            for mode, kind, oid, path in inside or ():
                if kind == "tree":
                    if path.rsplit("/", 1)[-1] != "journal":
                        trees.append(path)
                elif mode in _FILE_MODES:
                    found[path] = oid
                else:
                    return None
        if trees:
            for mode, kind, oid, path in self._listing(sha, *trees, recursive=True):
                if kind != "blob" or mode not in _FILE_MODES:
                    return None
                found[path] = oid
        if any(_unsafe(p) for p in found):
            return None
        return found

    def _listing(
        self, sha: str, *paths: str, recursive: bool = False
    ) -> Iterator[tuple[str, str, str, str]]:
        args = ["ls-tree", "-z", *(["-r"] if recursive else []), sha]
        if paths:
            args += ["--", *paths]
        for item in self.git.run(*args).split("\0"):
            if item:
                meta, path = item.split("\t", 1)
                mode, kind, oid = meta.split(" ")
                yield mode, kind, oid, path

    def _blobs(self, specs: list[str]) -> list[bytes | None]:
        """The contents of these blobs (ids or ``commit:path``), by one ``cat-file --batch``;
        None for one that is not there."""
        if not specs:
            return []
        done = git.run(
            "cat-file",
            "--batch",
            input="".join(f"{s}\n" for s in specs).encode(),
            cwd=self.git.git_dir,
            env=self.git.env,
        )
        out, pos = done.stdout, 0
        found: list[bytes | None] = []
        for _ in specs:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if len(header) != 3 or header[1] != b"blob":
                found.append(None)  # "<spec> missing"
                continue
            size = int(header[2])
            found.append(out[pos : pos + size])
            pos += size + 1
        return found

    def _write(self, path: str, data: bytes) -> Path:
        target = self.dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.daoshi-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return target


def _unsafe(path: str) -> bool:
    """A path git itself would not write into a work tree (``..``, ``.git``, empty parts):
    such a tree goes the whole way through read-tree, which refuses it."""
    parts = path.split("/")
    odd = ("", ".", "..")
    return "\ufffd" in path or any(p in odd or p.casefold() == ".git" or "\\" in p for p in parts)
