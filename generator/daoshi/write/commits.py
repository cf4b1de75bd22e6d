"""The commits a push brings and what each one changes, before anything is checked out.

A push's new commits are those the main branch does not reach yet (a stale branch left on
the server counts for nothing). Each commit's changes come from one ``diff-tree --stdin``
for all plain commits and from ``history.merges`` for merges (a merge's own changes, so a
merge cannot bring in what a plain commit could not). On these changes, cheaply and for
every pusher: the limits (commits and files per push, blob size; ``git config
daoshi.maxCommits``, ``daoshi.maxFiles``, ``daoshi.maxBlobSize``) and the paths git or a
work tree cannot hold safely (not UTF-8, control characters, ``..``, ``.git``, too deep,
submodules, links, ``.gitattributes``), each refused with a message, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.history.merges import Entry, own_changes, parse_raw
from daoshi.messages import problem
from daoshi.records.sources import MAX_BYTES

DEFAULT_MAX_BLOB = MAX_BYTES  # the validator's own limit on a file
DEFAULT_MAX_COMMITS = 200
DEFAULT_MAX_FILES = 1000
MAX_DEPTH = 12  # semesters/<S>/journal/<T>/<student>/<file> is six
MAX_NAME_BYTES = 255
FILE_MODES = frozenset({"100644", "100755"})
GIT_FILES = frozenset({".gitattributes", ".gitmodules"})


@dataclass(frozen=True)
class Commit:
    """A new commit of the push, with what is shown in messages about it and what the
    push log keeps."""

    sha: str
    parents: tuple[str, ...]
    author: str
    author_email: str
    author_time: int
    committer: str
    committer_email: str
    commit_time: int
    date: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:9]


Change = Entry  # (status, path, mode, blob) of the commit's own changes


def new_commits(git: Repository, tip: str, known: str | None) -> list[Commit]:
    """Commits reachable from ``tip`` and not from ``known`` (the main branch before this
    push), parents first."""
    fields = "%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%ad%x00%s"
    args = ["rev-list", "--topo-order", "--reverse", "--date=short", f"--format=%x01{fields}"]
    out = git.raw(*args, tip, *(["--not", known] if known else []))
    commits = []
    for line in out.split(b"\n"):
        if line.startswith(b"\x01"):
            parts = line[1:].decode("utf-8", "replace").split("\x00", 9)
            sha, parents, an, ae, at, cn, ce, ct, date, subject = parts
            commits.append(
                Commit(sha, tuple(parents.split()), an, ae, int(at), cn, ce, int(ct), date, subject)
            )
    return commits


def commit_changes(git: Repository, commits: Sequence[Commit]) -> dict[str, list[Change]]:
    """Each commit's own changes, by commit id."""

    def run(args: Sequence[str], stdin: bytes | None) -> bytes:
        return git.raw(*args, input=stdin)

    plain = [c for c in commits if len(c.parents) < 2]
    found: dict[str, list[Change]] = {}
    if plain:
        args = ("diff-tree", "--stdin", "--always", "--root", "-r", "-z", "--no-renames", "--raw")
        out = run(args, "".join(f"{c.sha}\n" for c in plain).encode())
        for sha, diff in parse_raw(out):
            found[sha] = list(diff.values())
    merges = [(c.sha, c.parents) for c in commits if len(c.parents) >= 2]
    found.update(own_changes(run, merges))
    return found


MAX_SHOWN_CHARS = 300  # a path longer than this is cut in the middle when shown


def shown(path: str) -> str:
    """A path as it is safe to print on one line: control characters and bytes that are
    not UTF-8 written as escapes (``\\n``, ``\\x1b``, ``\\xff``), a very long one cut."""
    if len(path) > MAX_SHOWN_CHARS:
        half = MAX_SHOWN_CHARS // 2
        path = f"{path[:half]}…（共 {len(path)} 个字符）…{path[-half:]}"
    out = []
    for ch in path:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0 or 0xD800 <= code <= 0xDFFF:
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def path_reason(change: Change) -> str | None:
    """Why a path (or what it holds) cannot go in, for any pusher; None when it may."""
    path = change.path
    if change.status == "D":
        return None
    if change.mode == "160000":
        return "子模块（gitlink）不能放进记录仓库"
    if change.mode == "120000":
        return "符号链接不能放进记录仓库"
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in path):
        return "文件名不是 UTF-8 编码，请用 UTF-8 文件名"
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        return "文件名含换行符或其他控制字符"
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.casefold().rstrip(". ") == ".git" for p in parts):
        return "路径含 .、..、空的部分或 .git"
    if "\\" in path:
        return "路径含反斜杠 \\"
    if len(parts) > MAX_DEPTH:
        return f"目录层级过深（{len(parts)} 层，最多 {MAX_DEPTH} 层）"
    if any(len(p.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES for p in parts):
        return f"文件名过长（超过 {MAX_NAME_BYTES} 字节）"
    if parts[-1].casefold() in GIT_FILES:
        return f"{parts[-1]} 会改变 git 读取文件的方式，不能放进记录仓库"
    if change.mode not in FILE_MODES:
        return f"不是普通文件（模式 {change.mode}）"
    return None


def limits(git: Repository) -> dict[str, int]:
    """The ``daoshi.max*`` integers of the repository's git config (``2m`` and the like
    allowed), by one ``git config`` (a value git cannot read as a number is left out)."""
    out = git.run("config", "--type=int", "--get-regexp", r"^daoshi\.max", check=False)
    found = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            found[key.lower()] = int(value)
    return found


def limit(git: Repository, key: str, default: int, known: dict[str, int] | None = None) -> int:
    """One of ``limits`` (read now unless ``known`` holds them), else ``default``."""
    return (known if known is not None else limits(git)).get(key.lower(), default)


# what a push may hold at most, from a teacher: (shown as, git config key, default)
PUSH_LIMITS = {
    "commits": ("提交", "daoshi.maxCommits", DEFAULT_MAX_COMMITS),
    "files": ("文件", "daoshi.maxFiles", DEFAULT_MAX_FILES),
}


def count_problem(
    git: Repository, where: str, what: str, count: int, admin: bool, known: dict[str, int]
) -> list[Problem]:
    """Too many commits or files (``what``) in one push; never for the administrator,
    whose roster import or first push of a school is large."""
    shown_as, key, default = PUSH_LIMITS[what]
    most = limit(git, key, default, known)
    if admin or count <= most:
        return []
    return [problem(Location(where), "W721", what=shown_as, count=count, limit=most, key=key)]


def blob_sizes(git: Repository, blobs: Sequence[str]) -> dict[str, int]:
    """The size of each blob, by one ``cat-file --batch-check`` (nothing is read)."""
    if not blobs:
        return {}
    out = git.raw(
        "cat-file",
        "--batch-check=%(objectname) %(objectsize)",
        input="".join(f"{b}\n" for b in blobs).encode(),
    )
    sizes = {}
    for line in out.decode("ascii", "replace").splitlines():
        name, _, size = line.partition(" ")
        if size.isdigit():
            sizes[name] = int(size)
    return sizes


def file_problems(
    commit: Commit, changes: Sequence[Change], sizes: dict[str, int], most: int
) -> list[Problem]:
    """The path and size rules every pusher's commit obeys (``most``: the blob size
    limit), located ``commit:path``."""
    found = []
    for change in changes:
        where = Location(f"{commit.short}:{shown(change.path)}")
        reason = path_reason(change)
        if reason is not None:
            found.append(problem(where, "W719", why=reason))
        elif change.status != "D" and sizes.get(change.blob, 0) > most:
            found.append(problem(where, "W720", size=sizes[change.blob], limit=most))
    return found
