"""The school's one app over real HTTP: one sign-in for the editor and the site, sign-in
state that outlives a restart, and the proxy's sign-on for both doors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from daoshi.serve.app import school_app
from daoshi.serve.auth import AuthConfig
from daoshi.serve.server import SESSION_COOKIE, make_app
from daoshi.serve.users import add_user
from daoshi.write.editor.clone import Clone
from daoshi.write.editor.drafts import Drafts
from daoshi.write.editor.editor import Editor
from daoshi.write.install import install

from .serving import Running
from .test_editor import CHINESE, NEW_TALK, git, make_repo, sign_in, talk_form
from .test_server import site  # noqa: F401  (the fixture: three small audience folders)

PASSWORD = "zhang-password-1"


@pytest.fixture
def users(tmp_path: Path) -> Path:
    path = tmp_path / "users.yaml"
    add_user(path, "zhang", PASSWORD, "T001", None)
    return path


def config(users: Path, state: Path | None, **options: object) -> AuthConfig:
    return AuthConfig(
        users_file=users,
        secret=b"school-app-secret",
        secure_cookies=False,
        state_file=state,
        **options,  # type: ignore[arg-type]
    )


def test_a_logout_and_the_sign_in_limit_outlive_a_restart(
    site: Path,  # noqa: F811
    users: Path,
    tmp_path: Path,
) -> None:
    state = tmp_path / "state" / "auth.sqlite"
    running = Running(make_app(site, config(users, state)))
    with running.client() as client:
        sign_in(client, "zhang", PASSWORD)
        cookie = client.cookies[SESSION_COOKIE]
        form = client.get("/_daoshi/logout").text
        token = form.split('name="csrf" value="')[1].split('"')[0]
        assert client.post("/_daoshi/logout", data={"csrf": token}).status_code == 303
    with running.client() as mallory:
        page = mallory.get("/_daoshi/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        for _ in range(5):
            wrong = {"username": "zhang", "password": "wrong-password", "csrf": csrf}
            assert mallory.post("/_daoshi/login", data=wrong).status_code == 401
    running.stop()

    restarted = Running(make_app(site, config(users, state)))
    try:
        with restarted.client(cookies={SESSION_COOKIE: cookie}) as client:
            assert client.get("/").status_code == 303  # the revoked session stays revoked
        with restarted.client() as client:
            page = client.get("/_daoshi/login")
            csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
            right = {"username": "zhang", "password": PASSWORD, "csrf": csrf}
            assert client.post("/_daoshi/login", data=right).status_code == 429
    finally:
        restarted.stop()
    # without the state file the same cookie would be good again: the file is what holds
    forgetful = Running(make_app(site, config(users, None)))
    try:
        with forgetful.client(cookies={SESSION_COOKIE: cookie}) as client:
            assert client.get("/").status_code == 200
    finally:
        forgetful.stop()


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Editor]]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "records").mkdir()
    repo = make_repo(tmp_path / "records")
    bare = tmp_path / "school.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    install(bare, None, ["T003"], force=False)
    clone = Clone.working_copy(str(bare), tmp_path / "state" / "clone", "main")
    editor = Editor(clone, Drafts(tmp_path / "state" / "drafts"), today=dt.date(2025, 10, 20))
    yield bare, editor


def test_one_sign_in_opens_the_editor_and_the_own_site(
    site: Path,  # noqa: F811
    users: Path,
    school: tuple[Path, Editor],
    tmp_path: Path,
) -> None:
    bare, editor = school
    app = school_app(site, config(users, tmp_path / "state" / "auth.sqlite"), editor, tmp_path)
    running = Running(app)
    try:
        with running.client() as client:
            assert client.get("/").status_code == 303  # the editor asks for the sign-in
            assert client.get("/site/").status_code == 303  # … and so does the site
            sign_in(client, "zhang", PASSWORD)
            home = client.get("/")
            assert "学生乙" in home.text and 'href="/site/"' in home.text
            assert "张老师的导师页" in client.get("/site/").text  # T001's own folder
            assert client.get("/site/../T002/").status_code == 404
            assert client.post("/save", data=talk_form(client)).status_code == 303
            assert CHINESE in git(bare, "show", f"main:{NEW_TALK}")
            # an unknown alert link says nothing, whatever the reason
            assert client.get("/_daoshi/alert/0123456789abcdef01234567").status_code == 404
    finally:
        running.stop()


def test_the_proxys_sign_on_serves_both_doors(
    site: Path,  # noqa: F811
    users: Path,
    school: tuple[Path, Editor],
    tmp_path: Path,
) -> None:
    bare, editor = school
    auth = config(users, tmp_path / "auth.sqlite", trust_header="X-Remote-User")
    running = Running(school_app(site, auth, editor, tmp_path))
    named = {"X-Remote-User": "zhang"}
    try:
        with running.client(headers=named) as client:
            assert "学生乙" in client.get("/").text
            assert "张老师的导师页" in client.get("/site/").text
            form = talk_form(client)
            assert form["csrf"]  # forms are guarded without a session cookie
            forged = {**form, "csrf": "x" * 64}
            assert client.post("/save", data=forged).status_code == 403
            assert client.post("/save", data=form).status_code == 303
            assert CHINESE in git(bare, "show", f"main:{NEW_TALK}")
        with running.client() as nobody:
            assert nobody.get("/").status_code == 401
            assert nobody.get("/site/").status_code == 401
    finally:
        running.stop()
