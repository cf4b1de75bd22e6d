"""A class teacher who is not the student's mentor records his own parent contact or home
visit, run as a user runs daoshi: written with ``daoshi new``, validated, let through the
push rule (write ≤ read: only the kinds the class-teacher role sees whole), shown with who
wrote it, and counted for the class teacher, not for the mentor.

    区文件：“原则上限定由班主任和导师开展学生家访和家校沟通工作，并主要由导师开展家校沟通”
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, teachers_yaml, write
from tests.test_family_meeting import daoshi

SEMESTER = f"""\
id: {S}
start: 2025-09-01
end: 2026-01-20
classes:
  - class: C2025-01
    class_teacher: T002
"""
OWN = f"semesters/{S}/journal/T002/S250001"
CONTACT = f"{OWN}/2025-10-20-parent-contact.md"
VISIT = f"{OWN}/2025-10-25-home-visit.md"
TALK = f"{OWN}/2025-10-21-talk.md"
STRANGER = f"semesters/{S}/journal/T003/S250001/2025-10-20-parent-contact.md"
BODY = "班主任给家长打电话，说了孩子这周在班里的表现。"
CHECK = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")


def school(root: Path) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("district"),
            "people/teachers.yaml": teachers_yaml("T001", "T002", "T003"),
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 4)}),
            f"semesters/{S}/semester.yaml": SEMESTER,
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001]}\n"
            "  - {mentor: T002, students: [S250002]}\n"
            "  - {mentor: T003, students: [S250003]}\n",
        },
    )


def contact(teacher: str) -> str:
    return (
        f"---\nkind: parent-contact\nmentor: {teacher}\nstudent: S250001\ndate: 2025-10-20\n"
        f"relation: mother\nchannel: phone\n---\n{BODY}\n"
    )


VISIT_TEXT = (
    "---\nkind: home-visit\nmentor: T002\nstudent: S250001\ndate: 2025-10-25\n"
    "mode: in_person\ntheme: 了解在家学习\nattendees: [班主任, 母亲, 学生]\n"
    "---\n班主任上门家访，看了孩子的学习环境。\n"
)


def test_the_class_teacher_writes_his_own_contact_and_visit(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root)
    argv = ("--student", "S250001", "--date", "2025-10-20", "--records", "records")
    code, out = daoshi("new", "parent-contact", *argv, "--mentor", "T002", cwd=tmp_path)
    assert code == 0, out
    assert out.strip() == f"records/{CONTACT}"
    code, out = daoshi("new", "talk", *argv, "--mentor", "T002", cwd=tmp_path)
    assert code != 0 and "不是 T002 的受导学生" in out  # a talk stays the mentor's

    write(
        root,
        {
            CONTACT: contact("T002"),
            VISIT: VISIT_TEXT,
            STRANGER: contact("T003"),
            TALK: "---\nkind: talk\nmentor: T002\nstudent: S250001\ndate: 2025-10-21\n"
            "areas: [study]\n---\n谈心。\n",
        },
    )
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{TALK}:4:10: X209 学生 S250001 不是导师 T002 在 {S} 学期的受导学生",
        f"records/{STRANGER}:4:10: X209 学生 S250001 不是导师 T003 在 {S} 学期的受导学生",
    ]
    (root / STRANGER).unlink()
    (root / TALK).unlink()
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert (code, out) == (0, "")

    # counted for the class teacher, not for the mentor: T001 still owes the home visit
    # and the talk (or parent contact) of the 三个一
    code, out = daoshi(
        "obligations",
        "--records",
        "records",
        "--on",
        "2026-02-01",
        "--only",
        "students",
        cwd=tmp_path,
    )
    assert code == 0, out
    rows = [line.split() for line in out.splitlines() if line.startswith("S250001")]
    assert rows and all("未完成" in row for row in rows), out

    # the leaders' student page says who wrote it
    code, out = daoshi("build", "--records", "records", "-d", "leader", cwd=tmp_path)
    assert code == 0, out
    html = (tmp_path / "leader/students/S250001/index.html").read_text("utf-8")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "班主任 教师2" in page and BODY in page


def test_the_push_rule_lets_the_class_teacher_add_only_these_kinds(tmp_path: Path) -> None:
    from daoshi.access import write_problem
    from daoshi.records.validate import load

    root = tmp_path / "records"
    school(root)
    write(root, {CONTACT: contact("T002"), VISIT: VISIT_TEXT})
    model = load(root, today=dt.date(2026, 2, 1))
    closed: frozenset[str] = frozenset()
    assert write_problem(model, "T002", "A", CONTACT, closed) is None
    assert write_problem(model, "T002", "A", VISIT, closed) is None
    for path in (TALK, f"{OWN}/2025-10-22-growth-message.md"):
        found = write_problem(model, "T002", "A", path, closed)
        assert found is not None and found.code == "W704", path
    # a teacher who is neither the mentor nor the class teacher: refused as before
    found = write_problem(model, "T003", "A", STRANGER, closed)
    assert found is not None and found.code == "W704"
