"""The semester's parent reception days (家长接待日, ``reception_days`` in
``forms/files/semester.yaml``) and a parent contact made on one (``channel: reception_day``),
run as a user runs daoshi: validated against the schedule, shown on the mentor's page.

    青浦实验中学：“建立定期受导学生家长接待日和不定期的家访、电话联络制度”
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, semester_yaml, teachers_yaml, write
from tests.test_family_meeting import daoshi

RECEPTION = """\
reception_days:
  - {date: 2025-10-17, time: "15:30–17:00", place: 各导师办公室}
  - {date: 2025-11-21}
"""
CONTACT = f"semesters/{S}/journal/T001/S250001/2025-10-17-parent-contact.md"
LATE = f"semesters/{S}/journal/T001/S250001/2025-10-24-parent-contact.md"
CHECK = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")


def contact(day: str) -> str:
    return (
        f"---\nkind: parent-contact\nmentor: T001\nstudent: S250001\ndate: {day}\n"
        "relation: mother\nchannel: reception_day\ninitiated_by: parent\n---\n"
        "家长在接待日来校，问了孩子最近的学习情况。\n"
    )


def school(root: Path) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("qingpu-exp"),
            "people/teachers.yaml": teachers_yaml("T001", "T002"),
            "people/cohorts/2025.yaml": cohort_yaml({"S250001": "", "S250002": ""}),
            f"semesters/{S}/semester.yaml": semester_yaml(RECEPTION),
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001], key_student: S250001}\n"
            "  - {mentor: T002, students: [S250002], key_student: S250002}\n",
        },
    )


def test_a_reception_day_contact_is_checked_against_the_schedule(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root)
    write(root, {CONTACT: contact("2025-10-17"), LATE: contact("2025-10-24")})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{LATE}:7:10: X238 2025-10-24 不是本学期的家长接待日"
        "（学期日程中的接待日：2025-10-17、2025-11-21）：请改选其他联系方式，"
        "或请管理员在学期日程中加上这一天",
    ]
    (root / LATE).unlink()
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert (code, out) == (0, "")


def test_the_mentor_page_shows_the_reception_days(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root)
    write(root, {CONTACT: contact("2025-10-17")})
    code, out = daoshi(
        "build", "--records", "records", "-d", "t001", "--audience", "T001", cwd=tmp_path
    )
    assert code == 0, out
    html = (tmp_path / "t001/mentors/T001/index.html").read_text("utf-8")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "家长接待日 ：2025年10月17日 15:30–17:00（各导师办公室）；2025年11月21日" in page
    student = (tmp_path / "t001/students/S250001/index.html").read_text("utf-8")
    assert "联系方式" in student and "家长接待日" in student
