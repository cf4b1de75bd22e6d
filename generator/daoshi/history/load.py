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

import time
from pathlib import Path

from daoshi.cache import _dump, _load, cache_dir, code_version
from daoshi.history.gitlog import (
    Change,
    Commit,
    Parser,
    head_commit,
    is_ancestor,
    stream_log,
)
from daoshi.history.index import (
    HistoryIndex,
    Progress,
    Rewrite,
)
from daoshi.history.readers import (
    _BothEnds,
    _read_all,
)
from daoshi.memo import paused_gc


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
    with paused_gc():
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
        with paused_gc():
            _read_all(root, both)
            index = both.index()
            head = next(reversed(index.commits), None)
        index.rewrites = rewrites
    index.head = head
    if use_cache:
        with paused_gc():
            _dump(store, {"salt": _salt(), "index": index})
    return index


def advance_history(root: Path, index: HistoryIndex) -> list[tuple[Commit, list[Change]]] | None:
    """Bring ``index``, held in memory, up to HEAD in place (the builder's way: no cache file
    read or written after each commit); the commits added, oldest first, with their
    changes. None when HEAD does not descend from the index's head (history rewritten:
    ``load_history`` makes the index again)."""
    head = head_commit(root)
    if head == index.head:
        return []
    if index.head is None or head is None or not is_ancestor(root, index.head, head):
        return None
    added: list[tuple[Commit, list[Change]]] = []
    stream_log(root, f"{index.head}..{head}", Parser(lambda c, ch: added.append((c, ch))))
    added.reverse()
    for commit, changes in added:
        index.apply(commit, changes)
    index.head = head
    return added
