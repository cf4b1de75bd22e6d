"""Cross-file rules that need more than one line to state."""

from __future__ import annotations

from .conftest import SEMESTER, School


def test_missing_pairing_table_is_one_problem_not_one_per_record(school: School) -> None:
    school.remove(f"{SEMESTER}/pairings.yaml")
    code, lines = school.validate()
    assert code == 1
    assert lines[:-2] == [
        f"{school.path(SEMESTER)}/pairings.yaml:1:1: X216 缺少必需的文件 {SEMESTER}/pairings.yaml"
    ]


def test_several_mentors_cover_a_student_and_the_cap_is_the_strictest_policy(
    school: School,
) -> None:
    school.write(
        f"{SEMESTER}/pairings.yaml",
        """\
semester: 2025-2026-1
pairings:
  - {mentor: T001, students: [S250001, S250002], key_student: S250001}
  - {mentor: T002, students: [S250003, S250004, S250001]}
  - {mentor: T003, students: [S250001, S250002, S250003, S250004, S250001]}
""",
    )
    school.write(
        f"{SEMESTER}/semester.yaml",
        (school.root / f"{SEMESTER}/semester.yaml").read_text("utf-8")
        + "policies: [district, zaozhuang]\n",
    )
    code, lines = school.validate()
    assert code == 1
    pairings = school.path(f"{SEMESTER}/pairings.yaml")
    assert lines[:-2] == [
        f"{pairings}:5:67: X217 “S250001”在同一列表中出现了两次",
    ]
    # zaozhuang's cap is 4: a fifth distinct mentee would be over it
    school.write(
        "people/cohorts/2025.yaml",
        (school.root / "people/cohorts/2025.yaml").read_text("utf-8")
        + "  - {id: S250005, name: 学生戊, class: C2025-01}\n",
    )
    school.write(
        f"{SEMESTER}/pairings.yaml",
        """\
semester: 2025-2026-1
pairings:
  - {mentor: T003, students: [S250001, S250002, S250003, S250004, S250005]}
""",
    )
    _, lines = school.validate()
    talk = school.path(f"{SEMESTER}/journal/T001/S250001/2025-10-12-talk.md")
    assert lines[:-2] == [
        f"{talk}:4:10: X209 学生 S250001 不是导师 T001 在 2025-2026-1 学期的受导学生",
        "提示（记录照常使用，考核和站点按设置计算；请核对以下情况）：",  # the cap is a fact
        # T001 and T002 mentor nobody now: the district's 教师人人是导师 (a fact too)
        f"{pairings}:3:3: X225 教师 T001 在 2025-2026-1 学期没有受导学生"
        "（政策 district：“教师人人是导师”）",
        f"{pairings}:3:3: X225 教师 T002 在 2025-2026-1 学期没有受导学生"
        "（政策 district：“教师人人是导师”）",
        f"{pairings}:3:30: X210 导师 T003 有 5 名受导学生，超过政策上限 4",
    ]
