"""The growth portfolio's monthly record (成长记录, ``forms/kinds/progress.yaml``), run as a
user runs daoshi: written with ``daoshi new``, validated (never an exam rank where the
school does not rank), counted by Zaozhuang's monthly duty, shown on the student page as
a month-by-month series within the access matrix.

    枣庄：“对学生每月的表现及每次考试成绩逐一记录，分析对照”
    区文件：“初、高中学校不得对考试、测验成绩进行排名，可采用百分比区间等形式”
"""

from __future__ import annotations

from pathlib import Path

from tests.handcount import S, cohort_yaml, school_yaml, semester_yaml, write
from tests.test_family_meeting import _text, daoshi

OCT = f"semesters/{S}/journal/T001/S250001/2025-10-28-progress.md"
NOV = f"semesters/{S}/journal/T001/S250001/2025-11-27-progress.md"
DEC = f"semesters/{S}/journal/T001/S250001/2025-12-26-progress.md"
TEACHERS = """\
teachers:
  - {id: T001, name: 教师一, email: t001@example.edu.cn}
  - {id: T002, name: 教师二, email: t002@example.edu.cn}
  - {id: T003, name: 教师三, email: t003@example.edu.cn, roles: [psych], not_mentor: 专职心理教师}
"""
CONDUCT = "本月作业都按时交了，上课举手三次"
ANALYSIS = "对照九月，错题整理坚持下来了，数学进步明显"
CHECK = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")


def progress(day: str, conduct: str, extra: str = "", body: str = "") -> str:
    return (
        f"---\nkind: progress\nmentor: T001\nstudent: S250001\ndate: {day}\n"
        f"conduct: {conduct}\n{extra}---\n{body}\n"
    )


def zaozhuang_school(root: Path, exam_ranking: bool = False) -> None:
    write(
        root,
        {
            "school.yaml": school_yaml("zaozhuang", exam_ranking),
            "people/teachers.yaml": TEACHERS,
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 3)}),
            f"semesters/{S}/semester.yaml": semester_yaml(),
            f"semesters/{S}/pairings.yaml": f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001]}\n"
            "  - {mentor: T002, students: [S250002]}\n",
            # S250001 is in the psychological teacher's scope (情绪问题), at the staff level
            f"semesters/{S}/screening.yaml": f"semester: {S}\nstudents:\n"
            "  - {student: S250001, categories: [emotional], proposed_by: T001, decided: true}\n",
        },
    )


def test_written_validated_never_ranked_and_counted_monthly(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root)
    argv = ("--student", "S250001", "--date", "2025-10-28", "--records", "records")
    code, out = daoshi("new", "progress", *argv, cwd=tmp_path)
    assert code == 0, out
    assert out.strip() == f"records/{OCT}"
    text = (root / OCT).read_text("utf-8")
    assert "# 本月表现（必填）" in text and "# 成绩区间（选填）" in text

    # a rank in a school that does not rank, an exam without its result: both located
    write(
        root,
        {
            OCT: progress("2025-10-28", CONDUCT, "exam: 期中考试\nclass_rank: 12\n"),
            NOV: progress("2025-11-27", CONDUCT, "exam: 十一月月考\n"),
        },
    )
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{OCT}:8:13: X235 本校不按考试成绩排名（学校设置中“允许按考试排名”为否），"
        "不能记“班级名次”：请改记“成绩区间”（区文件：“不得对考试、测验成绩进行排名，"
        "可采用百分比区间等形式”）",
        f"records/{NOV}:7:7: X236 考试名称和考试成绩要一起写：写了考试就写成绩区间，"
        "写了成绩就写是哪次考试",
    ]
    # a school that chose Zaozhuang's rank rule (exam_ranking: true) may write the rank
    write(root, {"school.yaml": school_yaml("zaozhuang", True)})
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert out.splitlines() == [line for line in out.splitlines() if "X236" in line]
    write(root, {"school.yaml": school_yaml("zaozhuang", False)})

    write(
        root,
        {
            OCT: progress("2025-10-28", CONDUCT, "exam: 期中考试\nband: p30_50\n"),
            NOV: progress("2025-11-27", "情绪稳定", "change: up\n"),
        },
    )
    code, out = daoshi(*CHECK, cwd=tmp_path)
    assert (code, out) == (0, "")

    # Zaozhuang: one progress record per mentee per month
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
    rows = [line.split() for line in out.splitlines() if "成长记录" in line.split()]
    status = {"已完成", "未完成"}
    s1 = {row[4].split("（")[0]: (set(row) & status).pop() for row in rows if row[0] == "S250001"}
    assert s1 == {
        "9月": "未完成",
        "10月": "已完成",
        "11月": "已完成",
        "12月": "未完成",
        "1月": "未完成",
    }
    assert {(set(row) & status).pop() for row in rows if row[0] == "S250002"} == {"未完成"}


def test_the_student_page_compares_month_by_month(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root)
    write(
        root,
        {
            OCT: progress("2025-10-28", CONDUCT, "exam: 期中考试\nband: p30_50\n", ANALYSIS),
            NOV: progress("2025-11-27", "情绪稳定，按时到校", "change: steady\n"),
            DEC: progress("2025-12-26", "期末复习认真", "exam: 十二月月考\nband: p10_30\n"),
        },
    )
    code, out = daoshi("build", "--records", "records", "-d", "leader", cwd=tmp_path)
    assert code == 0, out
    page = _text((tmp_path / "leader/students/S250001/index.html").read_text("utf-8"))
    assert "每月表现与考试成绩对照" in page
    series = page[page.index("每月表现与考试成绩对照") :]
    # oldest first; the band moves up from 30%–50% to 10%–30% (a better band)
    assert series.index("2025年10月") < series.index("2025年11月") < series.index("2025年12月")
    assert "期中考试 30%–50%" in series and "十二月月考 10%–30% ↑ 进步" in series
    assert CONDUCT in series and "持平" in series
    assert ANALYSIS in page  # the record itself, below, with its analysis

    # the psychological teacher sees S250001 at the staff level: the exam's name, never
    # the band, the conduct or the analysis (confidential)
    code, out = daoshi(
        "build", "--records", "records", "-d", "psych", "--audience", "T003", cwd=tmp_path
    )
    assert code == 0, out
    psych = tmp_path / "psych"
    page = _text((psych / "students/S250001/index.html").read_text("utf-8"))
    assert "期中考试" in page and "每月表现与考试成绩对照" in page
    pages = [p for p in psych.rglob("*.*") if "kinds" not in p.parts]  # not the forms' help
    everything = "".join(p.read_text("utf-8", errors="replace") for p in pages)
    for secret in (CONDUCT, ANALYSIS, "30%–50%", "10%–30%", "区间变化"):
        assert secret not in everything, secret
