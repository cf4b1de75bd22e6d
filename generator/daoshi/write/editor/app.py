"""The editor's web door: Starlette routes over ``editor.Editor``, in Chinese.

Local mode (one teacher, their own clone, bound to 127.0.0.1) needs no sign-in: a token
made at start-up guards every POST and only the loopback host names are answered. Server
mode reuses ``daoshi serve``'s sign-in (argon2 users file, signed session cookie, rate
limit, access log) from ``daoshi.serve.auth``; the session's CSRF token guards the forms.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from daoshi.records.layout import GROUP, TEACHER
from daoshi.records.model import RECORD_CLASSES
from daoshi.serve.auth import (
    LOGIN,
    LOGOUT,
    PAGE_HEADERS,
    AuthConfig,
    AuthMiddleware,
    Sessions,
    auth_routes,
)
from daoshi.serve.server import AccessLog
from daoshi.serve.users import User
from daoshi.site.core import cndate, cndates, record_anchor
from daoshi.site.markdown import render_markdown
from daoshi.write.editor.drafts import Draft, EditorError
from daoshi.write.editor.editor import Editor, Outcome
from daoshi.write.editor.entry_routes import (
    draft_label,
    draft_link,
    duties,
    entry_routes,
    is_entry_draft,
)
from daoshi.write.editor.text import kind_widgets

STATIC = Path(__file__).resolve().parent / "static"
_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("daoshi.write.editor", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
_templates.filters["cndate"] = cndate
_templates.filters["cndates"] = cndates
_templates.globals["anchor"] = record_anchor
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Door:
    """Who the request is from, and the CSRF token their forms carry."""

    editor: Editor
    local_teacher: str | None  # local mode: the one teacher
    local_token: str
    sessions: Sessions | None = None
    site_link: str = ""  # the portfolio site beside the editor (one app, one sign-in)

    def teacher(self, request: Request) -> str | None:
        if self.local_teacher is not None:
            return self.local_teacher
        user = request.state.user
        return user.teacher if isinstance(user, User) else None

    def token(self, request: Request) -> str:
        if self.sessions is None:
            return self.local_token
        return self.sessions.form_token(request)

    def csrf_ok(self, request: Request, form: FormData) -> bool:
        sent = str(form.get("csrf") or request.headers.get("x-daoshi-csrf", ""))
        expected = self.token(request)
        return bool(expected) and hmac.compare_digest(sent, expected)


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _message(door: Door, request: Request, title: str, message: str, status: int) -> Response:
    return page(
        "editor_message.html",
        status,
        title=title,
        message=message,
        signed_in=door.sessions is not None,
        teacher=door.teacher(request) or "",
        teacher_name="",
        logout=LOGOUT,
        site_link=door.site_link,
    )


def _guard(door: Door, handler: Callable[[Request, str], Awaitable[Response]]) -> Endpoint:
    """Sign-in first (server mode), then a teacher account, then the handler."""

    async def endpoint(request: Request) -> Response:
        if door.sessions is not None and request.state.auth_error:
            return _message(door, request, "拒绝访问", "请通过学校的登录入口访问本站。", 403)
        if door.sessions is not None and request.state.user is None:
            if request.app.state.config.trust_header:
                message = "没有收到登录信息，请通过学校的登录入口访问。"
                return _message(door, request, "未登录", message, 401)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{LOGIN}?next={quote(target, safe='/')}", status_code=303)
        teacher = door.teacher(request)
        if teacher is None:
            return _message(door, request, "无法使用", "这个账号没有对应的教师工号。", 403)
        if request.method == "POST":
            form = await request.form()
            if not door.csrf_ok(request, form):
                return _message(door, request, "页面已过期", "页面已过期，请刷新后重试。", 403)
        try:
            await run_in_threadpool(door.editor.refresh)
            return await handler(request, teacher)
        except EditorError as exc:
            return _message(door, request, "无法继续", str(exc), 403)

    return endpoint


def _context(door: Door, request: Request, teacher: str) -> dict[str, Any]:
    editor = door.editor
    name, _ = editor.teacher(teacher)
    return {
        "teacher": teacher,
        "teacher_name": name,
        "csrf": door.token(request),
        "signed_in": door.sessions is not None,
        "logout": LOGOUT,
        "site_link": door.site_link,
        "semester": editor.semester(),
        "school": editor.school,
    }


def _render(
    door: Door, request: Request, teacher: str, name: str, status: int, **context: Any
) -> Response:
    """A page of the editor with the context every page has (the entries' pages)."""
    return page(name, status, **_context(door, request, teacher), **context)


def _form_page(
    door: Door, request: Request, draft: Draft, outcome: Outcome | None = None, status: int = 200
) -> Response:
    editor = door.editor
    school = editor.school
    form = school.forms.kinds[draft.kind]
    mentees = editor.mentees(draft.teacher)
    context = _context(door, request, draft.teacher)
    semester = editor.semester()
    return page(
        "editor_form.html",
        status,
        **context,
        draft=draft,
        form=form,
        group=form.base == GROUP,
        own=form.base == TEACHER,
        widgets=kind_widgets(form),
        mentees=[m.student for m in mentees],
        students={sid: school.students.get(sid) for sid in draft.students},
        outcome=outcome,
        preview=render_markdown(draft.body),
        min_date=semester.start.isoformat(),
        max_date=min(editor.today(), semester.end).isoformat(),
        teachers=sorted(school.teachers.values(), key=lambda t: t.id),
    )


def _draft_from(editor: Editor, form: FormData, draft: Draft) -> Draft:
    """The stored draft (or the blank one) with what the form now says."""
    for w in kind_widgets(editor.school.forms.kinds[draft.kind]):
        name = w.field.name
        if w.input == "checks":
            draft.values[name] = [str(v) for v in form.getlist(f"f.{name}")]
        else:
            draft.values[name] = str(form.get(f"f.{name}", ""))
    if draft.is_new:
        draft.students = [str(s) for s in form.getlist("students") if str(s)]
        draft.date = str(form.get("date", draft.date))
    draft.body = str(form.get("body", ""))
    return draft


def _class_name(editor: Editor, class_id: str) -> str:
    """初二（1）班, as the site names a class (the editor's semester)."""
    klass = editor.school.classes.get(class_id)
    if klass is None:
        return class_id
    grade = editor.school.grade_name(klass.cohort, editor.semester())
    if grade == "已毕业":
        return f"{klass.cohort} 级（{klass.number}）班（已毕业）"
    return f"{grade}（{klass.number}）班"


def _saved_text(editor: Editor, path: str) -> str:
    """张强宇的谈话记录（2026年11月25日）: what was saved, as a teacher names it."""
    record = next((r for r in editor.school.records if r.path == path), None)
    if record is None:
        return "记录" if path else ""
    names = "、".join(
        editor.school.students[s].name for s in record.students if s in editor.school.students
    )
    kind = editor.school.forms.kinds[record.kind].label.zh
    return (
        f"{names}的{kind}（{cndate(record.date)}）" if names else f"{kind}（{cndate(record.date)}）"
    )


def _routes(door: Door) -> list[Route]:
    editor = door.editor

    async def home(request: Request, teacher: str) -> Response:
        mentees = await run_in_threadpool(editor.mentees, teacher)
        saved = request.query_params.get("saved", "")
        semester = editor.semester()
        keys = {
            p.key_student
            for p in editor.school.pairings
            if p.semester == semester.id and p.mentor == teacher and p.key_student
        }
        kinds = editor.school.forms.kinds
        order = list(RECORD_CLASSES)  # the common kinds first: talk, parent contact …
        ranked = sorted(kinds.values(), key=lambda k: [*order, k.kind].index(k.kind))
        return page(
            "editor_home.html",
            **_context(door, request, teacher),
            mentees=mentees,
            own=editor.own_dues(teacher),
            drafts=editor.drafts.all(teacher),
            recent=editor.recent(teacher),
            student_kinds=[k for k in ranked if k.base not in (GROUP, TEACHER)],
            group_kinds=[k for k in ranked if k.base == GROUP],
            own_kinds=[k for k in ranked if k.base == TEACHER],
            kinds=kinds,
            saved=saved,
            saved_text=_saved_text(editor, saved),
            class_name=partial(_class_name, editor),
            keys=keys,
            notes=request.query_params.getlist("note"),
            today=editor.today(),
            duties=await run_in_threadpool(duties, editor, teacher),
            is_entry_draft=is_entry_draft,
            draft_link=draft_link,
            draft_label=draft_label,
        )

    async def new(request: Request, teacher: str) -> Response:
        students = request.query_params.getlist("student")
        draft = await run_in_threadpool(
            editor.start_new, teacher, request.query_params.get("kind", "talk"), students
        )
        return _form_page(door, request, draft)

    async def edit(request: Request, teacher: str) -> Response:
        draft = await run_in_threadpool(
            editor.start_edit, teacher, request.query_params.get("path", "")
        )
        return _form_page(door, request, draft)

    async def open_draft(request: Request, teacher: str) -> Response:
        draft = editor.drafts.get(teacher, request.path_params["draft"])
        if draft is None:
            raise EditorError("找不到这份草稿，它可能已经保存或被删除。")
        if is_entry_draft(draft):  # an entry of a shared file: its own page
            return RedirectResponse(draft_link(draft), status_code=303)
        return _form_page(door, request, draft)

    def posted(form: FormData, teacher: str) -> Draft:
        draft_id = str(form.get("draft", ""))
        draft = editor.drafts.get(teacher, draft_id)
        path = str(form.get("path", ""))
        if draft is None and path:  # an edit never autosaved: its record says the rest
            draft = editor.start_edit(teacher, path)
            draft.id, draft.base_blob = draft_id, str(form.get("base_blob", ""))
        elif draft is None:
            kind = str(form.get("kind", ""))
            if kind not in editor.school.forms.kinds:
                raise EditorError(f"未知的记录种类 {kind}")
            draft = Draft(draft_id, teacher, kind, [], editor.today().isoformat())
        return _draft_from(editor, form, draft)

    async def save(request: Request, teacher: str) -> Response:
        form = await request.form()
        draft = posted(form, teacher)
        if form.get("action") == "draft":
            editor.drafts.save(draft)
            return _form_page(door, request, draft, Outcome(draft, notes=["草稿已保存。"]))
        outcome = await run_in_threadpool(editor.save, draft)
        if not outcome.saved and not outcome.duplicate:
            return _form_page(door, request, outcome.draft, outcome, 422)
        if outcome.duplicate:  # saved before: nothing new, said so on the first page
            query = urlencode([("saved", outcome.duplicate)] + [("note", n) for n in outcome.notes])
            return RedirectResponse(f"/?{query}", status_code=303)
        query = urlencode(
            [("saved", outcome.path), ("draft", draft.id)] + [("note", n) for n in outcome.notes]
        )
        return RedirectResponse(f"/?{query}", status_code=303)

    async def autosave(request: Request, teacher: str) -> Response:
        form = await request.form()
        draft = posted(form, teacher)
        await run_in_threadpool(editor.drafts.save, draft)
        saved_at = dt.datetime.fromtimestamp(draft.updated).strftime("%H:%M:%S")
        return JSONResponse({"draft": draft.id, "saved": saved_at}, headers=PAGE_HEADERS)

    async def preview(request: Request, teacher: str) -> Response:
        form = await request.form()
        html = render_markdown(str(form.get("body", "")))
        return HTMLResponse(str(html), headers=PAGE_HEADERS)

    async def discard(request: Request, teacher: str) -> Response:
        editor.drafts.delete(teacher, request.path_params["draft"])
        return RedirectResponse("/", status_code=303)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ("editor.js", "editor.css"):
            return Response("", status_code=404)
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    g = _guard
    return [
        Route("/", g(door, home)),
        Route("/new", g(door, new)),
        Route("/edit", g(door, edit)),
        Route("/draft/{draft}", g(door, open_draft)),
        Route("/save", g(door, save), methods=["POST"]),
        Route("/autosave", g(door, autosave), methods=["POST"]),
        Route("/preview", g(door, preview), methods=["POST"]),
        Route("/discard/{draft}", g(door, discard), methods=["POST"]),
        Route("/_editor/{name}", static),
        *entry_routes(door.editor, partial(g, door), partial(_render, door)),
    ]


def local_app(editor: Editor, teacher: str) -> Starlette:
    """Local mode: one teacher, no sign-in; loopback host names only."""
    editor.teacher(teacher)  # an unknown teacher fails at start-up, not on the first page
    door = Door(editor, teacher, secrets.token_urlsafe(24))
    app = Starlette(routes=_routes(door))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "::1"])
    return app


def school_routes(editor: Editor, sessions: Sessions, site_link: str) -> list[Route]:
    """The editor's routes for the school's one app (``daoshi serve --repo``), signed in
    by that app's sessions, with a link to the portfolio site."""
    return _routes(Door(editor, None, "", sessions, site_link))


def server_app(editor: Editor, config: AuthConfig) -> Starlette:
    """Server mode: the whole school signs in (``daoshi.serve.auth``'s sign-in)."""
    sessions = Sessions(config)
    door = Door(editor, None, "", sessions)
    app = Starlette(routes=[*auth_routes(config, sessions), *_routes(door)])
    app.state.config = config
    app.state.sessions = sessions
    app.add_middleware(AuthMiddleware, config=config, sessions=sessions)
    app.add_middleware(AccessLog, config=config)
    return app
