"""The write side: a pre-receive hook that decides who may push what into the records.

Runs on the git server (gitolite, Gitea or a plain bare repository) before any ref is
updated. The pusher comes from the hosting layer (``identity``). Only the main branch
takes commits, tags are the administrator's, close tags are permanent (``refs``). Every
new commit is judged on its own, a merge by what it changes itself (``commits``):

- limits and paths first, for every pusher (nothing is checked out before they pass);
- a teacher's changes by ``access.write_problem`` (their mentees' records, their class's
  records, kinds their role sees whole, open semesters; everything else: the admin), and a
  semester's shared files (assessments, preferences, needs) entry by entry by
  ``access_entries`` (the sign-off, an office's scores, one's own choices, one's class's
  needs answers);
- the whole tree with ``daoshi validate``.

An accepted push is written to the push log (``history.pushlog``) before the hook says
yes; if the log cannot be written the push is refused. Git does the reading; this module
is the edge that turns a push into ``Problem``s.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from daoshi.access import write_problem
from daoshi.access_entries import entry_file, entry_problems
from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.messages import problem
from daoshi.records.formfiles import load_forms
from daoshi.records.model import School
from daoshi.records.validate import Prepared, check_records, school_today, validate
from daoshi.write.commits import (
    DEFAULT_MAX_BLOB,
    Change,
    Commit,
    blob_sizes,
    commit_changes,
    count_problem,
    file_problems,
    limit,
    limits,
    new_commits,
    shown,
)
from daoshi.write.hook_tree import CheckTree, DataTree
from daoshi.write.identity import DEFAULT_USER_ENV, Pusher, identify, user_variable
from daoshi.write.refs import (
    RefUpdate,
    closed_semesters,
    main_branch,
    pushed_main,
    ref_problems,
)
from daoshi.write.signatures import check_signatures

__all__ = ["DEFAULT_USER_ENV", "Verdict", "check_push", "report"]

MAX_SHOWN = 200  # problems listed in a refusal; the rest are counted

_RECORD = re.compile(r"semesters/[^/]+/journal/[^/]+/.+\.md\Z")


@dataclass
class Verdict:
    """The outcome of a push: problems by commit (``""`` for the refs), commits checked."""

    problems: dict[str, list[Problem]]
    commits: list[Commit]
    pusher: Pusher | None
    updates: list[RefUpdate]
    main: str  # the main branch's ref
    # commit → (git's %G?, the registered teacher whose key signed it), when signing is on
    signatures: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(p) for p in self.problems.values())


Blob = Callable[[str, str], bytes | None]  # (commit, path) → the file's bytes there


def commit_problems(
    commit: Commit,
    found: list[Change],
    pusher: Pusher,
    school: School | None,
    closed: frozenset[str],
    blob: Blob | None = None,
) -> list[Problem]:
    """Every write rule the commit's changes break, located as ``commit:path``.

    A change to a semester's shared file (assessments, preferences, needs) is judged entry
    by entry (``access_entries``) when the tree loads and ``blob`` reads the versions."""
    if pusher.admin:
        return []
    out = []
    if len(commit.parents) > 2:
        out.append(problem(Location(commit.short), "W722"))
    for change in found:
        if change.status != "D" and entry_file(change.path) and pusher.teacher is not None:
            if school is not None and blob is not None:
                hits = _entry_hits(commit, change.path, pusher.teacher, school, closed, blob)
                out.extend(_located(commit, hit) for hit in hits)
            continue  # the tree does not load: validation (or the path check) refuses it
        hit = write_problem(school, pusher.teacher, change.status, change.path, closed)
        if hit is not None:
            where = Location(f"{commit.short}:{shown(change.path)}")
            out.append(Problem(where, hit.code, hit.message))
    return out


def _entry_hits(
    commit: Commit, path: str, teacher: str, school: School, closed: frozenset[str], blob: Blob
) -> list[Problem]:
    """The entries a teacher's commit changes in a shared file and may not write; a merge
    answers only for what differs from every parent (each side was judged on its own)."""
    after = blob(commit.sha, path) or b""
    parents = commit.parents or ("",)
    found = [
        entry_problems(school, teacher, path, blob(p, path) if p else None, after, closed)
        for p in parents
    ]
    common = set.intersection(*({(p.code, p.message) for p in hits} for hits in found))
    return [p for p in found[0] if (p.code, p.message) in common]


def _located(commit: Commit, found: Problem) -> Problem:
    loc = found.location
    where = Location(f"{commit.short}:{shown(loc.path)}", loc.line, loc.col)
    return Problem(where, found.code, found.message)


def check_push(
    git: Repository,
    updates: list[RefUpdate],
    environ: dict[str, str],
    progress: Callable[[str], None] | None = None,
) -> Verdict:
    """Check a whole push; an empty ``Verdict.problems`` means it may go in."""
    main = main_branch(git)
    who = identify(git, updates, environ, main)
    pusher = who.pusher
    if pusher is None or (pusher.teacher is None and not pusher.admin):
        variable = user_variable(git)
        where = Location(updates[0].ref if updates else "push")
        user = environ.get(variable, "")
        unknown = {"": [problem(where, "W710", variable=variable, user=user)]}
        return Verdict(unknown, [], pusher, updates, main)
    refs: list[Problem] = []
    moving = pushed_main(updates, main)
    main_new = moving.new if moving else None
    for update in updates:
        refs.extend(ref_problems(git, update, pusher.admin, pusher.name, main, main_new))
    commits: list[Commit] = []
    found: dict[str, list[Problem]] = {"": refs}
    if moving is not None and not any(p.location.path == main for p in refs):
        commits = new_commits(git, moving.new, git.resolve(main))
        for key, problems in _check_commits(git, commits, pusher, main, progress).items():
            found.setdefault(key, []).extend(problems)
    signed, statuses = check_signatures(git, who, commits, updates)
    for key, problems in signed.items():
        found.setdefault(key, []).extend(problems)
    found = {k: v for k, v in found.items() if v}
    return Verdict(found, commits, pusher, updates, main, statuses)


def _check_commits(
    git: Repository,
    commits: list[Commit],
    pusher: Pusher,
    main: str,
    progress: Callable[[str], None] | None,
) -> dict[str, list[Problem]]:
    """The problems of each new commit: limits and paths first, then rules and validation."""
    known = limits(git)
    over = count_problem(git, main, "commits", len(commits), pusher.admin, known)
    if over:
        return {"": over}  # not even their changes are read
    changes = commit_changes(git, commits)
    written = {c.path for cs in changes.values() for c in cs if c.status != "D"}
    over = count_problem(git, main, "files", len(written), pusher.admin, known)
    if over:
        return {"": over}
    found: dict[str, list[Problem]] = {}
    sizes = blob_sizes(git, sorted({c.blob for cs in changes.values() for c in cs}))
    most = limit(git, "daoshi.maxBlobSize", DEFAULT_MAX_BLOB, known)
    for commit in commits:
        hits = file_problems(commit, changes.get(commit.sha, []), sizes, most)
        if hits:
            found[commit.sha] = hits
    closed = closed_semesters(git)
    if found:  # a path or a file no work tree should hold: judge the rules without a tree
        for commit in commits:
            own = commit_problems(commit, changes.get(commit.sha, []), pusher, None, closed)
            found.setdefault(commit.sha, []).extend(own)
        return {k: v for k, v in found.items() if v}
    if progress and commits:
        progress(f"daoshi：检查 {pusher.name} 推送的 {len(commits)} 个新提交…")
    return _validate_commits(git, commits, changes, pusher, closed, progress)


def _validate_commits(
    git: Repository,
    commits: list[Commit],
    changes: dict[str, list[Change]],
    pusher: Pusher,
    closed: frozenset[str],
    progress: Callable[[str], None] | None,
) -> dict[str, list[Problem]]:
    """The write rules and the validation of each commit, in its own tree."""
    found: dict[str, list[Problem]] = {}
    seen: set[tuple[str, str, str]] = set()
    pushed = {c.sha for c in commits}
    valid: set[str] = set()  # commits of this push whose whole tree validated
    others: Prepared | None = None  # the data files checked, while only records change
    with CheckTree(git) as tree:
        data = DataTree(git, tree.dir)
        for n, commit in enumerate(commits, 1):
            if progress and len(commits) > 20 and n % 20 == 0:
                progress(f"daoshi：已检查 {n}/{len(commits)} 个提交…")
            changed = changes.get(commit.sha, [])
            checked: tuple[list[Problem], School | None, Prepared | None] | None = None
            if _records_only(commit, changed, pushed, valid):
                # only records changed since a valid tree: check them against its data files
                paths = [c.path for c in changed if c.status != "D"]
                with data.checked_out(commit.sha, paths) as root:
                    if root is not None:  # the forms cannot change in a records-only chain
                        forms = others.crosser.forms if others else load_forms(root)
                        checked = check_records(root, paths, forms, school_today(root), others)
            if checked is None:
                root = tree.checkout(commit.sha)
                result = validate(root, today=school_today(root), need_school=True)
                checked = (result.problems, result.school, None)
            problems, school, others = checked
            own = commit_problems(commit, changed, pusher, school, closed, partial(_blob, git))
            own.extend(_validation_problems(commit, problems, seen))
            if not problems:
                valid.add(commit.sha)
            if own:
                found[commit.sha] = own
    return found


def _blob(git: Repository, rev: str, path: str) -> bytes | None:
    """The file's bytes at a commit (None: not there)."""
    if not git.ok("cat-file", "-e", f"{rev}:{path}"):
        return None
    return git.raw("cat-file", "blob", f"{rev}:{path}")


def _records_only(commit: Commit, changed: list[Change], pushed: set[str], valid: set[str]) -> bool:
    """Whether a commit only adds, edits or deletes records on top of a tree known to be
    valid (one already on the server, or one of this push that validated)."""
    if len(commit.parents) != 1 or not changed:
        return False
    parent = commit.parents[0]
    if parent in pushed and parent not in valid:
        return False
    return all(_RECORD.match(c.path) for c in changed)


def _validation_problems(
    commit: Commit, problems: list[Problem], seen: set[tuple[str, str, str]]
) -> Iterator[Problem]:
    """W709 and the validator's problems, each shown once even when later commits repeat it."""
    fresh = [p for p in problems if (str(p.location), p.code, p.message) not in seen]
    if problems:
        yield problem(Location(commit.short), "W709", count=len(problems))
    for p in fresh:
        seen.add((str(p.location), p.code, p.message))
        loc = p.location
        yield Problem(
            Location(f"{commit.short}:{shown(loc.path)}", loc.line, loc.col, loc.sheet),
            p.code,
            p.message,
        )


def report(verdict: Verdict) -> list[str]:
    """The lines shown to the pusher (git prefixes them with ``remote:``); at most
    ``MAX_SHOWN`` problems, the rest counted."""
    if not verdict.problems:
        n = len(verdict.commits)
        return [f"daoshi：{n} 个新提交通过检查。"] if n else []
    who = shown(verdict.pusher.name) if verdict.pusher else "未知用户"
    lines = [f"daoshi：推送被拒绝（推送者 {who}），没有任何分支或标签被更新。"]
    budget = MAX_SHOWN
    for p in verdict.problems.get("", []):
        if budget > 0:
            lines.append(p.format())
        budget -= 1
    for commit in verdict.commits:
        problems = verdict.problems.get(commit.sha)
        if not problems or budget <= 0:
            budget -= len(problems or ())
            continue
        author, subject = shown(commit.author), shown(commit.subject)
        lines.append(f"提交 {commit.short}（{author}，{commit.date}）“{subject}”：")
        lines += [f"  {p.format()}" for p in problems[: max(budget, 0)]]
        budget -= len(problems)
    if budget < 0:
        lines.append(f"……另有 {-budget} 个问题未列出。")
    lines.append(f"共 {verdict.count} 个问题。规则和改法见 docs/errors.md（W7xx）。")
    lines.append(
        "每个提交都要单独通过检查，在后面再加一个更正的提交没有用："
        "请改写本地尚未推送的提交（git commit --amend 或 git rebase -i），再推送。"
    )
    return lines
