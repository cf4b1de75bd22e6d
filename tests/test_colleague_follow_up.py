"""The mentor's talk with the class and subject teachers about a mentee (与任课教师沟通,
``forms/kinds/colleague-follow-up.yaml``), run as a user runs daoshi: written with
``daoshi new``, validated (the colleagues are teachers, not the mentor), shown on the
student's page; a colleague sees it only where the access matrix already lets them.

    太谷二中：“经常与受导学生班主任、科任教师沟通与交流”
    青浦实验中学：“导师应主动与受导对象的班主任及科任老师沟通交流……协同老师们及时进行干预、帮扶”
"""

from __future__ import annotations

from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, write
from tests.test_family_meeting import _text, daoshi

RECORD = f"semesters/{S}/journal/T001/S250001/2025-10-20-colleague-follow-up.md"
TEACHERS = """\
teachers:
  - {id: T001, name: 吴导师, email: t001@example.edu.cn}
  - {id: T002, name: 郑班主任, email: t002@example.edu.cn}
  - {id: T003, name: 王数学, email: t003@example.edu.cn}
"""
SEMESTER = f"""\
id: {S}
start: 2025-09-01
end: 2026-01-20
classes:
  - class: C2025-01
    class_teacher: T002
"""
BODY = "数学老师说近来课堂练习错得多，班主任反映作业能按时交。"
PLAN = "数学老师课后每周辅导一次"
CHECK = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")


def school(root: Path) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("qingpu-exp"),
            "people/teachers.yaml": TEACHERS,
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 4)}),
            f"semesters/{S}/semester.yaml": SEMESTER,
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001], key_student: S250001}\n"
            "  - {mentor: T002, students: [S250002], key_student: S250002}\n"
            "  - {mentor: T003, students: [S250003], key_student: S250003}\n",
        },
    )


def test_written_validated_and_shown_within_the_matrix(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root)
    argv = ("--student", "S250001", "--date", "2025-10-20", "--records", "records")
    code, out = daoshi("new", "colleague-follow-up", *argv, cwd=tmp_path)
    assert code == 0, out
    assert out.strip() == f"records/{RECORD}"
    text = (root / RECORD).read_text("utf-8")
    assert "# 沟通的教师（必填）" in text and "# 协同干预和帮扶（选填）" in text

    head = "---\nkind: colleague-follow-up\nmentor: T001\nstudent: S250001\ndate: 2025-10-20\n"
    write(root, {RECORD: head + "colleagues: [T002, T009, T001]\n---\n" + BODY + "\n"})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{RECORD}:6:20: X202 未知的教师工号“T009”",
        f"records/{RECORD}:6:26: X237 沟通的教师 T001 是写这份记录的导师本人："
        "请写与之沟通的班主任或科任教师",
    ]
    fields = f"colleagues: [T002, T003]\ntopics: [study, habits]\nintervention: {PLAN}\n"
    write(root, {RECORD: head + fields + "---\n" + BODY + "\n"})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert (code, out) == (0, "")

    # the leaders: on the student's page, the colleagues by name
    code, out = daoshi("build", "--records", "records", "-d", "leader", cwd=tmp_path)
    assert code == 0, out
    page = _text((tmp_path / "leader/students/S250001/index.html").read_text("utf-8"))
    assert "与任课教师沟通" in page and "郑班主任、王数学" in page
    assert BODY in page and PLAN in page and "学业状况、行为习惯" in page
    assert "T002、T003" not in page

    # the class teacher (T002) sees his class's records at the confidential level
    code, out = daoshi(
        "build", "--records", "records", "-d", "ct", "--audience", "T002", cwd=tmp_path
    )
    assert code == 0, out
    page = _text((tmp_path / "ct/students/S250001/index.html").read_text("utf-8"))
    assert "与任课教师沟通" in page and BODY in page and PLAN in page

    # the subject teacher (T003) was consulted but is not in S250001's team: named in the
    # record, he is given no view of it nor of the student
    code, out = daoshi(
        "build", "--records", "records", "-d", "subject", "--audience", "T003", cwd=tmp_path
    )
    assert code == 0, out
    subject = tmp_path / "subject"
    assert not (subject / "students/S250001").exists()
    pages = [p for p in subject.rglob("*.*") if "kinds" not in p.parts]
    everything = "".join(p.read_text("utf-8", errors="replace") for p in pages)
    assert BODY not in everything and PLAN not in everything
