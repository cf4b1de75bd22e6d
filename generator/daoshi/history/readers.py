"""The two readers that build the index from both ends at once: ``git log`` (newest first)
and ``git log --reverse`` side by side, meeting at a commit (``_BothEnds``), each part
parsed as git writes it and joined at that one commit boundary.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import selectors
import subprocess
import tempfile
from pathlib import Path
from subprocess import Popen

from daoshi.history.gitlog import (
    PLAIN,
    Commit,
    HistoryError,
    Stream,
    finish_log,
    head_commit,
    merge_changes,
    require_top_level,
    start_log,
    stop_log,
)
from daoshi.history.index import (
    FileHistory,
    HistoryIndex,
    Row,
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

    def _merge_change(self, status: str, path: str) -> None:
        """A merge's own change: what ``_walk`` does with a plain one."""
        history = None if status == "D" else self.live.get(path)
        row = (self.cid, status, path, None, self.base)
        if history is None:  # the file's newest version
            history = self.live[path] = [row]
            if status == "D":
                self.deleted.append((len(self.commits), FileHistory(rows=history)))
            else:
                self.files[path] = FileHistory(rows=history)
            return
        if history[-1][1] == "A":
            history[-1] = _changed(history[-1])
        history.append(row)

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
        if status == "D":  # (a path not known: a side's file a merge drops, say)
            gone = files.pop(path, None) or FileHistory(rows=[])
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
            both.newest.merges = both.older.merges = merge_changes(root, "HEAD")
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
