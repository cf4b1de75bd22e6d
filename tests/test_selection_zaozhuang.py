"""Zaozhuang's two-way selection (issue 20): Party activists, the needs questionnaire and
the mentors' own choices, through ``daoshi import`` and ``daoshi match``."""

from __future__ import annotations

from pathlib import Path

from daoshi.year.yamldoc import load_yaml
from tests.test_roster import _own_cache, make_repo, run  # noqa: F401

SCREENING = (
    "semester: 2025-2026-1\n"
    "students:\n"
    '  - student: "0250006"\n'
    "    categories: [behaviour]\n"
    "    proposed_by: T003\n"
    "    decided: true\n"
)
UNPAIRED = (  # 0250004 and 0250006 still need a mentor
    "semester: 2025-2026-1\n"
    "pairings:\n"
    "  - mentor: T001\n"
    '    students: ["0250001", "0250002", "0250003"]\n'
    "  - mentor: T003\n"
    '    students: ["0250005"]\n'
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_party_activists_take_key_students_first(tmp_path: Path) -> None:
    """枣庄：“顽劣生，首先由班主任、班级任课老师中的班子成员、共产党员和入党积极分子承包”."""
    repo = make_repo(
        tmp_path / "records",
        {
            "semesters/2025-2026-1/screening.yaml": SCREENING,
            "semesters/2025-2026-1/pairings.yaml": UNPAIRED,
        },
    )
    prefs = _write(tmp_path / "志愿.csv", "学号,志愿1\n0250004,T002\n0250006,T002\n")
    caps = _write(tmp_path / "名额.csv", "工号,名额\nT002,1\n")
    assert run("import", "preferences", str(prefs), "--records", str(repo)).exit_code == 0
    result = run("import", "preferences", str(caps), "--kind", "mentors", "--records", str(repo))
    assert result.exit_code == 0, result.output
    # T002 李强 has no tag yet: the key student 0250006 loses the one place on student ID
    before = run("match", "--dry-run", "--records", str(repo))
    assert "  0250006 杨帆（C2025-02）：第一志愿 T002 李强已满（1 人）" in before.output
    roster = _write(
        tmp_path / "教师名单.csv",
        "工号,姓名,任教学科,任教班级,政治面貌,邮箱\n"
        "T001,王芳,语文,C2025-01,中共党员,t001@test.invalid\n"
        "T002,李强,数学,C2025-01、C2025-02,入党积极分子,t002@test.invalid\n"
        "T003,赵敏,英语,C2025-02,,t003@test.invalid\n"
        "T004,王芳,物理,C2025-01、C2025-02,干部,t004@test.invalid\n",
    )
    result = run("import", "roster", str(roster), "--kind", "teachers", "--records", str(repo),
                 "--school-year", "2025")  # fmt: skip
    assert result.exit_code == 0, result.output
    teachers = {t["id"]: t for t in load_yaml(repo / "people/teachers.yaml")["teachers"]}
    assert list(teachers["T002"]["tags"]) == ["party_activist"]
    # now the activist takes the key student first, as Party members and cadres do
    after = run("match", "--records", str(repo))
    assert after.exit_code == 0, after.output
    assert "  0250004 刘洋（C2025-02）：第一志愿 T002 李强已满（1 人），录取了优先的学生" in (
        after.output
    )
    pairings = load_yaml(repo / "semesters/2025-2026-1/pairings.yaml")
    got = {p["mentor"]: list(p["students"]) for p in pairings["pairings"]}
    assert got["T002"] == ["0250006"]
    assert run("validate", str(repo), "--today", "2026-01-01", "-q").exit_code == 0


def test_a_screening_proposal_comes_from_the_class_teacher(tmp_path: Path) -> None:
    """青浦实验：“组织全体班主任老师对班级学生进行全面梳理……上报各年级组”."""
    wrong = SCREENING.replace("proposed_by: T003", "proposed_by: T002")
    repo = make_repo(tmp_path / "records", {"semesters/2025-2026-1/screening.yaml": wrong})
    result = run("validate", str(repo), "--today", "2026-01-01")
    assert result.exit_code == 1
    assert (
        "semesters/2025-2026-1/screening.yaml:5:18: X245 提名人 T002 不是学生 0250006 在 "
        "2025-2026-1 学期的班主任（T003）：排查名单由班主任提名"
    ) in result.output
    (repo / "semesters/2025-2026-1/screening.yaml").write_text(SCREENING, encoding="utf-8")
    result = run("validate", str(repo), "--today", "2026-01-01")
    assert "X245" not in result.output
