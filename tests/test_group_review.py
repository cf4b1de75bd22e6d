"""The appraisal group's comment and sign-off (太谷附表五“考核组评价”“考核组组长”) and other
offices' quantified scores (枣庄“政教处、艺体办负责评价学生德育、体育、卫生、纪律等的检查，
量化赋分，纳入班级及老师考核”), through the real commands: validate, appraise, the site and
the close."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.handcount import (
    S,
    cohort_yaml,
    record,
    row_of,
    run,
    school_yaml,
    semester_yaml,
    teachers_yaml,
    write,
)

PAIRINGS = f"""\
semester: {S}
pairings:
  - {{mentor: T001, students: [S250001], agreement: true}}
  - {{mentor: T002, students: [S250002], agreement: true}}
"""
SIGNED = """\
  - mentor: T001
    group_comment: 认真落实每轮活动，谈话记录完整。
    group_leader: 王组长
    signed_on: 2026-01-18
"""
UNSIGNED = """\
  - mentor: T002
    group_comment: 个别指导次数偏少。
"""


def school(root: Path, policy: str, assessments: str, exam_ranking: bool = False) -> None:
    files = {
        "school.yaml": school_yaml(policy, exam_ranking),
        "people/teachers.yaml": teachers_yaml("T001", "T002"),
        "people/cohorts/2025.yaml": cohort_yaml({"S250001": "", "S250002": ""}),
        f"semesters/{S}/semester.yaml": semester_yaml(),
        f"semesters/{S}/pairings.yaml": PAIRINGS,
        f"semesters/{S}/assessments.yaml": f"semester: {S}\n" + assessments,
    }
    write(root, files | dict([record("talk", "T001", "S250001", "2025-10-08")]))


def line_of(output: str, mentor: str) -> str:
    row_of(output, mentor)  # exactly one
    return next(line for line in output.splitlines() if line.startswith(mentor + " "))


def appraisal_pages(root: Path, site: Path, *mentors: str) -> list[str]:
    """``daoshi build`` of the school; the mentors' appraisal pages as built."""
    code, out = run("build", "--records", str(root), "-d", str(site), "--today", "2026-02-01")
    assert code == 0, out
    return [(site / "appraisal" / "mentors" / m / "index.html").read_text("utf-8") for m in mentors]


def git(root: Path, *argv: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *argv], check=True, capture_output=True, text=True
    ).stdout


def committed(root: Path) -> None:
    """The school as a git repository with one commit, as close-semester needs it."""
    git(root, "init", "-q")
    git(root, "config", "user.name", "王组长")
    git(root, "config", "user.email", "wang@example.edu.cn")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "records")


def test_sign_off_shown_with_the_score(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "taigu", "mentors:\n" + SIGNED + UNSIGNED)
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 0, out
    assert line_of(out, "T001").endswith("考核组组长 王组长 2026-01-18 签署")
    assert line_of(out, "T002").endswith("考核组尚未签署")
    first, second = appraisal_pages(root, tmp_path / "site", "T001", "T002")
    assert "考核组评价：</strong>认真落实每轮活动，谈话记录完整。" in first
    assert "考核组组长：</strong>王组长，2026年1月18日 签署" in first
    assert "考核组评价：</strong>个别指导次数偏少。" in second
    assert "考核组组长：</strong>尚未签署" in second


def test_sign_off_needs_leader_and_date(tmp_path: Path) -> None:
    root = tmp_path / "records"
    bad = "  - {mentor: T001, group_leader: 王组长}\n  - {mentor: T002, signed_on: 2025-08-01}\n"
    school(root, "taigu", "mentors:\n" + bad)
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 1
    where = f"{root}/semesters/{S}/assessments.yaml"
    both = "A510 考核组的签署要同时写明考核组组长（group_leader）和签署日期（signed_on）"
    assert out.splitlines()[:3] == [
        f"{where}:3:34: {both}",
        f"{where}:4:31: {both}",
        f"{where}:4:31: A511 签署日期 2025-08-01 早于学期开始（2025-09-01）",
    ]


def test_close_waits_for_the_sign_off(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "taigu", "mentors:\n" + SIGNED + UNSIGNED)
    committed(root)
    argv = ("close-semester", S, "--records", str(root), "--today", "2026-01-25")
    code, out = run(*argv)
    assert code == 1
    assert "这些导师的考核还没有签署：T002 教师2。" in out
    assert git(root, "tag", "--list") == ""
    text = (root / f"semesters/{S}/assessments.yaml").read_text("utf-8")
    text = text.replace(
        UNSIGNED, UNSIGNED + "    group_leader: 王组长\n    signed_on: 2026-01-19\n"
    )
    (root / f"semesters/{S}/assessments.yaml").write_text(text, "utf-8")
    git(root, "commit", "-qam", "考核组组长签署")
    code, out = run(*argv)
    assert code == 0, out
    assert git(root, "tag", "--list").split() == [f"close/{S}"]
    assert "考核组已签署 2 名导师的考核" in git(root, "tag", "-n20", f"close/{S}")


def test_district_close_needs_no_sign_off(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "district", "mentors:\n" + SIGNED + UNSIGNED)
    committed(root)
    code, out = run("close-semester", S, "--records", str(root), "--today", "2026-01-25")
    assert code == 0, out
    # no rubric asks for the sign-off: T002 unsigned does not hold the close; T001's counts
    assert "考核组已签署 1 名导师的考核" in git(root, "tag", "-n20", f"close/{S}")


OFFICES = """\
office_scores:
  - {mentor: T001, office: moral_office, aspect: discipline, points: 8,
     note: 受导学生所在班纪律检查第一}
  - {mentor: T001, office: arts_sports, aspect: sports, points: 15}
  - {mentor: T002, office: moral_office, aspect: hygiene, points: -2}
"""


def test_office_scores_counted_by_the_zaozhuang_rubric(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "zaozhuang", OFFICES, exam_ranking=True)
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 0, out
    # base 50 + rank 0 + offices: T001 8 + 15 = 23 > 20 → 20; T002 −2 → 0 (never below 0)
    assert row_of(out, "T001")[3:7] == ["50", "0", "20", "70"]
    assert row_of(out, "T002")[3:7] == ["50", "0", "0", "50"]
    (page,) = appraisal_pages(root, tmp_path / "site", "T001")
    assert "科室赋分：20 / 20" in page
    assert "政教处 · 纪律检查 +8 分（受导学生所在班纪律检查第一）" in page
    assert "艺体办 · 体育检查 +15 分" in page
    assert "政教处、艺体办量化赋分" in page


def test_office_scores_listed_where_no_rubric_counts_them(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "district", OFFICES)
    code, out = run("appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01")
    assert code == 0, out
    assert line_of(out, "T002").endswith("政教处 · 卫生检查 -2 分（不计分）")
    (page,) = appraisal_pages(root, tmp_path / "site", "T002")
    assert "其他科室量化赋分（本考核表没有这一项，只列出，不计入总分）" in page
    assert "政教处 · 卫生检查 -2 分" in page


def test_office_score_values_are_checked(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(
        root,
        "district",
        "office_scores:\n  - {mentor: T001, office: library, aspect: sports, points: 3}\n",
    )
    code, out = run("validate", str(root), "--today", "2026-02-01")
    assert code == 1
    assert (
        f"{root}/semesters/{S}/assessments.yaml:3:28: R104 “赋分科室”的值“library”不在允许范围内："
        "moral_office (政教处), arts_sports (艺体办)"
    ) in out.splitlines()
