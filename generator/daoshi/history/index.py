"""The history index: every commit, and per file its versions (renames followed).

Built by ``readers`` from git's log stream, loaded and cached by ``load``; a file's
versions are kept as plain rows and made ``Version`` objects when first asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from daoshi.history.gitlog import (
    Change,
    Commit,
    new_tuple,
)


class Version(NamedTuple):
    """What one commit did to one file: ``A`` added, ``M`` changed, ``R`` renamed, ``D`` deleted.

    A tuple, not a dataclass: a school's history has tens of thousands of them, made and
    pickled on every build.
    """

    commit: str
    change: str
    path: str
    old_path: str | None = None  # a rename's old path
    base: str | None = None  # the commit's first parent: where the previous content is

    @property
    def ref(self) -> str | None:
        """``commit:path``, the content this version wrote (None for a deletion)."""
        return None if self.change == "D" else f"{self.commit}:{self.path}"

    @property
    def old_ref(self) -> str | None:
        """``parent:path``, the content this version replaced (None for an addition)."""
        if self.change == "A" or self.base is None:
            return None
        return f"{self.base}:{self.old_path or self.path}"


# a Version's fields as a plain tuple: how the index is read from git and from the cache
Row = tuple[str, str, str, str | None, str | None]


class FileHistory:
    """Every version of one file, oldest first, across renames.

    Made from plain tuples (``rows``), as read from git or the cache; they become
    ``Version`` objects when first asked for. A build reads tens of thousands of versions,
    a page or a review looks at a few of them.
    """

    __slots__ = ("_rows", "_versions")

    def __init__(self, versions: list[Version] | None = None, *, rows: list[Row] | None = None):
        self._versions = versions
        # the builders append to these rows until the index is done
        self._rows: list[Row] = rows if rows is not None and versions is None else []

    @property
    def versions(self) -> list[Version]:
        found = self._versions
        if found is None:
            make = new_tuple
            found = self._versions = [make(Version, row) for row in self._rows]
            self._rows = []
        return found

    def rows(self) -> list[Row]:
        """The versions as plain tuples (what the cache keeps)."""
        if self._versions is None:
            return self._rows
        return [tuple(v) for v in self._versions]  # type: ignore[misc]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FileHistory):
            return NotImplemented
        return self.rows() == other.rows()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FileHistory({self.versions!r})"

    @property
    def path(self) -> str:
        """The file's last path (where it is now, or where it was deleted)."""
        # from the row while the versions are not made: an update asks every file's path
        return self._rows[-1][2] if self._versions is None else self._versions[-1].path

    @property
    def deleted(self) -> bool:
        return (self._rows[-1][1] if self._versions is None else self._versions[-1].change) == "D"

    @property
    def paths(self) -> list[str]:
        """Every name the file had, first to last."""
        return list(dict.fromkeys(v.path for v in self.versions))


@dataclass(frozen=True)
class Rewrite:
    """A force-pushed rewrite seen when the index was updated: the old head was dropped."""

    old_head: str
    new_head: str
    seen_at: int  # seconds since the epoch


@dataclass
class HistoryIndex:
    """Commits in the order applied (parents first) and the history of every file."""

    head: str | None = None
    commits: dict[str, Commit] = field(default_factory=dict)
    files: dict[str, FileHistory] = field(default_factory=dict)  # by current path
    deleted: list[FileHistory] = field(default_factory=list)
    rewrites: list[Rewrite] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as plain tuples: several times faster to write and read than NamedTuples."""
        files = {p: h.rows() for p, h in self.files.items()}
        deleted = [h.rows() for h in self.deleted]
        commits = [tuple(c) for c in self.commits.values()]
        return (_restore, (self.head, commits, files, deleted, self.rewrites))

    def apply(self, commit: Commit, changes: Iterable[Change]) -> None:
        """Add one commit on top of the index (commits must come parents first)."""
        self.commits[commit.id] = commit
        base = commit.parents[0] if commit.parents else None
        for status, path, old_path in changes:
            self._change(commit.id, base, status, path, old_path)

    def _change(
        self,
        cid: str,
        base: str | None,
        status: str,
        path: str,
        old_path: str | None,
    ) -> None:
        if status == "D":  # (a path not known: a side's file a merge drops, say)
            found = self.files.pop(path, None) or FileHistory([])
            found.versions.append(Version(cid, "D", path, None, base))
            self.deleted.append(found)
            return
        if status == "R" and old_path is not None:
            history = self.files.pop(old_path, None) or FileHistory([])
            history.versions.append(Version(cid, "R", path, old_path, base))
            self.files[path] = history
            return
        current = self.files.get(path)
        if current is None:
            self.files[path] = FileHistory([Version(cid, "A", path, None, base)])
        else:  # also "A" of a path a parallel branch added: one file, a new version
            current.versions.append(Version(cid, "M", path, None, base))

    def history(self, path: str) -> FileHistory | None:
        """The history of a file that exists now."""
        return self.files.get(path)

    def ancestors(self, commit_id: str) -> set[str]:
        """The commit and every commit reachable from it (from the index, no git call)."""
        seen: set[str] = set()
        stack = [commit_id]
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in self.commits:
                continue
            seen.add(cid)
            stack.extend(self.commits[cid].parents)
        return seen

    def position(self) -> dict[str, int]:
        """Commit id → its place in the applied order (parents before children)."""
        return {cid: n for n, cid in enumerate(self.commits)}


def _restore(
    head: str | None,
    commits: list[tuple[Any, ...]],
    files: dict[str, list[Row]],
    deleted: list[list[Row]],
    rewrites: list[Rewrite],
) -> HistoryIndex:
    make = new_tuple
    return HistoryIndex(
        head,
        {c[0]: make(Commit, c) for c in commits},
        {p: FileHistory(rows=rows) for p, rows in files.items()},
        [FileHistory(rows=rows) for rows in deleted],
        rewrites,
    )


Progress = Callable[[str], None]
