"""The teachers' editor (``daoshi edit``): a record in a minute, committed as the teacher.

This module is the editor's library half, without any web code: what a teacher may write
(their mentees, in an open semester — the same rule as the pre-receive hook), what is due
(the obligations engine), drafts that are never lost, and saving — the record laid out as
``daoshi new`` lays it out, checked by the real validator against the loaded school (one
file, as ``daoshi build --watch`` does), committed with the teacher as author and, in
server mode, pushed through the hook. A file that changed since the form was opened is
merged (three-way) or, when both changed the same lines, kept as a draft beside the other
text, so neither is lost.

One module, not several: ``Editor`` is one session's state (the clone, the loaded school,
its lock) and every method reads and changes that state together; drafts are apart
(``drafts``), the web half is ``app``, git is ``clone``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi.access import write_problem
from daoshi.errors import Problem
from daoshi.git import GitError, Repository
from daoshi.policy.obligations import DUE_SOON, OPEN, UNMET, Check, ObligationEngine
from daoshi.records.check import Checked
from daoshi.records.filecheck import check_file, read_and_check
from daoshi.records.layout import GROUP, RECORD, TEACHER, discover
from daoshi.records.model import Record, School, Semester, Student
from daoshi.records.rules import CrossChecker
from daoshi.records.validate import school_today, validate
from daoshi.site.core import current_semester
from daoshi.write.delegate import TEACHER_OPTION
from daoshi.write.editor.clone import Clone, merge3
from daoshi.write.editor.drafts import (
    Draft,
    Drafts,
    EditorError,
)
from daoshi.write.editor.text import (
    FieldError,
    edited_text,
    fill,
    kind_widgets,
    new_text,
    read,
    record_content,
    teachers_words,
)
from daoshi.write.newrecord import NewRecordError, new_record
from daoshi.write.refs import closed_semesters


@dataclass
class Outcome:
    """What a save did: committed, or kept as a draft with the reasons."""

    draft: Draft
    saved: bool = False
    path: str = ""
    commit: str = ""
    merged: bool = False
    conflict: bool = False
    general: list[str] = field(default_factory=list)
    fields: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    duplicate: str = ""  # the record this save would have copied word for word


@dataclass(frozen=True)
class Due:
    """A duty still open: ``谈话记录还差 1 次（本学期，1月20日截止）`` and its status."""

    kind: str
    text: str
    status: str  # unmet, due-soon or open (obligations' statuses)


@dataclass(frozen=True)
class Mentee:
    """A mentee on the editor's first page, with what is still due for them."""

    student: Student
    due: tuple[Due, ...]


def dues(checks: list[Check], labels: Mapping[str, str]) -> tuple[Due, ...]:
    """The checks that still need records, as of now: unmet, due soon, or open and short."""
    found = []
    for c in checks:
        if c.status not in (UNMET, DUE_SOON, OPEN) or c.missing == 0:
            continue
        kind = c.obligation.kind
        when = f"{c.period.label}，" if c.period.label else ""
        end = f"{c.period.end.month}月{c.period.end.day}日"
        state = {UNMET: "已逾期", DUE_SOON: "即将到期"}.get(c.status, "截止")
        text = f"{labels.get(kind, kind)}还差 {c.missing} 次（{when}{end}{state}）"
        found.append(Due(kind, text, c.status))
    return tuple(found)


class Editor:
    """One records clone, its loaded school and the drafts: everything a save needs."""

    def __init__(
        self,
        clone: Clone,
        drafts: Drafts,
        *,
        today: dt.date | None = None,
        push: bool = False,
        user_env: str = "GL_USER",
        delegate: bool = False,
    ) -> None:
        self.clone = clone
        self.drafts = drafts
        self.fixed_today = today
        self.push = push or clone.remote is not None
        self.user_env = user_env
        self.delegate = delegate  # push as the editor's account, naming the teacher
        self.lock = threading.RLock()
        self.head = ""
        self._school: School | None = None
        self._others: list[Checked] = []
        self._engines: dict[str, ObligationEngine] = {}
        self.refresh()

    # -- the loaded school --------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.clone.root

    def today(self) -> dt.date:
        return self.fixed_today or school_today(self.root)

    @property
    def school(self) -> School:
        assert self._school is not None
        return self._school

    def refresh(self) -> None:
        """Reload the school when the branch moved (someone else pushed, a git pull)."""
        with self.lock:
            self.clone.sync()
            head = self.clone.head()
            if head == self.head and self._school is not None:
                return
            result = validate(self.root, today=self.today(), need_school=True)
            if result.school is None:
                raise EditorError("记录仓库无法读取，请先运行 daoshi validate 修正问题。")
            forms = result.school.forms
            entries, _, _ = discover(self.root, forms.files)
            self._others = [
                read_and_check(str(self.root), e.path, e.role, e.size, forms)[1]
                for e in entries
                if e.role != RECORD
            ]
            self._school, self.head, self._engines = result.school, head, {}
            # the loaded school is long-lived: keep the collector from rescanning it on
            # every save (a full collection of a 3000-student school takes ~0.5 s)
            gc.collect()
            gc.freeze()

    def teacher(self, teacher_id: str) -> tuple[str, str]:
        """Name and e-mail of a teacher (the commit's author)."""
        found = self.school.teachers.get(teacher_id)
        if found is None:
            raise EditorError(f"工号 {teacher_id} 不在 people/teachers.yaml 中")
        return found.name, found.email

    def semester(self) -> Semester:
        return current_semester(self.school, self.today())

    def closed(self) -> frozenset[str]:
        return closed_semesters(Repository.at(self.clone.git_dir))

    def _engine(self, semester: Semester) -> ObligationEngine:
        if semester.id not in self._engines:
            self._engines[semester.id] = ObligationEngine(self.school, semester)
        return self._engines[semester.id]

    def kind_labels(self) -> dict[str, str]:
        return {k: f.label.zh for k, f in self.school.forms.kinds.items()}

    def mentees(self, teacher_id: str) -> list[Mentee]:
        """The teacher's mentees this semester, each with the unmet or soon-due duties."""
        semester, today = self.semester(), self.today()
        engine, labels = self._engine(semester), self.kind_labels()
        ids = [
            sid
            for p in self.school.pairings
            if p.semester == semester.id and p.mentor == teacher_id
            for sid in p.students
            # after a mid-year change of mentor, only the mentees of today
            if p.covers(sid, today) or not semester.contains(today)
        ]
        return [
            Mentee(self.school.students[sid], dues(engine.student_checks(sid, today), labels))
            for sid in dict.fromkeys(ids)
            if sid in self.school.students
        ]

    def own_dues(self, teacher_id: str) -> tuple[Due, ...]:
        """The mentor's own obligations still open (a group activity each round …)."""
        checks = self._engine(self.semester()).mentor_checks(teacher_id, self.today())
        return dues(checks, self.kind_labels())

    def recent(self, teacher_id: str, limit: int = 20) -> list[Record]:
        """The teacher's latest records, newest first."""
        mine = [r for r in self.school.records if r.mentor == teacher_id]
        return sorted(mine, key=lambda r: (r.date, r.path), reverse=True)[:limit]

    # -- opening a form -----------------------------------------------------------------
    def start_new(self, teacher_id: str, kind: str, students: list[str]) -> Draft:
        """A blank form; refused when the teacher may not write about these students."""
        form = self.school.forms.kinds.get(kind)
        if form is None:
            raise EditorError(f"未知的记录种类 {kind}")
        students = [s for s in students if s]
        draft = Draft(secrets.token_hex(8), teacher_id, kind, students, self.today().isoformat())
        if students or form.base == TEACHER:
            self._plan(draft, self.today())
        elif form.base != GROUP:
            raise EditorError("请先选择学生")
        return draft

    def start_edit(self, teacher_id: str, path: str) -> Draft:
        """A form filled from an existing record (only records the teacher may change)."""
        record = next((r for r in self.school.records if r.path == path), None)
        if record is None:
            raise EditorError(f"找不到记录 {path}")
        refusal = self._refusal(teacher_id, path, "M")
        if refusal is not None:
            raise EditorError(refusal)
        text = (self.root / path).read_text("utf-8")
        values, body = read(self.school.forms.kinds[record.kind], text)
        return Draft(
            secrets.token_hex(8),
            teacher_id,
            record.kind,
            list(record.students),
            record.date.isoformat(),
            values,
            body,
            path,
            self.clone.blob(path) or "",
        )

    def _plan(self, draft: Draft, day: dt.date) -> str:
        """Where a new record goes (refused for someone else's student or a closed term)."""
        try:
            planned = new_record(
                self.root, self.school, draft.kind, draft.students, day, draft.teacher
            )
        except NewRecordError as exc:
            raise EditorError(str(exc)) from None
        refusal = self._refusal(draft.teacher, planned.path, "A")
        if refusal is not None:
            raise EditorError(refusal)
        return planned.path

    def _refusal(self, teacher_id: str, path: str, status: str) -> str | None:
        found = write_problem(self.school, teacher_id, status, path, self.closed())
        return None if found is None else f"不能保存：{found.message}"

    # -- saving -------------------------------------------------------------------------
    def save(self, draft: Draft) -> Outcome:
        """Validate and commit; anything short of a commit leaves the draft stored."""
        self.drafts.save(draft)
        with self.lock:
            try:
                self.refresh()
                outcome = self._save(draft)
            except EditorError as exc:
                outcome = Outcome(draft, general=[str(exc)])
            except GitError as exc:
                outcome = Outcome(draft, general=[f"保存时出错，记录已存为草稿：{exc}"])
        if outcome.saved or outcome.duplicate:
            self.drafts.delete(draft.teacher, draft.id)
        else:
            self.drafts.save(outcome.draft)
        return outcome

    def _save(self, draft: Draft) -> Outcome:
        outcome = Outcome(draft)
        form = self.school.forms.kinds.get(draft.kind)
        if form is None:
            raise EditorError(f"未知的记录种类 {draft.kind}")
        values, errors = fill(form, draft.values)
        for name, message in errors.items():
            outcome.fields.setdefault(name, []).append(message)
        try:
            day = dt.date.fromisoformat(draft.date)
        except ValueError:
            outcome.fields.setdefault("date", []).append("日期应写成 2025-10-12 的形式")
            return outcome
        if not draft.students and form.base != TEACHER:
            outcome.fields.setdefault("students", []).append("请至少选择一名学生")
            return outcome
        if draft.is_new:
            path = self._plan(draft, day)
            base: dict[str, Any] = {"kind": draft.kind, "mentor": draft.teacher, "date": day}
            if form.base == GROUP:
                base["participants"] = _flow(draft.students)
            elif form.base != TEACHER:  # a teacher's own record is about no student
                base["student"] = draft.students[0]
            text = new_text(form, base, values, path.count("/"), draft.body)
            same = self._same_as(path, text)
            if same:  # saved twice (a double click, a page sent again): not a second file
                outcome.duplicate = same
                outcome.notes.append(
                    "这份记录已经保存过（同一天、同一名学生、内容完全相同），没有重复保存。"
                )
                return outcome
        else:
            path = draft.path
            refusal = self._refusal(draft.teacher, path, "M")
            if refusal is not None:
                raise EditorError(refusal)
            found = self._edited(draft, outcome, values)
            if found is None:
                return outcome
            text = found
        if outcome.fields:
            return outcome
        problems, mini = self.check(path, text)
        if problems or mini is None:
            self._place(outcome, problems, path, text)
            return outcome
        return self._commit(outcome, path, text, form.label.zh, mini)

    def _same_as(self, path: str, text: str) -> str:
        """An existing record of the same day, kind and folder with the same content."""
        folder, name = path.rsplit("/", 1)
        stem = re.sub(r"-\d+\.md$", ".md", name).removesuffix(".md")
        wanted = record_content(text)
        for other in sorted((self.root / folder).glob(f"{stem}*.md")):
            rel = f"{folder}/{other.name}"
            if rel != path and re.fullmatch(rf"{re.escape(stem)}(-\d+)?\.md", other.name):
                try:
                    if record_content(other.read_text("utf-8")) == wanted:
                        return rel
                except (OSError, UnicodeDecodeError):
                    continue
        return ""

    def _edited(self, draft: Draft, outcome: Outcome, values: Mapping[str, Any]) -> str | None:
        form = self.school.forms.kinds[draft.kind]
        current = self.clone.blob(draft.path)
        if current is None:
            raise EditorError(f"记录 {draft.path} 已被删除，你写的内容保存在草稿中")
        now = (self.root / draft.path).read_text("utf-8")
        try:
            if current == draft.base_blob or not draft.base_blob:
                return edited_text(form, now, values, draft.body)
            old = self.clone.blob_text(draft.base_blob) or ""
            ours = edited_text(form, old, values, draft.body)
        except FieldError as exc:
            raise EditorError(str(exc)) from None
        merged, clean = merge3(ours, old, now)
        if clean:
            outcome.merged = True
            outcome.notes.append("这份记录在你编辑期间被修改过，已自动合并双方的修改。")
            return merged
        # both changed the same lines: keep ours in the draft, show theirs beside it
        draft.theirs, draft.base_blob = now, current
        outcome.conflict = True
        outcome.general.append(
            "这份记录在你编辑期间被他人修改，且改动了相同的地方。你的内容已存为草稿；"
            "请参照下方“他人的版本”合并后再保存。"
        )
        return None

    def check(self, path: str, text: str) -> tuple[list[Problem], School | None]:
        """The validator's problems for one record against the loaded school, and the
        small school (people, semesters, this record) the check built."""
        checked = check_file(path, RECORD, text.encode("utf-8"), self.school.forms)
        # one record is checked against the people and its own semester's files only:
        # other semesters' pairings cannot bear on it (and cost most of the time)
        own = f"semesters/{path.split('/')[1]}/" if path.startswith("semesters/") else ""
        others = [
            c for c in self._others if not c.path.startswith("semesters/") or c.path.startswith(own)
        ]
        crosser = CrossChecker([*others, checked], self.school.forms, self.today())
        mini = crosser.run([c.path for c in others] + [path])
        problems = [*checked.problems, *(p for p in crosser.problems if p.location.path == path)]
        return sorted(problems), mini

    def _place(self, outcome: Outcome, problems: list[Problem], path: str, text: str) -> None:
        """Each problem next to its field (by the line the field is on), else at the top."""
        form = self.school.forms.kinds[outcome.draft.kind]
        shown = {"date", "students", "body", *(w.field.name for w in kind_widgets(form))}
        lines: dict[int, str] = {}
        front_end = 0
        for number, line in enumerate(text.split("\n"), 1):
            if number > 1 and line == "---":
                front_end = number
                break
            match = re.match(r"([A-Za-z_][\w-]*):", line)
            if match:
                lines[number] = match[1]
        for p in problems:
            message = teachers_words(form, p.message)
            name = lines.get(p.location.line)
            if name in ("student", "participants"):
                name = "students"
            if name is None and front_end and p.location.line > front_end:
                name = "body"
            if name not in shown:  # kind, mentor …: not on the form, so said at the top
                outcome.general.append(message)
            else:
                outcome.fields.setdefault(name, []).append(message)

    def _commit(self, outcome: Outcome, path: str, text: str, label: str, mini: School) -> Outcome:
        draft = outcome.draft
        name, email = self.teacher(draft.teacher)
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        what = "新增" if draft.is_new else "修改"
        subject = ", ".join(draft.students) or "本人"  # a teacher's own record (training)
        sha = self.clone.commit(path, name, email, f"{what}{label}：{subject}（{draft.date}）")
        if self.push:
            options = (f"{TEACHER_OPTION}{draft.teacher}",) if self.delegate else ()
            accepted, said = self.clone.push({self.user_env: draft.teacher}, options)
            if not accepted and self.clone.remote is None:
                outcome.notes.append(f"已提交到本地仓库，但推送失败：{hook_lines(said)}")
            elif not accepted:
                self.clone.undo_last()
                self.head = ""  # reload from the remote on the next request
                outcome.general.append(f"服务器拒绝了这次保存，内容已存为草稿：{hook_lines(said)}")
                return outcome
        outcome.saved, outcome.path, outcome.commit = True, path, sha
        # the new record joins the loaded school (dues, the recent list) without a reload
        kept = self.school.records
        if not draft.is_new:
            kept = tuple(r for r in kept if r.path != path)
        # appended, not re-sorted: everything the editor shows sorts what it needs
        self._school = dataclasses.replace(self.school, records=(*kept, *mini.records))
        self._engines = {}
        self.head = sha
        return outcome


def _flow(items: list[str]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def hook_lines(stderr: str) -> str:
    """The hook's lines (``remote: …``) without git's own noise."""
    lines = [
        line.removeprefix("remote:").strip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith(("To ", " ! ", "error: failed to push", "hint:"))
    ]
    return "；".join(x for x in lines if x) or stderr.strip()
