"""The hook's rules about refs: which refs may be pushed at all, by whom, and how.

- the main branch (``daoshi.branch``, else the branch ``HEAD`` names, else ``main``): by
  any teacher, fast-forward only, never deleted; its new commits are judged one by one;
- tags: by administrators only, created once, never moved (``W711``); ``close/<学期>``
  tags are annotated, point at a commit of the main branch and are never deleted or
  moved, by anyone: closing a semester is permanent;
- ``refs/replace/*`` (which silently swaps commits in ``git log``): by no one;
- any other ref (another branch, ``refs/notes/*`` …): by no one. An administrator may
  delete a stale one (not the main branch, not a close tag).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.messages import problem

ZERO = "0" * 40
HEADS = "refs/heads/"
TAGS = "refs/tags/"
CLOSE_TAG = "refs/tags/close/"
REPLACE = "refs/replace/"
DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class RefUpdate:
    """One line of pre-receive's input: ``old new ref``."""

    old: str
    new: str
    ref: str

    @property
    def is_branch(self) -> bool:
        return self.ref.startswith(HEADS)

    @property
    def deletes(self) -> bool:
        return self.new.strip("0") == ""

    @property
    def creates(self) -> bool:
        return self.old.strip("0") == ""


def read_updates(stream: TextIO) -> list[RefUpdate]:
    """Parse pre-receive's standard input."""
    updates = []
    for line in stream:
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(*parts))
    return updates


def main_branch(git: Repository) -> str:
    """The one branch that may be pushed: ``daoshi.branch``, else the branch ``HEAD``
    names when it exists, else ``refs/heads/main``."""
    configured = git.config("daoshi.branch")
    if configured:
        name = configured[0]
        return name if name.startswith(HEADS) else HEADS + name
    head = git.run("symbolic-ref", "-q", "HEAD", check=False).strip()
    if head.startswith(HEADS) and git.resolve(head):
        return head
    return HEADS + DEFAULT_BRANCH


def closed_semesters(git: Repository) -> frozenset[str]:
    """Semesters with a close tag (``close/<学期>``) before this push."""
    out = git.run("for-each-ref", "--format=%(refname)", CLOSE_TAG, check=False)
    return frozenset(line[len(CLOSE_TAG) :] for line in out.splitlines() if line)


def _short(ref: str) -> str:
    return ref.removeprefix(HEADS)


def ref_problems(
    git: Repository, update: RefUpdate, admin: bool, user: str, main: str, main_new: str | None
) -> list[Problem]:
    """The rules ``update`` breaks (``main_new``: the main branch's tip after this push)."""
    where = Location(update.ref)
    ref = update.ref
    if ref == main:
        if update.deletes:
            return [problem(where, "W708")]
        if not update.creates and not git.ok("merge-base", "--is-ancestor", update.old, update.new):
            return [problem(where, "W707", old=update.old[:9], new=update.new[:9])]
        return []
    if ref.startswith(REPLACE):
        return [] if admin and update.deletes else [problem(where, "W713")]
    if ref.startswith(CLOSE_TAG):
        if not update.creates:
            return [problem(where, "W714")]
        if not admin:
            return [problem(where, "W706", user=user)]
        return close_tag_problems(git, update, main, main_new)
    if ref.startswith(TAGS):
        if not admin:
            return [problem(where, "W706", user=user)]
        if not update.creates and not update.deletes:
            return [problem(where, "W711")]
        return []
    if admin and update.deletes:
        return []  # an administrator tidies a stale branch or notes away
    return [problem(where, "W712", branch=_short(main))]


def close_tag_problems(
    git: Repository, update: RefUpdate, main: str, main_new: str | None
) -> list[Problem]:
    """A new close tag: annotated, and on the main branch (as it is after this push)."""
    where = Location(update.ref)
    if git.run("cat-file", "-t", update.new, check=False).strip() != "tag":
        return [problem(where, "W715")]
    target = git.resolve(update.new)
    tips = [t for t in (main_new, git.resolve(main)) if t]
    if target is None or not any(git.ok("merge-base", "--is-ancestor", target, t) for t in tips):
        return [problem(where, "W716", branch=_short(main))]
    return []


def pushed_main(updates: Iterable[RefUpdate], main: str) -> RefUpdate | None:
    """This push's update of the main branch, if it moves it forward."""
    return next((u for u in updates if u.ref == main and not u.deletes), None)
