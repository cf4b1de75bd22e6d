"""A Taigu semester (太谷二中 附表五) counted by hand, through the real commands.

Three rounds; four mentors of one grade. Every expected number is computed in the comments
from the source document's table, not read off the program:

    对接落实 10  填写《导师与学生对接表》            (points only when the agreement is filed)
    每轮活动 20  每轮至少一次集体活动，有记录有主题   (20 ÷ 3 rounds per round met)
    个别指导 20  每有人一次记2分                      (≥ 15 characters of text to count)
    流失数   20  组内每流失一人扣10分                 (a transfer is no loss)
    学生反馈 20  全年级前1/3（20分）中1/3（15分）、后1/3（10分）
    家长反馈 10  随机短信调查全年级排序计分           (10 / 7.5 / 5, no survey → lowest)
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
ROUNDS = """\
rounds:
  - {number: 1, start: 2025-09-01, end: 2025-10-20}
  - {number: 2, start: 2025-10-21, end: 2025-12-10}
  - {number: 3, start: 2025-12-11, end: 2026-01-20}
"""
PAIRINGS = f"""\
semester: {S}
pairings:
  - {{mentor: T001, students: [S250001, S250002], agreement: true}}
  - {{mentor: T002, students: [S250003, S250004], agreement: true}}
  - {{mentor: T003, students: [S250005, S250006], agreement: false}}
  - {{mentor: T004, students: [S250007, S250008], agreement: true}}
"""
T002_TALKS = [("S250003", d) for d in ("09-03", "09-10", "09-17", "09-24", "10-08", "10-15")] + [
    ("S250004", d) for d in ("09-04", "09-11", "09-18", "09-25", "10-09")
]


def taigu_school(root: Path) -> None:
    # a school whose own form lets a group activity's theme be left out, so that a theme of
    # only spaces reaches the counting rule (the shipped form rejects it: R102)
    own_form = (FORMS / "kinds" / "group-activity.yaml").read_text("utf-8")
    own_form = own_form.replace("    type: string\n    required: true\n", "    type: string\n", 1)
    files = {
        "school.yaml": school_yaml("taigu"),
        "people/teachers.yaml": teachers_yaml("T001", "T002", "T003", "T004"),
        "people/cohorts/2025.yaml": cohort_yaml(
            {f"S25000{i}": "" for i in range(1, 7)}
            | {
                "S250007": "    left: {date: 2025-12-01, reason: transferred}\n",
                "S250008": "    left: {date: 2025-11-03, reason: dropped_out}\n",
            }
        ),
        f"semesters/{S}/semester.yaml": semester_yaml(ROUNDS),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
        "forms/kinds/group-activity.yaml": own_form,
    }
    records = [
        # T001: rounds 1 and 3 have a themed activity; round 2's theme is three spaces
        record("group-activity", "T001", "S250001,S250002", "2025-09-20", theme="学习方法"),
        record("group-activity", "T001", "S250001,S250002", "2025-11-05", theme="   "),
        record("group-activity", "T001", "S250001,S250002", "2025-12-15", theme="期末复习"),
        record("talk", "T001", "S250001", "2025-09-05"),
        record("talk", "T001", "S250002", "2025-10-05"),
        record("talk", "T001", "S250001", "2025-11-05"),
        record("talk", "T001", "S250002", "2025-12-05", body="谈了学习。"),  # 5 characters
        # T002: an activity in every round and eleven talks
        record("group-activity", "T002", "S250003,S250004", "2025-09-25", theme="认识新同学"),
        record("group-activity", "T002", "S250003,S250004", "2025-11-12", theme="期中反思"),
        record("group-activity", "T002", "S250003,S250004", "2025-12-20", theme="新年计划"),
        *(record("talk", "T002", sid, f"2025-{day}") for sid, day in T002_TALKS),
        # T004: round 1 only; one talk
        record("group-activity", "T004", "S250007,S250008", "2025-10-10", theme="学习方法"),
        record("talk", "T004", "S250007", "2025-09-15"),
    ]
    write(root, files | dict(records))


def test_taigu_semester_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    code, out = run("validate", str(root), "--no-cache", "--today", "2026-02-01")
    assert code == 0, out
    students = tmp_path / "学生.csv"
    students.write_text(
        "导师工号,评价人,有效问卷数,方法,态度,频率,效果\n"
        "T001,学生,2,4.5,4.5,4.5,4.5\nT002,学生,2,4,4,4,4\n"
        "T003,学生,2,4,4,4,4\nT004,学生,2,3,3,3,3\n",
        "utf-8",
    )
    parents = tmp_path / "家长.csv"
    parents.write_text(
        "导师工号,评价人,有效问卷数,方法,态度,频率,效果\n"
        "T001,家长,3,4.2,4.2,4.2,4.2\nT002,家长,3,3.6,3.6,3.6,3.6\n"
        "T004,家长,3,4.8,4.8,4.8,4.8\n",
        "utf-8",
    )
    for table in (students, parents):
        code, out = run("import", "surveys", str(table), "--semester", S, "--records", str(root))
        assert code == 0, out
    xlsx = tmp_path / "考核.xlsx"
    argv = ["--records", str(root), "--semester", S, "--today", "2026-02-01"]
    code, out = run("appraise", *argv, "--xlsx", str(xlsx))
    assert code == 0, out
    # students' survey: 4.5 (T001), 4.0 (T002), 4.0 (T003), 3.0 (T004); four mentors split
    # 2/1/1 (the extra one goes to the top third); T002 and T003 tie at places 2–3 and share
    # the better place 2: top third. Parents: 4.8 (T004), 4.2 (T001), 3.6 (T002) split
    # 1/1/1; T003 has no parents' survey: the lowest band, 5.
    #
    # T001: 10 (agreement filed) + 20 × 2/3 (rounds 1 and 3; round 2's theme is blank)
    #       + 3 talks × 2 = 6 (the 5-character talk does not count) + 20 (no loss)
    #       + 20 (top third) + 7.5 (middle third) = 76.8333… → 76.83
    # no assessments.yaml: 附表五 is not yet signed by the group leader (考核组组长), so every
    # mentor's note says so
    assert row_of(out, "T001")[3:] == [
        "10",
        "13.33",
        "6",
        "20",
        "20",
        "7.5",
        "76.83",
        "优秀导师；考核组尚未签署",
    ]
    # T002: 10 + 20 (3 of 3 rounds) + 11 talks × 2 = 22, capped at 20 + 20 + 20 + 5 = 95
    assert row_of(out, "T002")[3:] == [
        "10",
        "20",
        "20",
        "20",
        "20",
        "5",
        "95",
        "优秀导师；考核组尚未签署",
    ]
    # T003: 0 (agreement: false) + 0 + 0 + 20 + 20 (shares place 2) + 5 (no survey) = 45
    assert row_of(out, "T003")[3:] == [
        "0",
        "0",
        "0",
        "20",
        "20",
        "5",
        "45",
        "优秀导师；考核组尚未签署",
    ]
    # T004: 10 + 20 × 1/3 + 1 talk × 2 + (20 − 10: S250008 dropped out; S250007 transferred,
    #       which is no loss) + 10 (bottom third) + 10 (top) = 48.6666… → 48.67
    assert row_of(out, "T004")[3:] == [
        "10",
        "6.67",
        "2",
        "10",
        "10",
        "10",
        "48.67",
        "优秀导师；考核组尚未签署",
    ]
    table = sheet_rows(xlsx, "太谷二中 工作落实考核表（附表五） 总表")
    assert [r[0] for r in table[2:]] == ["T002", "T001", "T004", "T003"]  # best first
    assert [r[9] for r in table[2:]] == [95, 76.83, 48.67, 45]
    evidence = sheet_rows(xlsx, "太谷二中 工作落实考核表（附表五） 依据")
    texts = [r[4] for r in evidence if r[0] == "T001" and r[1] == "每轮活动"]
    assert "第2轮：不计（缺少活动主题（theme））" in texts
    assert "第2轮（2025-10-21–2025-12-10）：没有符合要求的记录" in texts
    # the obligations report judges the same records alike: round 2 is unmet for T001
    code, out = run("obligations", *argv[:4], "--on", "2026-02-01")
    assert code == 0, out
    # (a student–parent meeting would count too: 与学生、家长的座谈也是与学生的座谈)
    mine = "；".join(
        f"阶段活动记录或师生家长座谈 第{n}轮 {status}"
        for n, status in ((1, "已完成"), (2, "未完成"), (3, "已完成"))
    )
    assert mine in out
    # the exempt list: both leavers owe nothing for periods ending after they left
    exempt = out.split("不计义务的学生（2 行）")[1]
    assert row_of(exempt, "S250007")[3:] == ["2025-12-01", "转学离校", "2025-12-01"]
    assert row_of(exempt, "S250008")[3:] == ["2025-11-03", "流失离校", "2025-11-03"]


def test_a_blank_theme_is_no_theme_for_the_validator(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    (root / "forms" / "kinds" / "group-activity.yaml").unlink()  # the shipped form again
    code, out = run("validate", str(root), "--no-cache", "--today", "2026-02-01")
    assert code == 1
    path = f"semesters/{S}/journal/T001/group/2025-11-05-group-activity.md"
    assert f"{root}/{path}:6:8: R102 缺少必填字段“活动主题”（theme）" in out.splitlines()
