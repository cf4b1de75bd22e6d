"""Issue 20: the shared files' entries are writable in the editor by the people who have
the duty, and the pre-receive hook accepts exactly those changes — the appraisal group's
comment and sign-off and an office's scores (assessments.yaml), a mentor's own choice of
students (preferences.yaml), the class teacher's entry of the needs questionnaire
(needs.yaml) — and refuses every other entry with its W7xx code."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from daoshi.serve.auth import AuthConfig
from daoshi.serve.users import add_user
from daoshi.site.wording import findings
from daoshi.write.editor.app import local_app, server_app
from daoshi.write.editor.clone import Clone
from daoshi.write.editor.drafts import Drafts
from daoshi.write.editor.editor import Editor
from daoshi.write.install import install

from .conftest import MINIMAL, SEMESTER
from .serving import Running
from .test_editor import git, local_editor, sign_in

ASSESSMENTS = f"{SEMESTER}/assessments.yaml"
PREFERENCES = f"{SEMESTER}/preferences.yaml"
NEEDS = f"{SEMESTER}/needs.yaml"
PASSWORDS = {"T001": "zhang-password-1", "T002": "li-password-22", "T004": "zhao-password-3"}
PASSWORDS |= {"T005": "sun-password-44"}

TEACHERS = """\
teachers:
  - id: T001
    name: 张老师
    email: t001@example.edu.cn
    classes: [C2025-01]
  - id: T002
    name: 李老师
    email: t002@example.edu.cn
    roles: [reviewer]
  - id: T003
    name: 王老师
    email: t003@example.edu.cn
    roles: [admin]
    not_mentor: 新入职，参加导师培训中
  - id: T004
    name: 赵老师
    email: t004@example.edu.cn
    roles: [moral_office]
  - id: T005
    name: 孙老师
    email: t005@example.edu.cn
"""
FILES = {
    "people/teachers.yaml": TEACHERS,
    "people/cohorts/2025.yaml": MINIMAL["people/cohorts/2025.yaml"].replace(
        "students:",
        "  - id: C2025-02\n    number: 2\nstudents:\n"
        "  - id: S250005\n    name: 学生戊\n    class: C2025-02",
    ),
    f"{SEMESTER}/semester.yaml": MINIMAL[f"{SEMESTER}/semester.yaml"]
    + "  - class: C2025-02\n    class_teacher: T005\n",
    ASSESSMENTS: """\
# 考核组评价（太谷附表五）
semester: 2025-2026-1
mentors:
  - mentor: T002
    grade_score: 25
""",
    PREFERENCES: """\
semester: 2025-2026-1
students:
  - student: S250003
    choices: [T001, T002]
mentors:
  - mentor: T002
    capacity: 4
""",
    NEEDS: """\
semester: 2025-2026-1
students:
  - student: S250002
    areas: [future]
""",
}


@dataclass
class School:
    """The records on a bare repository with daoshi's hook, the editor serving it, and an
    admin's clone for pushing by hand (as any teacher, through the same hook)."""

    running: Running
    bare: Path
    work: Path
    cache: Path

    def client(self, teacher: str) -> httpx.Client:
        client = self.running.client()
        sign_in(client, teacher.lower(), PASSWORDS[teacher])
        return client

    def file(self, rel: str) -> str:
        return git(self.bare, "show", f"main:{rel}")

    def push(self, teacher: str, rel: str, old: str, new: str) -> tuple[int, str]:
        """Change ``old`` to ``new`` in ``rel`` and push it as ``teacher``."""
        return self.push_files(teacher, {rel: (old, new)})

    def push_files(self, teacher: str, changes: dict[str, tuple[str, str]]) -> tuple[int, str]:
        """Change each file (``old`` to ``new``; a new file from "") and push as ``teacher``."""
        git(self.work, "pull", "-q", "origin", "main")
        for rel, (old, new) in changes.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            text = path.read_text("utf-8") if path.exists() else ""
            assert old in text, text
            path.write_text(text.replace(old, new, 1), "utf-8")
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", "手工修改")
        environ = {k: v for k, v in os.environ.items() if k != "GL_USER"}
        done = subprocess.run(
            ["git", "push", "origin", "HEAD:main"],
            cwd=self.work,
            env={**environ, "GL_USER": teacher, "XDG_CACHE_HOME": str(self.cache)},
            capture_output=True,
            text=True,
            check=False,
        )
        git(self.work, "reset", "-q", "--hard", "origin/main")
        return done.returncode, done.stderr


def make_records(root: Path) -> Path:
    """The minimal school with the shared files and the roles above, committed by the admin."""
    for rel, text in {**MINIMAL, **FILES}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    admin = ("-c", "user.name=教务处", "-c", "user.email=admin@example.edu.cn")
    git(root, *admin, "commit", "-qm", "建库")
    return root


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[School]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = make_records(tmp_path / "records")
    bare = tmp_path / "school.git"
    git(tmp_path, "clone", "-q", "--bare", str(root), str(bare))
    install(bare, None, ["T003"], force=False)
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    git(work, "config", "user.name", "手工")
    git(work, "config", "user.email", "hand@example.edu.cn")
    users = tmp_path / "users.yaml"
    for teacher, password in PASSWORDS.items():
        add_user(users, teacher.lower(), password, teacher, None)
    clone = Clone.working_copy(str(bare), tmp_path / "state" / "clone", "main")
    editor = Editor(clone, Drafts(tmp_path / "state" / "drafts"), today=dt.date(2025, 10, 20))
    config = AuthConfig(users_file=users, secret=b"test-secret", secure_cookies=False)
    running = Running(server_app(editor, config))
    yield School(running, bare, work, tmp_path / "cache")
    running.stop()


def form_of(page: str, action: str, **values: str | list[str]) -> dict[str, str | list[str]]:
    """The hidden fields of the page's form posting to ``action`` (the first one whose
    hidden fields include ``values``' keys), with ``values`` filled in."""
    for found in re.finditer(rf'<form method="post" action="{action}".*?</form>', page, re.S):
        text = found[0]
        found_fields = re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', text)
        fields = {k: html.unescape(v) for k, v in found_fields}
        wanted = {k: v for k, v in values.items() if k in fields}
        if all(fields[k] == v for k, v in wanted.items()):
            out: dict[str, str | list[str]] = {**fields}
            out.update(values)
            return out
    raise AssertionError(f"no form for {action} with {values}")


def author(school: School) -> str:
    return git(school.bare, "log", "-1", "--format=%an", "main").strip()


# -- writing in the editor ----------------------------------------------------------------


def test_a_group_leader_signs_off_a_mentor_in_the_editor(school: School) -> None:
    li = school.client("T002")  # 监督组: sees every mentor's appraisal
    home = li.get("/").text
    assert '<a href="/signoff">考核组评价与签署</a>' in home
    page = li.get("/signoff").text
    assert "张老师（T001）" in page and "未签署" in page
    comment = "谈话记录及时具体，家访尚未开展。"
    form = form_of(page, "/signoff", mentor="T001", comment=comment)
    done = li.post("/signoff", data=form)
    assert done.status_code == 303, done.text
    text = school.file(ASSESSMENTS)
    assert f"group_comment: {comment}" in text
    assert "group_leader: 李老师" in text and "signed_on: 2025-10-20" in text
    assert text.startswith("# 考核组评价（太谷附表五）\n")  # comments and order kept
    assert "grade_score: 25" in text
    assert author(school) == "李老师"
    shown = li.get(done.headers["location"]).text
    assert "已保存并提交" in shown and "李老师，2025年10月20日" in shown


def test_an_office_enters_its_scores(school: School) -> None:
    zhao = school.client("T004")  # 德育处 = 政教处 (office_scores' moral_office)
    assert '<a href="/office-scores">科室量化赋分</a>' in zhao.get("/").text
    page = zhao.get("/office-scores").text
    offices = re.search(r'<select id="office".*?</select>', page, re.S)
    assert offices and "政教处" in offices[0] and "艺体办" not in offices[0]  # their own only
    form = form_of(page, "/office-scores")
    form.update({"office": "moral_office", "mentor": "T001", "aspect": "discipline", "points": "2"})
    form["note"] = "受导学生所在班纪律检查第一"
    done = zhao.post("/office-scores", data=form)
    assert done.status_code == 303, done.text
    text = school.file(ASSESSMENTS)
    assert "office: moral_office" in text and "aspect: discipline" in text
    assert "points: 2" in text and "grade_score: 25" in text
    assert author(school) == "赵老师"
    assert "受导学生所在班纪律检查第一" in zhao.get("/office-scores").text


def test_a_mentor_saves_their_choices(school: School) -> None:
    zhang = school.client("T001")
    assert '<a href="/choices">我选择的受导学生</a>' in zhang.get("/").text
    page = zhang.get("/choices").text
    assert "学生丙（S250003）" in page  # chose T001, and in a class T001 teaches
    assert "学生戊" not in page  # another class, did not choose T001
    form = form_of(page, "/choices")
    form.update({"capacity": "4", "students": ["S250003", "S250004"]})
    done = zhang.post("/choices", data=form)
    assert done.status_code == 303, done.text
    text = school.file(PREFERENCES)
    assert "  - mentor: T001\n    capacity: 4\n    students: [S250003, S250004]\n" in text
    assert "  - mentor: T002\n    capacity: 4\n" in text  # the other mentor's entry as it was
    assert author(school) == "张老师"


def test_a_class_teacher_enters_needs_for_their_student(school: School) -> None:
    zhang = school.client("T001")  # 班主任 of C2025-01
    assert '<a href="/needs">学生需求问卷</a>' in zhang.get("/").text
    page = zhang.get("/needs", params={"student": "S250001"}).text
    assert "学生甲（S250001）的问卷" in page and "学生戊" not in page
    form = form_of(page, "/needs", student="S250001")
    form.update({"areas": ["study", "emotion"], "subjects": "数学、物理", "note": "想提高数学"})
    done = zhang.post("/needs", data=form)
    assert done.status_code == 303, done.text
    text = school.file(NEEDS)
    assert "  - student: S250001\n    areas: [study, emotion]\n    subjects: [数学, 物理]\n" in text
    assert "note: 想提高数学" in text and "  - student: S250002\n    areas: [future]\n" in text
    assert author(school) == "张老师"


def test_a_plain_mentor_has_no_such_duties(school: School) -> None:
    sun = school.client("T005")  # a mentor, class teacher of C2025-02, no school-wide role
    home = sun.get("/").text
    assert "/signoff" not in home and "/office-scores" not in home
    refused = sun.get("/signoff")
    assert refused.status_code == 403 and "只有考核组成员" in refused.text


def test_the_pages_show_no_machinery(school: School) -> None:
    pages = [
        school.client("T002").get("/signoff").text,
        school.client("T004").get("/office-scores").text,
        school.client("T001").get("/choices").text,
        school.client("T001").get("/needs", params={"student": "S250001"}).text,
    ]
    for page in pages:
        assert list(findings(page)) == []


# -- concurrent changes -------------------------------------------------------------------


def test_another_entry_saved_meanwhile_is_kept(school: School) -> None:
    zhang = school.client("T001")
    form = form_of(zhang.get("/needs", params={"student": "S250001"}).text, "/needs")
    code, out = school.push("T003", NEEDS, "areas: [future]", "areas: [future, family]")
    assert code == 0, out
    form.update({"student": "S250001", "areas": ["study"]})
    assert zhang.post("/needs", data=form).status_code == 303
    text = school.file(NEEDS)
    assert "areas: [future, family]" in text and "student: S250001" in text


def test_the_same_entry_changed_meanwhile_is_not_overwritten(school: School) -> None:
    zhang = school.client("T001")
    form = form_of(zhang.get("/needs", params={"student": "S250002"}).text, "/needs")
    code, out = school.push("T003", NEEDS, "areas: [future]", "areas: [family]")
    assert code == 0, out
    form.update({"student": "S250002", "areas": ["study"], "note": "我填的内容"})
    response = zhang.post("/needs", data=form)
    assert response.status_code == 422
    assert "被他人修改过" in response.text and "我填的内容" in response.text
    assert "areas: [family]" in school.file(NEEDS)
    # kept as a draft, like a record: on the home page, reopened with what was typed
    link = re.search(
        r'<a href="(/needs\?[^"]+)">学生需求问卷 S250002（2025-2026-1）</a>', zhang.get("/").text
    )
    assert link, "no draft on the home page"
    page = zhang.get(link[1].replace("&amp;", "&")).text
    assert "我填的内容" in page and "学生乙（S250002）的问卷" in page
    again = form_of(page, "/needs", student="S250002", areas=["study"], note="我填的内容")
    saved = zhang.post("/needs", data=again)
    assert saved.status_code == 303, re.findall(r"<li>(.*?)</li>", saved.text)
    assert "note: 我填的内容" in school.file(NEEDS)
    assert "学生需求问卷 S250002" not in zhang.get("/").text  # saved: the draft is gone


# -- refusals -----------------------------------------------------------------------------


def test_a_mentor_may_not_edit_another_mentors_choices(school: School) -> None:
    code, out = school.push("T001", PREFERENCES, "capacity: 4", "capacity: 1")
    assert code != 0
    assert re.search(rf"{PREFERENCES}:6:1: W734 T001 只能填写自己的导师选择，不能改导师 T002", out)


def test_a_student_outside_the_candidates_is_refused(school: School) -> None:
    old = "  - mentor: T002\n    capacity: 4\n"
    new = old + "  - mentor: T001\n    students: [S250005]\n"
    code, out = school.push("T001", PREFERENCES, old, new)
    assert code != 0 and "W735 学生 S250005 不在 T001 可以选择的学生中" in out


def test_a_teacher_may_not_write_a_sign_off(school: School) -> None:
    entry = "  - mentor: T002\n    grade_score: 25\n"
    signed = entry + "    group_comment: 很好\n    group_leader: 孙老师\n"
    signed += "    signed_on: 2025-10-20\n"
    code, out = school.push("T005", ASSESSMENTS, entry, signed)
    assert code != 0 and "W729 T005 不是考核组成员" in out
    code, out = school.push("T004", ASSESSMENTS, entry, signed)  # in the group, not 孙老师
    assert code != 0 and "W731 考核组组长只能签自己的名字（赵老师）" in out
    own = signed.replace("孙老师", "李老师")
    code, out = school.push("T002", ASSESSMENTS, entry, own)  # T002 is a mentor too
    assert code != 0 and "W738 T002 不能评价和签署自己的考核" in out
    stranger = entry + "  - mentor: T005\n    group_comment: 很好\n    group_leader: 李老师\n"
    code, out = school.push("T002", ASSESSMENTS, entry, stranger + "    signed_on: 2025-10-20\n")
    assert code != 0 and "W733 T005 不是 2025-2026-1 学期的导师" in out  # not in the pairings
    code, out = school.push("T002", ASSESSMENTS, "grade_score: 25", "grade_score: 30")
    assert code != 0 and "W728 这一部分（导师评定（T002））只有管理员可以修改" in out


def test_a_sign_off_by_someone_else_stays_theirs(school: School) -> None:
    li = school.client("T002")
    form = form_of(li.get("/signoff").text, "/signoff", mentor="T001", comment="按时完成")
    assert li.post("/signoff", data=form).status_code == 303
    code, out = school.push("T004", ASSESSMENTS, "按时完成", "另写的评价")
    assert code != 0 and "W730 导师 T001 的考核结果已由 李老师 签署" in out
    page = school.client("T004").get("/signoff").text
    assert "按时完成" in page and 'name="mentor" value="T001"' not in page  # shown, not a form


def test_an_office_may_not_score_for_another_office(school: School) -> None:
    old = "    grade_score: 25\n"
    new = old + "office_scores:\n  - mentor: T001\n    office: arts_sports\n"
    new += "    aspect: sports\n    points: 3\n"
    code, out = school.push("T004", ASSESSMENTS, old, new)
    assert code != 0 and "W732 T004 不负责艺体办的赋分" in out


def test_a_class_teacher_may_not_enter_needs_for_another_class(school: School) -> None:
    old = "    areas: [future]\n"
    code, out = school.push("T001", NEEDS, old, old + "  - student: S250005\n    areas: [study]\n")
    assert code != 0
    assert re.search(rf"{NEEDS}:5:1: W736 T001 不是学生 S250005 本学期的班主任", out)
    zhang = school.client("T001")  # the editor says the same, in words, for a forged post
    form = form_of(zhang.get("/needs", params={"student": "S250001"}).text, "/needs")
    form.update({"student": "S250005", "areas": ["study"], "base": ""})
    refused = zhang.post("/needs", data=form)
    assert refused.status_code == 422
    assert "不能保存：T001 不是学生 S250005 本学期的班主任" in refused.text
    assert "S250005" not in school.file(NEEDS)


def test_nothing_is_written_in_a_closed_semester(school: School) -> None:
    zhang = school.client("T001")
    form = form_of(zhang.get("/needs", params={"student": "S250001"}).text, "/needs")
    git(school.bare, "tag", "close/2025-2026-1", "main")
    form.update({"student": "S250001", "areas": ["study"]})
    refused = zhang.post("/needs", data=form)
    assert refused.status_code == 422 and "2025-2026-1 学期已结束" in refused.text
    assert "已结档" in zhang.get("/needs").text
    code, out = school.push("T001", NEEDS, "areas: [future]", "areas: [study]")
    assert code != 0 and f"{NEEDS}:1:1: W703 2025-2026-1 学期已结束" in out


def test_unreadable_shared_file_is_refused(school: School) -> None:
    code, out = school.push("T001", NEEDS, "areas: [future]", "areas: [future")
    assert code != 0 and "W737 学生需求调查无法读取" in out


def test_the_arts_and_sports_office_scores_its_own(school: School) -> None:
    teachers = "    email: t005@example.edu.cn\n"
    code, out = school.push(
        "T003", "people/teachers.yaml", teachers, teachers + "    roles: [arts_sports]\n"
    )
    assert code == 0, out
    old = "    grade_score: 25\n"
    new = old + "office_scores:\n  - mentor: T001\n    office: arts_sports\n"
    new += "    aspect: sports\n    points: 3\n"
    code, out = school.push("T005", ASSESSMENTS, old, new)
    assert code == 0, out
    code, out = school.push("T005", ASSESSMENTS, "office: arts_sports", "office: moral_office")
    assert code != 0 and "W732 T005 不负责政教处的赋分" in out
    entry = "  - mentor: T002\n    grade_score: 25\n"  # an office is not the appraisal group
    signed = (
        entry + "    group_comment: 很好\n    group_leader: 孙老师\n    signed_on: 2025-10-20\n"
    )
    code, out = school.push("T005", ASSESSMENTS, entry, signed)
    assert code != 0 and "W729 T005 不是考核组成员" in out


def test_a_merge_answers_only_for_its_own_changes(school: School) -> None:
    """A teacher's merge brings the admin's change to the students' choices (judged when
    the admin pushed it) beside the teacher's own needs entry: accepted."""
    work = school.work
    code, out = school.push("T003", PREFERENCES, "choices: [T001, T002]", "choices: [T002, T001]")
    assert code == 0, out
    git(work, "reset", "-q", "--hard", "HEAD~1")  # the teacher's clone, before that push
    path = work / NEEDS
    path.write_text(path.read_text("utf-8") + "  - student: S250001\n    areas: [study]\n", "utf-8")
    git(work, "commit", "-qam", "学生甲的问卷")
    git(work, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    assert len(git(work, "log", "-1", "--format=%P").split()) == 2  # a merge
    done = subprocess.run(
        ["git", "push", "origin", "HEAD:main"],
        cwd=work,
        env={**os.environ, "GL_USER": "T001", "XDG_CACHE_HOME": str(school.cache)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "choices: [T002, T001]" in school.file(PREFERENCES)
    assert "student: S250001" in school.file(NEEDS)


def test_local_mode_commits_in_the_teachers_own_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = make_records(tmp_path / "records")
    running = Running(local_app(local_editor(root), "T001"))
    try:
        client = running.client()
        page = client.get("/needs", params={"student": "S250003"}).text
        form = form_of(page, "/needs", student="S250003", areas=["relationships"])
        assert client.post("/needs", data=form).status_code == 303
    finally:
        running.stop()
    assert "  - student: S250003\n    areas: [relationships]\n" in (root / NEEDS).read_text("utf-8")
    assert (
        git(root, "log", "-1", "--format=%an %s").strip()
        == "张老师 学生需求调查：需求问卷 S250003（2025-2026-1）"
    )
