"""The records repository's git history, read in one pass and cached by commit.

``git log --name-status -z -M`` gives every commit (author, committer, both dates,
message) and, per commit, each file it added, changed, renamed or deleted; renames are
followed, so a file's history continues under its new name. A full build reads it from
both ends at once (``git log`` and ``git log --reverse`` side by side, meeting at a commit:
``_BothEnds``), each part parsed as git writes it. The index lives in the XDG cache
(``cache_dir(root)/history.pickle``) keyed by the head commit: after new commits only
``git log OLD..HEAD`` is read. When the cached head is no longer an ancestor of HEAD the
history was rewritten (a force push): the index is rebuilt and the rewrite remembered.

File contents are not read here; ``Contents`` fetches the few versions a page or a
review needs (``commit:path``) through one ``git cat-file --batch``.
"""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import selectors
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen
from typing import Any, NamedTuple

from daoshi.cache import _dump, _load, cache_dir, code_version
from daoshi.history.gitlog import (
    PLAIN,
    Change,
    Commit,
    HistoryError,
    Parser,
    Stream,
    finish_log,
    git,
    head_commit,
    is_ancestor,
    new_tuple,
    require_top_level,
    start_log,
    stop_log,
    stream_log,
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
        return self.versions[-1].path

    @property
    def deleted(self) -> bool:
        return self.versions[-1].change == "D"

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
        if status == "D":
            found = self.files.pop(path, None)
            if found is not None:
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


def _changed(row: Row) -> Row:
    """A file's first version read as a change: an older version of the file came to light."""
    return (row[0], "M", row[2], row[3], row[4])


class _Builder(Stream):
    """A stream that builds (part of) the index: the commits it took, and the current one."""

    def __init__(self) -> None:
        super().__init__()
        self.commits: list[Commit] = []
        self.cid = ""
        self.base: str | None = None

    def _commit(self, commit: Commit) -> None:
        self.commits.append(commit)
        self.cid = commit.id
        self.base = commit.parents[0] if commit.parents else None


class _Backward(_Builder):
    """Builds (part of) the index from the newest-first stream as it arrives.

    A file is met first at its newest version, so its ``FileHistory`` is made then, under
    its current path (or among the deleted), and its versions gathered backwards as plain
    rows; ``live`` holds each file's rows by the path it has at the point reached (a
    rename moves them to its old path). Gives the same index as applying the commits
    oldest first (``HistoryIndex.apply``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[str, list[Row]] = {}  # newest version first
        self.files: dict[str, FileHistory] = {}
        self.deleted: list[tuple[int, FileHistory]] = []  # (commits read before, history)

    def _walk(self, fields: list[str], count: int) -> int:
        """``Stream._walk`` with ``_change`` written out for the plain statuses: a school's
        history is tens of thousands of them, mostly a record's first version."""
        i = 0
        plain = PLAIN.get
        live, files = self.live, self.files
        cid, base = self.cid, self.base
        while i < count:
            status = plain(fields[i])
            if status is None:
                i, whole = self._unit(fields, i, count)
                if not whole:
                    break
                cid, base = self.cid, self.base  # the unit may have been a commit
                continue
            if i + 1 >= count:
                break
            path = fields[i + 1]
            i += 2
            history = None if status == "D" else live.get(path)
            if history is None:  # the file's newest version
                history = live[path] = [(cid, status, path, None, base)]
                if status == "D":
                    self.deleted.append((len(self.commits), FileHistory(rows=history)))
                else:
                    files[path] = FileHistory(rows=history)
                continue
            if history[-1][1] == "A":  # a later "A" of a known file is a change
                history[-1] = _changed(history[-1])
            history.append((cid, status, path, None, base))
        return i

    def _change(self, status: str, path: str, old_path: str | None) -> None:
        """A rename, a copy or a type change (``_walk`` takes the plain changes itself)."""
        live = self.live
        history = live.pop(path, None) if status == "R" else live.get(path)
        if history is None:  # the file's newest version
            history = []
            self.files[path] = FileHistory(rows=history)
        elif history[-1][1] == "A":
            history[-1] = _changed(history[-1])
        history.append((self.cid, status, path, old_path, self.base))
        live[old_path or path] = history  # a rename's file had the old path before

    def join(self, older: _Forward) -> None:
        """Put the history before this part's oldest commit under it: each file this part
        reached back to continues the older part's file at that path."""
        for path, history in self.live.items():
            before = older.files.pop(path, None)
            if before is None:
                continue
            if history[-1][1] == "A":  # the same path, known before: a change
                history[-1] = _changed(history[-1])
            history.extend(reversed(before.rows()))
        self.live = {}

    def index(self, older: _Forward | None = None) -> HistoryIndex:
        """The whole index: this part's commits, after ``older``'s if given."""
        if older is not None:
            self.join(older)
        index = HistoryIndex()
        for commit in older.commits if older is not None else ():
            index.commits[commit.id] = commit
        for commit in reversed(self.commits):
            index.commits[commit.id] = commit
        self.deleted.sort(key=lambda seen: -seen[0])  # the oldest deletion first
        files = self.files
        deleted = [history for _, history in self.deleted]
        for history in (*files.values(), *deleted):
            if len(history._rows) > 1:
                history._rows.reverse()
        if older is not None:  # the older part's files this part never touched
            files.update(older.files)
            deleted[:0] = older.deleted
        index.files = files
        index.deleted = deleted
        return index


class _Forward(_Builder):
    """Builds the older part of the index from the oldest-first stream (``--reverse``),
    as ``HistoryIndex.apply`` does, on plain rows: ``files`` by the path reached."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, FileHistory] = {}  # rows oldest first
        self.deleted: list[FileHistory] = []

    def _change(self, status: str, path: str, old_path: str | None) -> None:
        files, cid, base = self.files, self.cid, self.base
        if status == "D":
            gone = files.pop(path, None)
            if gone is not None:
                gone._rows.append((cid, "D", path, None, base))
                self.deleted.append(gone)
            return
        if status == "R" and old_path is not None:
            moved = files.pop(old_path, None) or FileHistory(rows=[])
            moved._rows.append((cid, "R", path, old_path, base))
            files[path] = moved
            return
        history = files.get(path)
        if history is None:
            files[path] = FileHistory(rows=[(cid, "A", path, None, base)])
        else:  # also "A" of a path a parallel branch added: one file, a new version
            history._rows.append((cid, "M", path, None, base))


class _BothEnds:
    """The whole history read from both ends at once: ``newest`` takes ``git log``'s
    stream, ``older`` that of ``git log --reverse``, the same commits in the opposite
    order. Whichever reader comes to a commit first takes it and the other stops before
    it (each one's ``stop`` is the other's ``started``), so each commit's tree diff is
    read once, and the two parts meet at one commit boundary: ``index`` joins them.
    """

    def __init__(self) -> None:
        self.newest = _Backward()
        self.older = _Forward()
        self.newest.stop = self.older.started
        self.older.stop = self.newest.started

    def feed(self, stream: _Builder, text: str | None) -> bool:
        """Give one reader the next part of its output (None: the end of it); True once
        the history is whole. A reader that stopped takes no more."""
        if stream.stopped:
            return self.newest.stopped and self.older.stopped
        if text is None:  # one reader came to the end: the other took nothing it needs
            stream.feed("", final=True)
            return True
        stream.feed(text)
        return self.newest.stopped and self.older.stopped

    def index(self) -> HistoryIndex:
        return self.newest.index(self.older)


Progress = Callable[[str], None]


def _salt() -> str:
    return f"history:{code_version()}"


def load_history(
    root: Path, *, use_cache: bool = True, progress: Progress | None = None
) -> HistoryIndex:
    """The history index of the repository at ``root``, brought up to HEAD.

    Reads only the commits since the cached head; rebuilds from scratch when the cached
    head is not an ancestor of HEAD (history rewritten) and remembers that rewrite.
    """
    store = cache_dir(root) / "history.pickle"
    with _no_collection():
        cached = _load(store) if use_cache else None
    old = None
    if isinstance(cached, dict) and cached.get("salt") == _salt():
        found = cached.get("index")
        old = found if isinstance(found, HistoryIndex) else None
    index: HistoryIndex | None = None
    rewrites: list[Rewrite] = []
    head: str | None = None
    if old is not None:
        head = head_commit(root)
        if old.head == head:
            return old
        rewrites = list(old.rewrites)
        if old.head is not None and head is not None and is_ancestor(root, old.head, head):
            index = old
            new: list[tuple[Commit, list[Change]]] = []
            sink = Parser(lambda c, ch: new.append((c, ch)))
            stream_log(root, f"{old.head}..{head}", sink)
            for commit, changes in reversed(new):
                index.apply(commit, changes)
        elif old.head is not None and head is not None:
            rewrites.append(Rewrite(old.head, head, int(time.time())))
    if index is None:
        if progress:
            progress("读取 git 历史…")
        both = _BothEnds()
        with _no_collection():
            _read_all(root, both)
            index = both.index()
            head = next(reversed(index.commits), None)
        index.rewrites = rewrites
    index.head = head
    if use_cache:
        with _no_collection():
            _dump(store, {"salt": _salt(), "index": index})
    return index


def _read_all(root: Path, both: _BothEnds) -> None:
    """Read HEAD's whole history into ``both`` from its two ends at once (nothing in a
    repository without commits).

    ``git log`` and ``git log --reverse`` run side by side, each parsed as its output
    comes: when one reader stops (the other took the next commit) the other goes on to
    the end of its commit; when one comes to the end of the history the other took
    nothing. A machine's second core does half of git's work.
    """
    require_top_level(root)
    with contextlib.ExitStack() as stack:
        waiting = stack.enter_context(selectors.DefaultSelector())
        procs: list[Popen[bytes]] = []
        try:
            for stream, reverse in ((both.newest, False), (both.older, True)):
                errors = stack.enter_context(tempfile.TemporaryFile())
                proc = start_log(root, "HEAD", subprocess.PIPE, errors, reverse)
                procs.append(proc)
                assert proc.stdout is not None
                decoder = codecs.getincrementaldecoder("utf-8")("replace")
                waiting.register(proc.stdout, selectors.EVENT_READ, (proc, stream, errors, decoder))
            whole = False
            while not whole:
                for key, _ in waiting.select():
                    proc, stream, errors, decoder = key.data
                    chunk = os.read(key.fd, 1 << 16)
                    if chunk:
                        whole = both.feed(stream, decoder.decode(chunk))
                        if stream.stopped:
                            waiting.unregister(key.fileobj)
                    else:
                        both.feed(stream, decoder.decode(b"", final=True))
                        whole = both.feed(stream, None)
                        finish_log(proc, errors)
                    if whole:
                        break
        except HistoryError:
            if head_commit(root) is None:
                return
            raise
        finally:
            for proc in procs:
                stop_log(proc)
                if proc.stdout is not None:
                    proc.stdout.close()


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """No garbage collection while tens of thousands of small tuples are made or unpickled:
    the collector would only rescan them (they hold no cycles)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Contents:
    """File contents by ``commit:path`` (``Version.ref``), read with one
    ``git cat-file --batch`` per ``fetch``; None for a path that did not exist there."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: dict[str, bytes | None] = {}

    def fetch(self, refs: Iterable[str | None]) -> None:
        """Read every content not yet known, in one git process."""
        wanted = sorted({r for r in refs if r and r not in self.known})
        for ref in [r for r in wanted if "\n" in r]:  # cannot be asked for on one line
            self.known[ref] = None
        wanted = [r for r in wanted if "\n" not in r]
        if not wanted:
            return
        out = git(
            self.root, "cat-file", "--batch", input="".join(f"{r}\n" for r in wanted).encode()
        )
        pos = 0
        for ref in wanted:
            line_end = out.index(b"\n", pos)
            header = out[pos:line_end].rsplit(b" ", 2)
            pos = line_end + 1
            if len(header) < 3 or header[1] != b"blob" or not header[2].isdigit():
                self.known[ref] = None  # "<ref> missing", or not a file
                continue
            size = int(header[2])
            self.known[ref] = out[pos : pos + size]
            pos += size + 1

    def get(self, ref: str | None) -> bytes | None:
        if ref is None:
            return None
        if ref not in self.known:
            self.fetch([ref])
        return self.known.get(ref)
