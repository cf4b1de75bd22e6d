"""``daoshi new``: a commented record from the form, in the right place."""

from __future__ import annotations

from click.testing import CliRunner

from daoshi.cli.main import main

from .conftest import SEMESTER, School


def _new(school: School, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["new", *args, "--records", str(school.root)])
    return result.exit_code, result.stdout, result.stderr


def test_new_talk_is_placed_commented_and_validates_once_filled(school: School) -> None:
    code, out, _ = _new(school, "talk", "--student", "S250002", "--date", "2025-11-03")
    rel = f"{SEMESTER}/journal/T001/S250002/2025-11-03-talk.md"
    assert code == 0
    assert out.strip() == str(school.root / rel)
    text = (school.root / rel).read_text("utf-8")
    assert text.startswith(
        "---\n# yaml-language-server: $schema=../../../../../schemas/talk.schema.json\n"
    )
    assert "kind: talk\nmentor: T001\nstudent: S250002\ndate: 2025-11-03\n" in text
    assert "# 指导方面（必填）：“五导”中本次谈话涉及的方面，可多选。" in text
    code, lines = school.validate()
    assert code == 1
    assert f"{school.path(rel)}:8:8: R107 “指导方面”至少需要 1 项" in lines
    # the body after the commented fields, the last the student's signature and its date
    assert f"{school.path(rel)}:22:1: R109 正文“谈话内容”不能为空" in lines
    filled = text.replace("areas: []", "areas: [study]") + "谈了期中复习计划。\n"
    school.write(rel, filled)
    assert school.validate()[0] == 0


def test_second_record_same_day_gets_a_number(school: School) -> None:
    code, out, _ = _new(school, "talk", "--student", "S250001", "--date", "2025-10-12")
    assert code == 0
    assert out.strip().endswith("/T001/S250001/2025-10-12-talk-2.md")


def test_group_activity_takes_several_students(school: School) -> None:
    code, out, _ = _new(
        school,
        "group-activity",
        "--student",
        "S250001",
        "--student",
        "S250002",
        "--date",
        "2025-11-05",
    )
    assert code == 0
    assert out.strip().endswith(f"{SEMESTER}/journal/T001/group/2025-11-05-group-activity.md")
    assert "participants: [S250001, S250002]" in (school.root / out.strip()).read_text("utf-8")


def test_mistakes_get_a_clear_message(school: School) -> None:
    assert (
        _new(school, "talk", "--student", "S999999", "--date", "2025-11-03")[2]
        == "错误：未知的学生学号 S999999\n"
    )
    assert _new(school, "chat", "--student", "S250001", "--date", "2025-11-03")[2].startswith(
        "错误：未知的记录种类 chat，可用：case-analysis, case-meeting, colleague-follow-up, "
        "crisis-follow-up, crisis-report"
    )
    assert (
        _new(school, "talk", "--student", "S250001", "--date", "2025-08-01")[2]
        == "错误：2025-08-01 不在任何学期内\n"
    )
    assert _new(school, "talk", "--student", "S250003", "--date", "2025-11-03", "--mentor", "T001")[
        2
    ] == ("错误：S250003 在 2025-2026-1 学期不是 T001 的受导学生\n")
    assert (
        _new(
            school,
            "group-activity",
            "--student",
            "S250001",
            "--student",
            "S250003",
            "--date",
            "2025-11-05",
        )[2]
        == "错误：S250003 在 2025-2026-1 学期不是 T001 的受导学生\n"
    )
    code, _, err = _new(school, "talk", "--student", "S250001", "--date", "2025-13-01")
    assert code == 2
    assert "日期应写成 2025-10-12：2025-13-01" in err
