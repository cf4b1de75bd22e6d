"""Dated pairing periods on the write side: after a dated change of mentor the former
mentor may not write about the student for days after the change, in the editor (W727)
nor through the pre-receive hook; both ask the model's one rule, ``is_mentee_on``."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import yaml

from daoshi.write.editor.app import local_app
from tests.conftest import MINIMAL, SEMESTER
from tests.serving import Running
from tests.test_editor import local_editor, make_repo, talk_form
from tests.test_hook import ADMIN, OPEN, Server, refused
from tests.test_hook import seed as seed  # the module's demo school, as a fixture
from tests.test_hook import server as server

# S250003 goes from T002 to T003 on 16 October
CHANGED = MINIMAL[f"{SEMESTER}/pairings.yaml"].replace(
    "    students: [S250003, S250004]\n",
    "    students: [S250004]\n"
    "  - mentor: T002\n    students: [S250003]\n    end: 2025-10-15\n"
    "  - mentor: T003\n    students: [S250003]\n    start: 2025-10-16\n",
)


@pytest.fixture
def changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "records"
    root.mkdir()
    (root / SEMESTER).mkdir(parents=True)
    make_repo(root)
    (root / f"{SEMESTER}/pairings.yaml").write_text(CHANGED, "utf-8")
    subprocess.run(
        ["git", "-c", "user.name=教务处", "-c", "user.email=a@x.cn", "commit", "-qam", "换导师"],
        cwd=root,
        check=True,
    )
    return root


def test_the_editor_refuses_the_former_mentor_after_the_change(changed: Path) -> None:
    after = Running(local_app(local_editor(changed, today="2025-10-20"), "T002"))
    try:
        page = after.client().get("/new", params={"kind": "talk", "student": "S250003"})
    finally:
        after.stop()
    assert page.status_code == 403
    assert "W727" not in page.text  # the editor speaks in words, not codes
    assert (
        "S250003 在 2025-10-20 不是 T002 的受导学生（对接期间：2025-09-01 至 2025-10-15）"
        in page.text
    )
    # before the change the same teacher may write, and may not date it after the change
    before = Running(local_app(local_editor(changed, today="2025-10-14"), "T002"))
    try:
        client = before.client()
        form = talk_form(client, "S250003")
        form["date"] = "2025-10-17"
        late = client.post("/save", data=form)
        form = talk_form(client, "S250003")
        form["date"] = "2025-10-14"
        ok = client.post("/save", data=form)
    finally:
        before.stop()
    assert late.status_code == 422 and "不是 T002 的受导学生" in late.text
    assert ok.status_code == 303, ok.text
    # the new mentor may write from the change on
    new = Running(local_app(local_editor(changed, today="2025-10-20"), "T003"))
    try:
        assert (
            new.client().get("/new", params={"kind": "talk", "student": "S250003"}).status_code
            == 200
        )
    finally:
        new.stop()


def test_the_hook_refuses_the_former_mentor_after_the_change(server: Server) -> None:
    f = server.facts
    pairings = server.work / f"semesters/{OPEN}/pairings.yaml"
    data = yaml.safe_load(pairings.read_text("utf-8"))
    mine = [p for p in data["pairings"] if p["mentor"] == f.mentor and f.mentee in p["students"]]
    assert mine and not any("start" in p or "end" in p for p in mine)
    journal = server.work / f"semesters/{OPEN}/journal/{f.mentor}/{f.mentee}"
    last = max(dt.date.fromisoformat(p.name[:10]) for p in journal.glob("*.md"))
    for p in mine:
        p["students"].remove(f.mentee)
    data["pairings"] = [p for p in data["pairings"] if p["students"]]
    data["pairings"] += [
        {"mentor": f.mentor, "students": [f.mentee], "end": last},
        {"mentor": f.stranger, "students": [f.mentee], "start": last + dt.timedelta(days=1)},
    ]
    pairings.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    server.commit("学期中更换导师")
    code, out = server.push(ADMIN)
    assert code == 0, out
    # the former mentor writes about the student the day after the change: refused
    name = f.record.rsplit("/", 1)[1]
    day = last + dt.timedelta(days=1)
    late = f"semesters/{OPEN}/journal/{f.mentor}/{f.mentee}/{day}{name[10:]}"
    server.copy(f.record, late, (f"date: {f.record.rsplit('/', 1)[1][:10]}", f"date: {day}"))
    server.commit("换导师后补写")
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W727", late)
    assert f"{f.mentee} 在 {day} 不是 {f.mentor} 的受导学生" in out
