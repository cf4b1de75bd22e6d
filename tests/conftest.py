"""Shared fixtures: a minimal valid records repository and a way to run ``daoshi validate``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.messages import set_language

TODAY = "2026-11-25"
SEMESTER = "semesters/2025-2026-1"
TALK = f"{SEMESTER}/journal/T001/S250001/2025-10-12-talk.md"

MINIMAL: dict[str, str] = {
    "school.yaml": """\
id: test-school
name: 测试中学
stage: junior
timezone: Asia/Shanghai
policies: [district]
exam_ranking: false
""",
    "people/teachers.yaml": """\
teachers:
  - id: T001
    name: 张老师
    email: t001@example.edu.cn
  - id: T002
    name: 李老师
    email: t002@example.edu.cn
  - id: T003
    name: 王老师
    email: t003@example.edu.cn
    not_mentor: 新入职，参加导师培训中
""",
    "people/cohorts/2025.yaml": """\
cohort: 2025
classes:
  - id: C2025-01
    number: 1
students:
  - id: S250001
    name: 学生甲
    class: C2025-01
  - id: S250002
    name: 学生乙
    class: C2025-01
  - id: S250003
    name: 学生丙
    class: C2025-01
  - id: S250004
    name: 学生丁
    class: C2025-01
""",
    f"{SEMESTER}/semester.yaml": """\
id: 2025-2026-1
start: 2025-09-01
end: 2026-01-20
classes:
  - class: C2025-01
    class_teacher: T001
""",
    f"{SEMESTER}/pairings.yaml": """\
semester: 2025-2026-1
pairings:
  - mentor: T001
    students: [S250001, S250002]
    key_student: S250001
  - mentor: T002
    students: [S250003, S250004]
""",
    TALK: """\
---
kind: talk
mentor: T001
student: S250001
date: 2025-10-12
areas: [study, psych]
occasion: exam
---
期中考试后谈心，学生对数学成绩不满意。
""",
}

SUMMARY_OK = "已检查 6 个文件：1 个学期，3 名教师，4 名学生，1 份记录（谈话记录 1）。"


@dataclass
class School:
    """A records repository in a temporary folder, and the CLI run over it."""

    root: Path

    def path(self, rel: str) -> str:
        """The path as ``daoshi validate`` prints it."""
        return f"{self.root}/{rel}"

    def write(self, rel: str, content: str | bytes) -> Path:
        """Write (or overwrite) a file of the repository; folders are created."""
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))
        return target

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def validate(
        self, *args: str, cache: bool = False, today: str = TODAY
    ) -> tuple[int, list[str]]:
        """Run ``daoshi validate ROOT --today 2026-11-25 --no-cache *args``.

        ``cache=True`` drops ``--no-cache``. Returns the exit code and stdout's lines
        (stderr, where progress and the forms-error count go, is kept apart).
        """
        argv = ["validate", str(self.root), "--today", today, *args]
        if not cache:
            argv.append("--no-cache")
        try:
            result = CliRunner().invoke(main, argv, catch_exceptions=False)
        finally:
            set_language("zh")  # the CLI sets the language for the whole process
        return result.exit_code, result.stdout.splitlines()


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> School:
    """A minimal valid records tree: 3 teachers (T003 not a mentor for now), 4 students, one
    semester, one talk."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DAOSHI_RECORDS", raising=False)
    root = tmp_path / "records"
    repo = School(root)
    for rel, text in MINIMAL.items():
        repo.write(rel, text)
    return repo
