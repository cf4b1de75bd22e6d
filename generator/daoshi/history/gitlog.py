"""git's log of the records repository as a stream: the command, and its structural parser.

``git log -z --name-status -M`` with a format of NUL-separated fields gives every commit
(author, committer, both dates, message) and, per commit, each file it added, changed,
renamed or deleted. ``Stream`` walks that output chunk by chunk as git writes it; the
history index (``history.py``) builds on it. Every failure is a ``HistoryError`` with a
message in Chinese.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import subprocess
import tempfile
from collections.abc import Callable, Container, Mapping, Sequence
from pathlib import Path
from subprocess import Popen
from typing import IO, NamedTuple

from daoshi import git as gitcmd
from daoshi.history.merges import Entry, merges_in

# %H comes again after the message: a message cannot end in its own commit's hash, so a
# crafted message can never pass for the start of another commit.
LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x00%H%x02"
_HEX = frozenset("0123456789abcdef")


PIPE_SIZE = 1 << 20  # room for git to write ahead while a chunk is parsed
new_tuple = tuple.__new__  # a NamedTuple made without its Python-level __new__


class HistoryError(Exception):
    """The history cannot be read (no git, not a repository); message in Chinese."""


class Commit(NamedTuple):
    """One commit; times are seconds since the epoch (shown in the school's time zone)."""

    id: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    author_time: int
    committer: str
    committer_email: str
    commit_time: int
    message: str

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


def git(root: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    """Run git in ``root``; raise ``HistoryError`` with git's message when it fails."""
    try:
        done = gitcmd.run(
            "-c", "log.showSignature=false", *args, cwd=root, input=input, check=check
        )
    except gitcmd.GitError as exc:
        raise HistoryError(str(exc)) from exc
    return done.stdout


def require_top_level(root: Path) -> None:
    if not (root / ".git").exists():  # the records repository's own top level, not a subfolder
        raise HistoryError(f"{root} 不是 git 仓库的顶层目录：审计需要记录仓库自己的 git 历史")


def head_commit(root: Path) -> str | None:
    """HEAD's commit id; None in a repository without commits."""
    require_top_level(root)
    out = git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()
    return out.decode() if out else None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    return gitcmd.succeeds("merge-base", "--is-ancestor", older, newer, cwd=root)


def log_command(revisions: str, reverse: bool = False) -> list[str]:
    return [
        "log",
        "-z",
        "--name-status",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-show-signature",
        "--encoding=UTF-8",
        f"--format={LOG_FORMAT}",
        *(["--reverse"] if reverse else []),
        revisions,
        "--",
    ]


def read_log(root: Path, revisions: str, reverse: bool = False) -> bytes:
    """The raw log stream of ``revisions`` (newest first, or oldest first with ``reverse``),
    as parsed by ``parse_log``."""
    return git(root, *log_command(revisions, reverse))


# (status A/M/R/D, path, old path of a rename)
Change = tuple[str, str, str | None]
Sink = Callable[[Commit, list[Change]], None]


# A status field as it reads in the stream (the first file of a commit comes after a
# newline). Renames and copies carry a score (R100 for a whole one) and other statuses are
# rare: both go the slower way.
PLAIN = {**{s: s for s in "AMD"}, **{f"\n{s}": s for s in "AMD"}}


def commit_at(fields: list[str], i: int) -> Commit:
    """The commit whose ten fields start at ``fields[i]`` (``\\x01H`` ... ``H\\x02``)."""
    cid = fields[i].lstrip("\n")[1:]
    if not (len(cid) in (40, 64) and _HEX.issuperset(cid)):
        raise HistoryError(f"无法解析 git log 输出：提交号 {cid[:64]!r}")
    if fields[i + 9] != f"{cid}\x02":
        raise HistoryError(f"无法解析 git log 输出：提交 {cid} 的字段")
    parents, an, ae, at, cn, ce, ct, message = fields[i + 1 : i + 9]
    values = (cid, tuple(parents.split()), an, ae, int(at), cn, ce, int(ct), message.rstrip("\n"))
    return new_tuple(Commit, values)


def odd_status(field: str) -> tuple[str, int]:
    """A status outside ``PLAIN``: what it means here and how many paths follow it.

    ``R`` a rename (old path, new path); ``C`` a copy, only with ``-C`` (a new file); the
    type changes and the like (``T``, ``U``, ``X``) change the content, so read as ``M``.
    """
    head = field.lstrip("\n")[:1]
    if head == "R":
        return "R", 2
    if head == "C":
        return "A", 2
    if "A" <= head <= "Z":
        return "M", 1
    raise HistoryError(f"无法解析 git log 输出：{field[:40]!r}")


class Stream:
    """Walks the ``read_log`` stream as it arrives, chunk by chunk.

    The stream is split at NUL, which git allows in no message, name or path, and walked
    structurally: a commit is ten fields (``\x01H``, parents, author name, e-mail and time,
    committer name, e-mail and time, message, ``H\x02``), a file is its status (``M``,
    ``A``, ``D``, ``R100`` ...) and one path (two for a rename or copy). A path that looks
    like a commit start is still read as a path, and a message cannot close its commit
    early: it would need to contain its own hash. Subclasses say what a commit and a
    change do (``_commit``, ``_change``); ``feed`` keeps the fields that are not whole yet.
    """

    def __init__(self) -> None:
        self.rest = ""  # an unfinished field or unit carried to the next chunk
        self.stop: Container[str] = ()  # commits not to take: the walk stops before them
        self.stopped = False
        self.started: set[str] = set()  # the commits taken
        # a merge's own changes (``history.merges``): git log lists none for a merge
        self.merges: Mapping[str, Sequence[tuple[str, str, str, str]]] = {}

    def feed(self, text: str, final: bool = False) -> None:
        fields = (self.rest + text).split("\0")
        self.rest = "" if final else fields.pop()
        count = len(fields)
        i = self._walk(fields, count)
        if i < count:
            self.rest = "\0".join([*fields[i:], self.rest])
        if final:
            if self.rest.strip("\0\n"):
                raise HistoryError("无法解析 git log 输出：输出不完整")
            self._end()

    def _walk(self, fields: list[str], count: int) -> int:
        """Take every whole unit of ``fields``; return where the unfinished part starts."""
        i = 0
        plain = PLAIN.get
        change = self._change
        while i < count:
            status = plain(fields[i])
            if status is None:
                i, whole = self._unit(fields, i, count)
                if not whole:
                    break
            elif i + 1 < count:
                change(status, fields[i + 1], None)
                i += 2
            else:
                break
        return i

    def _unit(self, fields: list[str], i: int, count: int) -> tuple[int, bool]:
        """Take the unit at ``fields[i]`` that is not a plain change: a commit, a rename
        or copy, another status, or an empty field. Returns where the next one starts and
        whether this one was whole (if not, ``i`` itself)."""
        field = fields[i]
        if not field or field == "\n":
            return i + 1, True
        if field.lstrip("\n")[:1] == "\x01":
            if i + 9 >= count:
                return i, False
            commit = commit_at(fields, i)
            if commit.id in self.stop:
                self.stopped = True
                return i, False
            self.started.add(commit.id)
            self._commit(commit)
            for status, path, _, _ in self.merges.get(commit.id, ()):
                self._merge_change("M" if status == "T" else status, path)
            return i + 10, True
        status, width = odd_status(field)
        if i + width >= count:
            return i, False
        if status == "R":
            self._change("R", fields[i + 2], fields[i + 1])
        else:
            self._change(status, fields[i + width], None)
        return i + width + 1, True

    def _commit(self, commit: Commit) -> None:
        raise NotImplementedError

    def _change(self, status: str, path: str, old_path: str | None) -> None:
        raise NotImplementedError

    def _merge_change(self, status: str, path: str) -> None:
        """One of a merge's own changes (``A``, ``M`` or ``D``), after its commit."""
        self._change(status, path, None)

    def _end(self) -> None:
        """The stream is over."""


class Parser(Stream):
    """Hands each whole commit and its changes to ``sink`` (newest first)."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink
        self.commit: Commit | None = None
        self.changes: list[Change] = []

    def _commit(self, commit: Commit) -> None:
        self._end()
        self.commit = commit

    def _change(self, status: str, path: str, old_path: str | None) -> None:
        self.changes.append((status, path, old_path))

    def _end(self) -> None:
        if self.commit is not None:
            self.sink(self.commit, self.changes)
        self.commit, self.changes = None, []


def parse_log(
    stream: bytes, merges: Mapping[str, Sequence[tuple[str, str, str, str]]] | None = None
) -> list[tuple[Commit, list[Change]]]:
    """Parse ``read_log`` output into (commit, changes) pairs, newest first; ``merges``
    (``merge_changes``) gives the merges their own changes."""
    out: list[tuple[Commit, list[Change]]] = []
    parser = Parser(lambda c, ch: out.append((c, ch)))
    parser.merges = merges or {}
    parser.feed(stream.decode("utf-8", "replace"), True)
    return out


def start_log(
    root: Path, revisions: str, out: IO[bytes] | int, errors: IO[bytes], reverse: bool = False
) -> Popen[bytes]:
    try:
        proc = gitcmd.start(*log_command(revisions, reverse), cwd=root, stdout=out, stderr=errors)
    except gitcmd.GitError as exc:
        raise HistoryError(str(exc)) from exc
    if proc.stdout is not None:
        # A pipe holds 64 KiB: git would wait whenever it is full while a chunk is parsed.
        # With room for 1 MiB (Linux's limit for anyone) it goes on writing.
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    return proc


def feed_all(source: IO[bytes], stream: Stream) -> None:
    """Everything ``source`` holds, 64 KiB at a time (from a pipe: a few dozen chunks for a
    school's history, each parsed while git writes the next ones)."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    while chunk := source.read(1 << 16):
        stream.feed(decoder.decode(chunk))
    stream.feed(decoder.decode(b"", final=True), final=True)


def finish_log(proc: Popen[bytes], errors: IO[bytes]) -> None:
    if proc.wait() != 0:
        errors.seek(0)
        detail = errors.read().decode("utf-8", "replace").strip()
        raise HistoryError(f"git log 失败：{detail}")


def stop_log(proc: Popen[bytes]) -> None:
    """A git log still running when its reader gave up."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def merge_changes(root: Path, revisions: str) -> dict[str, list[Entry]]:
    """The own changes of the merges in ``revisions`` (``history.merges``), which the
    streams add after each merge commit."""
    found = merges_in(lambda args, stdin: git(root, *args, input=stdin), revisions)
    as_read = {  # the log's paths are read with undecodable bytes replaced: so these too
        cid: [
            e._replace(path=e.path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
            for e in entries
        ]
        for cid, entries in found.items()
    }
    return as_read


def stream_log(root: Path, revisions: str, stream: Stream) -> None:
    """Run ``git log`` and feed its output to ``stream`` (newest first) as it arrives, so
    parsing overlaps git's own work; merges with their own changes."""
    stream.merges = merge_changes(root, revisions)
    with tempfile.TemporaryFile() as errors:
        proc = start_log(root, revisions, subprocess.PIPE, errors)
        assert proc.stdout is not None
        try:
            feed_all(proc.stdout, stream)
        except BaseException:  # a parse error: git need not write the rest
            stop_log(proc)
            raise
        finally:
            proc.stdout.close()
        finish_log(proc, errors)  # at the end of its output git may not have exited yet
