"""daoshi new-semester: calendar, promotion, graduation, carried pairings, one commit."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from daoshi.records.validate import load, validate
from daoshi.year.rollover import even_rounds, next_semester_id
from daoshi.year.yamldoc import load_yaml
from tests.test_roster import (  # noqa: F401
    AUTHOR,
    COHORT,
    SCHOOL,
    TEACHERS,
    _own_cache,
    git,
    head,
    make_repo,
    run,
)

SPRING = """\
# yaml-language-server: $schema=../../schemas/semester.schema.json
id: 2025-2026-2
start: 2026-02-20
end: 2026-07-05
rounds:
  - number: 1
    start: 2026-02-20
    end: 2026-03-31
  - number: 2
    start: 2026-04-01
    end: 2026-07-05
classes:
  - class: C2025-01
    class_teacher: T001
  - class: C2025-02
    class_teacher: T004  # leaves in July
  - class: C2023-01
    class_teacher: T002
grade_leaders:
  - cohort: 2025
    teacher: T002
  - cohort: 2023
    teacher: T002
"""
SPRING_PAIRINGS = """\
# yaml-language-server: $schema=../../schemas/pairings.schema.json
semester: 2025-2026-2
pairings:
  - mentor: T001
    students: ["0250001", "0250002", "0250003"]
    key_student: "0250002"
    agreement: true
  - mentor: T002
    students: ["0250001"]
  - mentor: T003
    students: ["0250006", "0230001", "0230002"]
    agreement: false
  - mentor: T004
    students: ["0250004", "0250005"]
"""
COHORT_2023 = """\
cohort: 2023
classes:
  - id: C2023-01
    number: 1
students:
  - id: "0230001"
    name: 周杰
    class: C2023-01
  - id: "0230002"
    name: 吴迪
    class: C2023-01
"""
COHORT_2026 = """\
cohort: 2026
classes:
  - id: C2026-01
    number: 1
students:
  - id: "0260001"
    name: 郑爽
    class: C2026-01
"""


def spring_repo(root: Path) -> Path:
    files = {
        "people/teachers.yaml": TEACHERS + "    left:\n      date: 2026-07-01\n",
        "people/cohorts/2023.yaml": COHORT_2023,
        "people/cohorts/2026.yaml": COHORT_2026,
        "semesters/2025-2026-2/semester.yaml": SPRING,
        "semesters/2025-2026-2/pairings.yaml": SPRING_PAIRINGS,
    }
    repo = make_repo(root, files)
    git(repo, "rm", "-q", "-r", "semesters/2025-2026-1")
    git(repo, "commit", "-q", "-m", "只留第二学期")
    return repo


def test_semester_ids_and_rounds() -> None:
    assert next_semester_id("2025-2026-1") == "2025-2026-2"
    assert next_semester_id("2025-2026-2") == "2026-2027-1"
    rounds = even_rounds(dt.date(2026, 9, 1), dt.date(2027, 1, 20), 4)
    assert rounds[0][1] == dt.date(2026, 9, 1)
    assert rounds[-1][2] == dt.date(2027, 1, 20)
    assert all(a[2] + dt.timedelta(days=1) == b[1] for a, b in itertools.pairwise(rounds))


def test_school_year_start_promotes_graduates_and_carries_pairings(tmp_path: Path) -> None:
    repo = spring_repo(tmp_path / "records")
    assert run("validate", str(repo), "--today", "2026-07-10", "-q").exit_code == 0
    before = head(repo)
    dry = run("new-semester", "2026-2027-1", "--records", str(repo), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert head(repo) == before and git(repo, "status", "--porcelain") == ""
    result = run("new-semester", "2026-2027-1", "--records", str(repo))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "新学期 2026-2027-1（2026-09-01 至 2027-01-20），由 2025-2026-2 延续："
        "学年开始，年级升级。\n"
        "毕业：C2023-01，2 名学生记为毕业离校。\n"
        "对接延续：4 名学生保留原导师。\n"
        "没有导师的学生 2 名（daoshi match 或手工安排）：\n"
        "  0250004 刘洋（C2025-02）\n"
        "  0250005 陈静（C2025-02）\n"
        "注意：C2025-02 的班主任 T004 已离职，请更换\n"
        "注意：新班级 C2026-01 还没有班主任"
    )
    assert dry.output.splitlines()[:3] == result.output.splitlines()[:3]
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == f"{AUTHOR[0]} <{AUTHOR[1]}>"
    assert sorted(git(repo, "show", "--name-only", "--format=", "HEAD").split()) == [
        "people/cohorts/2023.yaml",
        "semesters/2026-2027-1/pairings.yaml",
        "semesters/2026-2027-1/semester.yaml",
    ]
    semester = (repo / "semesters/2026-2027-1/semester.yaml").read_text("utf-8")
    assert semester == (
        "# yaml-language-server: $schema=../../schemas/semester.schema.json\n"
        "id: 2026-2027-1\n"
        "start: 2026-09-01\n"
        "end: 2027-01-20\n"
        "rounds:\n"
        "  - number: 1\n"
        "    start: 2026-09-01\n"
        "    end: 2026-11-10\n"
        "  - number: 2\n"
        "    start: 2026-11-11\n"
        "    end: 2027-01-20\n"
        "classes:\n"
        "  - class: C2025-01\n"
        "    class_teacher: T001\n"
        "  - class: C2025-02\n"
        "    class_teacher: T004  # 班主任已离职，请更换\n"
        "grade_leaders:\n"
        "  - cohort: 2025\n"
        "    teacher: T002\n"
    )
    assert (repo / "semesters/2026-2027-1/pairings.yaml").read_text("utf-8") == (
        "# yaml-language-server: $schema=../../schemas/pairings.schema.json\n"
        "semester: 2026-2027-1\n"
        "pairings:\n"
        "  - mentor: T001\n"
        '    students: ["0250001", "0250002", "0250003"]\n'
        '    key_student: "0250002"\n'
        "  - mentor: T002\n"
        '    students: ["0250001"]\n'
        "  - mentor: T003\n"
        '    students: ["0250006"]\n'
    )
    graduates = load_yaml(repo / "people/cohorts/2023.yaml")["students"]
    assert [dict(s["left"]) for s in graduates] == [
        {"date": dt.date(2026, 7, 6), "reason": "graduated"}
    ] * 2
    # the model: 2025 is now 初二; the graduates keep their portfolio but are not at school
    school = validate(repo, today=dt.date(2026, 9, 2), need_school=True).school
    assert school is not None
    autumn = school.semester("2026-2027-1")
    assert school.grade_name(2025, autumn) == "初二"
    graduate = school.students["0230001"]
    assert not graduate.in_school(autumn.start)
    assert graduate.in_school(dt.date(2026, 7, 5))
    assert school.records_of("0230001") == ()  # (no records here; the portfolio page is kept)
    # until matched, the two students without a mentor are the only problems
    problems = run("validate", str(repo), "--today", "2026-09-02", "-q").output.splitlines()
    assert [p.split(": ", 1)[1] for p in problems] == [
        "X211 学生 0250004 在 2026-2027-1 学期没有导师",
        "X211 学生 0250005 在 2026-2027-1 学期没有导师",
    ]
    # again: nothing to do, no commit
    again = run("new-semester", "2026-2027-1", "--records", str(repo))
    assert again.exit_code == 1  # refused: the current semester now has problems
    assert "须先修正" in again.stderr
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"


def test_second_term_keeps_classes_agreements_and_is_idempotent(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "records")
    before = head(repo)
    result = run("new-semester", "2025-2026-2", "--records", str(repo))
    assert result.exit_code == 0, result.output
    assert "同一学年的第二学期" in result.output
    school = load(repo, today=dt.date(2026, 3, 1), use_cache=False)
    spring = school.semester("2025-2026-2")
    assert (spring.start, spring.end) == (dt.date(2026, 2, 20), dt.date(2026, 7, 5))
    assert spring.rounds == ()  # district policy: no rounds, none before
    assert [(c.class_id, c.class_teacher) for c in spring.classes] == [
        ("C2025-01", "T001"),
        ("C2025-02", "T003"),
    ]
    assert school.mentors_of("0250002", "2025-2026-2") == ("T001",)
    assert school.grade_name(2025, spring) == "初一"
    again = run("new-semester", "2025-2026-2", "--records", str(repo))
    assert again.exit_code == 0
    assert "已经建立，没有改动" in again.output
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    wrong = run("new-semester", "2027-2028-1", "--records", str(repo))
    assert wrong.exit_code == 1
    assert "只能建立当前学期 2025-2026-2 的下一个学期 2026-2027-1" in wrong.stderr


def test_refused_while_the_current_semester_has_problems(tmp_path: Path) -> None:
    pairings = (
        "semester: 2025-2026-1\n"
        "pairings:\n"
        "  - mentor: T001\n"
        '    students: ["0250001", "0250002", "0250003"]\n'
    )  # 0250004..6 have no mentor
    repo = make_repo(tmp_path / "records", {"semesters/2025-2026-1/pairings.yaml": pairings})
    before = head(repo)
    result = run("new-semester", "2025-2026-2", "--records", str(repo))
    assert result.exit_code == 1
    assert result.stderr.startswith("当前学期还有 3 个问题，须先修正才能建立新学期")
    assert "X211 学生 0250004 在 2025-2026-1 学期没有导师" in result.stdout
    assert head(repo) == before
    assert not (repo / "semesters/2025-2026-2").exists()


def test_each_grade_keeps_its_policy_and_rules_as_it_moves_up(tmp_path: Path) -> None:
    """青实“各年级组……拟定具有年级特色的管理细则要求”: grade_policies name a grade by its
    entry year, so the next semester keeps them as written; a graduated grade's are dropped."""
    grades = (
        "grade_policies:\n"
        "  - cohort: 2025\n"
        "    policy: district\n"
        "    obligations:  # 初一年级组细则\n"
        "      talk: {every: month, min: 2}\n"
        "  - {cohort: 2023, policy: qingpu-exp}\n"
    )
    repo = spring_repo(tmp_path / "records")
    (repo / "semesters/2025-2026-2/semester.yaml").write_text(SPRING + grades, "utf-8")
    git(repo, "commit", "-q", "-a", "-m", "年级政策")
    assert run("validate", str(repo), "--today", "2026-07-10", "-q").exit_code == 0
    result = run("new-semester", "2026-2027-1", "--records", str(repo))
    assert result.exit_code == 0, result.output
    assert "注意：2023级已不在新学期的年级中，它的年级政策和细则不再延续" in result.output
    semester = (repo / "semesters/2026-2027-1/semester.yaml").read_text("utf-8")
    assert semester.endswith(
        "grade_leaders:\n"
        "  - cohort: 2025\n"
        "    teacher: T002\n"
        "grade_policies:\n"
        "  - cohort: 2025\n"
        "    policy: district\n"
        "    obligations:  # 初一年级组细则\n"
        "      talk: {every: month, min: 2}\n"
    )
    school = validate(repo, today=dt.date(2026, 9, 2), need_school=True).school
    assert school is not None
    grade = school.semester("2026-2027-1").grade_policies[2025]
    assert (grade.policy, dict(grade.changes)) == (
        "district",
        {"talk": {"every": "month", "min": 2}},
    )
