"""The records repository's git history, read in one pass and cached by commit.

One ``git log --name-status -z -M`` stream gives every commit (author, committer, both
dates, message) and, per commit, each file it added, changed, renamed or deleted; renames
are followed, so a file's history continues under its new name. The index lives in the XDG cache
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
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .cache import _dump, _load, cache_dir, code_version

# %H comes again after the message: a message cannot end in its own commit's hash, so a
# crafted message can never pass for the start of another commit.
LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x00%H%x02"
_HEX = frozenset("0123456789abcdef")
# one raw entry: ":100644 100644 OLD NEW S\0path\0", a rename or copy with a second path


_version = tuple.__new__  # Version(...) without NamedTuple's Python-level __new__


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


@dataclass(slots=True)
class FileHistory:
    """Every version of one file, oldest first, across renames."""

    versions: list[Version]

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
        files = {p: [tuple(v) for v in h.versions] for p, h in self.files.items()}
        deleted = [[tuple(v) for v in h.versions] for h in self.deleted]
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
    files: dict[str, list[tuple[Any, ...]]],
    deleted: list[list[tuple[Any, ...]]],
    rewrites: list[Rewrite],
) -> HistoryIndex:
    make = _version
    return HistoryIndex(
        head,
        {c[0]: make(Commit, c) for c in commits},
        {p: FileHistory([make(Version, v) for v in vs]) for p, vs in files.items()},
        [FileHistory([make(Version, v) for v in vs]) for vs in deleted],
        rewrites,
    )


def git_environment() -> dict[str, str]:
    """The environment without GIT_DIR and friends (set when run from a git hook, say)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}


def git(root: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    """Run git in ``root``; raise ``HistoryError`` with git's message when it fails."""
    command = ["git", "-C", str(root), "-c", "log.showSignature=false", *args]
    try:
        proc = subprocess.run(
            command, input=input, capture_output=True, env=git_environment(), check=False
        )
    except FileNotFoundError as exc:
        raise HistoryError("找不到 git 命令，请先安装 git") from exc
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip()
        raise HistoryError(f"git {args[0]} 失败：{detail}")
    return proc.stdout


def head_commit(root: Path) -> str | None:
    """HEAD's commit id; None in a repository without commits."""
    if not (root / ".git").exists():  # the records repository's own top level, not a subfolder
        raise HistoryError(f"{root} 不是 git 仓库的顶层目录：审计需要记录仓库自己的 git 历史")
    out = git(root, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()
    return out.decode() if out else None


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    command = ["git", "-C", str(root), "merge-base", "--is-ancestor", older, newer]
    proc = subprocess.run(command, capture_output=True, env=git_environment(), check=False)
    return proc.returncode == 0


def _log_command(root: Path, revisions: str) -> list[str]:
    return [
        "git",
        "-C",
        str(root),
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
        revisions,
        "--",
    ]


def read_log(root: Path, revisions: str) -> bytes:
    """The raw log stream of ``revisions`` (newest first), as parsed by ``parse_log``."""
    return git(root, *_log_command(root, revisions)[3:])


# (status A/M/R/D, path, old path of a rename)
Change = tuple[str, str, str | None]
Sink = Callable[[Commit, list[Change]], None]


class _Parser:
    """Reads the ``read_log`` stream as it arrives, handing each whole commit to ``sink``.

    The stream is split at NUL, which git allows in no message, name or path, and walked
    structurally: a commit is ten fields (``\x01H``, parents, author name, e-mail and time,
    committer name, e-mail and time, message, ``H\x02``), a file is its status (``M``,
    ``A``, ``D``, ``R100`` ...) and one path (two for a rename or copy). A path that looks
    like a commit start is still read as a path, and a message cannot close its commit
    early: it would need to contain its own hash.
    """

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.rest = ""  # an unfinished field or unit carried to the next chunk
        self.commit: Commit | None = None
        self.changes: list[Change] = []

    def feed(self, text: str, final: bool = False) -> None:
        fields = (self.rest + text).split("\0")
        self.rest = "" if final else fields.pop()
        count, i = len(fields), 0
        changes = self.changes
        while i < count:
            field = fields[i]
            if not field or field == "\n":
                i += 1
                continue
            head = field[0] if field[0] != "\n" else field[1:2]
            if "A" <= head <= "Z":
                status = head
                width = 2 if status in "RC" else 1
                if i + width >= count:
                    break
                if status == "R":
                    changes.append(("R", fields[i + 2], fields[i + 1]))
                elif status == "C":  # only with -C; a copy is a new file
                    changes.append(("A", fields[i + 2], None))
                elif status in "AD":
                    changes.append((status, fields[i + 1], None))
                else:  # M, and T (type change) and the like: the content changed
                    changes.append(("M", fields[i + 1], None))
                i += width + 1
            elif head == "\x01":
                if i + 9 >= count:
                    break
                cid = field.lstrip("\n")[1:]
                if not (len(cid) in (40, 64) and _HEX.issuperset(cid)):
                    raise HistoryError(f"无法解析 git log 输出：提交号 {cid[:64]!r}")
                if fields[i + 9] != f"{cid}\x02":
                    raise HistoryError(f"无法解析 git log 输出：提交 {cid} 的字段")
                parents, an, ae, at, cn, ce, ct, message = fields[i + 1 : i + 9]
                self._flush()
                changes = self.changes
                self.commit = Commit(
                    cid,
                    tuple(parents.split()),
                    an,
                    ae,
                    int(at),
                    cn,
                    ce,
                    int(ct),
                    message.rstrip("\n"),
                )
                i += 10
            else:
                raise HistoryError(f"无法解析 git log 输出：{field[:40]!r}")
        if i < count:
            self.rest = "\0".join([*fields[i:], self.rest])
        if final:
            if self.rest.strip("\0\n"):
                raise HistoryError("无法解析 git log 输出：输出不完整")
            self._flush()

    def _flush(self) -> None:
        if self.commit is not None:
            self.sink(self.commit, self.changes)
        self.commit, self.changes = None, []


def parse_log(stream: bytes) -> list[tuple[Commit, list[Change]]]:
    """Parse ``read_log`` output into (commit, changes) pairs, newest first."""
    out: list[tuple[Commit, list[Change]]] = []
    _Parser(lambda c, ch: out.append((c, ch))).feed(stream.decode("utf-8", "replace"), True)
    return out


def stream_log(root: Path, revisions: str, sink: Sink) -> None:
    """Run ``git log`` and hand each commit to ``sink`` (newest first) as its output arrives,
    so parsing overlaps git's own work."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    parser = _Parser(sink)
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(
                _log_command(root, revisions),
                stdout=subprocess.PIPE,
                stderr=errors,
                env=git_environment(),
            )
        except FileNotFoundError as exc:
            raise HistoryError("找不到 git 命令，请先安装 git") from exc
        assert proc.stdout is not None
        # git writes a commit at a time; reading 256 KiB at once keeps the parser's calls few
        # while git goes on writing the next part
        while chunk := proc.stdout.read(1 << 18):
            parser.feed(decoder.decode(chunk))
        parser.feed(decoder.decode(b"", final=True), final=True)
        proc.stdout.close()
        if proc.wait() != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip()
            raise HistoryError(f"git log 失败：{detail}")


class _Backward:
    """Builds the index from a newest-first stream: each file's versions gathered backwards.

    Keyed by the path a file has at the point reached; a rename moves it to its old path.
    Gives the same index as applying the commits oldest first (``HistoryIndex.apply``).
    """

    def __init__(self) -> None:
        self.open: dict[str, list[Version]] = {}  # newest version first
        self.done: list[list[Version]] = []
        self.commits: list[Commit] = []

    def __call__(self, commit: Commit, changes: list[Change]) -> None:
        self.commits.append(commit)
        cid, live, done, make = commit.id, self.open, self.done, _version
        base = commit.parents[0] if commit.parents else None
        for status, path, old_path in changes:
            if status == "A":  # the common case: a file's first version
                history = live.get(path)
                if history is None:
                    live[path] = [make(Version, (cid, "A", path, None, base))]
                    continue
            elif status == "D":
                newer = live.pop(path, None)
                if newer is not None:  # the path was added again later: another file
                    done.append(newer)
                live[path] = [make(Version, (cid, "D", path, None, base))]
                continue
            elif status == "R":
                history = live.pop(path, None)
            else:
                history = live.get(path)
            if history is None:
                history = []
            elif history[-1].change == "A":  # a later "A" of a known file is a change
                history[-1] = history[-1]._replace(change="M")
            if status == "R" and old_path is not None:
                history.append(make(Version, (cid, "R", path, old_path, base)))
                newer = live.pop(old_path, None)
                if newer is not None:
                    done.append(newer)
                live[old_path] = history
                continue
            history.append(make(Version, (cid, "A" if status == "A" else "M", path, None, base)))
            live[path] = history

    def index(self) -> HistoryIndex:
        index = HistoryIndex()
        for commit in reversed(self.commits):
            index.commits[commit.id] = commit
        order = {cid: n for n, cid in enumerate(index.commits)}
        deleted = []
        files = index.files
        for versions in [*self.done, *self.open.values()]:
            if len(versions) > 1:
                versions.reverse()
            last = versions[-1]
            if last.change == "D":
                deleted.append(FileHistory(versions))
            else:
                files[last.path] = FileHistory(versions)
        deleted.sort(key=lambda h: order[h.versions[-1].commit])
        index.deleted = deleted
        return index


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
    head = head_commit(root)
    store = cache_dir(root) / "history.pickle"
    with _no_collection():
        cached = _load(store) if use_cache else None
    index: HistoryIndex | None = None
    rewrites: list[Rewrite] = []
    if isinstance(cached, dict) and cached.get("salt") == _salt():
        old = cached.get("index")
        if isinstance(old, HistoryIndex):
            if old.head == head:
                return old
            rewrites = list(old.rewrites)
            if old.head is not None and head is not None and is_ancestor(root, old.head, head):
                index = old
                new: list[tuple[Commit, list[Change]]] = []
                stream_log(root, f"{old.head}..{head}", lambda c, ch: new.append((c, ch)))
                for commit, changes in reversed(new):
                    index.apply(commit, changes)
            elif old.head is not None and head is not None:
                rewrites.append(Rewrite(old.head, head, int(time.time())))
    if index is None:
        if progress:
            progress("读取 git 历史…")
        builder = _Backward()
        with _no_collection():
            if head is not None:
                stream_log(root, head, builder)
            index = builder.index()
        index.rewrites = rewrites
    index.head = head
    if use_cache:
        with _no_collection():
            _dump(store, {"salt": _salt(), "index": index})
    return index


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
