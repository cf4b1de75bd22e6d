"""The student–parent meeting (师生家长座谈, ``forms/kinds/family-meeting.yaml``), run as a
user runs daoshi: written with ``daoshi new``, validated, counted by Taigu's per-round duty,
and shown on the site within the access matrix.

    太谷二中 工作程序：“组织导师与学生、家长座谈活动，互相介绍、互相了解，形成初步的密切关系”；
    “导师每轮至少要有一次与学生的座谈或相关集体指导活动”
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, semester_yaml, write

MEETING = f"semesters/{S}/journal/T001/group/2025-10-15-family-meeting.md"
ROUNDS = """\
rounds:
  - {number: 1, start: 2025-09-01, end: 2025-10-31}
  - {number: 2, start: 2025-11-01, end: 2026-01-20}
"""
TEACHERS = """\
teachers:
  - {id: T001, name: 教师一, email: t001@example.edu.cn}
  - {id: T002, name: 教师二, email: t002@example.edu.cn}
  - {id: T003, name: 教师三, email: t003@example.edu.cn, roles: [psych], not_mentor: 专职心理教师}
"""
THEME = "互相认识，说说新学期的打算"
BODY = "两名学生和三位家长到场，互相介绍，家长说了孩子在家的学习习惯，约定每月沟通一次。"
PARENTS = "S250001 的母亲、S250002 的父亲和母亲"


def daoshi(*args: str, cwd: Path) -> tuple[int, str]:
    """``python -m daoshi ARGS`` in ``cwd``: the exit code and what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "XDG_CACHE_HOME": str(cwd / "cache")},
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def taigu_school(root: Path) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("taigu"),
            "people/teachers.yaml": TEACHERS,
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 5)}),
            f"semesters/{S}/semester.yaml": semester_yaml(ROUNDS),
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001, S250002]}\n"
            "  - {mentor: T002, students: [S250003, S250004]}\n",
            # S250001 is in the psychological teacher's scope (情绪问题)
            f"semesters/{S}/screening.yaml": f"semester: {S}\nstudents:\n"
            "  - {student: S250001, categories: [emotional], proposed_by: T001, decided: true}\n",
        },
    )


def test_written_validated_and_counted_for_the_round(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    argv = ("--student", "S250001", "--student", "S250002", "--date", "2025-10-15")
    code, out = daoshi("new", "family-meeting", *argv, "--records", "records", cwd=tmp_path)
    assert code == 0, out
    assert out.strip() == f"records/{MEETING}"
    text = (root / MEETING).read_text("utf-8")
    assert "participants: [S250001, S250002]" in text
    assert "# 座谈主题（必填）" in text and "# 到场家长人数（选填）" in text

    # as written by `new`, the theme and the record are still to be filled in
    check = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")
    code, out = daoshi(*check, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{MEETING}:8:7: R102 缺少必填字段“座谈主题”（theme）",
        f"records/{MEETING}:18:1: R109 正文“座谈记录”不能为空",
    ]
    filled = text.replace("theme:\n", f"theme: {THEME}\n")
    filled = filled.replace("parents_present:\n", "parents_present: 3\n")
    filled = filled.replace("parents:\n", f"parents: {PARENTS}\n")
    (root / MEETING).write_text(filled.rsplit("---\n", 1)[0] + f"---\n{BODY}\n", "utf-8")
    code, out = daoshi(*check, cwd=tmp_path)
    assert (code, out) == (0, "")

    # Taigu: a 座谈 with students and parents is that round's 座谈 (also: [family-meeting])
    code, out = daoshi(
        "obligations",
        "--records",
        "records",
        "--on",
        "2026-02-01",
        "--only",
        "mentors",
        cwd=tmp_path,
    )
    assert code == 0, out
    t001 = next(line for line in out.splitlines() if line.startswith("T001"))
    t002 = next(line for line in out.splitlines() if line.startswith("T002"))
    assert "阶段活动记录或师生家长座谈 第1轮 已完成" in t001
    assert "阶段活动记录或师生家长座谈 第1轮 未完成" in t002


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_shown_on_the_pages_that_concern_it_within_the_access_matrix(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(
        root,
        {
            MEETING: "---\nkind: family-meeting\nmentor: T001\n"
            "participants: [S250001, S250002]\ndate: 2025-10-15\n"
            f"theme: {THEME}\nparents_present: 3\nparents: {PARENTS}\n---\n{BODY}\n"
        },
    )
    code, out = daoshi("build", "--records", "records", "-d", "leader", cwd=tmp_path)
    assert code == 0, out
    leader = tmp_path / "leader"
    for page in ("students/S250001", "students/S250002", "mentors/T001"):
        shown = _text((leader / page / "index.html").read_text("utf-8"))
        assert "师生家长座谈" in shown and THEME in shown and BODY in shown, page
        assert PARENTS in shown, page
    assert "带领的集体活动和座谈" in _text((leader / "mentors/T001/index.html").read_text("utf-8"))
    assert THEME not in (leader / "students/S250003/index.html").read_text("utf-8")

    # the psychological teacher sees S250001 (情绪问题) at the staff level: the meeting, its
    # theme and headcount, but not the parents nor the record (mentor_team)
    code, out = daoshi(
        "build", "--records", "records", "-d", "psych", "--audience", "T003", cwd=tmp_path
    )
    assert code == 0, out
    psych = tmp_path / "psych"
    page = _text((psych / "students/S250001/index.html").read_text("utf-8"))
    assert "师生家长座谈" in page and THEME in page
    assert BODY not in page and PARENTS not in page
    everything = "".join(p.read_text("utf-8", errors="replace") for p in psych.rglob("*.*"))
    assert BODY not in everything and PARENTS not in everything
    assert not (psych / "students/S250002").exists()  # not in the psychological teacher's scope
