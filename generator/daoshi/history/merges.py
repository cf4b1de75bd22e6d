"""What a merge commit changes by itself: every path where it does not simply take a side.

``git log`` lists no files for a merge, and a merge's diff against its first parent also
holds everything the other side brings. Neither says what the merger did. Here, for a
merge of ``P1`` and ``P2`` with merge base ``B``, a path is the merge's own change unless
the merge takes one side's version where the other side left the path as it was at ``B``
(a clean take: that side's change is its own commits' doing, judged or attributed there).
So a conflict resolution, an edit made inside the merge, and a side's change the merge
drops are the merge's own — the wipe (merge an old commit, keep its tree) is hundreds of
own changes, not none. Paths are compared by mode and blob id, without renames or content
merging: a file both sides changed is the merge's own change. An octopus merge's own
changes are its whole diff against the first parent.

Read-only (``diff-tree``, ``merge-base``; unlike ``git log --remerge-diff`` no object is
written), so it works in a read-only clone and in a hook's quarantine. Both the hook
(``write/``) and the history index use it: one definition of what a merge did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

# git's arguments and standard input → its standard output (raises on failure)
Run = Callable[[Sequence[str], bytes | None], bytes]

DIFF = ("diff-tree", "--stdin", "--always", "-r", "-z", "--no-renames", "--raw")


class Entry(NamedTuple):
    """A path a commit changes: status (A, M, D, or T for a type change) and the new side's
    mode and blob (``000000`` and zeros for a deletion)."""

    status: str
    path: str
    mode: str
    blob: str


Diff = dict[str, Entry]


def decode_path(raw: bytes) -> str:
    """A path as git wrote it; bytes that are not UTF-8 kept as surrogates (``shown``
    writes them as ``\\xNN``)."""
    return raw.decode("utf-8", "surrogateescape")


def parse_raw(out: bytes) -> list[tuple[str, Diff]]:
    """``diff-tree --stdin --always -z --raw`` output: (commit, its diff) per input line."""
    found: list[tuple[str, Diff]] = []
    fields = out.split(b"\0")
    i = 0
    while i < len(fields):
        field = fields[i]
        if field.startswith(b":") and found and i + 1 < len(fields):
            meta = field[1:].decode("ascii", "replace").split(" ")
            path = decode_path(fields[i + 1])
            status = meta[4][:1] if len(meta) > 4 else "M"
            found[-1][1][path] = Entry(status, path, meta[1], meta[3])
            i += 2
            continue
        text = field.strip(b"\n")
        if text:
            found.append((text.decode("ascii", "replace"), {}))
        i += 1
    return found


def diffs(run: Run, pairs: Sequence[tuple[str, str]]) -> list[Diff]:
    """The diff from ``old`` to ``new`` of each ``(new, old)`` pair of commits, by one
    ``git diff-tree --stdin``."""
    if not pairs:
        return []
    out = run(DIFF, "".join(f"{new} {old}\n" for new, old in pairs).encode())
    parsed = parse_raw(out)
    if len(parsed) != len(pairs):
        raise ValueError(f"git diff-tree gave {len(parsed)} diffs for {len(pairs)} pairs")
    return [d for _, d in parsed]


def _bases(run: Run, first: str, second: str) -> list[str]:
    out = run(("merge-base", "--all", first, second), None)
    return out.decode("ascii", "replace").split()


def _root_diff(run: Run, commit: str) -> Diff:
    """A commit's whole tree as additions: the other side of a merge without a base."""
    empty = run(("hash-object", "-t", "tree", "--stdin"), b"").decode().strip()
    args = ("diff-tree", "-r", "-z", "--no-renames", "--raw", empty, commit)
    parsed = parse_raw(b"x\0" + run(args, None))
    return parsed[0][1]


def _own(merged: Diff, other: Diff, sides: Iterable[tuple[Diff, Diff]]) -> Diff:
    """The merge's own changes against the first parent, given its diffs against both
    parents (``merged`` from P1, ``other`` from P2) and, per merge base, what each side
    changed since it."""
    own: Diff = {}
    for first_side, second_side in sides:
        for path, entry in merged.items():
            # a clean take of P2's side: the merge has P2's version, P1 kept the base's
            if path in other or path in first_side:
                own.setdefault(path, entry)
        for path, entry in other.items():
            # the merge keeps P1's version; fine where P2 kept the base's, else it drops
            # what P2's side did (said from P2's side: it deletes, adds back or changes)
            if path not in merged and path in second_side:
                own.setdefault(path, entry)
    return dict(sorted(own.items()))


def own_changes(run: Run, merges: Sequence[tuple[str, Sequence[str]]]) -> dict[str, list[Entry]]:
    """Each merge commit's own changes (see the module docstring), by its id."""
    plans: list[tuple[str, list[str], list[str]]] = []
    pairs: list[tuple[str, str]] = []
    for commit, parents in merges:
        bases = _bases(run, parents[0], parents[1]) if len(parents) == 2 else []
        plans.append((commit, list(parents), bases))
        pairs.append((commit, parents[0]))
        if len(parents) == 2:
            pairs.append((commit, parents[1]))
            for base in bases:
                pairs += [(parents[0], base), (parents[1], base)]
    found = iter(diffs(run, pairs))
    out: dict[str, list[Entry]] = {}
    for commit, parents, bases in plans:
        merged = next(found)
        if len(parents) != 2:
            out[commit] = list(merged.values())  # an octopus: all of it
            continue
        other = next(found)
        sides = [(next(found), next(found)) for _ in bases]
        if not bases:  # unrelated histories: the base is the empty tree
            sides = [(_root_diff(run, parents[0]), _root_diff(run, parents[1]))]
        out[commit] = list(_own(merged, other, sides).values())
    return out


def merges_in(run: Run, *revisions: str) -> dict[str, list[Entry]]:
    """The own changes of every merge commit in ``revisions`` (``HEAD``, ``OLD..HEAD``)."""
    out = run(("rev-list", "--merges", "--parents", *revisions, "--"), None)
    merges = []
    for line in out.decode("ascii", "replace").splitlines():
        commit, *parents = line.split()
        merges.append((commit, parents))
    return own_changes(run, merges) if merges else {}
