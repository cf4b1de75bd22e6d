"""教师人人是导师 and 1+X, where a policy asks (``settings.every_teacher``, ``key_student``):
the notes of ``daoshi validate`` and the part of ``daoshi obligations``, run as a user runs
them.

    区文件：“学校全体教师原则上都要担任学生导师……暂时不适合做导师的教师，学校要加强培养培训”
    青浦实验中学：“对应的每位科任教师原则上都必须担任学生成长导师”；“1+X”：“每位导师配备一名
    重点帮扶对象以及若干名其他受导学生”
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.handcount import S, cohort_yaml, school_yaml, semester_yaml, write

NOTES = "提示（记录照常使用，考核和站点按设置计算；请核对以下情况）："
TEACHERS = """\
teachers:
  - {id: T001, name: 教师一, email: t001@example.edu.cn}
  - {id: T002, name: 教师二, email: t002@example.edu.cn, classes: [C2025-01]}
  - {id: T003, name: 教师三, email: t003@example.edu.cn, classes: [C2025-01]}
  - {id: T004, name: 教师四, email: t004@example.edu.cn}
  - {id: T005, name: 教师五, email: t005@example.edu.cn, classes: [C2025-01],
     not_mentor: 新入职，培训中}
  - {id: T006, name: 教师六, email: t006@example.edu.cn, classes: [C2025-01],
     left: {date: 2025-08-20}}
"""
PAIRINGS = f"""\
semester: {S}
pairings:
  - {{mentor: T001, students: [S250001, S250002], key_student: S250001}}
  - {{mentor: T002, students: [S250003, S250004]}}
"""

MINE = """\
id: mine
label: {zh: 本校, en: Ours}
help: {zh: 本校, en: Ours}
ratio_cap: 15
obligations: []
"""


def daoshi(*args: str) -> tuple[int, list[str]]:
    """``python -m daoshi ARGS``: the exit code and the lines printed on stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(Path(args[-1]).parent / "cache")},
        check=False,
    )
    return done.returncode, done.stdout.splitlines()


def a_school(root: Path, policy: str) -> None:
    students = {f"S25000{i}": "" for i in range(1, 5)}
    write(
        root,
        {
            "school.yaml": school_yaml(policy),
            "people/teachers.yaml": TEACHERS,
            "people/cohorts/2025.yaml": cohort_yaml(students),
            f"semesters/{S}/semester.yaml": semester_yaml(),
            f"semesters/{S}/pairings.yaml": PAIRINGS,
        },
    )


def notes(lines: list[str]) -> list[str]:
    return lines[lines.index(NOTES) + 1 : -2] if NOTES in lines else []


def test_qingpu_every_teaching_teacher_a_mentor_and_one_key_student_each(tmp_path: Path) -> None:
    """Qingpu-exp: the teachers who teach a class at school (and class teachers) owe mentees;
    T004 teaches no class, T005 is excused for now, T006 left before the semester."""
    root = tmp_path / "records"
    a_school(root, "qingpu-exp")
    pairings = f"{root}/semesters/{S}/pairings.yaml"
    code, lines = daoshi("validate", "--today", "2026-02-01", "--no-cache", str(root))
    assert code == 0, lines
    assert notes(lines) == [
        f"{pairings}:3:3: X225 教师 T003 在 {S} 学期没有受导学生"
        "（政策 qingpu-exp：“教师人人是导师”）",
        f"{pairings}:4:14: X226 导师 T002 在 {S} 学期没有重点帮扶对象（政策 qingpu-exp：“1+X”）",
    ]
    assert lines[-1] == "没有发现问题，另有 2 条提示。"

    code, lines = daoshi(
        "obligations", "--semester", S, "--on", "2026-02-01", "--records", str(root)
    )
    assert code == 0, lines
    settings = lines[1]
    assert "教师人人是导师：每位任教在校班级的教师都应有受导学生" in settings
    assert "“1+X”：每位导师都应有一名重点帮扶对象" in settings
    part = lines[lines.index("教师人人是导师、“1+X”（2 行）") + 1 :]
    assert [line.split() for line in part[:3]] == [
        ["工号", "姓名", "情况", "政策"],
        ["T003", "教师三", "没有受导学生", "qingpu-exp"],
        ["T002", "教师二", "没有重点帮扶对象（1+X）", "qingpu-exp"],
    ]
    # the same facts as notes, located in the pairing table
    assert any("X226 导师 T002" in line for line in part)


def test_district_every_teacher_and_no_key_student_rule(tmp_path: Path) -> None:
    """The district: every teacher at school (T004 too), no 1+X; `--only` prints the part."""
    root = tmp_path / "records"
    a_school(root, "district")
    pairings = f"{root}/semesters/{S}/pairings.yaml"
    code, lines = daoshi("validate", "--today", "2026-02-01", "--no-cache", str(root))
    assert code == 0, lines
    assert [line.split(" X225 ")[1][:7] for line in notes(lines)] == ["教师 T003", "教师 T004"]
    assert all(line.startswith(f"{pairings}:3:3: X225 ") for line in notes(lines))

    code, lines = daoshi(
        "obligations", "--on", "2026-02-01", "--only", "staffing", "--records", str(root)
    )
    assert code == 0, lines
    assert "每位在校教师都应有受导学生" in lines[1] and "1+X" not in lines[1]
    assert [line.split()[:3] for line in lines[3:]] == [
        ["教师人人是导师、“1+X”（2", "行）"],
        ["工号", "姓名", "情况"],
        ["T003", "教师三", "没有受导学生"],
        ["T004", "教师四", "没有受导学生"],
    ]


@pytest.mark.parametrize(
    ("settings", "reported"),
    [("every_teacher: none, key_student: optional", []), ("every_teacher: teaching", ["T003"])],
)
def test_a_school_policy_decides(tmp_path: Path, settings: str, reported: list[str]) -> None:
    """A school's own policy file decides: off (and optional) reports nothing and the
    obligations report has no such part; teaching reports T003 (T004 teaches no class).
    ``off`` is no choice: YAML 1.1 reads it as false (F014), so the word is ``none``."""
    root = tmp_path / "records"
    a_school(root, "mine")
    write(
        root,
        {"forms/policies/mine.yaml": f"{MINE}settings: {{{settings}}}\n"},
    )
    code, lines = daoshi("validate", "--today", "2026-02-01", "--no-cache", str(root))
    assert code == 0, lines
    assert [line.split(" X225 教师 ")[1][:4] for line in notes(lines)] == reported
    code, lines = daoshi("obligations", "--on", "2026-02-01", "--records", str(root))
    assert code == 0, lines
    part = [line for line in lines if line.startswith("教师人人是导师、“1+X”")]
    assert part == ([f"教师人人是导师、“1+X”（{len(reported)} 行）"] if reported else [])


def test_a_bad_setting_is_located(tmp_path: Path) -> None:
    root = tmp_path / "records"
    a_school(root, "mine")
    write(
        root,
        {"forms/policies/mine.yaml": f"{MINE}settings: {{every_teacher: everyone}}\n"},
    )
    code, lines = daoshi("obligations", "--on", "2026-02-01", "--records", str(root))
    assert code == 1
    assert f"{root}/forms/policies/mine.yaml:1:1: A505 政策 mine 的设置有误：" in "\n".join(lines)
    assert "settings.every_teacher 应为 none | all | teaching" in "\n".join(lines)


def test_the_pairing_page_names_them(tmp_path: Path) -> None:
    """The semester's pairing page (where 没有导师 N 人 is shown) names the teachers who mentor
    nobody and the mentors with no key student, in the school leaders' site."""
    import html
    import re

    root = tmp_path / "records"
    a_school(root, "qingpu-exp")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", "build", "--records", str(root), "-d", str(site)],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    page = (site / "pairings" / S / "index.html").read_text("utf-8")
    block = page.split('<ul class="daoshi-staffing">')[1].split("</ul>")[0]
    items = re.findall(r"<li>(.*?)</li>", block, flags=re.DOTALL)
    assert [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items] == [
        "没有受导学生的教师 1 人：教师三（T003）",
        "没有重点帮扶对象的导师 1 人：教师二（T002）",
    ]
    # and on the mentor's own page, among the mentor's own to-dos (本人)
    t002 = (site / "mentors" / "T002" / "index.html").read_text("utf-8")
    mine = t002.split("<strong>本人</strong>")[1].split("</ul>")[0]
    assert "对接表中没有重点帮扶对象" in mine and "“1+X”，每位导师配备一名重点帮扶对象" in mine
    t001 = (site / "mentors" / "T001" / "index.html").read_text("utf-8")
    assert "没有重点帮扶对象" not in t001
