"""A District semester (青浦区“三个一”) counted by hand, through the real commands, with a
dated change of mentor, a student with two mentors (多对一), a transfer and a student left
without a mentor.

    导师基本任务是“三个一”：至少开展一次学生家访、一次谈心谈话、一次书面反馈。即：每学期
    开学前、学期末，由班主任指导或联合导师共同开展一次学生家访……与学生进行一次谈心谈话或
    开展家校沟通；每学期末，撰写一份个性化《成长寄语》

The District gives no points; daoshi's reference rubric gives 35 / 35 / 30 by the share
of a mentor's checks that are met, the total to one decimal, half up.
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
  - {{mentor: T001, students: [S250001, S250002, S250007]}}
  - {{mentor: T002, students: [S250003], end: 2025-11-30}}
  - {{mentor: T003, students: [S250003], start: 2025-12-01}}
  - {{mentor: T002, students: [S250004]}}
  - {{mentor: T003, students: [S250004]}}
  - {{mentor: T004, students: [S250005]}}
"""
HOME = "家访记录"
TALK = "谈话记录或家长联系记录"
MESSAGE = "成长寄语"


def district_school(root: Path) -> None:
    files = {
        "school.yaml": school_yaml("district"),
        "people/teachers.yaml": teachers_yaml("T001", "T002", "T003", "T004"),
        "people/cohorts/2025.yaml": cohort_yaml(
            {f"S25000{i}": "" for i in (1, 2, 3, 4, 6, 7)}
            | {"S250005": "    left: {date: 2025-10-15, reason: transferred}\n"}
        ),
        f"semesters/{S}/semester.yaml": semester_yaml(),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
    }
    records = [
        # S250001 (T001): a home visit made 开学前, a talk, a message in the last weeks
        record("home-visit", "T001", "S250001", "2025-08-25"),
        record("talk", "T001", "S250001", "2025-10-10"),
        record("growth-message", "T001", "S250001", "2026-01-10"),
        # S250002 (T001): a parent contact stands for the talk; a message in mid-term
        record("parent-contact", "T001", "S250002", "2025-10-12"),
        record("growth-message", "T001", "S250002", "2025-11-15"),
        # S250007 (T001): a talk only
        record("talk", "T001", "S250007", "2025-09-15"),
        # S250003: T002 until 30 November, then T003
        record("talk", "T002", "S250003", "2025-10-20"),
        record("home-visit", "T003", "S250003", "2025-12-05"),
        record("growth-message", "T003", "S250003", "2026-01-15"),
        # S250004: both T002 and T003 (多对一)
        record("talk", "T003", "S250004", "2025-11-01"),
        record("growth-message", "T002", "S250004", "2026-01-05"),
    ]
    write(root, files | dict(records))


def report_rows(path: Path, student: str) -> dict[str, list[object]]:
    """The obligations report's rows of one student, by duty: [周期, 负责导师, 状态, 完成]."""
    rows = sheet_rows(path, "每名学生")
    return {str(r[3]): [r[4], r[5], r[6], r[7]] for r in rows[2:] if r[0] == student}


def test_district_semester_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "records"
    district_school(root)
    code, out = run("validate", str(root), "--no-cache", "--today", "2026-02-01")
    # no X207 for the home visit of 25 August: the policy takes home visits from 30 days
    # before the first day; S250006 has no mentor, which is a note, not an error
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("提示（")
    assert lines[1] == (
        f"{root}/people/cohorts/2025.yaml:18:9: X211 学生 S250006 在 {S} 学期没有导师"
    )
    argv = ["--records", str(root), "--semester", S]
    report = tmp_path / "义务.xlsx"
    code, out = run("obligations", *argv, "--on", "2026-02-01", "--xlsx", str(report))
    assert code == 0, out
    # S250003 changed mentor on 1 December: T003 answers for the whole semester, and the
    # talk T002 had with the student on 20 October (when T002 was the mentor) counts
    assert report_rows(report, "S250003") == {
        HOME: ["本学期及开学前 30 天（2025-08-02–2026-01-20）", "T003", "已完成", "1/1"],
        TALK: ["本学期（2025-09-01–2026-01-20）", "T003", "已完成", "1/1"],
        MESSAGE: ["学期末最后 4 周（2025-12-24–2026-01-20）", "T003", "已完成", "1/1"],
    }
    # S250002: the parent contact counts as the talk; the November message is no 学期末
    assert [v[2] for v in report_rows(report, "S250002").values()] == ["未完成", "已完成", "未完成"]
    # S250004 has two mentors: both answer, and either's records count
    assert {k: v[1:3] for k, v in report_rows(report, "S250004").items()} == {
        HOME: ["T002、T003", "未完成"],
        TALK: ["T002、T003", "已完成"],
        MESSAGE: ["T002、T003", "已完成"],
    }
    # S250006 is listed as 未对接: three duties, nobody answers; S250005 transferred
    unpaired = sheet_rows(report, "未对接（没有导师的学生）")
    assert [(r[0], r[3], r[5]) for r in unpaired[2:]] == [
        ("S250006", HOME, "未完成"),
        ("S250006", TALK, "未完成"),
        ("S250006", MESSAGE, "未完成"),
    ]
    exempt = sheet_rows(report, "不计义务的学生")
    assert [r[0:4] for r in exempt[2:]] == [
        ["S250005", "学生05", "C2025-01", "2025-10-15 转学离校"]
    ]
    mentors = {r[0]: r for r in sheet_rows(report, "每位导师")[2:]}
    # T002 no longer answers for S250003: only S250004's three duties
    assert mentors["T002"][2:5] == [1, 2, 1]  # 1 student; 2 met, 1 unmet
    assert mentors["T003"][2:5] == [2, 5, 1]

    code, out = run("appraise", *argv, "--today", "2026-02-01")
    assert code == 0, out
    # T001 (S250001, S250002, S250007): home visits 1 of 3 → 35 × 1/3 = 11.666…;
    # talks 3 of 3 → 35; messages 1 of 3 → 30 × 1/3 = 10; 56.666… → 56.7
    assert row_of(out, "T001")[3:7] == ["11.67", "35", "10", "56.7"]
    # T002 (S250004 only): home 0 of 1 → 0; talk 1 of 1 → 35; message 1 of 1 → 30 → 65
    assert row_of(out, "T002")[3:7] == ["0", "35", "30", "65"]
    # T003 (S250003, S250004): home 1 of 2 → 17.5; talk 2 of 2 → 35; message 2 of 2 → 30
    # → 82.5
    assert row_of(out, "T003")[3:7] == ["17.5", "35", "30", "82.5"]
    # T004: the only mentee transferred on 15 October: nothing was due, nothing to score
    assert row_of(out, "T004")[3:7] == ["0", "0", "0", "0"]


def test_the_four_district_readings_are_settings(tmp_path: Path) -> None:
    root = tmp_path / "records"
    district_school(root)
    policy = (FORMS / "policies" / "district.yaml").read_text("utf-8")
    for old, new in (
        ("responsible: end", "responsible: longest"),
        ("unpaired: unassigned", "unpaired: exempt"),
        (", also: [parent-contact]", ""),
        (", window: {last_weeks: 4}", ""),
    ):
        assert old in policy
        policy = policy.replace(old, new)
    write(root, {"forms/policies/district.yaml": policy})
    report = tmp_path / "义务.xlsx"
    code, out = run(
        "obligations",
        "--records",
        str(root),
        "--semester",
        S,
        "--on",
        "2026-02-01",
        "--xlsx",
        str(report),
    )
    assert code == 0, out
    # longest: T002 had S250003 for 91 days (1 Sep – 30 Nov), T003 for 51 (1 Dec – 20 Jan)
    assert {v[1] for v in report_rows(report, "S250003").values()} == {"T002"}
    # only a talk is a talk: S250002's parent contact no longer counts
    assert report_rows(report, "S250002")["谈话记录"][2] == "未完成"
    # a message written in November counts when the whole semester does
    assert report_rows(report, "S250002")[MESSAGE][0] == "本学期（2025-09-01–2026-01-20）"
    assert report_rows(report, "S250002")[MESSAGE][2] == "已完成"
    # a student without a mentor owes nothing and is listed as exempt instead
    assert len(sheet_rows(report, "未对接（没有导师的学生）")) == 2  # title and header only
    exempt = sheet_rows(report, "不计义务的学生")
    assert ["S250006", "没有导师（按设置不计义务）"] in [[r[0], r[3]] for r in exempt[2:]]
