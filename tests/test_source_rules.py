"""The source documents' rules the product could not express before, each through a real
command: joint home visits, a 0–100 survey scale, records outside the semester and a
mentor over the cap that no longer stop the school, a policy's counts and settings checked
(A505, A502), and ``daoshi review`` crediting only records that validate."""

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

FORMS = Path(__file__).resolve().parent.parent / "forms"
VISITS_RUBRIC = """\
id: visits
label: 家访计分
policies: [district]
items:
  - {id: visits, type: per-record, label: 家访, points: 20, kinds: [home-visit], each: 5}
"""


def base_school(root: Path, policy: str = "district", pairings: str = "") -> None:
    write(
        root,
        {
            "school.yaml": school_yaml(policy),
            "people/teachers.yaml": teachers_yaml("T001", "T002", "T003"),
            "people/cohorts/2025.yaml": cohort_yaml({f"S25000{i}": "" for i in range(1, 5)}),
            f"semesters/{S}/semester.yaml": semester_yaml(),
            f"semesters/{S}/pairings.yaml": pairings
            or f"semester: {S}\npairings:\n"
            "  - {mentor: T001, students: [S250001, S250002]}\n"
            "  - {mentor: T002, students: [S250001, S250003, S250004]}\n",
        },
    )


def test_a_joint_home_visit_is_credited_to_each_teacher_by_the_setting(tmp_path: Path) -> None:
    root = tmp_path / "records"
    base_school(root)
    write(
        root,
        {
            "forms/rubrics/visits.yaml": VISITS_RUBRIC,
            # S250001 has two mentors (多对一); T001 visits with T002 and the class teacher
            **dict(
                [
                    record(
                        "home-visit", "T001", "S250001", "2025-10-08", teachers=["T002", "T003"]
                    ),
                    record("home-visit", "T002", "S250003", "2025-10-09"),
                ]
            ),
        },
    )
    argv = ["appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01"]
    code, out = run(*argv)
    assert code == 0, out
    # joint_visits: each → T001 1 visit × 5; T002 its own visit + the joint one = 2 × 5 = 10
    # (T003 came too but mentors no student here: not appraised)
    visits = out.split("家访计分")[1]
    assert row_of(visits, "T001")[3:5] == ["5", "5"]
    assert row_of(visits, "T002")[3:5] == ["10", "10"]
    policy = (FORMS / "policies" / "district.yaml").read_text("utf-8")
    write(
        root,
        {
            "forms/policies/district.yaml": policy.replace(
                "joint_visits: each", "joint_visits: author"
            )
        },
    )
    code, out = run(*argv)
    assert code == 0, out
    # joint_visits: author → only the teacher who wrote it: T002 has 1 visit × 5
    assert row_of(out.split("家访计分")[1], "T002")[3:5] == ["5", "5"]


def test_a_0_to_100_survey_scale(tmp_path: Path) -> None:
    root = tmp_path / "records"
    base_school(root, "qingpu-exp")
    table = tmp_path / "百分制.csv"
    table.write_text(
        "导师工号,评价人,有效问卷数,方法,态度,频率,效果\nT001,学生,10,90,85,80,85\n", "utf-8"
    )
    where = ["--semester", S, "--records", str(root)]
    code, out = run("import", "surveys", str(table), *where)
    assert code == 1 and "I452 “方法”应是 1 到 5 之间的数，不是“90”" in out
    code, out = run("import", "surveys", str(table), *where, "--scale", "100")
    assert code == 0, out
    assert "    scale: 100\n" in (root / "semesters" / S / "surveys.yaml").read_text("utf-8")
    code, out = run("appraise", *where, "--today", "2026-02-01")
    assert code == 0, out
    # (90 + 85 + 80 + 85) ÷ 4 = 85 of 100 → 85 ÷ 100 × 40 = 34; no grade score, no parents
    assert row_of(out, "T001")[3:7] == ["0", "34", "0", "34"]


def test_facts_do_not_stop_the_appraisal(tmp_path: Path) -> None:
    root = tmp_path / "records"
    base_school(root, "taigu")
    write(
        root,
        {
            # a talk dated after the semester's last day, filed under it (X207, a note)
            **dict([record("talk", "T001", "S250001", "2026-01-25")]),
            # Taigu's cap for T002 lowered to 2 by the school: T002 has 3 (X210, a note)
            "forms/policies/taigu.yaml": (FORMS / "policies" / "taigu.yaml")
            .read_text("utf-8")
            .replace("ratio_cap: 10", "ratio_cap: 2"),
        },
    )
    # and T003 mentors nobody where Taigu says 全体教师参与担任导师 (X225, a note)
    code, out = run("validate", str(root), "--no-cache", "--today", "2026-02-01")
    assert code == 0, out
    assert out.splitlines()[-1] == "没有发现问题，另有 3 条提示。"
    assert "X225 教师 T003" in out
    argv = ["--records", str(root), "--semester", S, "--today", "2026-02-01"]
    code, out = run("appraise", *argv)
    assert code == 0, out  # facts are shown and counted by the settings, never a refusal
    # outside_semester: ignore (Taigu's default) → the late talk does not count: 0 guidance
    assert row_of(out, "T001")[5] == "0"
    policy = (FORMS / "policies" / "taigu.yaml").read_text("utf-8")
    write(
        root,
        {
            "forms/policies/taigu.yaml": policy.replace(
                "outside_semester: ignore", "outside_semester: count"
            )
        },
    )
    code, out = run("appraise", *argv)
    assert code == 0, out
    assert row_of(out, "T001")[5] == "2"  # counted: 1 talk × 2


def test_a_bad_policy_setting_and_a_moved_rubric_setting_are_located(tmp_path: Path) -> None:
    root = tmp_path / "records"
    base_school(root)
    policy = (FORMS / "policies" / "district.yaml").read_text("utf-8")
    write(
        root,
        {"forms/policies/district.yaml": policy.replace("responsible: end", "responsible: first")},
    )
    argv = ["appraise", "--records", str(root), "--semester", S, "--today", "2026-02-01"]
    code, out = run(*argv)
    assert code == 1
    assert out.splitlines()[0] == (
        f"{root}/forms/policies/district.yaml:1:1: A505 政策 district 的设置有误："
        "settings.responsible 应为 end | longest"
    )
    write(root, {"forms/policies/district.yaml": policy})
    rubric = (FORMS / "rubrics" / "district.yaml").read_text("utf-8")
    write(
        root,
        {
            "forms/rubrics/district.yaml": rubric.replace(
                "settings:\n", "settings:\n  min_body_chars: 15\n"
            )
        },
    )
    code, out = run(*argv)
    assert code == 1
    assert "A502 考核表定义有误：设置 min_body_chars 已移到政策文件的 counts 中" in out


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=教务处", "-c", "user.email=a@x.cn", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_review_does_not_credit_a_record_that_validation_rejects(tmp_path: Path) -> None:
    root = tmp_path / "records"
    base_school(root)
    good = record("talk", "T001", "S250001", "2025-10-10")
    path, text = record("talk", "T001", "S250002", "2025-10-11")
    bad = (path, "".join(line for line in text.splitlines(True) if not line.startswith("areas:")))
    # R102: areas is required
    write(root, dict([good, bad]))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "记录")
    code, out = run(
        "review", "--semester", S, "--records", str(root), "--text", "--today", "2026-02-01"
    )
    assert code == 0, out
    # S250001's talk is credited; S250002's (which fails validation) is listed, not credited
    assert "S250002：缺谈话记录或家长联系记录（本学期）" in out
    assert "S250001：缺谈话记录" not in out
