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


# 年级细则: the 2025 grade keeps the district's policy but talks monthly, twice, and adds a
# monthly student report; the 2024 grade follows the same policy unchanged
RULES = (
    "grade_policies:\n"
    "  - cohort: 2025\n"
    "    policy: district\n"
    "    obligations:\n"
    "      talk: {every: month, min: 2}\n"
    "      report: {per: student, kind: student-report, every: month}\n"
)


def talk(mentor: str, student: str, day: str) -> str:
    return (
        f'---\nkind: talk\nmentor: {mentor}\nstudent: "{student}"\ndate: {day}\n'
        "areas: [study]\n---\n谈心。\n"
    )


def a_school(root: Path, grades: str = GRADES, more: dict[str, str] | None = None) -> Path:
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
            **(more or {}),
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


def test_a_grade_changes_single_rules_of_its_policy(tmp_path: Path) -> None:
    journal = "semesters/2025-2026-1/journal"
    talks = {
        f"{journal}/T001/0250001/2025-09-10-talk.md": talk("T001", "0250001", "2025-09-10"),
        f"{journal}/T002/0240001/2025-09-10-talk.md": talk("T002", "0240001", "2025-09-10"),
    }
    repo = a_school(tmp_path / "records", RULES, talks)
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 0, out
    code, out = daoshi(tmp_path, "obligations", "--records", str(repo), "--on", "2025-10-15")
    assert code == 0, out
    assert (
        "年级细则：2025级 改为 每生每月至少 2 次谈话记录或家长联系记录"
        "（政策原为 每生每学期至少 1 次谈话记录或家长联系记录）"
    ) in out
    assert "年级细则：2025级 新增 每生每月至少 1 次学生汇报" in out
    assert duties(out, "0250001") == ["家访记录", "谈话记录或家长联系记录", "成长寄语", "学生汇报"]
    rows = [line.split() for line in out.splitlines() if line.startswith("0250001 ")]
    talks_2025 = [row for row in rows if row[3] == "谈话记录或家长联系记录"]
    assert len(talks_2025) == 5  # monthly, September to January
    assert talks_2025[0][-3:] == ["未完成", "1/2", "2025-09-10"]
    # the 2024 grade: the same policy as written, one talk a semester (met by the one talk)
    rows = [line.split() for line in out.splitlines() if line.startswith("0240001 ")]
    assert [row[-3:] for row in rows if row[3] == "谈话记录或家长联系记录"] == [
        ["已完成", "1/1", "2025-09-10"]
    ]
    # the appraisal's 谈心 item counts the talk obligation by its ID: the grade's rule for
    # T001's 2025 mentees (none of 6 monthly checks met), the policy's for T002's
    code, out = daoshi(tmp_path, "appraise", "--records", str(repo), "--today", "2025-10-15")
    assert code == 0, out
    scores = {line.split()[0]: line.split()[3:5] for line in out.splitlines() if line[:2] == "T0"}
    assert scores["T001"] == ["0", "0"]
    assert scores["T002"] == ["0", "35"]


def test_a_grade_s_rules_are_checked_like_a_policy_s(tmp_path: Path) -> None:
    grades = (
        "grade_policies:\n"
        "  - cohort: 2025\n"
        "    policy: district\n"
        "    obligations:\n"
        "      chat: {min: 2}\n"
        "      talk: {min: 2, often: 3}\n"
        "      home-visit: {every: year}\n"
        "  - cohort: 2024\n"
        "    policy: taigu\n"
        "    obligations:\n"
        "      work-plan: {min: 2}\n"
    )
    repo = a_school(tmp_path / "records", grades)
    code, out = daoshi(tmp_path, "validate", str(repo))
    assert code == 1, out
    assert (
        f"{SEM}:16:7: X255 年级细则要改的义务“chat”不在政策 district 中"
        "（可改的学生义务：home-visit、talk、growth-message）；"
        "要新增一项义务，请写全 per、kind 和 every"
    ) in out
    assert (
        f"{SEM}:17:22: X257 年级细则中义务“talk”的“often”不是政策义务可写的项"
        "（可写：also、due、every、kind、max、min、per、where、window）"
    ) in out
    assert (
        f"{SEM}:18:7: X258 年级细则改写后的义务“home-visit”有误："
        "every 应为 week、fortnight、month、round、semester 之一"
    ) in out
    assert (
        f"{SEM}:22:7: X256 义务“work-plan”是导师本人的义务（政策 taigu），"
        "全校统一，年级细则不能改写或新增"
    ) in out


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


def test_the_grade_page_names_the_grade_policy_and_its_rules(tmp_path: Path) -> None:
    import html
    import re

    rules = (
        "    obligations:\n"
        "      talk: {min: 2}\n"
        "      message: {per: student, kind: growth-message, every: semester,"
        " window: {last_weeks: 4}}\n"
    )
    grades = "grade_policies:\n  - cohort: 2025\n    policy: qingpu-exp\n" + rules
    repo = a_school(tmp_path / "records", grades)
    site = tmp_path / "site"
    code, out = daoshi(tmp_path, "build", "--records", str(repo), "-d", str(site))
    assert code == 0, out
    page = (site / "grades" / "2025" / "index.html").read_text("utf-8")
    line = page.split('<p class="daoshi-grade-policy">')[1].split("</p>")[0]
    assert html.unescape(re.sub(r"<[^>]+>", "", line)) == (
        "年级政策：青浦区实验中学。本年级学生的义务（谈话、家长联系等每名学生的义务）按这个政策计算；"
        "导师本人的义务和师生比仍按本学期政策：青浦区“三个一”。"
    )
    # the rules the grade group changed, in words (no field IDs: P901 would stop the build)
    rules = page.split('<div class="daoshi-grade-rules">')[1].split("</div>")[0]
    assert [html.unescape(re.sub(r"<[^>]+>", "", r)) for r in rules.split("<li>")] == [
        "年级细则：年级组拟定、本年级学生的这些义务与年级政策不同",
        "每生每月至少 2 次谈话记录（政策原为每生每月至少 1 次谈话记录）",
        "新增：每生每学期最后 4 周至少 1 次成长寄语",
    ]
    other = (site / "grades" / "2024" / "index.html").read_text("utf-8")
    assert "daoshi-grade-policy" not in other
    assert "daoshi-grade-rules" not in other
