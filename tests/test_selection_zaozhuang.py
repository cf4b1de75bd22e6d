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


def test_mentors_choose_their_students_and_mutual_choices_come_first(tmp_path: Path) -> None:
    """枣庄：“导师依照本人所掌握的班级情况，选择4名受导学生”."""
    repo = make_repo(tmp_path / "records", {"semesters/2025-2026-1/pairings.yaml": UNPAIRED})
    prefs = _write(tmp_path / "志愿.csv", "学号,志愿1,志愿2\n0250004,T002,T003\n0250006,T002,\n")
    assert run("import", "preferences", str(prefs), "--records", str(repo)).exit_code == 0
    mentors = _write(tmp_path / "导师选择.csv", "工号,名额\nT002,1\n")
    result = run("import", "preferences", str(mentors), "--kind", "mentors", "--records", str(repo))
    assert result.exit_code == 0, result.output
    # without the mentors' side T002's one place goes to 0250004 (by student ID)
    before = run("match", "--dry-run", "--records", str(repo))
    assert "  0250006 杨帆（C2025-02）：第一志愿 T002 李强已满（1 人）" in before.output
    _write(
        mentors,
        "工号,名额,学生1,学生2,学生3\n"
        "T002,1,0250006,0250099,0250006\n"
        "T003,1,0250004,0250005,0250001\n",
    )
    result = run("import", "preferences", str(mentors), "--kind", "mentors", "--records", str(repo))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{mentors}:2:4: I430 未知的学生“0250099”",
        f"{mentors}:2:5: I447 导师重复选择了学生 0250006",
        f"{mentors}:3:1: I448 导师 T003 选择了 3 名学生，超过名额 1",
    ]
    _write(mentors, "工号,名额,学生1\nT002,1,0250006\nT003,2,0250004\n")
    result = run("import", "preferences", str(mentors), "--kind", "mentors", "--records", str(repo))
    assert result.exit_code == 0, result.output
    prefs_doc = load_yaml(repo / "semesters/2025-2026-1/preferences.yaml")
    assert [(m["mentor"], m["capacity"], list(m["students"])) for m in prefs_doc["mentors"]] == [
        ("T002", 1, ["0250006"]),
        ("T003", 2, ["0250004"]),
    ]
    result = run("match", "--records", str(repo))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2025-2026-1 学期：2 名学生参加匹配（第一志愿 1 人，第二志愿 1 人）。"
    assert lines[1] == "双向选中（学生选了导师，导师也选了这名学生）：2 人。"
    pairings = load_yaml(repo / "semesters/2025-2026-1/pairings.yaml")
    got = {
        p["mentor"]: (list(p["students"]), list(p.get("mutual") or ()))
        for p in pairings["pairings"]
    }
    assert got["T002"] == (["0250006"], ["0250006"])
    assert got["T003"] == (["0250005", "0250004"], ["0250004"])
    assert run("validate", str(repo), "--today", "2026-01-01", "-q").exit_code == 0
    # a hand edit that moves the student away but keeps the mark is refused, located
    text = (repo / "semesters/2025-2026-1/pairings.yaml").read_text("utf-8")
    (repo / "semesters/2025-2026-1/pairings.yaml").write_text(
        text.replace('students: ["0250005", "0250004"]', 'students: ["0250005"]'), "utf-8"
    )
    result = run("validate", str(repo), "--today", "2026-01-01")
    assert "X246 双向选中的学生 0250004 不在导师 T003 的受导学生中" in result.output


NOTE = "想把数学成绩提上去"


def test_the_needs_questionnaire_breaks_ties_and_stays_confidential(tmp_path: Path) -> None:
    """枣庄：“通过简单的调查咨询卷理解学生的需要”."""
    from tests.test_roster import SEMESTER

    leaders = "grade_leaders:\n  - cohort: 2025\n    teacher: T004\n"
    repo = make_repo(
        tmp_path / "records",
        {
            "semesters/2025-2026-1/pairings.yaml": UNPAIRED,
            "semesters/2025-2026-1/semester.yaml": SEMESTER + leaders,
        },
    )
    prefs = _write(tmp_path / "志愿.csv", "学号,志愿1\n0250004,T002\n0250006,T002\n")
    caps = _write(tmp_path / "名额.csv", "工号,名额\nT002,1\n")
    assert run("import", "preferences", str(prefs), "--records", str(repo)).exit_code == 0
    result = run("import", "preferences", str(caps), "--kind", "mentors", "--records", str(repo))
    assert result.exit_code == 0, result.output
    before = run("match", "--dry-run", "--records", str(repo))
    assert "  0250006 杨帆（C2025-02）：第一志愿 T002 李强已满（1 人）" in before.output
    needs = _write(
        tmp_path / "需求调查.csv",
        "学号,需要帮助的方面,需要辅导的学科,想对导师说的话\n"
        f"0250006,学习┋理想和生涯规划,数学,{NOTE}\n"
        "0250004,人际┋篮球,英语,\n"
        "0250099,学习,数学,\n"
        "0250006,家庭,,\n",
    )
    result = run("import", "preferences", str(needs), "--kind", "needs", "--records", str(repo))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{needs}:3:2: I449 “篮球”不是需求问卷“希望导师帮助的方面”的选项（可用：学习、学业、"
        "学习方法、情绪、心理、人际、人际交往、同学关系、师生关系、家庭、习惯、行为习惯、生活、"
        "理想、生涯规划、升学、学习方法和学业、情绪和心理、同学和师生关系、行为习惯和生活、"
        "理想和生涯规划）",
        f"{needs}:4:1: I430 未知的学生“0250099”",
        f"{needs}:5:1: I446 学生 0250006 的需求问卷出现两次（第 2 行已有）",
    ]
    _write(
        needs,
        "学号,需要帮助的方面,需要辅导的学科,想对导师说的话\n"
        f"0250006,学习┋理想和生涯规划,数学,{NOTE}\n"
        "0250004,人际,英语,\n",
    )
    result = run("import", "preferences", str(needs), "--kind", "needs", "--records", str(repo))
    assert result.exit_code == 0, result.output
    doc = load_yaml(repo / "semesters/2025-2026-1/needs.yaml")
    assert [(e["student"], list(e["areas"]), list(e["subjects"])) for e in doc["students"]] == [
        ("0250006", ["study", "future"], ["数学"]),
        ("0250004", ["relationships"], ["英语"]),
    ]
    # T002 teaches 数学: between two equal applicants it now takes 0250006, who asked for it;
    # 0250004 goes to the teacher of the class who teaches 英语 (T003), not the one with most room
    result = run("match", "--records", str(repo))
    assert result.exit_code == 0, result.output
    assert "需求问卷：2 名学生写了需要辅导的学科，其中 2 名的导师任教这些学科。" in result.output
    assert (
        "  0250004 刘洋（C2025-02）：第一志愿 T002 李强已满（1 人），录取了优先的学生；"
        "→ 调剂给任教本班的 T003 赵敏（还有名额，任教该生在需求问卷中要求辅导的英语）"
    ) in result.output
    pairings = load_yaml(repo / "semesters/2025-2026-1/pairings.yaml")
    got = {p["mentor"]: list(p["students"]) for p in pairings["pairings"]}
    assert got["T002"] == ["0250006"] and got["T003"] == ["0250005", "0250004"]

    # the answers are confidential: the student's mentor sees them, the grade leader does not
    assert run("build", "--records", str(repo), "-d", str(tmp_path / "mentor"),
               "--audience", "T002", "--today", "2025-12-01").exit_code == 0  # fmt: skip
    page = (tmp_path / "mentor/students/0250006/index.html").read_text("utf-8")
    assert "需求调查（双向选择前）" in page and NOTE in page
    assert "你最需要辅导的学科是？" in page and "学习方法和学业、理想和生涯规划" in page
    assert run("build", "--records", str(repo), "-d", str(tmp_path / "grade"),
               "--audience", "T004", "--today", "2025-12-01").exit_code == 0  # fmt: skip
    assert (tmp_path / "grade/students/0250006/index.html").exists()
    everything = "".join(
        p.read_text("utf-8", errors="replace") for p in (tmp_path / "grade").rglob("*.*")
    )
    assert NOTE not in everything and "需求调查" not in everything
