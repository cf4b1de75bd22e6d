"""The editor's pages for the entries of a semester's shared files, in Chinese: the appraisal
group's comment and sign-off (太谷附表五), an office's scores (枣庄：政教处、艺体办量化赋分), a
mentor's choice of students (枣庄：导师选择受导学生) and the class teacher's entry of the needs
questionnaire (枣庄：调查咨询卷). Each page shows only what the teacher may write (the rights
of ``access_entries``, as the hook reckons them); a save is ``entries.save_entry``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from daoshi.access_entries import office_names
from daoshi.records.model import Semester
from daoshi.site.core import cndate
from daoshi.write.editor.drafts import Draft, EditorError
from daoshi.write.editor.entries import (
    EntryEdit,
    EntryOutcome,
    base_of,
    entries,
    find,
    rights,
    save_entry,
    semester_for,
    shared_file,
)
from daoshi.year.yamldoc import flow_list, text_value

if TYPE_CHECKING:
    from daoshi.write.editor.editor import Editor

Handler = Callable[[Request, str], Awaitable[Response]]
# the editor's sign-in and CSRF guard around a handler (``app._guard`` with its door)
Guard = Callable[[Handler], Callable[[Request], Awaitable[Response]]]
Render = Callable[..., Response]  # (request, teacher, template, status, **context)

# the editor's home links to these pages, for the teachers who have such a duty
DUTIES = {
    "signoff": "考核组评价与签署",
    "office-scores": "科室量化赋分",
    "choices": "我选择的受导学生",
    "needs": "学生需求问卷",
}
TWO_WAY = "zaozhuang"  # the policy whose two-way selection and questionnaire these serve
ENTRY_DRAFT = "entry:"  # a draft's kind for these pages: entry:signoff, entry:needs …


def is_entry_draft(draft: Draft) -> bool:
    return draft.kind.startswith(ENTRY_DRAFT)


def draft_link(draft: Draft) -> str:
    """Where an entry's draft is reopened: its page, with the draft filled in."""
    view = draft.kind.removeprefix(ENTRY_DRAFT)
    return f"/{view}?" + urlencode({"semester": draft.date, "draft": draft.id})


def draft_label(draft: Draft) -> str:
    """考核组评价与签署 T001（2025-2026-1）: an entry's draft on the home page."""
    view = draft.kind.removeprefix(ENTRY_DRAFT)
    subject = " ".join(s for s in draft.students if s)
    return f"{DUTIES.get(view, view)} {subject}（{draft.date}）"


def duties(editor: Editor, teacher: str) -> list[tuple[str, str]]:
    """The home page's links: (address, label) for each duty the teacher has this semester."""
    semester = editor.semester()
    found = rights(editor, teacher, semester)
    two_way = TWO_WAY in semester.policies
    has = {
        "signoff": found.appraisal_group,
        "office-scores": bool(found.offices),
        "choices": found.chooses
        and (two_way or _exists(editor, semester, "preferences"))
        and bool(found.candidates),
        "needs": bool(found.needs) and (two_way or _exists(editor, semester, "needs")),
    }
    return [(f"/{k}", label) for k, label in DUTIES.items() if has[k]]


def _exists(editor: Editor, semester: Semester, file: str) -> bool:
    return (editor.root / f"semesters/{semester.id}/{file}.yaml").is_file()


def _labels(editor: Editor, file: str, items: str, name: str) -> dict[str, str]:
    """A choice field's labels (office_scores' aspect, needs' areas), from the form."""
    form = editor.school.forms.files[file].fields[items].items
    f = form.fields.get(name) if form is not None else None
    values = (f.values or (f.items.values if f.items else {})) if f is not None else {}
    return {k: v.zh for k, v in values.items()}


def _who(editor: Editor, teacher_id: str) -> str:
    t = editor.school.teachers.get(teacher_id)
    return f"{t.name}（{teacher_id}）" if t else teacher_id


def _student(editor: Editor, sid: str) -> str:
    s = editor.school.students.get(sid)
    return f"{s.name}（{sid}）" if s else sid


def _words(text: str) -> list[str]:
    """学科 written 数学、物理 or 数学, 物理."""
    return [w for w in re.split(r"[、，,\s]+", text) if w]


def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value


class EntryPages:
    """The four pages over one editor: each GET shows, each POST saves one entry."""

    def __init__(self, editor: Editor, render: Render) -> None:
        self.editor = editor
        self.render = render

    # -- shared -------------------------------------------------------------------------
    def _semester(self, request: Request, form: FormData | None = None) -> Semester:
        sid = str(form.get("semester", "")) if form is not None else ""
        return semester_for(self.editor, sid or request.query_params.get("semester"))

    def _draft(
        self, request: Request, teacher: str, view: str, form: FormData | None
    ) -> tuple[str, Mapping[str, Any]]:
        """The page's draft: its id, and what it kept when reopened from the home page."""
        if form is not None:
            return str(form.get("draft", "")) or secrets.token_hex(8), {}
        wanted = request.query_params.get("draft", "")
        kept = self.editor.drafts.get(teacher, wanted) if wanted else None
        if kept is not None and kept.kind == ENTRY_DRAFT + view:
            return kept.id, kept.values
        return secrets.token_hex(8), {}

    def _show(
        self,
        request: Request,
        teacher: str,
        view: str,
        semester: Semester,
        outcome: EntryOutcome | None = None,
        **context: Any,
    ) -> Response:
        closed = self.editor.closed()
        status = 422 if outcome and outcome.problems else 200
        return self.render(
            request,
            teacher,
            f"editor_{view.replace('-', '_')}.html",
            status,
            view=view,
            title=DUTIES[view],
            shown=semester,
            semesters=[s for s in self.editor.school.semesters if s.id not in closed],
            closed=semester.id in closed,
            outcome=outcome,
            saved=request.query_params.get("saved", ""),
            notes=request.query_params.getlist("note"),
            who=lambda tid: _who(self.editor, tid),
            student=lambda sid: _student(self.editor, sid),
            **context,
        )

    async def _save(
        self,
        teacher: str,
        view: str,
        edit: EntryEdit,
        kept: Draft,
        again: Callable[..., Any],
    ) -> Response:
        """Save; anything short of a commit keeps what was typed as a draft (as records)."""
        outcome = await run_in_threadpool(save_entry, self.editor, teacher, edit)
        drafts = self.editor.drafts
        if not outcome.saved:
            await run_in_threadpool(drafts.save, kept)
        else:
            drafts.delete(teacher, kept.id)
        if outcome.saved:
            said = [("note", n) for n in outcome.notes] or [("saved", edit.summary)]
            query = urlencode([("semester", edit.semester), *said])
            return RedirectResponse(f"/{view}?{query}", status_code=303)
        return await run_in_threadpool(again, outcome)

    # -- 考核组评价与签署 --------------------------------------------------------------
    async def signoff(self, request: Request, teacher: str) -> Response:
        form = await request.form() if request.method == "POST" else None
        semester = self._semester(request, form)
        found = rights(self.editor, teacher, semester)
        if not found.appraisal_group:
            raise EditorError(
                "只有考核组成员（能看到全校导师考核和导师所写记录的教师）可以填写考核组评价。"
            )
        data = shared_file(self.editor, semester.id, "assessments")

        draft_id, kept = self._draft(request, teacher, "signoff", form)

        def show(outcome: EntryOutcome | None = None, typed: Mapping[str, Any] = {}) -> Response:
            rows = []
            for m in sorted(found.mentors):
                entry = find(data, "mentors", (("mentor", m),))
                rows.append({"mentor": m, "entry": entry or {}, "base": base_of(entry)})
            return self._show(
                request, teacher, "signoff", semester, outcome, rows=rows, me=found.name,
                typed=typed, today=self.editor.today(), cndate=cndate, draft_id=draft_id,
            )  # fmt: skip

        if form is None:
            return show(typed=kept)
        mentor = str(form.get("mentor", ""))
        comment = str(form.get("comment", "")).strip()
        typed = {"mentor": mentor, "comment": comment}
        if not comment:
            return show(EntryOutcome(problems=["请填写考核组评价。"]), typed)
        values = {
            "group_comment": text_value(comment),
            "group_leader": text_value(found.name),
            "signed_on": self.editor.today(),
        }
        edit = EntryEdit(
            semester.id, "assessments", "mentors", (("mentor", mentor),), values,
            str(form.get("base", "")), f"考核组评价和签署 {mentor}",
        )  # fmt: skip
        draft = Draft(draft_id, teacher, "entry:signoff", [mentor], semester.id, dict(typed))
        return await self._save(teacher, "signoff", edit, draft, lambda o: show(o, typed))

    # -- 科室量化赋分 ------------------------------------------------------------------
    async def office_scores(self, request: Request, teacher: str) -> Response:
        form = await request.form() if request.method == "POST" else None
        semester = self._semester(request, form)
        found = rights(self.editor, teacher, semester)
        if not found.offices:
            raise EditorError("只有负责赋分的科室（如政教处）的教师可以填写科室赋分。")
        offices = {k: v for k, v in office_names(self.editor.school).items() if k in found.offices}
        aspects = _labels(self.editor, "assessments", "office_scores", "aspect")
        data = shared_file(self.editor, semester.id, "assessments")

        draft_id, kept = self._draft(request, teacher, "office-scores", form)

        def show(outcome: EntryOutcome | None = None, typed: Mapping[str, Any] = {}) -> Response:
            rows = [dict(i) for i in entries(data, "office_scores") if i.get("office") in offices]
            return self._show(
                request, teacher, "office-scores", semester, outcome, rows=rows,
                offices=offices, aspects=aspects, mentors=sorted(found.mentors), typed=typed,
                draft_id=draft_id,
            )  # fmt: skip

        if form is None:
            return show(typed=kept)
        typed = {k: str(form.get(k, "")) for k in ("office", "mentor", "aspect", "points", "note")}
        key = tuple((k, typed[k]) for k in ("office", "mentor", "aspect"))
        values: dict[str, Any] | None = None
        if form.get("action") != "remove":
            points = _number(typed["points"])
            if points is None:
                return show(EntryOutcome(problems=["分数应为数字，扣分写负数。"]), typed)
            values = {"points": points, "note": text_value(typed["note"].strip())}
        what = "删除" if values is None else "赋分"
        edit = EntryEdit(
            semester.id, "assessments", "office_scores", key, values, "",
            f"{offices.get(typed['office'], typed['office'])}{what} {typed['mentor']}",
        )  # fmt: skip
        draft = Draft(
            draft_id, teacher, "entry:office-scores", [typed["mentor"]], semester.id, dict(typed)
        )
        return await self._save(teacher, "office-scores", edit, draft, lambda o: show(o, typed))

    # -- 导师选择受导学生 --------------------------------------------------------------
    async def choices(self, request: Request, teacher: str) -> Response:
        form = await request.form() if request.method == "POST" else None
        semester = self._semester(request, form)
        found = rights(self.editor, teacher, semester)
        if not found.chooses:
            raise EditorError("你本学期不担任导师，不能选择受导学生。")
        data = shared_file(self.editor, semester.id, "preferences")
        entry = find(data, "mentors", (("mentor", teacher),))
        school = self.editor.school
        candidates = sorted(found.candidates, key=lambda s: (school.students[s].class_id, s))

        draft_id, kept = self._draft(request, teacher, "choices", form)

        def show(outcome: EntryOutcome | None = None, typed: Mapping[str, Any] = {}) -> Response:
            mine = dict(entry) if entry is not None else {}
            chosen = typed.get("students", [str(s) for s in mine.get("students", [])])
            return self._show(
                request, teacher, "choices", semester, outcome, candidates=candidates,
                chosen=chosen, capacity=typed.get("capacity", mine.get("capacity", "")),
                base=base_of(entry), draft_id=draft_id,
            )  # fmt: skip

        if form is None:
            return show(typed=kept)
        chosen = [str(s) for s in form.getlist("students")]
        capacity = str(form.get("capacity", "")).strip()
        typed: dict[str, str | list[str]] = {"students": chosen, "capacity": capacity}
        if capacity and not capacity.isdigit():
            return show(EntryOutcome(problems=["名额应为整数。"]), typed)
        values = {"capacity": int(capacity) if capacity else None, "students": flow_list(chosen)}
        edit = EntryEdit(
            semester.id, "preferences", "mentors", (("mentor", teacher),), values,
            str(form.get("base", "")), f"导师选择 {teacher}",
        )  # fmt: skip
        draft = Draft(draft_id, teacher, "entry:choices", [teacher], semester.id, dict(typed))
        return await self._save(teacher, "choices", edit, draft, lambda o: show(o, typed))

    # -- 学生需求问卷 ------------------------------------------------------------------
    async def needs(self, request: Request, teacher: str) -> Response:
        form = await request.form() if request.method == "POST" else None
        semester = self._semester(request, form)
        found = rights(self.editor, teacher, semester)
        if not found.needs:
            raise EditorError("只有班主任可以为本班学生填写需求问卷。")
        data = shared_file(self.editor, semester.id, "needs")
        areas = _labels(self.editor, "needs", "students", "areas")
        draft_id, kept = self._draft(request, teacher, "needs", form)
        wanted = str(form.get("student", "")) if form else request.query_params.get("student", "")
        wanted = str(kept.get("student", wanted))
        school = self.editor.school
        students = sorted(found.needs, key=lambda s: (school.students[s].class_id, s))
        answered = {str(i.get("student")) for i in entries(data, "students")}

        def show(outcome: EntryOutcome | None = None, typed: Mapping[str, Any] = {}) -> Response:
            entry = find(data, "students", (("student", wanted),)) if wanted else None
            given = dict(entry) if entry is not None else {}
            return self._show(
                request, teacher, "needs", semester, outcome, students=students,
                answered=answered, wanted=wanted if wanted in found.needs else "",
                areas=areas, base=base_of(entry), draft_id=draft_id,
                given={
                    "areas": typed.get("areas", [str(a) for a in given.get("areas", [])]),
                    "subjects": typed.get("subjects", "、".join(given.get("subjects", []))),
                    "note": typed.get("note", str(given.get("note", ""))),
                },
            )  # fmt: skip

        if form is None:
            return show(typed=kept)
        picked = [str(a) for a in form.getlist("areas")]
        subjects = str(form.get("subjects", ""))
        note = str(form.get("note", "")).strip()
        typed: dict[str, str | list[str]] = {"student": wanted, "areas": picked}
        typed |= {"subjects": subjects, "note": note}
        values = {
            "areas": flow_list(picked),
            "subjects": flow_list(_words(subjects)),
            "note": text_value(note) if note else None,
        }
        edit = EntryEdit(
            semester.id, "needs", "students", (("student", wanted),), values,
            str(form.get("base", "")), f"需求问卷 {wanted}",
        )  # fmt: skip
        draft = Draft(draft_id, teacher, "entry:needs", [wanted], semester.id, dict(typed))
        return await self._save(teacher, "needs", edit, draft, lambda o: show(o, typed))


def entry_routes(editor: Editor, guard: Guard, render: Render) -> list[Route]:
    """The four pages, each behind the editor's sign-in and CSRF guard."""
    pages = EntryPages(editor, render)
    both = ["GET", "POST"]
    return [
        Route("/signoff", guard(pages.signoff), methods=both),
        Route("/office-scores", guard(pages.office_scores), methods=both),
        Route("/choices", guard(pages.choices), methods=both),
        Route("/needs", guard(pages.needs), methods=both),
    ]
