"""``daoshi serve``: each signed-in teacher gets their own audience's site, and nothing else.

The sites are built by ``daoshi build --all-audiences`` into ``site/<audience>/`` with
``site/audiences.json`` mapping teachers to folders. Signing in is ``daoshi.serve.auth``;
here every request is resolved inside the user's own folder only, and logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.serve.auth import (
    CSRF_COOKIE,
    LOGIN,
    LOGOUT,
    PAGE_HEADERS,
    SESSION_COOKIE,
    AuthConfig,
    AuthMiddleware,
    Sessions,
    auth_routes,
    client_ip,
    page,
)
from daoshi.serve.store import RateLimiter
from daoshi.serve.users import User, add_user, hash_password, load_users

__all__ = [
    "AUDIENCES",
    "CSRF_COOKIE",
    "LOGIN",
    "LOGOUT",
    "SESSION_COOKIE",
    "Audiences",
    "AuthConfig",
    "AuthMiddleware",
    "RateLimiter",
    "Sessions",
    "User",
    "add_user",
    "auth_routes",
    "hash_password",
    "load_audiences",
    "load_users",
    "make_app",
    "resolve_in",
    "user_audience",
]

AUDIENCES = "audiences.json"
_FOLDER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*\Z")
access_log = logging.getLogger("daoshi.access")


@dataclass(frozen=True)
class Audiences:
    """``audiences.json``: the audience folders, and each teacher's folder."""

    folders: Mapping[str, Mapping[str, Any]]
    teachers: Mapping[str, str]


def load_audiences(site: Path) -> tuple[Audiences, list[Problem]]:
    """Read ``site/audiences.json``; a folder name must be a plain name that exists."""
    path = site / AUDIENCES
    try:
        data = json.loads(path.read_text("utf-8"))
        folders = dict(data["audiences"])
        teachers = {str(k): str(v) for k, v in dict(data["teachers"]).items()}
    except (OSError, ValueError, KeyError, TypeError):
        return Audiences({}, {}), [problem(Location(str(path)), "S802", site=site)]
    bad = [f for f in folders if not _FOLDER.match(f) or not (site / f).is_dir()]
    problems = [problem(Location(str(path)), "S804", folder=f) for f in bad]
    for f in bad:
        folders.pop(f)
    return Audiences(folders, {t: f for t, f in teachers.items() if f in folders}), problems


def user_audience(user: User, audiences: Audiences) -> str | None:
    """The folder a user sees: an explicit ``audience``, else their teacher's folder."""
    if user.audience:
        return user.audience if user.audience in audiences.folders else None
    return audiences.teachers.get(user.teacher or "")


class AccessLog:
    """One line per request: client, user, audience, method, path, status.

    Written as the response starts, so the line exists before the client sees the answer.
    """

    def __init__(self, app: ASGIApp, config: AuthConfig) -> None:
        self.app = app
        self.config = config

    def _log(self, scope: Scope, status: int) -> None:
        state = scope.get("state", {})
        user = state.get("user")
        name = user.name if isinstance(user, User) else (user or "-")
        access_log.info(
            '%s user=%s audience=%s "%s %s" %s',
            client_ip(Request(scope), self.config),
            name,
            state.get("audience") or "-",
            scope.get("method", "-"),
            quote(scope.get("path", ""), safe="/"),
            status,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def record(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._log(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            if not started:
                self._log(scope, 500)


def resolve_in(folder: Path, scope: Scope) -> Path | None:
    """The file a request path names inside ``folder``; ``None`` for anything outside.

    Refused: encoded slashes or backslashes, ``.`` and ``..`` segments, NUL, and any path
    (symlinks included) whose real location is not under the folder's real location.
    """
    raw = scope.get("raw_path", b"").decode("latin-1").lower()
    path: str = scope.get("path", "/")
    if "%2f" in raw or "%5c" in raw or "%00" in raw or "\\" in path or "\0" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    base = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(base, *parts))
    if target != base and not target.startswith(base + os.sep):
        return None
    return Path(target)


def make_site_endpoint(
    site: Path, audiences: Callable[[], Audiences], prefix: str = ""
) -> Callable[[Request], Awaitable[Response]]:
    """Serve the signed-in user's audience folder: the only files they can ever reach
    (under ``prefix``, e.g. ``/site`` when the editor has the root)."""

    async def serve(request: Request) -> Response:
        user: User | None = request.state.user
        if request.state.auth_error:
            return page(
                "server_message.html",
                403,
                title="拒绝访问",
                message="请通过学校的登录入口访问本站。",
            )
        if user is None:
            if request.app.state.config.trust_header:
                return page(
                    "server_message.html",
                    401,
                    title="未登录",
                    message="没有收到登录信息，请通过学校的登录入口访问。",
                )
            wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{LOGIN}?next={quote(wanted, safe='/')}", status_code=303)
        folder = user_audience(user, audiences())
        if folder is None:
            return page(
                "server_message.html",
                403,
                title="没有可以查看的内容",
                message="你的账号还没有对应的档案站点，请联系管理员。",
            )
        request.state.audience = folder
        root = site / folder
        scope = request.scope
        if prefix:  # the site's own path: what follows the prefix
            raw = scope.get("raw_path") or scope["path"].encode()
            scope = {
                **scope,
                "path": scope["path"][len(prefix) :] or "/",
                "raw_path": raw[len(prefix) :],
            }
        target = resolve_in(root, scope)
        if target is not None and target.is_dir():
            if not request.url.path.endswith("/"):
                return RedirectResponse(request.url.path + "/", status_code=301)
            target = target / "index.html"
        if target is None or not target.is_file():
            missing = root / "404.html"
            if missing.is_file():
                return FileResponse(missing, status_code=404, headers=PAGE_HEADERS)
            return page("server_message.html", 404, title="找不到页面", message="没有这个页面。")
        return FileResponse(target, headers=PAGE_HEADERS)

    return serve


def make_app(
    site: Path,
    config: AuthConfig,
    extra_routes: Iterable[Route] = (),
    site_prefix: str = "",
) -> Starlette:
    """The whole server: auth routes, ``extra_routes`` (the editor's), then the site
    (at ``site_prefix``: ``""`` for the root, ``/site`` beside the editor)."""
    sessions = Sessions(config)
    state: dict[str, Any] = {"audiences": None, "stamp": None}

    def audiences() -> Audiences:
        try:
            stamp = (site / AUDIENCES).stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != state["stamp"]:  # a rebuilt site is picked up without a restart
            state["audiences"], _ = load_audiences(site)
            state["stamp"] = stamp
        found: Audiences = state["audiences"]
        return found

    async def to_site(request: Request) -> Response:
        return RedirectResponse(f"{site_prefix}/", status_code=301)

    endpoint = make_site_endpoint(site, audiences, site_prefix)
    routes = [
        *auth_routes(config, sessions),
        *extra_routes,
        *([Route(site_prefix, to_site)] if site_prefix else []),
        Route(f"{site_prefix}/{{path:path}}", endpoint, methods=["GET", "HEAD"]),
    ]
    app = Starlette(routes=routes)
    app.state.config = config
    app.state.sessions = sessions
    app.state.audiences = audiences
    app.add_middleware(AuthMiddleware, config=config, sessions=sessions)
    app.add_middleware(AccessLog, config=config)
    return app
