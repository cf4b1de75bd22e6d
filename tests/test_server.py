"""``daoshi serve`` over real HTTP on 127.0.0.1: sign-in, sessions, CSRF, rate limits, and
that a signed-in teacher reaches no file outside their own audience's folder.

The audience folders are small fake sites (the real ones come from ``daoshi build
--all-audiences``); the server only serves files, so a few pages are enough.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.serve.server import (
    LOGIN,
    LOGOUT,
    SESSION_COOKIE,
    AuthConfig,
    RateLimiter,
    add_user,
    load_audiences,
    load_users,
    make_app,
)

from .serving import Running

SECRET = "T002-ONLY-页面"
OUTSIDE = "OUTSIDE-THE-SITE"
PASSWORDS = {"zhang": "zhang-password-1", "li": "li-password-22", "boss": "boss-password-333"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """Three audience folders, a secret outside the site, and symlinks that point out."""
    site = tmp_path / "site"
    pages = {
        "T001/index.html": "<h1>张老师的导师页</h1>",
        "T001/students/S250001/index.html": "<h1>S250001 档案</h1>",
        "T001/404.html": "<h1>T001 的 404 页</h1>",
        "T002/index.html": f"<h1>{SECRET}</h1>",
        "T002/students/S250009/index.html": f"<p>{SECRET} S250009</p>",
        "leader/index.html": "<h1>校领导视图</h1>",
    }
    for rel, text in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, "utf-8")
    audiences = {
        "audiences": {
            "T001": {"label": "张老师（导师）", "teacher": "T001", "roles": ["mentor"]},
            "T002": {"label": "李老师（导师）", "teacher": "T002", "roles": ["mentor"]},
            "leader": {"label": "校领导", "teacher": None, "roles": ["leader"]},
        },
        "teachers": {"T001": "T001", "T002": "T002", "T003": "leader"},
    }
    (site / "audiences.json").write_text(json.dumps(audiences, ensure_ascii=False), "utf-8")
    (tmp_path / "outside.html").write_text(OUTSIDE, "utf-8")
    (site / "T001" / "leak.html").symlink_to(tmp_path / "outside.html")
    (site / "T001" / "other").symlink_to(site / "T002", target_is_directory=True)
    (site / "T001" / "inside.html").symlink_to(site / "T001" / "index.html")
    return site


@pytest.fixture(scope="module")
def users_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The users file, hashed once for the module (argon2 is slow on purpose)."""
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    add_user(path, "zhang", PASSWORDS["zhang"], "T001", None)
    add_user(path, "li", PASSWORDS["li"], "T002", None)
    add_user(path, "boss", PASSWORDS["boss"], None, "leader")
    return path.read_text("utf-8")


@pytest.fixture
def users(tmp_path: Path, users_text: str) -> Path:
    path = tmp_path / "users.yaml"
    path.write_text(users_text, "utf-8")
    return path


def start(site: Path, users: Path, **options: object) -> Running:
    config = AuthConfig(
        users_file=users, secret=b"test-secret", **{"secure_cookies": False, **options}
    )  # type: ignore[arg-type]
    return Running(make_app(site, config))


@pytest.fixture
def server(site: Path, users: Path) -> Iterator[Running]:
    running = start(site, users)
    yield running
    running.stop()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def login(client: httpx.Client, name: str, password: str, next_: str = "/") -> httpx.Response:
    form = client.get(LOGIN)
    assert form.status_code == 200
    return client.post(
        LOGIN,
        data={"username": name, "password": password, "csrf": csrf_of(form.text), "next": next_},
    )


def test_signing_in_serves_the_own_audience(server: Running) -> None:
    with server.client() as client:
        first = client.get("/students/S250001/")
        assert first.status_code == 303
        assert first.headers["location"] == f"{LOGIN}?next=/students/S250001/"
        page = client.get(first.headers["location"])
        assert "导师制成长档案 · 登录" in page.text and "用户名" in page.text
        assert "不是 https" not in page.text
        assert 'value="/students/S250001/"' in page.text
        done = client.post(
            LOGIN,
            data={
                "username": "zhang",
                "password": PASSWORDS["zhang"],
                "csrf": csrf_of(page.text),
                "next": "/students/S250001/",
            },
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/students/S250001/"
        cookie = next(
            h for h in done.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
        assert "Secure" not in cookie  # --insecure-cookies, for http on 127.0.0.1
        student = client.get("/students/S250001/")
        assert student.status_code == 200 and "S250001 档案" in student.text
        assert student.headers["cache-control"] == "private, no-store"
        home = client.get("/")
        assert "张老师的导师页" in home.text
        assert client.get("/students/S250001").headers["location"] == "/students/S250001/"
        missing = client.get("/students/S259999/")
        assert missing.status_code == 404 and "T001 的 404 页" in missing.text
        assert client.get("/inside.html").text == home.text  # a link inside the folder is fine


def test_cookies_are_secure_by_default(site: Path, users: Path) -> None:
    running = start(site, users, secure_cookies=True)
    try:
        with running.client() as client:
            form = client.get(LOGIN)
            assert "Secure" in form.headers["set-cookie"]
            assert "这个连接不是 https" in form.text  # so a plain-http trial is not a riddle
            behind = client.get(LOGIN, headers={"X-Forwarded-Proto": "https"})
            assert "这个连接不是 https" not in behind.text
    finally:
        running.stop()


def test_wrong_password_and_unknown_user(server: Running) -> None:
    with server.client() as client:
        wrong = login(client, "zhang", "not-the-password", next_="/students/S250001/")
        assert wrong.status_code == 401
        assert "用户名或密码不正确" in wrong.text
        assert 'value="zhang"' in wrong.text and 'value="/students/S250001/"' in wrong.text
        assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
        unknown = login(client, "nobody", "whatever-password")
        assert unknown.status_code == 401 and "用户名或密码不正确" in unknown.text
        assert client.get("/").status_code == 303


def test_the_login_form_needs_its_csrf_token(server: Running) -> None:
    with server.client() as client:
        client.get(LOGIN)
        missing = client.post(LOGIN, data={"username": "zhang", "password": PASSWORDS["zhang"]})
        assert missing.status_code == 403
        assert "页面已过期" in missing.text
        assert SESSION_COOKIE not in missing.headers.get("set-cookie", "")
    with server.client() as attacker, server.client() as victim:
        token = csrf_of(attacker.get(LOGIN).text)  # a token from another browser
        victim.get(LOGIN)
        forged = victim.post(
            LOGIN, data={"username": "zhang", "password": PASSWORDS["zhang"], "csrf": token}
        )
        assert forged.status_code == 403


def test_sign_in_is_rate_limited_per_user(server: Running) -> None:
    with server.client() as client:
        for _ in range(5):
            assert login(client, "zhang", "guess-guess").status_code == 401
        blocked = login(client, "zhang", PASSWORDS["zhang"])
        assert blocked.status_code == 429
        assert "尝试次数过多" in blocked.text
        assert login(client, "li", PASSWORDS["li"]).status_code == 303  # other users are not


def test_sign_in_is_rate_limited_per_address(site: Path, users: Path) -> None:
    running = start(site, users, ip_limiter=RateLimiter(3, 900))
    try:
        with running.client() as client:
            for name in ("a", "b", "c"):
                assert login(client, name, "guess-guess").status_code == 401
            assert login(client, "li", PASSWORDS["li"]).status_code == 429
    finally:
        running.stop()


def test_the_limiter_forgets_after_the_window() -> None:
    now = [1000.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0])
    limiter.fail("x")
    limiter.fail("x")
    assert limiter.wait("x") == 60
    now[0] += 59
    assert limiter.wait("x") == 1
    now[0] += 1
    assert limiter.wait("x") == 0


TRICKS = [
    "/T002/",
    "/T002/index.html",
    "/../T002/index.html",
    "/%2e%2e/T002/index.html",
    "/%2E%2E/T002/index.html",
    "/..%2fT002%2findex.html",
    "/%2e%2e%2fT002%2findex.html",
    "/students/..%2f..%2fT002/index.html",
    "/students/../../T002/students/S250009/",
    "/./../T002/",
    "//T002/index.html",
    "/..\\T002\\index.html",
    "/%5c..%5cT002%5cindex.html",
    "/other/index.html",
    "/other/students/S250009/",
    "/leak.html",
    "/../outside.html",
    "/../audiences.json",
    "/%2e%2e/audiences.json",
    "/index.html%00/../../T002/index.html",
    "/_daoshi/../T002/",
]


def test_a_mentor_cannot_reach_another_audience(server: Running) -> None:
    with server.client() as client:
        assert login(client, "zhang", PASSWORDS["zhang"]).status_code == 303
        cookie = client.cookies[SESSION_COOKIE]
    assert server.raw("/students/S250001/", cookie)[0] == 200  # the control: this one works
    for trick in TRICKS:
        status, body = server.raw(trick, cookie)
        assert status == 404, trick
        assert SECRET not in body and OUTSIDE not in body and "校领导" not in body, trick
    with server.client() as client:  # the other mentor sees their own page at the same URL
        assert login(client, "li", PASSWORDS["li"]).status_code == 303
        assert SECRET in client.get("/").text


def test_an_explicit_audience(server: Running) -> None:
    with server.client() as client:
        assert login(client, "boss", PASSWORDS["boss"]).status_code == 303
        assert "校领导视图" in client.get("/").text


def test_logout_needs_its_token_and_ends_the_session(server: Running) -> None:
    with server.client() as client:
        login(client, "zhang", PASSWORDS["zhang"])
        cookie = client.cookies[SESSION_COOKIE]
        page = client.get(LOGOUT)
        assert page.status_code == 200 and "退出登录" in page.text
        assert client.post(LOGOUT, data={}).status_code == 403
        assert client.get("/").status_code == 200  # still signed in
        out = client.post(LOGOUT, data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == LOGIN
    status, _ = server.raw("/", cookie)  # the old cookie, replayed, no longer works
    assert status == 303


def test_a_tampered_cookie_or_a_changed_password_signs_out(server: Running, users: Path) -> None:
    with server.client() as client:
        login(client, "zhang", PASSWORDS["zhang"])
        cookie = client.cookies[SESSION_COOKIE]
    assert server.raw("/", cookie)[0] == 200
    assert server.raw("/", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))[0] == 303
    add_user(users, "zhang", "a-new-password-9", "T001", None)
    assert server.raw("/", cookie)[0] == 303


def test_only_local_paths_follow_the_login(server: Running) -> None:
    with server.client() as client:
        done = login(client, "zhang", PASSWORDS["zhang"], next_="//evil.example/x")
        assert done.headers["location"] == "/"


def test_the_proxy_header_is_trusted_only_from_the_proxy(site: Path, users: Path) -> None:
    running = start(site, users, trust_header="X-Remote-User")
    try:
        status, body = running.raw("/", headers={"X-Remote-User": "li"})
        assert status == 200 and SECRET in body
        status, body = running.raw("/", headers={"X-Remote-User": "T003"})  # a teacher ID
        assert status == 200 and "校领导视图" in body
        status, body = running.raw("/")
        assert status == 401 and "没有收到登录信息" in body
        status, body = running.raw("/T002/", headers={"X-Remote-User": "zhang"})
        assert SECRET not in body
    finally:
        running.stop()
    elsewhere = (ipaddress.ip_network("10.9.8.7/32"),)
    running = start(site, users, trust_header="X-Remote-User", trusted_proxies=elsewhere)
    try:
        status, body = running.raw("/", headers={"X-Remote-User": "li"})
        assert status == 403 and SECRET not in body
    finally:
        running.stop()


def test_every_request_is_logged(server: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="daoshi.access")
    with server.client() as client:
        login(client, "zhang", PASSWORDS["zhang"])
        client.get("/students/S250001/")
        client.get("/nothing-here")
    lines = [r.getMessage() for r in caplog.records if r.name == "daoshi.access"]
    assert any(
        "user=zhang audience=T001" in line and '"GET /students/S250001/" 200' in line
        for line in lines
    )
    assert any('user=zhang audience=T001 "GET /nothing-here" 404' in line for line in lines)
    assert any('user=zhang audience=- "POST /_daoshi/login" 303' in line for line in lines)
    assert any('user=- audience=- "GET /_daoshi/login" 200' in line for line in lines)


def test_adduser_writes_argon2_hashes(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    runner = CliRunner()
    args = ["serve", "adduser", "wang", "--teacher", "T005", "--users", str(path)]
    mismatch = runner.invoke(main, args, input="password-one\npassword-two\n")
    assert mismatch.exit_code != 0 and not path.exists()
    short = runner.invoke(main, [*args, "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "至少 8 个字符" in short.output
    done = runner.invoke(main, args, input="wang-password\nwang-password\n")
    assert done.exit_code == 0, done.output
    assert path.stat().st_mode & 0o777 == 0o600
    users, problems = load_users(path)
    assert not problems
    assert users["wang"].teacher == "T005"
    assert users["wang"].password and users["wang"].password.startswith("$argon2id$")
    assert "wang-password" not in path.read_text("utf-8")


def test_a_bad_users_file_is_reported_where_it_is_wrong(tmp_path: Path, site: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text(
        "zhang:\n  password: 123456\n  teacher: T001\nli:\n  password: $argon2id$x\n"
        "wang:\n  password: $argon2id$y\n  teacher: T099\n",
        "utf-8",
    )
    _, problems = load_users(path)
    assert [(p.location.line, p.code) for p in problems] == [(1, "S801"), (4, "S801")]
    assert "不是 argon2 哈希" in problems[0].message
    assert "需要 teacher" in problems[1].message
    result = CliRunner().invoke(main, ["serve", "--site", str(site), "--users", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1:1: S801" in result.output
    assert f"{path}:1:1: S803 用户 wang 的受众 T099" in result.output  # reported too, not fatal


def test_an_unsafe_or_missing_folder_is_not_served(site: Path) -> None:
    index = json.loads((site / "audiences.json").read_text("utf-8"))
    index["audiences"]["../outside"] = {"label": "x", "teacher": "T009", "roles": []}
    index["audiences"]["T007"] = {"label": "y", "teacher": "T007", "roles": []}
    index["teachers"].update({"T009": "../outside", "T007": "T007"})
    (site / "audiences.json").write_text(json.dumps(index), "utf-8")
    audiences, problems = load_audiences(site)
    assert sorted(p.code for p in problems) == ["S804", "S804"]
    assert set(audiences.folders) == {"T001", "T002", "leader"}
    assert "T009" not in audiences.teachers and "T007" not in audiences.teachers


def test_serve_needs_the_audience_index(tmp_path: Path, users: Path) -> None:
    empty = tmp_path / "empty-site"
    empty.mkdir()
    result = CliRunner().invoke(main, ["serve", "--site", str(empty), "--users", str(users)])
    assert result.exit_code == 1
    assert "S802" in result.output and "daoshi build --all-audiences" in result.output


def test_every_serve_option_is_documented() -> None:
    from daoshi.cli.serve import adduser_command, serve_group

    deploy = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text("utf-8")
    for command in (serve_group, adduser_command):
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("--") and option != "--help":
                    assert f"`{option}" in deploy, option
