"""The editor writes issue 20's new student kinds from their kind files like every kind:
the growth portfolio's monthly record (成长记录) and the talk with the class and subject
teachers (与任课教师沟通); a class rank where the school does not rank is refused at its
field, in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from daoshi.write.editor.app import local_app

from .conftest import SEMESTER
from .serving import Running
from .test_editor import TODAY, hidden, local_editor, make_repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "records"
    root.mkdir()
    return make_repo(root)


@pytest.fixture
def local(repo: Path) -> Iterator[Running]:
    running = Running(local_app(local_editor(repo), "T001"))
    yield running
    running.stop()


def blank(client: httpx.Client, kind: str, body: str) -> tuple[str, dict[str, Any]]:
    page = client.get("/new", params={"kind": kind, "student": "S250001"})
    assert page.status_code == 200, page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": kind,
        "path": "",
        "base_blob": "",
        "students": "S250001",
        "date": TODAY,
        "body": body,
        "action": "save",
    }
    for name in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(name, "")
    return page.text, form


def test_a_progress_record_is_written_and_a_rank_refused(local: Running, repo: Path) -> None:
    client = local.client()
    page, form = blank(client, "progress", "对照九月，数学进步明显。")
    assert "成长记录" in page and "本月表现" in page and "成绩区间" in page
    assert "前10%" in page and "后30%" in page
    form.update({"f.conduct": "作业按时完成", "f.exam": "期中考试", "f.class_rank": "12"})
    refused = client.post("/save", data=form)
    assert refused.status_code == 422
    errors = re.search(r'id="e-class_rank">(.*?)</ul>', refused.text, re.S)
    assert errors and "本校不按考试成绩排名" in errors[1] and "X235" not in errors[1]
    form.update({"f.class_rank": "", "f.band": "p10_30", "draft": hidden(refused.text, "draft")})
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/S250001/{TODAY}-progress.md").read_text("utf-8")
    assert "conduct: 作业按时完成" in text and "band: p10_30" in text
    assert "class_rank: 12" not in text


def test_a_colleague_follow_up_is_written_in_the_editor(local: Running, repo: Path) -> None:
    client = local.client()
    page, form = blank(client, "colleague-follow-up", "班主任反映作业能按时交。")
    assert "与任课教师沟通" in page and "沟通的教师" in page and 'list="teachers"' in page
    form.update({"f.colleagues": "T002", "f.topics": ["study"]})
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    path = f"{SEMESTER}/journal/T001/S250001/{TODAY}-colleague-follow-up.md"
    text = (repo / path).read_text("utf-8")
    assert "colleagues: [T002]" in text and "topics: [study]" in text


def test_a_case_meeting_is_the_organisers_own_record_with_its_attendees(
    local: Running, repo: Path
) -> None:
    """Written once by the organiser (本人), in his self/ folder, naming who came."""
    client = local.client()
    assert "写个案分析会（本人）" in client.get("/").text
    page = client.get("/new", params={"kind": "case-meeting"})
    assert page.status_code == 200
    assert "参加的导师" in page.text and 'name="students"' not in page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "case-meeting",
        "path": "",
        "base_blob": "",
        "date": TODAY,
        "body": "",
        "action": "save",
    }
    for name in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(name, "")
    form.update({"f.attending": "T002、T003", "f.theme": "厌学情绪的转化", "f.cases": "2"})
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/self/{TODAY}-case-meeting.md").read_text("utf-8")
    assert "attending: [T002, T003]" in text and "theme: 厌学情绪的转化" in text


def test_the_class_teacher_writes_his_own_parent_contact_not_a_talk(
    local: Running, repo: Path
) -> None:
    """T001 is the class teacher of S250003, T002's mentee (区“原则上限定由班主任和导师开展
    学生家访和家校沟通工作”): a parent contact of his own, in his folder; never a talk."""
    client = local.client()
    page = client.get("/new", params={"kind": "parent-contact", "student": "S250003"})
    assert page.status_code == 200, page.text
    form: dict[str, Any] = {
        "csrf": hidden(page.text, "csrf"),
        "draft": hidden(page.text, "draft"),
        "kind": "parent-contact",
        "path": "",
        "base_blob": "",
        "students": "S250003",
        "date": TODAY,
        "body": "班主任给家长打电话，说了孩子这周的表现。",
        "action": "save",
    }
    for name in re.findall(r'name="(f\.[a-z_]+)"', page.text):
        form.setdefault(name, "")
    form.update({"f.relation": "mother", "f.channel": "phone"})
    response = client.post("/save", data=form)
    assert response.status_code == 303, response.text
    text = (repo / f"{SEMESTER}/journal/T001/S250003/{TODAY}-parent-contact.md").read_text()
    assert "mentor: T001" in text and "student: S250003" in text
    talk = client.get("/new", params={"kind": "talk", "student": "S250003"})
    assert talk.status_code == 403
