"""The pre-receive hook, through real bare repositories and real ``git push`` as teachers.

The records are a small demo school (``daoshi demo``) with one teacher made admin. The facts the
tests need (a mentor, a mentee, a record, the class teacher) are read from the model, so
a regenerated demo does not break them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from daoshi.demo import DemoOptions, write_snapshot
from daoshi.records.model import School
from daoshi.records.validate import load
from daoshi.write.install import install

ROOT = Path(__file__).resolve().parent.parent
OPEN = "2026-2027-1"
CLOSED = "2025-2026-2"
ADMIN = "T003"
DEMO_STUDENTS = 60  # a small demo school (about 650 files): every push validates it


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=测试", "-c", "user.email=test@example.edu.cn", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass(frozen=True)
class Facts:
    """Who is who in the demo school, for the semester the tests write in."""

    mentor: str
    mentee: str
    record: str  # an existing record of mentor about mentee in OPEN
    class_teacher: str  # of the mentee's class, not the mentor
    stranger: str  # neither mentor, class teacher nor admin
    other_student: str  # not a mentee of mentor in OPEN
    old_record: str  # a record of mentor in CLOSED


def find_facts(school: School) -> Facts:
    semester = school.semester(OPEN)
    teacher_of = {c.class_id: c.class_teacher for c in semester.classes}
    for record in school.records:
        if record.semester != OPEN or record.kind == "group-activity":
            continue
        mentor, student = record.mentor, record.students[0]
        ct = teacher_of[school.students[student].class_id]
        if ct in (mentor, ADMIN):
            continue
        old = [r for r in school.records if r.semester == CLOSED and r.mentor == mentor]
        mine = {
            s
            for p in school.pairings
            if p.semester == OPEN and p.mentor == mentor
            for s in p.students
        }
        busy = {mentor, ct, ADMIN}
        stranger = next(
            t for t in sorted(school.teachers) if t not in busy and t not in teacher_of.values()
        )
        other = next(
            s for s in sorted(school.students) if s not in mine and school.mentors_of(s, OPEN)
        )
        if old:
            return Facts(mentor, student, record.path, ct, stranger, other, old[0].path)
    raise AssertionError("no suitable record in the demo")


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Facts]:
    """The demo records with T003 as admin, committed once for every test of the module."""
    src = tmp_path_factory.mktemp("seed") / "records"
    write_snapshot(src, DemoOptions(students=DEMO_STUDENTS, semesters=2))
    teachers = src / "people" / "teachers.yaml"
    text = teachers.read_text("utf-8")
    assert "roles: [moral_office]" in text
    teachers.write_text(
        text.replace("roles: [moral_office]", "roles: [moral_office, admin]", 1), "utf-8"
    )
    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "演示学校")
    return src, find_facts(load(src, use_cache=False))


@dataclass
class Server:
    """A bare repository with the hook, and a teacher's clone of it."""

    bare: Path
    work: Path
    cache: Path
    facts: Facts

    def push(
        self, user: str | None, *args: str, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        extra = {"XDG_CACHE_HOME": str(self.cache), **(env or {})}
        environ = {k: v for k, v in os.environ.items() if k != "GL_USER"}
        if user is not None:
            extra["GL_USER"] = user
        done = subprocess.run(
            ["git", "push", *(args or ("origin", "HEAD:main"))],
            cwd=self.work,
            env={**environ, **extra},
            capture_output=True,
            text=True,
            check=False,
        )
        return done.returncode, done.stderr

    def commit(self, message: str = "修改") -> str:
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", message)
        return git(self.work, "rev-parse", "HEAD").strip()

    def edit(self, rel: str, extra: str = "\n补充：后续跟进。\n") -> None:
        path = self.work / rel
        path.write_text(path.read_text("utf-8") + extra, "utf-8")

    def copy(self, rel: str, new: str, replace: tuple[str, str] | None = None) -> None:
        text = (self.work / rel).read_text("utf-8")
        if replace:
            text = text.replace(*replace)
        (self.work / new).parent.mkdir(parents=True, exist_ok=True)
        (self.work / new).write_text(text, "utf-8")

    def second_name(self, rel: str) -> str:
        """The same record's name with a ``-N`` suffix that is not taken yet."""
        stem = rel.removesuffix(".md")
        return next(
            f"{stem}-{n}.md" for n in range(2, 50) if not (self.work / f"{stem}-{n}.md").exists()
        )

    def head(self) -> str:
        return git(self.bare, "rev-parse", "main").strip()


@pytest.fixture
def server(seed: tuple[Path, Facts], tmp_path: Path) -> Iterator[Server]:
    src, facts = seed
    bare = tmp_path / "records.git"
    git(tmp_path, "clone", "-q", "--bare", str(src), str(bare))
    install(bare, None, (), force=False)  # the CLI is tested below; in-process is quicker
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    yield Server(bare, work, tmp_path / "cache", facts)


def refused(out: str, code: str, where: str) -> bool:
    return any(code in line and where in line for line in out.splitlines())


def test_a_mentor_edits_and_adds_records_of_own_mentee(server: Server) -> None:
    f = server.facts
    server.edit(f.record)
    server.copy(f.record, server.second_name(f.record))
    sha = server.commit()
    code, out = server.push(f.mentor)
    assert code == 0, out
    assert "1 个新提交通过检查" in out
    assert server.head() == sha


def test_a_teacher_may_push_under_their_e_mail(server: Server) -> None:
    server.edit(server.facts.record)
    server.commit()
    email = f"{server.facts.mentor.lower()}@demo-school.invalid"
    code, out = server.push(email)
    assert code == 0, out


def test_another_mentor_may_not_touch_the_record(server: Server) -> None:
    f = server.facts
    before = server.head()
    server.edit(f.record)
    sha = server.commit()
    code, out = server.push(f.stranger)
    assert code != 0
    assert refused(out, "W705", f"{sha[:9]}:{f.record}:1:1")
    assert f"{f.stranger} 不能改动导师 {f.mentor} 的记录" in out
    assert "pre-receive hook declined" in out
    assert server.head() == before


def test_the_class_teacher_edits_but_does_not_add(server: Server) -> None:
    f = server.facts
    server.edit(f.record)
    server.commit("班主任补充")
    code, out = server.push(f.class_teacher)
    assert code == 0, out
    server.copy(f.record, server.second_name(f.record))
    sha = server.commit("班主任新增")
    code, out = server.push(f.class_teacher)
    assert code != 0
    assert refused(out, "W705", sha[:9])


def test_a_record_for_someone_elses_mentee_is_refused(server: Server) -> None:
    f = server.facts
    name = f.record.rsplit("/", 1)[1]
    new = f"semesters/{OPEN}/journal/{f.mentor}/{f.other_student}/{name}"
    server.copy(f.record, new, (f"student: {f.mentee}", f"student: {f.other_student}"))
    server.commit()
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W704", new)
    assert f"{f.other_student} 不是 {f.mentor} 在 {OPEN} 学期的受导学生" in out
    assert refused(out, "X209", new)  # and the validator says the same


def test_deleting_a_record_is_refused(server: Server) -> None:
    f = server.facts
    (server.work / f.record).unlink()
    server.commit("删除")
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W702", f.record)


def test_people_pairings_and_forms_are_for_the_admin(server: Server) -> None:
    pairings = f"semesters/{OPEN}/pairings.yaml"
    server.edit(pairings, "# 调整\n")
    server.edit("people/teachers.yaml", "# 新教师\n")
    server.commit()
    code, out = server.push(server.facts.mentor)
    assert code != 0
    assert refused(out, "W701", pairings) and "导师与学生对接表" in out
    assert refused(out, "W701", "people/teachers.yaml") and "人员名单" in out
    code, out = server.push(ADMIN)
    assert code == 0, out


def test_every_commit_is_checked_not_only_the_tip(server: Server) -> None:
    f = server.facts
    path = server.work / f.record
    good = path.read_text("utf-8")
    path.write_text(good.replace("---\n", "---\nmood: yes\n", 1), "utf-8")
    bad = server.commit("写错")
    path.write_text(good, "utf-8")
    server.commit("改正")
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W709", bad[:9])
    assert refused(out, "F014", f"{bad[:9]}:{f.record}:2:")
    assert "2 个新提交" in out


def test_history_is_never_rewritten(server: Server) -> None:
    f = server.facts
    server.edit(f.record)
    server.commit()
    assert server.push(f.mentor)[0] == 0
    git(server.work, "reset", "-q", "--hard", "HEAD~1")
    server.edit(f.record, "\n另一种写法。\n")
    server.commit()
    code, out = server.push(ADMIN, "--force", "origin", "HEAD:main")
    assert code != 0
    assert refused(out, "W707", "refs/heads/main")
    code, out = server.push(ADMIN, "origin", "--delete", "main")
    assert code != 0
    assert refused(out, "W708", "refs/heads/main")


def test_a_merge_brings_only_its_own_changes(server: Server, tmp_path: Path) -> None:
    f = server.facts
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(server.bare), str(other))
    (other / f"semesters/{OPEN}/pairings.yaml").write_text(
        (other / f"semesters/{OPEN}/pairings.yaml").read_text("utf-8") + "# 管理员调整\n", "utf-8"
    )
    git(other, "commit", "-qam", "管理员调整")
    code = subprocess.run(
        ["git", "push", "-q", "origin", "HEAD:main"],
        cwd=other,
        env={**os.environ, "GL_USER": ADMIN, "XDG_CACHE_HOME": str(server.cache)},
        capture_output=True,
        check=False,
    ).returncode
    assert code == 0
    server.edit(f.record)
    server.commit()
    git(server.work, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
    code, out = server.push(f.mentor)
    assert code == 0, out


def test_closed_semesters_and_tags(server: Server) -> None:
    f = server.facts
    git(server.work, "tag", "-a", f"close/{CLOSED}", "-m", "学期结束")
    code, out = server.push(f.mentor, "origin", f"refs/tags/close/{CLOSED}")
    assert code != 0
    assert refused(out, "W706", f"refs/tags/close/{CLOSED}")
    code, out = server.push(ADMIN, "origin", f"refs/tags/close/{CLOSED}")
    assert code == 0, out
    server.edit(f.old_record)
    server.commit()
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W703", f.old_record)
    assert f"{CLOSED} 学期已结束" in out
    git(server.work, "tag", "-f", "-a", f"close/{CLOSED}", "-m", "再次", "HEAD~1")
    code, out = server.push(ADMIN, "--force", "origin", f"refs/tags/close/{CLOSED}")
    assert code != 0
    assert refused(out, "W714", f"refs/tags/close/{CLOSED}")


def test_an_unknown_or_missing_pusher_is_refused(server: Server) -> None:
    server.edit(server.facts.record)
    server.commit()
    code, out = server.push(None)
    assert code != 0
    assert "W710" in out and "GL_USER" in out
    code, out = server.push("T999")
    assert code != 0
    assert "环境变量 GL_USER 为“T999”" in out


def test_the_user_variable_and_admins_are_configurable(server: Server) -> None:
    subprocess.run(
        [
            "daoshi",
            "hook",
            "install",
            str(server.bare),
            "--user-env",
            "GITEA_PUSHER_NAME",
            "--admin",
            "operator",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    server.edit("school.yaml", "# 运维\n")
    server.commit()
    code, out = server.push(server.facts.mentor)  # GL_USER is now ignored
    assert code != 0 and "GITEA_PUSHER_NAME" in out
    code, out = server.push(None, env={"GITEA_PUSHER_NAME": "operator"})
    assert code == 0, out


def test_the_first_push_into_an_empty_repository(seed: tuple[Path, Facts], tmp_path: Path) -> None:
    src, facts = seed
    bare = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    subprocess.run(
        [sys.executable, "-m", "daoshi", "hook", "install", str(bare)],
        check=True,
        capture_output=True,
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        ["git", "push", str(bare), "main"],
        cwd=src,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "GL_USER": facts.mentor},
        check=False,
    )
    assert done.returncode != 0 and "W701" in done.stderr
    done = subprocess.run(
        ["git", "push", str(bare), "main"],
        cwd=src,
        capture_output=True,
        text=True,
        env={**os.environ, **env, "GL_USER": ADMIN},
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_install_keeps_a_foreign_hook(tmp_path: Path) -> None:
    bare = tmp_path / "r.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    (bare / "hooks" / "pre-receive").write_text("#!/bin/sh\nexit 0\n")
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", "hook", "install", str(bare)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "不是 daoshi 安装的" in done.stderr
    assert (bare / "hooks" / "pre-receive").read_text() == "#!/bin/sh\nexit 0\n"


def test_install_into_gitea_s_hook_folder(tmp_path: Path) -> None:
    bare = tmp_path / "g.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    (bare / "hooks" / "pre-receive.d").mkdir()
    (bare / "hooks" / "pre-receive").write_text("#!/bin/sh\n# gitea\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "daoshi",
            "hook",
            "install",
            str(bare),
            "--user-env",
            "GITEA_PUSHER_NAME",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (bare / "hooks" / "pre-receive").read_text() == "#!/bin/sh\n# gitea\n"
    script = bare / "hooks" / "pre-receive.d" / "daoshi"
    assert "hook pre-receive" in script.read_text() and script.stat().st_mode & 0o111
    assert git(bare, "config", "daoshi.userEnv").strip() == "GITEA_PUSHER_NAME"


def test_a_dangling_head_does_not_make_the_pushed_tree_the_judge(server: Server) -> None:
    """Admins are read from the server's branches even when HEAD names no branch."""
    f = server.facts
    git(server.bare, "symbolic-ref", "HEAD", "refs/heads/nothing")
    teachers = server.work / "people" / "teachers.yaml"
    text = teachers.read_text("utf-8")
    teachers.write_text(
        text.replace(f"id: {f.mentor}\n", f"id: {f.mentor}\n    roles: [admin]\n", 1)
    )
    server.commit("自封管理员")
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W701", "people/teachers.yaml")


def test_every_install_option_is_documented() -> None:
    from daoshi.cli.hook import install_command

    deploy = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    options = [
        o for p in install_command.params for o in getattr(p, "opts", []) if o.startswith("--")
    ]
    assert options == ["--user-env", "--admin", "--delegate", "--after-push", "--force"]
    for option in options:
        assert f"`{option}" in deploy, option
