"""A Qingpu Experimental semester (青浦区实验中学 七、工作考核) counted by hand, through the
real commands: ``import surveys`` with a student column, then ``appraise --xlsx``.

    年级部测评30分 …… 学生测评40分 …… 测评成绩为各个受导学生测评分数的平均分值
    家长测评30分 …… 测评成绩为各个家长测评分数的平均分值
    凡不履行导师职责和所指导学生出现打架、上网、夜不归宿及在校期间出走等严重违纪行为的，
    导师考核记零分。受导学生如有特别明显进步或育人过程有创新做法的，进行特别嘉奖。

The total is summed exactly and rounded once, to one decimal, half up (四舍五入).
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

FORMS = Path(__file__).resolve().parent.parent / "forms"
PAIRINGS = f"""\
semester: {S}
pairings:
  - {{mentor: T001, students: [S250001]}}
  - {{mentor: T002, students: [S250002, S250003, S250004]}}
  - {{mentor: T003, students: [S250005]}}
  - {{mentor: T004, students: [S250006]}}
"""
ASSESSMENTS = f"""\
semester: {S}
mentors:
  - {{mentor: T001, grade_score: 25, neglect: true, neglect_date: 2025-12-20,
     neglect_by: grade_group, neglect_note: 本学期没有开展任何谈心}}
  - {{mentor: T002, grade_score: 27}}
  - {{mentor: T003, grade_score: 26}}
  - {{mentor: T004, grade_score: 22.25}}
commendations:
  - {{mentor: T002, kind: progress, student: S250002, reason: 数学从不及格到85分}}
violations:
  - {{student: S250003, date: 2025-10-09, kind: other, severity: minor, note: 课堂讲话}}
  - {{student: S250005, date: 2025-11-20, kind: fighting}}
  - {{student: S250006, date: 2025-08-25, kind: overnight}}
"""
# one row per questionnaire (a questionnaire tool's export), each with the student's ID
STUDENTS = """\
序号,学号,导师,身份,指导方法,指导态度,指导次数,指导效果
1,S250001,T001,学生,5,5,5,5
2,S250002,T002,学生,4,5,5,4
3,S250003,T002,学生,4,5,4,4
4,S250004,T002,学生,4,3,3,4
5,S250005,T002,学生,3,3,3,3
6,S250002,T002,学生,5,5,5,5
7,S250005,T003,学生,5,5,5,5
"""
PARENTS = """\
序号,学号,导师,身份,指导方法,指导态度,指导次数,指导效果
1,S250002,T002,家长,4,4,4,3
2,S250003,T002,家长,4,3,4,5
3,S250004,T002,家长,5,3,5,4
4,S250005,T003,家长,4,4,4,4
"""


def qingpu_school(root: Path) -> None:
    files = {
        "school.yaml": school_yaml("qingpu-exp"),
        "people/teachers.yaml": teachers_yaml("T001", "T002", "T003", "T004"),
        "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 7)}),
        f"semesters/{S}/semester.yaml": semester_yaml(),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
        f"semesters/{S}/assessments.yaml": ASSESSMENTS,
    }
    write(root, files | dict([record("talk", "T002", "S250002", "2025-10-10")]))


def test_qingpu_semester_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "records"
    qingpu_school(root)
    students, parents = tmp_path / "学生问卷.csv", tmp_path / "家长问卷.csv"
    students.write_text(STUDENTS, "utf-8")
    parents.write_text(PARENTS, "utf-8")
    where = ["--semester", S, "--records", str(root)]
    # row 6 rates T002, but S250005's mentor is T003; row 7 is S250002's second answer:
    # by default (survey_bad_rows: refuse) nothing is written
    code, out = run("import", "surveys", str(students), *where)
    assert code == 1
    assert out.splitlines()[:2] == [
        f"{students}:6:3: I457 学生 S250005 在 {S} 学期的导师是 T003，不是 T002："
        "只能评价本人的导师",
        f"{students}:7:2: I458 学生 S250002 对导师 T002 的学生评价出现两次（第 3 行已有）",
    ]
    assert not (root / "semesters" / S / "surveys.yaml").exists()
    # the school chooses to leave bad rows out and keep the others
    rubric = (FORMS / "rubrics" / "qingpu-exp.yaml").read_text("utf-8")
    rubric = rubric.replace("survey_bad_rows: refuse", "survey_bad_rows: exclude")
    write(root, {"forms/rubrics/qingpu-exp.yaml": rubric})
    code, out = run("import", "surveys", str(students), *where)
    assert code == 0, out
    assert "按考核表设置 survey_bad_rows: exclude，以上 2 行没有导入。" in out
    code, out = run("import", "surveys", str(parents), *where)
    assert code == 0, out
    written = (root / "semesters" / S / "surveys.yaml").read_text("utf-8")
    # T002's students: attitude (5 + 5 + 3) ÷ 3 = 4.333…, kept to 12 decimals, not 4.33
    assert "    attitude: 4.333333333333\n" in written
    xlsx = tmp_path / "考核.xlsx"
    code, out = run("appraise", *where, "--today", "2026-02-01", "--xlsx", str(xlsx))
    assert code == 0, out
    # T002, students (3 questionnaires): method 4+4+4 = 12, attitude 5+5+3 = 13,
    #   frequency 5+4+3 = 12, effect 4+4+4 = 12 → 49 ratings-points ÷ 12 = 4.08333…
    #   → 4.08333… ÷ 5 × 40 = 32.6666… (shown 32.67, summed unrounded)
    # parents: 4+4+5 = 13, 4+3+3 = 10, 4+4+5 = 13, 3+5+4 = 12 → 48 ÷ 12 = 4 → 4 ÷ 5 × 30 = 24
    # total 27 + 32.6666… + 24 = 83.6666… → 83.7 (rounding the parts first gave 83.64 → 83.6)
    assert row_of(out, "T002")[3:7] == ["27", "32.67", "24", "83.7"]
    assert "嘉奖：受导学生进步特别明显：数学从不及格到85分（受导学生 S250002）" in out
    assert "受导学生 S250003 2025-10-09 一般违纪（不影响得分）" in out
    # T004: 22.25 from the grade group, no survey answered (0 + 0) → 22.25 → 22.3 (half up;
    # half to even would give 22.2); S250006's violation of 25 August is before the term
    assert row_of(out, "T004")[3:7] == ["22.25", "0", "0", "22.3"]
    # T001: 25 + 5 ÷ 5 × 40 = 40 + 0 = 65, but neglect was found → 0
    t001 = row_of(out, "T001")
    assert t001[3:7] == ["25", "40", "0", "0"]
    assert (
        "记零分：年级导师制工作小组于 2025-12-20 认定不履行导师职责：本学期没有开展任何谈心" in out
    )
    # T003: 26 + 40 + 24 = 90, but S250005 fought on 20 November → 0
    assert row_of(out, "T003")[3:7] == ["26", "40", "24", "0"]
    table = sheet_rows(xlsx, "青浦区实验中学 导师工作考核 总表")
    assert [(r[0], r[6]) for r in table[2:]] == [
        ("T002", 83.7),
        ("T004", 22.3),
        ("T001", 0),
        ("T003", 0),
    ]


def test_a_neglect_finding_needs_its_date_and_body(tmp_path: Path) -> None:
    root = tmp_path / "records"
    qingpu_school(root)
    text = ASSESSMENTS.replace(
        " neglect_date: 2025-12-20,\n     neglect_by: grade_group,"
        " neglect_note: 本学期没有开展任何谈心",
        "",
    )
    write(root, {f"semesters/{S}/assessments.yaml": text})
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 1
    assert (
        f"{root}/semesters/{S}/assessments.yaml:3:46: A506 认定不履行导师职责需要写明认定日期"
        "（neglect_date）和认定机构（neglect_by）"
    ) in out.splitlines()
