"""The demo school's git history: commits in memory, then ``git fast-import`` or plain files.

Mentors commit the records they wrote in an evening; neglectful mentors catch up in a
batch at the end of the semester. A few records are edited later (some by the class
teacher), one duplicate is deleted and one file name with a wrong date is corrected.
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import itertools
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from daoshi import git

from . import texts as tx
from .journal import Record
from .school import DAY, Teacher, Term

KIND_LABELS = {
    "talk": "谈话",
    "parent-contact": "家长联系",
    "home-visit": "家访",
    "student-report": "学生汇报",
    "case-analysis": "个案分析",
    "help-plan": "帮教计划",
    "optional-action": "自选动作",
    "growth-message": "成长寄语",
    "crisis-report": "危机上报",
    "crisis-follow-up": "危机跟进",
    "group-activity": "阶段活动",
    "progress": "成长记录",
    "colleague-follow-up": "与任课教师沟通",
}
EVENING_STEPS = {"diligent": (4, 7), "average": (7, 10)}
LATE = 10  # days: a record committed later than this was written up afterwards (补记)
TZ = "+0800"
_SUFFIX = re.compile(r"-\d+\.md$")
# kinds that came later to the demo: never amended, so the same seed still amends the
# records it amended before they were written
_LATER_KINDS = re.compile(
    r"-(family-meeting|work-plan|training|progress|colleague-follow-up|case-meeting)(-\d+)?\.md$"
)
# Kinds whose notes a teacher adds to later (a growth message is not amended).
_EDITABLE = re.compile(
    r"-(talk|parent-contact|home-visit|case-analysis|student-report)(-\d+)?\.md$"
)


def _later(path: str, content: str | None) -> bool:
    """A record of what came later to the demo (a kind, or a reception-day contact)."""
    return bool(_LATER_KINDS.search(path)) or "channel: reception_day" in (content or "")


@dataclass(frozen=True)
class Commit:
    """One commit: when (local time, +0800), by whom, why, and which files it writes."""

    when: datetime.datetime
    name: str
    email: str
    message: str
    changes: tuple[tuple[str, str | None], ...]  # path -> content, or None to delete

    @property
    def timestamp(self) -> int:
        return calendar.timegm(self.when.timetuple()) - 8 * 3600


def at(
    rng: random.Random, day: datetime.date, first_hour: int, last_hour: int
) -> datetime.datetime:
    """A moment on ``day`` between ``first_hour``:00 and ``last_hour``:59."""
    start = datetime.datetime.combine(day, datetime.time(first_hour))
    return start + datetime.timedelta(
        seconds=rng.randint(0, (last_hour - first_hour + 1) * 3600 - 1)
    )


def _evenings(rng: random.Random, term: Term, diligence: str) -> list[datetime.date]:
    """The evenings a mentor sits down to commit records, ending just after the term."""
    days = []
    if diligence in EVENING_STEPS:
        low, high = EVENING_STEPS[diligence]
        day = term.start + rng.randint(0, 3) * DAY
        while day <= term.end:
            days.append(day)
            day += rng.randint(low, high) * DAY
    else:
        span = max(0, (term.end - term.start).days - 60)
        picks = {term.start + (30 + rng.randint(0, span)) * DAY for _ in range(rng.randint(1, 2))}
        days = sorted(picks)
    days.append(term.end + rng.randint(1, 3) * DAY)
    return days


def _message(mentor: str, records: list[Record], late: bool) -> str:
    students = {r.student for r in records if r.student is not None}
    present = {r.kind for r in records if r.student is not None}
    labels = [label for kind, label in KIND_LABELS.items() if kind in present]
    parts = [f"{len(students)}名学生的" + "、".join(labels)] if students else []
    if any(r.kind == "group-activity" for r in records):
        parts.append("阶段活动")
    if any(r.kind == "family-meeting" for r in records):
        parts.append("师生家长座谈")
    if any(r.kind == "work-plan" for r in records):
        parts.append("导师工作方案")
    if any(r.kind == "training" for r in records):
        parts.append("培训与研讨")
    if any(r.kind == "case-meeting" for r in records):
        parts.append("个案分析会")
    return f"{mentor} {'补记' if late else '记录'}：" + "；".join(parts)


def record_commits(
    seed: int, term: Term, records: list[Record], teachers: dict[str, Teacher], as_of: datetime.date
) -> list[Commit]:
    """Batch each mentor's records into evening commits; drop what is not written by as_of."""
    by_mentor: dict[str, list[Record]] = {}
    for r in records:
        by_mentor.setdefault(r.mentor, []).append(r)
    commits = []
    for mentor, own in by_mentor.items():
        rng = random.Random(f"{seed}:evenings:{term.id}:{mentor}")
        teacher = teachers[mentor]
        evenings = _evenings(rng, term, teacher.diligence)
        batches: dict[datetime.date, list[Record]] = {}
        for r in own:
            if r.urgent:  # a crisis report is committed at once, before the evening
                message = f"{mentor} 危机上报（已报告校领导和心理教师）"
                when = at(rng, r.date, 17, 18)
                commits.append(
                    Commit(when, teacher.name, teacher.email, message, ((r.path, r.content),))
                )
                continue
            batches.setdefault(evenings[bisect.bisect_left(evenings, r.date)], []).append(r)
        for day, batch in sorted(batches.items()):
            if day > as_of:
                continue
            late = any((day - r.date).days > LATE for r in batch)
            message = _message(mentor, batch, late)
            changes = tuple((r.path, r.content) for r in batch)
            when = at(rng, day, 19, 22)
            commits.append(Commit(when, teacher.name, teacher.email, message, changes))
    return commits


def _typo(date: datetime.date) -> datetime.date:
    """The date as mistyped in a file name: day digits swapped, or the day before."""
    try:
        wrong = date.replace(day=date.day % 10 * 10 + date.day // 10)
    except ValueError:
        wrong = date
    return wrong if wrong != date else date - DAY


@dataclass(frozen=True)
class Amender:
    """Later changes to committed records: edits, one deletion, one renamed file."""

    seed: int
    as_of: datetime.date
    teachers: dict[str, Teacher]
    class_teacher_of: dict[str, str]  # student -> class teacher

    def apply(self, commits: list[Commit]) -> list[Commit]:
        rng = random.Random(f"{self.seed}:amend")
        candidates = [
            (i, path)
            for i, c in enumerate(commits)
            for path, content in c.changes
            if "/journal/" in path and "-crisis-" not in path and not _later(path, content)
        ]
        existing = {path for _, path in candidates}
        used: set[str] = set()
        order = rng.sample(candidates, len(candidates))
        extra = self._delete_duplicate(rng, commits, order, existing, used)
        extra += self._rename(rng, commits, order, existing, used)
        count = min(30, 3 + len(candidates) // 4000)
        edits = (
            self._edit(rng, commits, i, path)
            for i, path in order
            if path not in used and _EDITABLE.search(path)
        )
        extra += [e for e in itertools.islice(edits, count * 2) if e is not None][:count]
        return commits + extra

    def _later(
        self, rng: random.Random, commit: Commit, low: int, high: int
    ) -> datetime.datetime | None:
        day = commit.when.date() + rng.randint(low, high) * DAY
        return at(rng, day, 19, 22) if day <= self.as_of else None

    def _delete_duplicate(
        self,
        rng: random.Random,
        commits: list[Commit],
        order: list[tuple[int, str]],
        existing: set[str],
        used: set[str],
    ) -> list[Commit]:
        """A record committed twice by mistake (``-2``), the copy deleted a few days later."""
        for i, path in order:
            commit = commits[i]
            when = self._later(rng, commit, 1, 5)
            if when is None or path in used or _SUFFIX.search(path):
                continue
            stem = path.removesuffix(".md")
            duplicate = next(
                f"{stem}-{n}.md" for n in range(2, 99) if f"{stem}-{n}.md" not in existing
            )
            existing.add(duplicate)
            used.add(path)
            content = dict(commit.changes)[path]
            commits[i] = replace(commit, changes=(*commit.changes, (duplicate, content)))
            message = f"{_author_id(commit)} 删除重复录入的记录：{duplicate.rsplit('/', 1)[1]}"
            return [Commit(when, commit.name, commit.email, message, ((duplicate, None),))]
        return []

    def _rename(
        self,
        rng: random.Random,
        commits: list[Commit],
        order: list[tuple[int, str]],
        existing: set[str],
        used: set[str],
    ) -> list[Commit]:
        """A file first saved with a mistyped date in its name, renamed a few days later."""
        for i, path in order:
            commit = commits[i]
            folder, name = path.rsplit("/", 1)
            typo = (
                f"{folder}/{_typo(datetime.date.fromisoformat(name[:10])).isoformat()}{name[10:]}"
            )
            when = self._later(rng, commit, 1, 7)
            if when is None or path in used or typo in existing:
                continue
            existing.add(typo)
            used.add(path)
            content = dict(commit.changes)[path]
            changes = tuple((typo if p == path else p, c) for p, c in commit.changes)
            commits[i] = replace(commit, changes=changes)
            fix = f"{typo.rsplit('/', 1)[1][:10]} → {name[:10]}"
            message = f"{_author_id(commit)} 更正记录文件名中的日期：{fix}"
            return [
                Commit(when, commit.name, commit.email, message, ((typo, None), (path, content)))
            ]
        return []

    def _edit(self, rng: random.Random, commits: list[Commit], i: int, path: str) -> Commit | None:
        """A line added to the body by the author or by the student's class teacher."""
        commit = commits[i]
        content = dict(commit.changes).get(path)
        when = self._later(rng, commit, 2, 20)
        if when is None or content is None:
            return None
        author = _author_id(commit)
        student = path.split("/")[4]
        editor = author
        if student in self.class_teacher_of and rng.random() < 0.4:
            editor = self.class_teacher_of[student]
        teacher = self.teachers[editor]
        addendum = rng.choice(tx.EDIT_ADDENDA).replace("{ta}", "该生")
        role = "（班主任）" if editor != author else ""
        message = f"{editor}{role} 补充记录：{path.rsplit('/', 1)[1].removesuffix('.md')}"
        changes = ((path, f"{content}\n{addendum}\n"),)
        return Commit(when, teacher.name, teacher.email, message, changes)


def _author_id(commit: Commit) -> str:
    return commit.email.split("@")[0].upper()


def final_files(commits: Iterable[Commit]) -> dict[str, str]:
    """The tree after the last commit."""
    files: dict[str, str] = {}
    for commit in commits:
        for path, content in commit.changes:
            if content is None:
                files.pop(path, None)
            else:
                files[path] = content
    return files


def _stream(commits: list[Commit]) -> Iterator[bytes]:
    for mark, c in enumerate(commits, 1):
        message = c.message.encode()
        ident = f"{c.name} <{c.email}> {c.timestamp} {TZ}"
        chunks = [
            f"commit refs/heads/main\nmark :{mark}\nauthor {ident}\ncommitter {ident}\n".encode(),
            f"data {len(message)}\n".encode(),
            message,
            b"\n",
        ]
        for path, content in c.changes:
            if content is None:
                chunks.append(f"D {path}\n".encode())
            else:
                data = content.encode()
                chunks += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
        chunks.append(b"\n")
        yield b"".join(chunks)


def fast_import(path: Path, commits: list[Commit]) -> None:
    """Write ``commits`` as branch ``main`` of a new repository at ``path`` and check it out."""
    if shutil.which("git") is None:
        raise RuntimeError("找不到 git 命令：生成带历史的演示学校需要先安装 git")
    git.run("init", "-q", "-b", "main", cwd=path)
    with tempfile.TemporaryFile() as errors:
        proc = git.start(
            "fast-import",
            "--quiet",
            "--date-format=raw",
            cwd=path,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        assert proc.stdin is not None
        for chunk in _stream(commits):
            proc.stdin.write(chunk)
        proc.stdin.close()
        if proc.wait() != 0:
            errors.seek(0)
            raise git.GitError(["fast-import"], errors.read().decode(errors="replace"))
    git.run("-c", "core.autocrlf=false", "reset", "-q", "--hard", "main", cwd=path)


def write_files(path: Path, files: dict[str, str]) -> None:
    """Write the tree as plain files (no git)."""
    made: set[Path] = set()
    for name in sorted(files):
        target = path / name
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(files[name].encode())
