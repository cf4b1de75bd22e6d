"""A Zaozhuang semester (枣庄薛城某中学 详细量化方法) counted by hand, through the commands.

    师德 100 分中拿出 50 分为基数 …… 受导 4 名学生平均总分在班内每上升一个名次加分
    （原文在此处残缺：daoshi 的默认是每名 1 分，名次下降不扣分）

Ranking students by exam results is forbidden by the district (不得对考试、测验成绩进行
排名): the rubric is refused unless school.yaml says ``exam_ranking: true``.
"""

from __future__ import annotations

from pathlib import Path

from tests.handcount import (
    S,
    cohort_yaml,
    record,
    row_of,
    run,
    school_yaml,
    semester_yaml,
    sheet_rows,
    teachers_yaml,
    write,
)

PAIRINGS = f"""\
semester: {S}
pairings:
  - {{mentor: T001, students: [S250001, S250002]}}
  - {{mentor: T002, students: [S250003]}}
  - {{mentor: T003, students: [S250004]}}
"""
ASSESSMENTS = f"""\
semester: {S}
exams:
  - {{student: S250001, before: 10, after: 6}}
  - {{student: S250002, before: 20, after: 17}}
  - {{student: S250003, before: 5, after: 8}}
"""


def zaozhuang_school(root: Path, exam_ranking: bool) -> None:
    files = {
        "school.yaml": school_yaml("zaozhuang", exam_ranking),
        "people/teachers.yaml": teachers_yaml("T001", "T002", "T003"),
        "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 5)}),
        f"semesters/{S}/semester.yaml": semester_yaml(),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
        f"semesters/{S}/assessments.yaml": ASSESSMENTS,
    }
    records = [
        # 每学期至少一次上门家访: a video visit is no visit to the home
        record("home-visit", "T001", "S250001", "2025-10-08", mode="video"),
        record("home-visit", "T001", "S250002", "2025-10-09", mode="in_person"),
    ]
    write(root, files | dict(records))


def test_zaozhuang_semester_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root, exam_ranking=True)
    argv = ["--records", str(root), "--semester", S]
    code, out = run("appraise", *argv, "--today", "2026-02-01")
    assert code == 0, out
    # T001: average rank (10 + 20) ÷ 2 = 15 before, (6 + 17) ÷ 2 = 11.5 after: up 3.5
    # places, whole places only → 3 × 1 = 3; 50 + 3 = 53
    # (no office scores in this school: 科室赋分 0)
    assert row_of(out, "T001")[3:7] == ["50", "3", "0", "53"]
    # T002: 5 → 8 is a fall of 3 places, not deducted → 50; T003: no ranks → 50
    assert row_of(out, "T002")[3:7] == ["50", "0", "0", "50"]
    assert row_of(out, "T003")[3:7] == ["50", "0", "0", "50"]
    report = tmp_path / "义务.xlsx"
    code, out = run("obligations", *argv, "--on", "2026-02-01", "--xlsx", str(report))
    assert code == 0, out
    visits = {r[0]: r[6] for r in sheet_rows(report, "每名学生")[2:] if r[3] == "家访记录"}
    assert visits == {
        "S250001": "未完成",
        "S250002": "已完成",
        "S250003": "未完成",
        "S250004": "未完成",
    }


def test_zaozhuang_is_refused_without_exam_ranking(tmp_path: Path) -> None:
    root = tmp_path / "records"
    zaozhuang_school(root, exam_ranking=False)
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 1
    assert f"{root}/semesters/{S}/assessments.yaml:3:3: A503 assessments.yaml 按考试名次计分" in out
