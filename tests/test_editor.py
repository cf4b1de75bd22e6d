"""``daoshi edit`` over real HTTP: uvicorn on 127.0.0.1, a real git repository in tmp_path.

Local mode (one teacher's clone, no sign-in) and server mode (sign-in from the users file,
a working clone pushing to a bare repository whose pre-receive hook is daoshi's).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from daoshi.records.validate import validate
from daoshi.serve.auth import AuthConfig
from daoshi.serve.users import add_user
from daoshi.write.editor.app import local_app, server_app
from daoshi.write.editor.clone import Clone
from daoshi.write.editor.drafts import Drafts
from daoshi.write.editor.editor import Editor
from daoshi.write.install import install
from daoshi.write.newrecord import new_record

from .conftest import MINIMAL, SEMESTER, TALK
from .serving import Running

TODAY = "2025-10-20"
NEW_TALK = f"{SEMESTER}/journal/T001/S250002/{TODAY}-talk.md"
CHINESE = "今天和学生乙谈了期中考试，他说数学最后一道大题没时间做完。"


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def make_repo(root: Path) -> Path:
    """The minimal school (conftest) as a git repository, committed by the admin."""
    for rel, text in MINIMAL.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(
        root,
        "-c",
        "user.name=教务处",
        "-c",
        "user.email=admin@example.edu.cn",
        "commit",
        "-qm",
        "建库",
    )
    return root


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "records"
    root.mkdir()
    return make_repo(root)


def local_editor(root: Path, today: str = TODAY) -> Editor:
    clone = Clone(root)
    return Editor(
        clone, Drafts(clone.git_dir / "daoshi-drafts"), today=dt.date.fromisoformat(today)
    )


@pytest.fixture
def local(repo: Path) -> Iterator[Running]:
    running = Running(local_app(local_editor(repo), "T001"))
    yield running
    running.stop()


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found[1]


def talk_form(client: httpx.Client, student: str = "S250002") -> dict[str, Any]:
    page = client.get("/new", params={"kind": "talk", "student": student})
    assert page.status_code == 200, page.text
    return {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "talk",
        "path": "",
        "base_blob": "",
        "students": student,
        "date": TODAY,
        "f.areas": ["study", "psych"],
        "f.occasion": "exam",
        "f.place": "办公室",
        "f.minutes": "20",
        "f.follow_up": "",
        "body": CHINESE,
        "action": "save",
    }


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def test_home_shows_the_mentees_and_what_is_due(local: Running) -> None:
    page = local.client().get("/")
    assert page.status_code == 200
    assert "学生甲" in page.text and "学生乙" in page.text
    assert "学生丙" not in page.text  # T002's mentee
    # S250001 had a talk; both still lack a home visit and a growth message this semester
    mentee = page.text[page.text.index('id="m-S250002"') :]
    mentee = mentee[: mentee.index("</li>")]
    assert "谈话记录还差 1 次" in mentee and "家访记录还差 1 次" in mentee
    first = page.text[page.text.index('id="m-S250001"') :]
    assert "谈话记录还差" not in first[: first.index("</li>")]


def test_a_talk_is_committed_as_the_teacher_laid_out_as_daoshi_new(
    local: Running, repo: Path
) -> None:
    client = local.client()
    before = head(repo)
    response = client.post("/save", data=talk_form(client))
    assert response.status_code == 303, response.text
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn").strip() == (
        "张老师 <t001@example.edu.cn>|张老师"
    )
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [NEW_TALK]
    assert git(repo, "status", "--porcelain") == ""  # index and work tree agree with HEAD
    text = (repo / NEW_TALK).read_text("utf-8")
    # exactly daoshi new's layout: its file with the placeholders filled in
    school = validate(repo, need_school=True).school
    assert school is not None
    planned = new_record(repo, school, "talk", ["S250002"], dt.date(2025, 10, 20))
    expected = (
        planned.text.replace("areas: []", "areas: [study, psych]")
        .replace("occasion:\n", "occasion: exam\n")
        .replace("place:\n", "place: 办公室\n")
        .replace("minutes:\n", "minutes: 20\n")
    )
    expected = re.sub(r"<!--.*-->\n\Z", CHINESE + "\n", expected)
    assert text == expected
    result = validate(repo, today=dt.date(2025, 10, 20), use_cache=False)
    assert result.problems == []
    home = client.get(response.headers["location"])
    assert (
        NEW_TALK in home.text
        and "谈话记录还差" not in home.text.split('id="m-S250002"')[1].split("</li>")[0]
    )


def test_a_record_that_does_not_validate_is_kept_as_a_draft_with_messages_at_the_fields(
    local: Running, repo: Path
) -> None:
    client = local.client()
    before = head(repo)
    form = talk_form(client)
    form.update({"f.areas": [], "f.minutes": "9999", "body": "只写了一句。"})
    response = client.post("/save", data=form)
    assert response.status_code == 422
    assert head(repo) == before and not (repo / NEW_TALK).exists()
    minutes = response.text[response.text.index('id="f-minutes"') :]
    errors = re.search(r'<ul class="field-errors" id="e-minutes">(.*?)</ul>', minutes, re.S)
    assert errors and "600" in errors[1]
    assert re.search(r'id="e-areas">.*?</ul>', response.text, re.S)
    assert "内容已存为草稿" in response.text
    drafts = list((repo / ".git" / "daoshi-drafts" / "T001").glob("*.json"))
    assert len(drafts) == 1 and "只写了一句。" in drafts[0].read_text("utf-8")
    # fixed and saved again: the draft is gone, the record committed
    form.update({"f.areas": ["study"], "f.minutes": "30"})
    assert client.post("/save", data=form).status_code == 303
    assert not list((repo / ".git" / "daoshi-drafts" / "T001").glob("*.json"))
    assert "只写了一句。" in (repo / NEW_TALK).read_text("utf-8")


def test_another_mentors_student_is_refused_with_a_clear_message(
    local: Running, repo: Path
) -> None:
    client = local.client()
    page = client.get("/new", params={"kind": "talk", "student": "S250003"})
    assert page.status_code == 403
    assert "S250003 在 2025-2026-1 学期不是 T001 的受导学生" in page.text
    form = talk_form(client)
    form["students"] = "S250003"
    before = head(repo)
    refused = client.post("/save", data=form)
    assert refused.status_code == 422
    assert "不是 T001 的受导学生" in refused.text and head(repo) == before
    # T002 (neither the mentor nor the class teacher) cannot open T001's record to edit it
    other = Running(local_app(local_editor(repo), "T002"))
    try:
        page = other.client().get("/edit", params={"path": TALK})
    finally:
        other.stop()
    assert page.status_code == 403 and "不能改动导师 T001 的记录" in page.text
    assert "W705" not in page.text  # a teacher reads words, not codes


def test_the_class_teacher_edits_what_the_role_reads_and_nothing_else(
    local: Running, repo: Path
) -> None:
    """T001 is the class's class teacher: T002's talk opens for editing, T002's crisis
    report (a kind the class-teacher role does not see) does not: write ≤ read."""
    folder = f"{SEMESTER}/journal/T002/S250003"
    (repo / folder).mkdir(parents=True)
    (repo / f"{folder}/2025-10-13-talk.md").write_text(
        (repo / TALK).read_text("utf-8").replace("T001", "T002").replace("S250001", "S250003"),
        "utf-8",
    )
    crisis = f"{folder}/2025-10-14-crisis-report.md"
    (repo / crisis).write_text(
        "---\nkind: crisis-report\nmentor: T002\nstudent: S250003\ndate: 2025-10-14\n"
        "level: serious\nsigns: 情绪低落\nreported_to: [T003]\nactions: 谈心\n"
        "referral: school_psych\nparents_informed: true\n---\n已处理。\n",
        "utf-8",
    )
    git(repo, "add", "-A")
    commit_as(repo, "李老师", "t002@example.edu.cn", "T002 的记录")
    client = local.client()
    assert client.get("/edit", params={"path": f"{folder}/2025-10-13-talk.md"}).status_code == 200
    page = client.get("/edit", params={"path": crisis})
    assert page.status_code == 403 and "W718" not in page.text  # words, not codes, for teachers
    assert "班主任看不到危机上报的全部内容" in page.text


def test_a_closed_semester_is_refused(local: Running, repo: Path) -> None:
    git(repo, "tag", "close/2025-2026-1")
    page = local.client().get("/new", params={"kind": "talk", "student": "S250002"})
    assert page.status_code == 403 and "2025-2026-1 学期已结束" in page.text
    assert "W703" not in page.text


def edit_form(client: httpx.Client, path: str) -> dict[str, Any]:
    page = client.get("/edit", params={"path": path})
    assert page.status_code == 200, page.text
    body = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', page.text, re.S)
    assert body
    return {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "talk",
        "path": path,
        "base_blob": hidden(page.text, "base_blob"),
        "f.areas": ["study", "psych"],
        "f.occasion": "exam",
        "body": body[1].replace("&#34;", '"'),
        "action": "save",
    }


def commit_as(root: Path, name: str, email: str, message: str) -> None:
    git(root, "-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "-qam", message)


def test_concurrent_edits_lose_no_text(local: Running, repo: Path) -> None:
    client = local.client()
    mine = edit_form(client, TALK)
    theirs = edit_form(client, TALK)  # the same record open twice (two tabs, two people)
    # different lines: merged without asking
    mine["body"] = "开头：我补充的一句。\n" + mine["body"]
    theirs["body"] = theirs["body"] + "\n\n结尾：另一处补充。"
    assert client.post("/save", data=theirs).status_code == 303
    done = client.post("/save", data=mine)
    assert done.status_code == 303, done.text
    assert "自动合并" in client.get(done.headers["location"]).text
    text = (repo / TALK).read_text("utf-8")
    assert "开头：我补充的一句。" in text and "结尾：另一处补充。" in text
    assert "期中考试后谈心" in text
    # the same line, changed by the teacher in a text editor and in the web form
    form = edit_form(client, TALK)
    (repo / TALK).write_text(text.replace("开头：我补充的一句。", "开头：文本编辑器里改的。"))
    commit_as(repo, "张老师", "t001@example.edu.cn", "在 VS Code 里修改")
    form["body"] = form["body"].replace("开头：我补充的一句。", "开头：网页里改的。")
    before = head(repo)
    conflict = client.post("/save", data=form)
    assert conflict.status_code == 422 and head(repo) == before
    assert "他人的版本" in conflict.text and "开头：文本编辑器里改的。" in conflict.text
    assert "开头：网页里改的。" in conflict.text  # ours stays in the form …
    draft = (repo / ".git" / "daoshi-drafts" / "T001" / f"{form['draft']}.json").read_text()
    assert "开头：网页里改的。" in draft  # … and in the stored draft
    # merged by hand, saved on top of theirs
    form["csrf"] = hidden(conflict.text, "csrf")
    form["body"] = form["body"].replace(
        "开头：网页里改的。", "开头：网页里改的；文本编辑器里改的。"
    )
    assert client.post("/save", data=form).status_code == 303
    assert "开头：网页里改的；文本编辑器里改的。" in (repo / TALK).read_text("utf-8")


def test_editing_keeps_comments_and_order(local: Running, repo: Path) -> None:
    original = MINIMAL[TALK].replace(
        "occasion: exam\n", "occasion: exam  # 期中考试\n# 班主任：下周家访\nplace: 操场\n"
    )
    (repo / TALK).write_text(original, "utf-8")
    commit_as(repo, "张老师", "t001@example.edu.cn", "注释")
    client = local.client()
    form = edit_form(client, TALK)
    form.update({"f.place": "图书馆", "f.minutes": "15"})
    assert client.post("/save", data=form).status_code == 303
    text = (repo / TALK).read_text("utf-8")
    assert "occasion: exam  # 期中考试\n# 班主任：下周家访\nplace: 图书馆\nminutes: 15\n" in text
    assert text.startswith("---\nkind: talk\nmentor: T001\nstudent: S250001\n")


def test_drafts_survive_a_server_restart(repo: Path) -> None:
    first = Running(local_app(local_editor(repo), "T001"))
    client = first.client()
    form = talk_form(client)
    form["body"] = "写到一半，网络断了。"
    saved = client.post("/autosave", data=form)
    assert saved.status_code == 200 and saved.json()["draft"] == form["draft"]
    first.stop()
    second = Running(local_app(local_editor(repo), "T001"))
    try:
        client = second.client()
        home = client.get("/")
        assert f"/draft/{form['draft']}" in home.text
        page = client.get(f"/draft/{form['draft']}")
        assert "写到一半，网络断了。" in page.text
    finally:
        second.stop()


def test_preview_uses_the_sites_sanitizer(local: Running) -> None:
    client = local.client()
    csrf = talk_form(client)["csrf"]
    html = client.post(
        "/preview", data={"body": "**数学**<script>alert(1)</script>", "csrf": csrf}
    ).text
    assert "<strong>数学</strong>" in html and "<script" not in html


def test_posts_need_the_token_and_a_loopback_host(local: Running, repo: Path) -> None:
    client = local.client()
    form = talk_form(client)
    form["csrf"] = "forged"
    before = head(repo)
    assert client.post("/save", data=form).status_code == 403
    assert head(repo) == before
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_group_activity_with_several_mentees(local: Running, repo: Path) -> None:
    client = local.client()
    page = client.get("/new", params={"kind": "group-activity"})
    assert page.status_code == 200
    assert 'name="students" value="S250001"' in page.text
    assert 'name="students" value="S250003"' not in page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "group-activity",
        "path": "",
        "base_blob": "",
        "students": ["S250001", "S250002"],
        "date": TODAY,
        "body": "一起讨论了学习计划。",
        "action": "save",
    }
    for line in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(line, "")
    form["f.theme"] = "学习方法交流"
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/group/{TODAY}-group-activity.md").read_text()
    assert "participants: [S250001, S250002]" in text


def test_a_student_parent_meeting_is_written_in_the_editor(local: Running, repo: Path) -> None:
    """The editor makes its form from forms/kinds/family-meeting.yaml like every kind."""
    client = local.client()
    page = client.get("/new", params={"kind": "family-meeting"})
    assert page.status_code == 200
    assert "师生家长座谈" in page.text and "到场家长人数" in page.text
    assert 'name="students" value="S250001"' in page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "family-meeting",
        "path": "",
        "base_blob": "",
        "students": ["S250001", "S250002"],
        "date": TODAY,
        "body": "学生和家长互相介绍，约定每月沟通一次。",
        "action": "save",
    }
    for line in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(line, "")
    form["f.theme"] = "互相认识"
    form["f.parents_present"] = "3"
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/group/{TODAY}-family-meeting.md").read_text()
    assert "participants: [S250001, S250002]" in text
    assert "theme: 互相认识" in text and "parents_present: 3" in text


def test_the_students_acknowledgement_is_written_with_a_talk(local: Running, repo: Path) -> None:
    """太谷附表四“被谈话人签字”: the fact and the date the student signed the printed record."""
    client = local.client()
    page = client.get("/new", params={"kind": "talk", "student": "S250002"})
    assert "被谈话人签字" in page.text and "学生已在打印的谈话记录上签字" in page.text
    form = talk_form(client)
    form["f.student_signed"] = "sheet"
    form["f.student_signed_on"] = TODAY
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/S250002/{TODAY}-talk.md").read_text()
    lines = text.splitlines()
    assert "student_signed: sheet" in lines and f"student_signed_on: {TODAY}" in lines


def test_a_work_plan_is_written_in_the_editor(local: Running, repo: Path) -> None:
    client = local.client()
    page = client.get("/new", params={"kind": "work-plan"})
    assert page.status_code == 200
    assert "导师工作方案" in page.text and "工作目标" in page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "work-plan",
        "path": "",
        "base_blob": "",
        "students": ["S250001", "S250002"],
        "date": TODAY,
        "body": "本学期重点放在学习习惯上，每月和班主任交流一次。",
        "action": "save",
    }
    for line in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(line, "")
    form["f.goals"] = "每名学生都有成长方案"
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/group/{TODAY}-work-plan.md").read_text()
    assert "goals: 每名学生都有成长方案" in text


def test_a_training_is_the_teachers_own_record_in_the_editor(local: Running, repo: Path) -> None:
    """Offered on the home page as the teacher's own (本人), no student to pick, filed in
    the teacher's self/ folder."""
    client = local.client()
    assert "写培训与研讨（本人）" in client.get("/").text
    page = client.get("/new", params={"kind": "training"})
    assert page.status_code == 200
    assert "教师本人的记录" in page.text and 'name="students"' not in page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "training",
        "path": "",
        "base_blob": "",
        "date": TODAY,
        "body": "",
        "action": "save",
    }
    for line in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(line, "")
    form["f.type"] = "school_based"
    form["f.topic"] = "谈心谈话的方法"
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/self/{TODAY}-training.md").read_text()
    assert "topic: 谈心谈话的方法" in text and "student" not in text


# -- server mode --------------------------------------------------------------------------
PASSWORD = "zhang-password-1"


@pytest.fixture
def school_server(tmp_path: Path, repo: Path) -> Iterator[tuple[Running, Path]]:
    """A bare repository with daoshi's hook, the editor's working clone, a users file."""
    bare = tmp_path / "school.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    install(bare, None, ["T003"], force=False)
    users = tmp_path / "users.yaml"
    add_user(users, "zhang", PASSWORD, "T001", None)
    add_user(users, "li", "li-password-22", "T002", None)
    clone = Clone.working_copy(str(bare), tmp_path / "state" / "clone", "main")
    editor = Editor(clone, Drafts(tmp_path / "state" / "drafts"), today=dt.date(2025, 10, 20))
    config = AuthConfig(users_file=users, secret=b"test-secret", secure_cookies=False)
    running = Running(server_app(editor, config))
    yield running, bare
    running.stop()


def sign_in(client: httpx.Client, name: str, password: str) -> None:
    page = client.get("/_daoshi/login")
    csrf = hidden(page.text, "csrf")
    done = client.post(
        "/_daoshi/login",
        data={"username": name, "password": password, "csrf": csrf, "next": "/"},
    )
    assert done.status_code == 303, done.text


def test_server_mode_signs_in_and_pushes_through_the_hook(
    school_server: tuple[Running, Path],
) -> None:
    running, bare = school_server
    client = running.client()
    assert client.get("/").status_code == 303  # to the sign-in page
    sign_in(client, "zhang", PASSWORD)
    assert "学生乙" in client.get("/").text
    response = client.post("/save", data=talk_form(client))
    assert response.status_code == 303, response.text
    assert git(bare, "log", "-1", "--format=%an", "main").strip() == "张老师"
    assert CHINESE in git(bare, "show", f"main:{NEW_TALK}")


def test_server_mode_shows_the_hooks_refusal_and_keeps_the_draft(
    school_server: tuple[Running, Path], tmp_path: Path
) -> None:
    running, bare = school_server
    client = running.client()
    sign_in(client, "zhang", PASSWORD)
    form = talk_form(client)
    # the semester is closed on the server after the form was opened
    git(bare, "tag", "close/2025-2026-1", "main")
    response = client.post("/save", data=form)
    assert response.status_code == 422 and "2025-2026-1 学期已结束" in response.text
    drafts = list((tmp_path / "state" / "drafts" / "T001").glob("*.json"))
    assert len(drafts) == 1 and CHINESE in drafts[0].read_text("utf-8")
    assert NEW_TALK not in git(bare, "ls-tree", "-r", "--name-only", "main")


def test_server_mode_another_teacher_cannot_open_a_draft_or_forge_a_post(
    school_server: tuple[Running, Path],
) -> None:
    running, _ = school_server
    zhang, li = running.client(), running.client()
    sign_in(zhang, "zhang", PASSWORD)
    sign_in(li, "li", "li-password-22")
    form = talk_form(zhang)
    assert zhang.post("/autosave", data=form).status_code == 200
    assert li.get(f"/draft/{form['draft']}").status_code == 403
    form["csrf"] = talk_form(li, "S250003")["csrf"]
    assert zhang.post("/save", data=form).status_code == 403  # li's token in zhang's session


def test_every_kind_has_a_form_with_its_labels(local: Running, repo: Path) -> None:
    forms = validate(repo, need_school=True).school
    assert forms is not None
    client = local.client()
    for kind, form in forms.forms.kinds.items():
        page = client.get("/new", params={"kind": kind, "student": "S250002"})
        if form.base in ("group", "teacher"):  # several students, or the teacher's own
            page = client.get("/new", params={"kind": kind})
        assert page.status_code == 200, kind
        for name, field in form.fields.items():
            if name not in ("kind", "mentor", "student", "participants", "date"):
                assert f'name="f.{name}"' in page.text, (kind, name)
                assert field.label.zh in page.text, (kind, name)
        assert form.body.label.zh in page.text


def test_a_help_plan_with_stages_written_as_yaml(local: Running, repo: Path) -> None:
    client = local.client()
    page = client.get("/new", params={"kind": "help-plan", "student": "S250002"})
    plan_type = re.search(
        r'name="f.plan_type"[^>]*>\s*<option value="">[^<]*</option>\s*'
        r'<option value="([^"]+)"',
        page.text,
    )
    assert plan_type
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "help-plan",
        "students": "S250002",
        "date": TODAY,
        "f.plan_type": plan_type[1],
        "f.long_term_goal": "数学成绩稳定在良好。",
        "f.stages": "- title: 期中前\n  goal: [没有闭合",
        "body": "与学生共同制定。",
    }
    bad = client.post("/save", data=form)
    assert bad.status_code == 422
    assert re.search(r'id="e-stages"><li>不是有效的 YAML', bad.text)
    form["f.stages"] = "- title: 期中前\n  start: 2025-10-20\n  goal: 每天整理一道错题\n"
    assert client.post("/save", data=form).status_code == 303
    text = (repo / f"{SEMESTER}/journal/T001/S250002/{TODAY}-help-plan.md").read_text()
    assert "- title: 期中前\n  start: 2025-10-20\n  goal: 每天整理一道错题\n" in text


def test_the_teachers_own_staged_work_stays_out_of_the_commit(local: Running, repo: Path) -> None:
    (repo / "notes.md").write_text("还没想好要不要提交。\n", "utf-8")
    git(repo, "add", "notes.md")
    client = local.client()
    assert client.post("/save", data=talk_form(client)).status_code == 303
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [NEW_TALK]
    assert git(repo, "diff", "--cached", "--name-only").split() == ["notes.md"]
    assert git(repo, "status", "--porcelain", "--", NEW_TALK) == ""


def test_saved_twice_is_one_record_and_the_teacher_is_told(local: Running, repo: Path) -> None:
    client = local.client()
    form = talk_form(client)
    first = client.post("/save", data=form)
    assert first.status_code == 303
    after_first = head(repo)
    home = client.get(first.headers["location"])
    # the student and the kind, in words; no file path or commit hash on the page
    said = re.search(r'<div class="done".*?</div>', home.text, re.S)
    assert said and "已保存：学生乙的谈话记录（2025年10月20日）" in said[0]
    assert ".md" not in re.sub(r"<[^>]*>", "", said[0]) and after_first[:9] not in home.text
    # the same form sent again (a double click, the browser's back button)
    again = client.post("/save", data=form)
    assert again.status_code == 303
    assert head(repo) == after_first  # no second commit
    assert not (repo / NEW_TALK.replace("-talk.md", "-talk-2.md")).exists()
    page = client.get(again.headers["location"])
    assert "这份记录已经保存过（同一天、同一名学生、内容完全相同），没有重复保存。" in page.text
    # a different talk the same day is a second record, as before
    other = {**talk_form(client), "body": "下午又谈了一次。"}
    assert client.post("/save", data=other).status_code == 303
    assert (repo / NEW_TALK.replace("-talk.md", "-talk-2.md")).exists()


def test_the_home_page_names_students_classes_and_key_students(local: Running) -> None:
    client = local.client()
    assert client.post("/save", data=talk_form(client)).status_code == 303
    page = client.get("/").text
    card = page[page.index('id="m-S250002"') :]
    card = card[: card.index("</li>")]
    assert "初一（1）班" in card and "C2025-01" not in card
    recent = page[page.index('class="recent"') :]
    assert "学生乙" in recent and "初一（1）班" in recent and "2025年10月20日" in recent


def test_problems_at_the_fields_name_labels_not_codes(local: Running) -> None:
    client = local.client()
    form = talk_form(client)
    form.update({"f.minutes": "9999"})
    page = client.post("/save", data=form).text
    errors = re.search(r'<ul class="field-errors" id="e-minutes">(.*?)</ul>', page, re.S)
    assert errors and "600" in errors[1]
    assert not re.search(r"\b[FRXW]\d{3}\b", errors[1]) and "minutes" not in errors[1]
