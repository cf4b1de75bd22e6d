"""青浦实验中学：“各年级组成立……工作小组，负责拟定具有年级特色的管理细则要求”: a semester
gives a grade (cohort) its own policy for its students' obligations (semester.yaml
``grade_policies``); the mentors' own obligations and the ratio cap stay on the semester's
policies. Run as a user runs ``daoshi``, in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.test_roster import PAIRINGS, SEMESTER, make_repo

C2024 = """\
cohort: 2024
classes:
  - id: C2024-01
    number: 1
students:
  - id: "0240001"
    name: 孙丽
    gender: female
    class: C2024-01
"""
SEM = "semesters/2025-2026-1/semester.yaml"
GRADES = "grade_policies:\n  - {cohort: 2025, policy: qingpu-exp}\n"


def a_school(root: Path, grades: str = GRADES) -> Path:
    semester = SEMESTER.replace(
        "classes:\n", "classes:\n  - class: C2024-01\n    class_teacher: T002\n"
    )
    return make_repo(
        root,
        {
            "people/cohorts/2024.yaml": C2024,
            SEM: semester + grades,
            "semesters/2025-2026-1/pairings.yaml": PAIRINGS
            + '  - mentor: T002\n    students: ["0240001"]\n',
        },
    )


def daoshi(tmp_path: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def duties(out: str, student: str) -> list[str]:
    """The obligations of a student's rows in the report, in order, once each."""
    rows = [line.split() for line in out.splitlines() if line.startswith(student + " ")]
    return list(dict.fromkeys(row[3] for row in rows))


def test_a_grade_follows_its_own_policy(tmp_path: Path) -> None:
    repo = a_school(tmp_path / "records")
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 0, out
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-10-15")
    assert code == 0, out
    assert "年级政策：2025级学生的义务按 青浦区实验中学（qingpu-exp）" in out
    assert (
        "其他年级的学生义务、导师本人的义务和师生比按本学期政策 青浦区“三个一”（district）" in out
    )
    # 2025 级: Qingpu-exp's monthly talk and student report, a home visit each semester
    assert duties(out, "0250001") == ["谈话记录", "学生汇报", "家访记录"]
    rows = [line.split() for line in out.splitlines() if line.startswith("0250001 ")]
    assert sum(1 for row in rows if row[3] == "谈话记录") == 5  # September to January
    # 2024 级: the semester's (district) obligations
    assert duties(out, "0240001") == ["家访记录", "谈话记录或家长联系记录", "成长寄语"]


def test_without_grade_policies_every_grade_follows_the_semester(tmp_path: Path) -> None:
    repo = a_school(tmp_path / "records", grades="")
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-10-15")
    assert code == 0, out
    assert "年级政策" not in out
    assert duties(out, "0250001") == duties(out, "0240001")


def test_an_unknown_grade_or_policy_is_located(tmp_path: Path) -> None:
    grades = (
        "grade_policies:\n"
        "  - {cohort: 2023, policy: qingpu-exp}\n"
        "  - {cohort: 2025, policy: nowhere}\n"
    )
    repo = a_school(tmp_path / "records", grades)
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 1, out
    assert (
        f"{SEM}:13:14: X254 年级政策中的入学年份 2023 不是本学期的年级，或写了两次"
        "（本学期的年级：2024、2025）"
    ) in out
    assert (
        f"{SEM}:14:28: X205 未知的政策“nowhere”，可用：district, qingpu-exp, taigu, zaozhuang"
    ) in out


def test_the_grade_page_names_the_grade_policy(tmp_path: Path) -> None:
    import html
    import re

    repo = a_school(tmp_path / "records")
    site = tmp_path / "site"
    code, out = daoshi(tmp_path, "build", "--records", str(repo), "-d", str(site))
    assert code == 0, out
    page = (site / "grades" / "2025" / "index.html").read_text("utf-8")
    line = page.split('<p class="daoshi-grade-policy">')[1].split("</p>")[0]
    assert html.unescape(re.sub(r"<[^>]+>", "", line)) == (
        "年级政策：青浦区实验中学。本年级学生的义务（谈话、家长联系等每名学生的义务）按这个政策计算；"
        "导师本人的义务和师生比仍按本学期政策：青浦区“三个一”。"
    )
    assert "daoshi-grade-policy" not in (site / "grades" / "2024" / "index.html").read_text("utf-8")
