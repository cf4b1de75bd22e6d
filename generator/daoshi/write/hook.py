"""The write side: a pre-receive hook that decides who may push what into the records.

Runs on the git server (gitolite, Gitea or a plain bare repository) before any ref is
updated. The pusher comes from the hosting layer's environment (``GL_USER`` unless the
repository's ``daoshi.userEnv`` names another variable) and is a teacher by ID or e-mail.
Every new commit is checked on its own, not only the tip: its changes against the rules
below, and its whole tree with ``daoshi validate``.

- a mentor adds and edits records only for their own mentees (that semester's
  ``pairings.yaml``), and their own group activities, in an open semester;
- a class teacher may also edit (not add) records about the students of their class;
- everything else (people, pairings, forms, school.yaml, semester.yaml …), deletions,
  closed semesters (tag ``close/<学期>``), tags and other refs: the admin only;
- no one rewrites history: non-fast-forward updates, moved tags and deleted branches
  are refused.

Git does the reading (``rev-list``, ``diff-tree``, ``read-tree``); this module is the edge
that turns a push into ``Problem``s. The checks on one commit are a pure function
(``commit_problems``) of the changes, the commit's School and the pusher.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

import yaml

from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.messages import problem
from daoshi.records.formfiles import load_forms
from daoshi.records.model import School
from daoshi.records.validate import Prepared, check_records, school_today, validate
from daoshi.write.hook_tree import CheckTree, DataTree

ZERO = "0" * 40


DEFAULT_USER_ENV = "GL_USER"


CLOSE_TAG = "refs/tags/close/"


# what an admin-only file is, for W701 (first match wins)
ADMIN_FILES = (
    (re.compile(r"people/"), "人员名单"),
    (re.compile(r"forms/"), "表单"),
    (re.compile(r"school\.yaml\Z"), "学校设置"),
    (re.compile(r"semesters/[^/]+/pairings\.yaml\Z"), "导师与学生对接表"),
    (re.compile(r"semesters/[^/]+/semester\.yaml\Z"), "学期设置"),
    (re.compile(r"semesters/[^/]+/screening\.yaml\Z"), "受导学生排查"),
    (re.compile(r"semesters/[^/]+/surveys\.yaml\Z"), "满意度调查"),
)


_JOURNAL = re.compile(r"semesters/(?P<semester>[^/]+)/journal/(?P<mentor>[^/]+)/(?P<rest>.+)\Z")


@dataclass(frozen=True)
class RefUpdate:
    """One line of pre-receive's input: ``old new ref``."""

    old: str
    new: str
    ref: str

    @property
    def is_branch(self) -> bool:
        return self.ref.startswith("refs/heads/")


@dataclass(frozen=True)
class Pusher:
    """Who pushes: the hosting layer's user name, the teacher it maps to, admin or not."""

    user: str
    teacher: str | None
    admin: bool

    @property
    def name(self) -> str:
        return self.teacher or self.user


@dataclass(frozen=True)
class Change:
    """A path a commit adds (``A``), modifies (``M``) or deletes (``D``)."""

    status: str
    path: str


@dataclass(frozen=True)
class Commit:
    """A new commit of the push, with what is shown in messages about it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    date: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:9]


def read_updates(stream: TextIO) -> list[RefUpdate]:
    """Parse pre-receive's standard input."""
    updates = []
    for line in stream:
        parts = line.split()
        if len(parts) == 3:
            updates.append(RefUpdate(*parts))
    return updates


# libyaml's loader where PyYAML has it: a full school's people file in a tenth of the time
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _teachers(text: str | None) -> list[dict[str, Any]]:
    try:
        data = yaml.load(text, Loader=_LOADER) if text else None
    except yaml.YAMLError:
        return []
    items = data.get("teachers") if isinstance(data, dict) else None
    return [t for t in items or [] if isinstance(t, dict)]


def base_commit(git: Repository, updates: list[RefUpdate]) -> str | None:
    """The state whose people file names the teachers and admins: before this push.

    ``HEAD``, else ``main``, ``master`` or any branch; only a repository without branches
    takes the pushed branch, so the first push (by whoever sets up the school) names the
    admins.
    """
    for rev in ("HEAD", "refs/heads/main", "refs/heads/master"):
        sha = git.resolve(rev)
        if sha:
            return sha
    branches = git.run("for-each-ref", "--format=%(objectname)", "refs/heads/").split()
    if branches:
        return branches[0]
    return next((u.new for u in updates if u.is_branch and u.new != ZERO), None)


def identify(git: Repository, updates: list[RefUpdate], environ: dict[str, str]) -> Pusher | None:
    """Map the hosting layer's user to a teacher of the repository's people file."""
    variable = (git.config("daoshi.userEnv") or [DEFAULT_USER_ENV])[0]
    user = environ.get(variable, "").strip()
    if not user:
        return None
    base = base_commit(git, updates)
    teachers = _teachers(git.show(base, "people/teachers.yaml")) if base else []
    folded = user.casefold()
    teacher = next(
        (
            t
            for t in teachers
            if str(t.get("id", "")).casefold() == folded
            or str(t.get("email", "")).casefold() == folded
        ),
        None,
    )
    tid = str(teacher["id"]) if teacher else None
    roles = teacher.get("roles") if teacher else None
    configured = set(git.config("daoshi.admin"))
    admin = (isinstance(roles, list) and "admin" in roles) or bool({user, tid} & configured)
    if tid is None and not admin:
        return Pusher(user, None, False)
    return Pusher(user, tid, admin)


def closed_semesters(git: Repository) -> frozenset[str]:
    """Semesters with a close tag (``close/<学期>``) before this push."""
    out = git.run("for-each-ref", "--format=%(refname)", CLOSE_TAG, check=False)
    return frozenset(line[len(CLOSE_TAG) :] for line in out.splitlines() if line)


def ref_problems(git: Repository, update: RefUpdate, pusher: Pusher) -> list[Problem]:
    """Rules about the ref itself: tags and other refs, deletions, rewritten history."""
    where = Location(update.ref)
    if not update.is_branch:
        if not pusher.admin:
            return [problem(where, "W706", user=pusher.name)]
        if update.old != ZERO and update.new != ZERO:
            return [problem(where, "W711")]
        return []
    if update.new == ZERO:
        return [problem(where, "W708")]
    if update.old != ZERO and not git.ok("merge-base", "--is-ancestor", update.old, update.new):
        return [problem(where, "W707", old=update.old[:9], new=update.new[:9])]
    return []


def new_commits(git: Repository, updates: list[RefUpdate]) -> list[Commit]:
    """Commits the push brings that no existing ref reaches, parents first."""
    tips = [u.new for u in updates if u.new != ZERO]
    if not tips:
        return []
    out = git.run(
        "rev-list",
        "--topo-order",
        "--reverse",
        "--date=short",
        "--format=%x01%H%x00%P%x00%an%x00%ad%x00%s",
        *tips,
        "--not",
        "--all",
    )
    commits = []
    for line in out.splitlines():
        if line.startswith("\x01"):
            sha, parents, author, date, subject = line[1:].split("\x00", 4)
            commits.append(Commit(sha, tuple(parents.split()), author, date, subject))
    return commits


def changes(git: Repository, commit: Commit) -> list[Change]:
    """What the commit itself changes; for a merge, only paths that differ from every parent."""

    def against(parent: str | None) -> dict[str, str]:
        args = ["diff-tree", "-r", "-z", "--no-renames", "--name-status", "--no-commit-id"]
        out = git.run(*args, *(["--root", commit.sha] if parent is None else [parent, commit.sha]))
        fields = out.split("\0")
        return {fields[i + 1]: fields[i][0] for i in range(0, len(fields) - 1, 2)}

    diffs = [against(p) for p in commit.parents] or [against(None)]
    first = diffs[0]
    common = set(first).intersection(*diffs[1:])
    return [Change(first[path], path) for path in sorted(common)]


def _class_teacher(school: School, semester_id: str, student_id: str) -> str | None:
    student = school.students.get(student_id)
    semester = next((s for s in school.semesters if s.id == semester_id), None)
    if student is None or semester is None:
        return None
    return next((c.class_teacher for c in semester.classes if c.class_id == student.class_id), None)


def _is_mentee(school: School, semester_id: str, mentor: str, student_id: str) -> bool:
    return any(
        p.semester == semester_id and p.mentor == mentor and student_id in p.students
        for p in school.pairings
    )


def change_problem(
    change: Change, pusher: Pusher, school: School | None, closed: frozenset[str]
) -> Problem | None:
    """The rule a non-admin's change breaks, if any (``school`` is the commit's own tree)."""
    where = Location(change.path)
    if change.status == "D":
        return problem(where, "W702")
    match = _JOURNAL.match(change.path)
    if match is None:
        hint = next((h for rx, h in ADMIN_FILES if rx.match(change.path)), "不在导师的记录目录中")
        return problem(where, "W701", hint=hint)
    semester, mentor, rest = match["semester"], match["mentor"], match["rest"]
    if semester in closed:
        return problem(where, "W703", semester=semester)
    subject = rest.split("/", 1)[0] if "/" in rest else None
    me = pusher.teacher
    if mentor == me:
        if subject is None or subject == "group" or school is None:
            return None  # a misplaced file or a broken tree is reported by validation
        if _is_mentee(school, semester, mentor, subject):
            return None
        return problem(where, "W704", teacher=me, student=subject, semester=semester)
    if (
        change.status == "M"
        and subject not in (None, "group")
        and school is not None
        and _class_teacher(school, semester, subject or "") == me
    ):
        return None
    return problem(where, "W705", teacher=pusher.name, mentor=mentor)


def commit_problems(
    commit: Commit,
    found: Iterable[Change],
    pusher: Pusher,
    school: School | None,
    closed: frozenset[str],
) -> list[Problem]:
    """Every rule the commit's changes break, located as ``commit:path``."""
    if pusher.admin:
        return []
    out = []
    for change in found:
        hit = change_problem(change, pusher, school, closed)
        if hit is not None:
            loc = hit.location
            out.append(Problem(Location(f"{commit.short}:{loc.path}"), hit.code, hit.message))
    return out


@dataclass
class Verdict:
    """The outcome of a push: problems by commit (``""`` for the refs), commits checked."""

    problems: dict[str, list[Problem]]
    commits: list[Commit]
    pusher: Pusher | None

    @property
    def count(self) -> int:
        return sum(len(p) for p in self.problems.values())


def check_push(
    git: Repository,
    updates: list[RefUpdate],
    environ: dict[str, str],
    progress: Callable[[str], None] | None = None,
) -> Verdict:
    """Check a whole push; an empty ``Verdict.problems`` means it may go in."""
    pusher = identify(git, updates, environ)
    if pusher is None or (pusher.teacher is None and not pusher.admin):
        variable = (git.config("daoshi.userEnv") or [DEFAULT_USER_ENV])[0]
        user = environ.get(variable, "")
        where = Location(updates[0].ref if updates else "push")
        return Verdict({"": [problem(where, "W710", variable=variable, user=user)]}, [], pusher)
    found: dict[str, list[Problem]] = {"": []}
    for update in updates:
        found[""].extend(ref_problems(git, update, pusher))
    commits = new_commits(git, updates)
    if progress and commits:
        progress(f"daoshi：检查 {pusher.name} 推送的 {len(commits)} 个新提交…")
    closed = closed_semesters(git)
    seen: set[tuple[str, str, str]] = set()
    pushed = {c.sha for c in commits}
    valid: set[str] = set()  # commits of this push whose whole tree validated
    others: Prepared | None = None  # the data files checked, while only records change
    with CheckTree(git) as tree:
        data = DataTree(git, tree.dir)
        for n, commit in enumerate(commits, 1):
            if progress and len(commits) > 20 and n % 20 == 0:
                progress(f"daoshi：已检查 {n}/{len(commits)} 个提交…")
            changed = changes(git, commit)
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
            own = commit_problems(commit, changed, pusher, school, closed)
            own.extend(_validation_problems(commit, problems, seen))
            if not problems:
                valid.add(commit.sha)
            if own:
                found[commit.sha] = own
    return Verdict({k: v for k, v in found.items() if v}, commits, pusher)


def _records_only(commit: Commit, changed: list[Change], pushed: set[str], valid: set[str]) -> bool:
    """Whether a commit only adds, edits or deletes records on top of a tree known to be
    valid (one already on the server, or one of this push that validated)."""
    if len(commit.parents) != 1 or not changed:
        return False
    parent = commit.parents[0]
    if parent in pushed and parent not in valid:
        return False
    return all(_JOURNAL.match(c.path) and c.path.endswith(".md") for c in changed)


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
            Location(f"{commit.short}:{loc.path}", loc.line, loc.col, loc.sheet), p.code, p.message
        )


def report(verdict: Verdict) -> list[str]:
    """The lines shown to the pusher (git prefixes them with ``remote:``)."""
    if not verdict.problems:
        n = len(verdict.commits)
        return [f"daoshi：{n} 个新提交通过检查。"] if n else []
    who = verdict.pusher.name if verdict.pusher else "未知用户"
    lines = [f"daoshi：推送被拒绝（推送者 {who}），没有任何分支或标签被更新。"]
    lines += [p.format() for p in verdict.problems.get("", [])]
    for commit in verdict.commits:
        problems = verdict.problems.get(commit.sha)
        if problems:
            lines.append(
                f"提交 {commit.short}（{commit.author}，{commit.date}）“{commit.subject}”："
            )
            lines += [f"  {p.format()}" for p in problems]
    lines.append(f"共 {verdict.count} 个问题。规则和改法见 docs/errors.md（W7xx）。")
    lines.append(
        "每个提交都要单独通过检查，在后面再加一个更正的提交没有用："
        "请改写本地尚未推送的提交（git commit --amend 或 git rebase -i），再推送。"
    )
    return lines
