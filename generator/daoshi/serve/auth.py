"""Signing in: the users file, password checks, signed sessions, CSRF, rate limits.

Shared by ``daoshi serve`` (``daoshi.serve.server``) and the editor: nothing here knows
about sites. A user signs in with a password (argon2 hashes in a users file) or is named
by a trusted reverse proxy's header; the session is a signed, expiring cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from daoshi.serve.store import AuthStore, RateLimiter
from daoshi.serve.users import (
    User,
    _verify,
    load_users,
)

SESSION_COOKIE = "daoshi_session"


CSRF_COOKIE = "daoshi_csrf"


LOGIN, LOGOUT = "/_daoshi/login", "/_daoshi/logout"


PAGE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


HTTP_WARNING = (
    "这个连接不是 https，浏览器不会保存登录状态。正式使用请通过 https 访问；"
    "只在本机试用时，可以用 daoshi serve --insecure-cookies 启动。"
)


_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("daoshi.serve", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass
class AuthConfig:
    """How users sign in; shared by ``daoshi serve`` and the editor."""

    users_file: Path
    secret: bytes
    secure_cookies: bool = True
    session_seconds: int = 8 * 3600
    trust_header: str | None = None
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("::1/128"),
    )
    ip_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(20, 900))
    user_limiter: RateLimiter = field(default_factory=lambda: RateLimiter(5, 900))
    state_file: Path | None = None  # failures and revocations, kept across restarts
    _users: dict[str, User] = field(default_factory=dict)
    _users_stamp: tuple[int, int] = (0, 0)
    store: AuthStore = field(init=False)

    def __post_init__(self) -> None:
        self.store = AuthStore(self.state_file)
        self.ip_limiter.bind(self.store, "ip")
        self.user_limiter.bind(self.store, "user")

    def users(self) -> dict[str, User]:
        """The users file, read again whenever it changes (adduser needs no restart)."""
        try:
            st = self.users_file.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            return {}
        if stamp != self._users_stamp:
            users, problems = load_users(self.users_file)
            if not problems:  # a broken edit keeps the last good users
                self._users, self._users_stamp = users, stamp
        return self._users

    def trusted(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in net for net in self.trusted_proxies)


def client_ip(request: Request, config: AuthConfig) -> str:
    """The client's address; behind a trusted proxy, the last X-Forwarded-For entry."""
    peer = request.client.host if request.client else ""
    if config.trusted(peer):
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[-1].strip()
        return forwarded or request.headers.get("x-real-ip", "") or peer
    return peer


class Sessions:
    """Signed, expiring session cookies; logout revokes a session until it would expire."""

    def __init__(self, config: AuthConfig) -> None:
        self.config = config
        self.signer = URLSafeTimedSerializer(config.secret, salt="daoshi-session")
        self.csrf_signer = URLSafeTimedSerializer(config.secret, salt="daoshi-csrf")

    @staticmethod
    def _fingerprint(user: User) -> str:
        return hmac.new(b"daoshi", (user.password or "").encode(), "sha256").hexdigest()[:16]

    def issue(self, user: User) -> tuple[str, str]:
        """A new session cookie value and its CSRF token."""
        sid, csrf = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        value = self.signer.dumps(
            {"u": user.name, "s": sid, "c": csrf, "p": self._fingerprint(user)}
        )
        return str(value), csrf

    def read(self, value: str | None) -> tuple[User, dict[str, str]] | None:
        """The signed-in user of a cookie: unexpired, not revoked, password unchanged."""
        if not value:
            return None
        try:
            data = self.signer.loads(value, max_age=self.config.session_seconds)
        except BadSignature:
            return None
        user = self.config.users().get(str(data.get("u")))
        if user is None or data.get("p") != self._fingerprint(user):
            return None
        if self.config.store.is_revoked(str(data.get("s"))):
            return None
        return user, data

    def revoke(self, data: Mapping[str, str]) -> None:
        """Logout: the session stays refused until it would have expired, across restarts."""
        self.config.store.revoke(data["s"], time.time() + self.config.session_seconds)

    def form_token(self, request: Request) -> str:
        """The CSRF token the signed-in user's forms carry: the session's own, or (signed in
        by the proxy's header, without a session) one derived from the user's name."""
        if self.config.trust_header:
            user = getattr(request.state, "user", None)
            if not isinstance(user, User):
                return ""
            return hmac.new(self.config.secret, f"csrf:{user.name}".encode(), "sha256").hexdigest()
        found = self.read(request.cookies.get(SESSION_COOKIE))
        return found[1]["c"] if found else ""

    def login_token(self, request: Request) -> tuple[str, str | None]:
        """The login form's CSRF token, and a new cookie to set when there was none."""
        cookie = request.cookies.get(CSRF_COOKIE)
        if cookie and self._unsign_csrf(cookie):
            return cookie, None
        token = str(self.csrf_signer.dumps(secrets.token_urlsafe(18)))
        return token, token

    def _unsign_csrf(self, value: str) -> bool:
        try:
            self.csrf_signer.loads(value, max_age=3600 * 24)
        except BadSignature:
            return False
        return True

    def login_csrf_ok(self, request: Request, form_token: str) -> bool:
        """Double submit: the form's token equals the signed cookie's."""
        cookie = request.cookies.get(CSRF_COOKIE, "")
        return (
            bool(cookie) and self._unsign_csrf(cookie) and hmac.compare_digest(cookie, form_token)
        )

    def set_cookie(self, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.config.secure_cookies,
            httponly=True,
            samesite="lax",
        )


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A server page (login, logout, errors): Chinese, never cached."""
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _safe_next(target: str | None) -> str:
    """Only a local path may follow the login (no ``//host`` or ``\\``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def auth_routes(config: AuthConfig, sessions: Sessions) -> list[Route]:
    """``/_daoshi/login`` (GET form, POST sign-in) and ``/_daoshi/logout`` (GET form, POST)."""

    def login_form(
        request: Request, message: str = "", status: int = 200, name: str = "", nxt: str = ""
    ) -> Response:
        token, new_cookie = sessions.login_token(request)
        nxt = _safe_next(nxt or request.query_params.get("next"))
        plain_http = (
            request.url.scheme == "http" and request.headers.get("x-forwarded-proto") != "https"
        )
        response = page(
            "server_login.html",
            status,
            csrf=token,
            message=message,
            warning=HTTP_WARNING if config.secure_cookies and plain_http else "",
            next=nxt,
            name=name,
            action=LOGIN,
        )
        if new_cookie:
            sessions.set_cookie(response, CSRF_COOKIE, new_cookie, 3600 * 24)
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_form(request)
        form = await request.form()
        name = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        nxt = str(form.get("next", ""))
        request.state.user = name or "-"
        if not sessions.login_csrf_ok(request, str(form.get("csrf", ""))):
            return login_form(request, "页面已过期，请重新输入用户名和密码。", 403, name, nxt)
        ip = client_ip(request, config)
        wait = max(config.ip_limiter.wait(ip), config.user_limiter.wait(name))
        if wait > 0:
            minutes = int(wait // 60) + 1
            return login_form(request, f"尝试次数过多，请 {minutes} 分钟后再试。", 429, name, nxt)
        user = config.users().get(name)
        if not _verify(user.password if user else None, password):
            config.ip_limiter.fail(ip)
            config.user_limiter.fail(name)
            return login_form(request, "用户名或密码不正确。", 401, name, nxt)
        assert user is not None
        config.ip_limiter.reset(ip)
        config.user_limiter.reset(name)
        value, _ = sessions.issue(user)
        response = RedirectResponse(_safe_next(nxt), status_code=303)
        sessions.set_cookie(response, SESSION_COOKIE, value, config.session_seconds)
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response

    async def logout(request: Request) -> Response:
        signed_in = sessions.read(request.cookies.get(SESSION_COOKIE))
        if signed_in is None:
            return RedirectResponse(LOGIN, status_code=303)
        user, data = signed_in
        if request.method == "GET":
            return page("server_logout.html", csrf=data["c"], user=user.name, action=LOGOUT)
        form = await request.form()
        if not hmac.compare_digest(str(form.get("csrf", "")), data["c"]):
            return page(
                "server_message.html", 403, title="无法退出", message="页面已过期，请刷新后重试。"
            )
        sessions.revoke(data)
        response = RedirectResponse(LOGIN, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return [
        Route(LOGIN, login, methods=["GET", "POST"]),
        Route(LOGOUT, logout, methods=["GET", "POST"]),
    ]


class AuthMiddleware:
    """Puts the signed-in user in ``request.state.user`` (``None`` when nobody is).

    With ``trust_header``, the user is the header's value, believed only from a trusted
    proxy address; the header from anyone else is refused outright.
    """

    def __init__(self, app: ASGIApp, config: AuthConfig, sessions: Sessions) -> None:
        self.app = app
        self.config = config
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        state = scope.setdefault("state", {})
        state["user"], state["auth_error"] = None, ""
        header = self.config.trust_header
        if header:
            peer = request.client.host if request.client else None
            value = request.headers.get(header, "").strip()
            if not self.config.trusted(peer):
                state["auth_error"] = "untrusted"
            elif value:
                state["user"] = self.config.users().get(value) or User(value, None, value)
        else:
            signed_in = self.sessions.read(request.cookies.get(SESSION_COOKIE))
            if signed_in is not None:
                state["user"] = signed_in[0]
        await self.app(scope, receive, send)
