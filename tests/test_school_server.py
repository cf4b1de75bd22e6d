"""The school server end to end, every part real, on 127.0.0.1.

gitolite3 (reached through ``GIT_SSH`` as sshd's forced command would run it, see
``tests/test_gitolite.py``) holds the school's repository with daoshi's hooks; the access
block of ``gitolite.conf`` comes from ``daoshi server gitolite``. ``daoshi serve --repo``
runs the editor and every audience's site behind one sign-in; it pushes through gitolite as
``daoshi-editor``, naming the teacher in a push option. The post-receive hook spools the
push and starts, detached, the alert sender (``daoshi notify send``) and the builder's poke;
the long-running builder (``daoshi builder run``, a process of its own as the kit's
``daoshi-build.service`` runs it) re-renders the pages the push touched for every audience
that sees them. An aiosmtpd server takes the e-mail, an HTTP receiver the group robot's
JSON.

A mentor saves a crisis report in the editor: the push is accepted; the leaders', the
psychological teacher's and the mentor's sites show it, another mentor's and another
class's class teacher's do not (not a byte); the e-mails and the robot's message arrive,
without the student's name, ID or any of the report's text; teachers' clones are refused.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from daoshi.demo import DemoOptions, write_snapshot
from daoshi.records.model import School
from daoshi.records.validate import load
from daoshi.serve.users import add_user

from .serving import free_port, wait_until_up
from .test_gitolite import GITOLITE_SHELL, Gitolite

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

pytestmark = pytest.mark.skipif(
    shutil.which("gitolite") is None or not GITOLITE_SHELL.exists(),
    reason="gitolite3 is not installed (Debian: apt-get install gitolite3)",
)

PASSWORD = "school-server-密码-1"
SIGNS = "哨兵迹象XQ7：连续三天独自在天台停留"
ACTIONS = "哨兵措施XQ8：已陪同到心理辅导室"
BODY = "哨兵正文XQ9：家长已到校面谈。"
WAIT = 300  # seconds the test waits for the detached sender and builder (not a timing check)
FIRST_BUILD = 900  # the builder's first build of every audience, on a loaded machine


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def plain_git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=True)
    return done.stdout


@dataclass(frozen=True)
class Cast:
    """Who is who in the demo school for this story."""

    student: str
    student_name: str
    class_label: str
    mentor: str
    other_mentor: str
    other_class_teacher: str
    leaders: tuple[str, ...]
    psych: tuple[str, ...]
    readers: frozenset[str]  # by the README's matrix: leaders, psych, S's mentors ever


def cast(school: School) -> Cast:
    semester = school.semesters[-1]
    plain = {t for t, teacher in school.teachers.items() if not teacher.roles}
    leaders = tuple(t for t, x in school.teachers.items() if "leader" in x.roles)
    psych = tuple(t for t, x in school.teachers.items() if "psych" in x.roles)
    class_teacher = {c.class_id: c.class_teacher for c in semester.classes}
    grade_leaders = set(semester.grade_leaders.values())
    for pairing in (p for p in school.pairings if p.semester == semester.id):
        if pairing.mentor not in plain:
            continue
        for sid in pairing.students:
            student = school.students[sid]
            mentors = {p.mentor for p in school.pairings if sid in p.students}
            mentors |= {r.mentor for r in school.records if sid in r.students}
            others = sorted(
                t
                for t in plain - mentors - set(class_teacher.values()) - grade_leaders
                if any(p.mentor == t for p in school.pairings)
            )
            other_ct = sorted(
                ct
                for c, ct in class_teacher.items()
                if c != student.class_id and ct in plain and ct not in mentors
            )
            if others and other_ct:
                klass = school.classes[student.class_id]
                return Cast(
                    sid,
                    student.name,
                    f"{klass.cohort}级{klass.number}班",
                    pairing.mentor,
                    others[0],
                    other_ct[0],
                    leaders,
                    psych,
                    frozenset({*leaders, *psych, *mentors}),
                )
    raise AssertionError("the demo school has no such cast")


class SmtpSink:
    """aiosmtpd on a free port: every message it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
                return "250 OK"

        self.port = port or free_port()
        self.controller = aiosmtpd_controller.Controller(
            Handler(), hostname="127.0.0.1", port=self.port
        )
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class WebhookSink:
    """A group robot's endpoint on 127.0.0.1: every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                sink.bodies.append(json.loads(self.rfile.read(size)))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def wait_for(what: str, check: Any, seconds: float = WAIT) -> Any:
    """Poll ``check`` until it returns something true (the detached work takes a while)."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.5)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found[1]


def sign_in(url: str, user: str) -> httpx.Client:
    client = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
    page = client.get("/_daoshi/login")
    done = client.post(
        "/_daoshi/login",
        data={"username": user, "password": PASSWORD, "csrf": hidden(page.text, "csrf")},
    )
    assert done.status_code == 303, done.text
    return client


@dataclass
class Server:
    url: str
    tmp: Path
    gl: Gitolite
    bare: Path
    site: Path
    cast: Cast
    smtp: SmtpSink
    robot: WebhookSink


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("school-server")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache")}
    gl = Gitolite(tmp)

    # the school, and gitolite's block for it from the access matrix
    src = tmp / "records"
    write_snapshot(src, DemoOptions(students=120, semesters=1))
    for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-qm", "演示学校")):
        assert gl.git("admin", src, *args).returncode == 0
    people = cast(load(src, use_cache=False))
    block = run("server", "gitolite", "--records", str(src), env=env)
    admin_conf = tmp / "gitolite-admin"
    assert (
        gl.git("admin", tmp, "clone", "-q", "gitolite:gitolite-admin", str(admin_conf)).returncode
        == 0
    )
    conf = admin_conf / "conf" / "gitolite.conf"
    conf.write_text(conf.read_text() + "\n" + block)
    assert gl.git("admin", admin_conf, "commit", "-qam", "records").returncode == 0
    pushed = gl.git("admin", admin_conf, "push", "-q", "origin", "HEAD")
    assert pushed.returncode == 0, pushed.stderr
    bare = gl.home / "repositories" / "records.git"
    # the school's existing repository goes in before daoshi's hooks (docs/deploy.md)
    imported = gl.git("daoshi-editor", src, "push", "-q", "gitolite:records", "main")
    assert imported.returncode == 0, imported.stderr
    plain_git("--git-dir", str(bare), "symbolic-ref", "HEAD", "refs/heads/main")

    # the hooks: the editor may push for teachers; after a push, the alerts and a poke
    state, site = tmp / "state", tmp / "site"
    smtp, robot = SmtpSink(), WebhookSink()
    members = sorted({*people.leaders, *people.psych})
    (tmp / "notify.yaml").write_text(
        f"site_url: https://daoshi.test.invalid\nrepository: {bare}\nstate: {state}\n"
        f"smtp: {{host: 127.0.0.1, port: {smtp.port}, security: none,"
        f" from: 导师工作提醒 <daoshi@test.invalid>}}\n"
        f"webhooks:\n  - {{name: 危机干预小组, kind: wecom, url: '{robot.url}',"
        f" members: [{', '.join(members)}]}}\n",
        "utf-8",
    )
    python = sys.executable
    poke = f"{python} -m daoshi builder poke --site {site}"
    sender = f"{python} -m daoshi notify send --config {tmp}/notify.yaml"
    run("hook", "install", str(bare), "--delegate", "daoshi-editor",
        "--after-push", sender, "--after-push", poke, env=env)  # fmt: skip
    # the builder, as daoshi-build.service runs it: every audience first, then each push
    builder_log = (tmp / "builder.log").open("w")
    builder = subprocess.Popen(
        [python, "-m", "daoshi", "builder", "run", "--repo", str(bare), "--site", str(site)],
        env=env, stdout=builder_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_for("the builder's socket", lambda: (site / ".daoshi" / "builder.sock").exists(), 60)
    first = subprocess.run(
        [python, "-m", "daoshi", "builder", "poke", "--site", str(site), "--wait"],
        env=env, capture_output=True, text=True, timeout=FIRST_BUILD,
    )  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr + (tmp / "builder.log").read_text()

    users = tmp / "users.yaml"
    for teacher in {people.mentor, people.other_mentor, people.other_class_teacher,
                    people.leaders[0], people.psych[0]}:  # fmt: skip
        add_user(users, teacher, PASSWORD, teacher, None)
    port = free_port()
    # the editor reaches gitolite as daoshi-editor (core.sshCommand: the GIT_SSH wrapper)
    server_env = {
        **gl.env("daoshi-editor"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "core.sshCommand",
        "GIT_CONFIG_VALUE_0": str(gl.wrapper),
        "GIT_CONFIG_KEY_1": "ssh.variant",
        "GIT_CONFIG_VALUE_1": "simple",
    }
    log = (tmp / "serve.log").open("w")  # the access log, one line a request: never a full pipe
    process = subprocess.Popen(
        [python, "-m", "daoshi", "serve", "--site", str(site), "--users", str(users),
         "--state", str(state), "--repo", "gitolite:records", "--delegate",
         "--insecure-cookies", "--secret-file", str(tmp / "secret"), "--port", str(port)],
        env=server_env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_until_up(port, process)
        yield Server(f"http://127.0.0.1:{port}", tmp, gl, bare, site, people, smtp, robot)
    finally:
        for running in (process, builder):
            running.terminate()
            running.wait(timeout=30)
        log.close()
        builder_log.close()
        smtp.stop()
        robot.stop()


def crisis_form(client: httpx.Client, student: str, reported_to: list[str]) -> dict[str, Any]:
    page = client.get("/new", params={"kind": "crisis-report", "student": student})
    assert page.status_code == 200, page.text
    assert "立即看到" not in page.text  # no promise the server cannot keep
    return {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "crisis-report",
        "path": "",
        "base_blob": "",
        "students": student,
        "date": re.search(r'name="date" value="([^"]*)"', page.text)[1],  # type: ignore[index]
        "f.level": "serious",
        "f.signs": SIGNS,
        "f.reported_to": "、".join(reported_to),
        "f.actions": ACTIONS,
        "f.referral": "school_psych",
        "f.parents_informed": "true",
        "body": BODY,
        "action": "save",
    }


def text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return f"{message['Subject']}\n{body.get_content()}"


def test_a_crisis_report_saved_in_the_editor_reaches_exactly_its_readers(server: Server) -> None:
    people = server.cast
    mentor = sign_in(server.url, people.mentor)
    form = crisis_form(mentor, people.student, [people.leaders[0], people.psych[0]])
    saved = mentor.post("/save", data=form)
    assert saved.status_code == 303, saved.text
    pushed_at = time.monotonic()
    path = dict(httpx.QueryParams(saved.headers["location"].split("?", 1)[1]))["saved"]
    anchor = path.rsplit("/", 1)[1].removesuffix(".md")

    # the push went in through gitolite and the hook, as the mentor
    log = plain_git("--git-dir", str(server.bare), "log", "-1", "--format=%an|%s", "main")
    assert "危机上报" in log
    assert SIGNS in plain_git("--git-dir", str(server.bare), "show", f"main:{path}")

    # e-mail to every reader, and only to them; the group robot once
    school = load(server.tmp / "records", use_cache=False)
    expected = {school.teachers[t].email for t in people.readers}
    got = wait_for(
        "the e-mails",
        lambda: (
            {r for rcpts, _ in server.smtp.messages for r in rcpts}
            if {r for rcpts, _ in server.smtp.messages for r in rcpts} >= expected
            else None
        ),
    )
    latency = time.monotonic() - pushed_at
    assert got == expected
    bodies = wait_for("the robot's message", lambda: server.robot.bodies)
    print(f"\nalerts: {len(server.smtp.messages)} e-mails, {len(bodies)} robot message(s), "
          f"{latency:.1f} s after the save returned")  # fmt: skip
    assert len(bodies) == 1 and bodies[0]["msgtype"] == "text"
    texts = [text_of(raw) for _, raw in server.smtp.messages] + [bodies[0]["text"]["content"]]
    for text in texts:
        assert people.class_label in text and "危机上报" in text and "/_daoshi/alert/" in text
        for secret in (people.student_name, people.student, SIGNS, ACTIONS, BODY, "哨兵"):
            assert secret not in text, f"{secret!r} in an alert"

    # the sites: the readers see it (once the builder has published the pages it touched)
    page = f"/site/students/{people.student}/"
    for teacher in (people.mentor, people.leaders[0], people.psych[0]):
        client = mentor if teacher == people.mentor else sign_in(server.url, teacher)
        shown = wait_for(
            f"{teacher}'s site",
            lambda c=client: c.get(page).text if f'id="{anchor}"' in c.get(page).text else None,
        )
        assert SIGNS in shown
    print(f"sites: the readers' pages show it {time.monotonic() - pushed_at:.1f} s after the save")
    builder_said = (server.tmp / "builder.log").read_text("utf-8")
    assert "已更新" in builder_said and "受众的站点" in builder_said  # an update, not a rebuild
    # … and the others cannot tell it exists: not a byte of it anywhere in their sites
    audiences = json.loads((server.site / "audiences.json").read_text("utf-8"))
    for teacher in (people.other_mentor, people.other_class_teacher):
        folder = server.site / audiences["teachers"][teacher]
        client = sign_in(server.url, teacher)
        assert client.get(page).status_code == 404
        for file in folder.rglob("*"):
            if file.is_file():
                data = file.read_bytes()
                for secret in (anchor, SIGNS, ACTIONS, BODY, "哨兵"):
                    assert secret.encode() not in data, (secret, file)

    # the alert's link: to the record for a reader, the same "nothing here" for others
    alert = next(line for line in texts[0].splitlines() if "/_daoshi/alert/" in line)
    link = "/_daoshi/alert/" + alert.rsplit("/_daoshi/alert/", 1)[1].strip()
    followed = mentor.get(link)
    assert followed.status_code == 303
    assert followed.headers["location"] == f"{page}#{anchor}"
    assert sign_in(server.url, people.other_class_teacher).get(link).status_code == 404


def test_teachers_cannot_clone_the_school_repository(server: Server) -> None:
    people, gl, tmp = server.cast, server.gl, server.tmp
    for n, teacher in enumerate((people.mentor, people.other_mentor, people.other_class_teacher)):
        refused = gl.git(teacher, tmp, "clone", "-q", "gitolite:records", str(tmp / f"no-{n}"))
        assert refused.returncode != 0 and "DENIED" in refused.stderr, refused.stderr
        assert not (tmp / f"no-{n}" / "people").exists()
    leader = gl.git(people.leaders[0], tmp, "clone", "-q", "gitolite:records", str(tmp / "yes"))
    assert leader.returncode == 0, leader.stderr  # the matrix's git: leaders read everything
