"""The school case meeting (个案分析会, ``forms/kinds/case-meeting.yaml``) as ONE record by
its organiser with its attendees, run as a user runs daoshi: validated, counted for each
attendee by Zaozhuang's monthly case-meeting duty (a mentor's own case analysis still
counts too), and shown on each attendee's page, not on others'.

    枣庄：“学校每月集中组织导师进行个案分析，个案分析做到有主题、有案例、有剖析，并提出诊断方案”
    区文件：“建立‘导师团’集体教研制度，进行案例研讨，形成经验”
"""

from __future__ import annotations

from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, semester_yaml, write
from tests.test_family_meeting import _text, daoshi

MEETING = f"semesters/{S}/journal/T005/self/2025-10-30-case-meeting.md"
ANALYSIS = f"semesters/{S}/journal/T003/S250003/2025-10-16-case-analysis.md"
TEACHERS = """\
teachers:
  - {id: T001, name: 教师一, email: t001@example.edu.cn}
  - {id: T002, name: 教师二, email: t002@example.edu.cn}
  - {id: T003, name: 教师三, email: t003@example.edu.cn}
  - {id: T004, name: 教师四, email: t004@example.edu.cn}
  - id: T005
    name: 德育主任
    email: t005@example.edu.cn
    roles: [moral_office]
    not_mentor: 德育处
"""
THEME = "后进生转化的三个办法"
MINUTES = "三位导师各介绍了一个案例，一起分析原因，商定诊断方案。"
CHECK = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")


def meeting(attendees: str) -> str:
    return (
        f"---\nkind: case-meeting\nmentor: T005\ndate: 2025-10-30\nattending: {attendees}\n"
        f"theme: {THEME}\ncases: 3\n---\n{MINUTES}\n"
    )


def zaozhuang_school(root: Path) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("zaozhuang"),
            "people/teachers.yaml": TEACHERS,
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 5)}),
            f"semesters/{S}/semester.yaml": semester_yaml(),
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001]}\n"
            "  - {mentor: T002, students: [S250002]}\n"
            "  - {mentor: T003, students: [S250003]}\n"
            "  - {mentor: T004, students: [S250004]}\n",
            # T003 did not come, but wrote a case analysis of his own that month
            ANALYSIS: "---\nkind: case-analysis\nmentor: T003\nstudent: S250003\n"
            "date: 2025-10-16\ntheme: 厌学情绪\ncase_summary: 作业常常不交\n---\n原因分析。\n",
        },
    )


def test_one_record_counted_for_each_attendee(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root)
    code, out = daoshi(
        "new",
        "case-meeting",
        "--mentor",
        "T005",
        "--date",
        "2025-10-30",
        "--records",
        "records",
        cwd=tmp_path,
    )
    assert code == 0, out
    assert out.strip() == f"records/{MEETING}"
    assert "# 参加的导师（必填）" in (root / MEETING).read_text("utf-8")

    write(root, {MEETING: meeting("[T001, T009, T001]")})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{MEETING}:5:19: X202 未知的教师工号“T009”",
        f"records/{MEETING}:5:25: X217 “T001”在同一列表中出现了两次",
    ]
    write(root, {MEETING: meeting("[T001, T002]")})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert (code, out) == (0, "")

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
    october = {
        line.split()[0]: line
        for line in out.splitlines()
        if line.startswith("T00") and "10月" in line and "个案分析" in line
    }
    assert "已完成" in october["T001"] and "已完成" in october["T002"]  # they attended
    assert "已完成" in october["T003"]  # his own case analysis, as before
    assert "未完成" in october["T004"]  # neither
    assert "T005" not in october  # the organiser mentors no one


def test_shown_on_each_attendees_page(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root)
    write(root, {MEETING: meeting("[T001, T002]")})
    for audience in ("leader", "T001", "T004"):
        code, out = daoshi(
            "build",
            "--records",
            "records",
            "-d",
            audience.lower(),
            "--audience",
            audience,
            cwd=tmp_path,
        )
        assert code == 0, out
    leader = tmp_path / "leader"
    for teacher in ("T001", "T002"):
        page = _text((leader / f"mentors/{teacher}/index.html").read_text("utf-8"))
        assert "个案分析会" in page and THEME in page and MINUTES in page, teacher
        assert "组织者 德育主任" in page and "教师一、教师二" in page
    assert THEME not in (leader / "mentors/T003/index.html").read_text("utf-8")
    page = _text((tmp_path / "t001/mentors/T001/index.html").read_text("utf-8"))
    assert THEME in page and MINUTES in page
    # a mentor who did not attend: not in his site at all
    t004 = tmp_path / "t004"
    everything = "".join(p.read_text("utf-8", errors="replace") for p in t004.rglob("*.*"))
    assert THEME not in everything and MINUTES not in everything
