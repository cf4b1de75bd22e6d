"""The school's one app: the editor and every audience's site behind one sign-in.

``daoshi serve --repo`` runs it: the editor (the teachers' door) at ``/``, the signed-in
user's own portfolio site at ``/site/``, and the links of alerts at ``/_daoshi/alert/<id>``.
One process, one session cookie, one trusted-header sign-on, one store of sign-in
failures and revocations (``<state>/auth.sqlite``), so a restart forgets neither.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from daoshi.notify.store import find_alert
from daoshi.serve.auth import LOGIN, AuthConfig, Sessions, page
from daoshi.serve.server import make_app, user_audience
from daoshi.serve.users import User
from daoshi.write.editor.app import school_routes
from daoshi.write.editor.editor import Editor

SITE = "/site"
_ALERT_ID = re.compile(r"[0-9a-f]{24}\Z")


def _missing() -> Response:
    return page(
        "server_message.html",
        404,
        title="没有可以查看的内容",
        message="这条提醒指向的记录不在你的档案站点中。站点可能还在更新，请过一两分钟再打开。",
    )


def alert_route(site: Path, state: Path) -> Route:
    """``/_daoshi/alert/<id>``: to the record on its student's page, if and only if the
    signed-in user's own site shows that record (else the same page for every reason)."""

    async def alert(request: Request) -> Response:
        user = request.state.user
        if not isinstance(user, User):
            if request.app.state.config.trust_header:
                return page(
                    "server_message.html", 401, title="未登录", message="请通过学校的登录入口访问。"
                )
            return RedirectResponse(f"{LOGIN}?next={quote(request.url.path)}", status_code=303)
        alert_id = request.path_params["alert"]
        link = find_alert(state, alert_id) if _ALERT_ID.match(alert_id) else None
        folder = user_audience(user, request.app.state.audiences())
        if link is None or folder is None:
            return _missing()
        request.state.audience = folder
        student_page = site / folder / "students" / link.student / "index.html"
        try:
            shown = f'id="{link.anchor}"' in student_page.read_text("utf-8")
        except OSError:
            shown = False
        if not shown:
            return _missing()
        return RedirectResponse(f"{SITE}/students/{link.student}/#{link.anchor}", status_code=303)

    return Route("/_daoshi/alert/{alert}", alert)


def school_app(site: Path, config: AuthConfig, editor: Editor, state: Path) -> Starlette:
    """The editor at ``/``, the sites at ``/site/``, alert links; one sign-in for all."""
    sessions = Sessions(config)
    routes = [alert_route(site, state), *school_routes(editor, sessions, f"{SITE}/")]
    return make_app(site, config, routes, site_prefix=SITE)
