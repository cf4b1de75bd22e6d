"""Survey import: CSV (UTF-8, GBK) and XLSX, summary rows or one row per questionnaire."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from daoshi.cli.main import main
from tests.conftest import School

SURVEYS = "semesters/2025-2026-1/surveys.yaml"


def run(school: School, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["import", "surveys", *args, "--records", str(school.root)], catch_exceptions=False
    )
    return result.exit_code, result.output


def test_summary_csv_in_utf8_is_written_and_validates(school: School, tmp_path: Path) -> None:
    csv = tmp_path / "汇总.csv"
    csv.write_text(
        "导师工号,评价人,有效问卷数,方法,态度,频率,效果\n"
        "T001,学生,9,4.5,4.8,4.2,4.6\n"
        "T002,家长,7,３.５,4,4,4\n",  # full-width digits from an office's sheet
        "utf-8-sig",
    )
    code, out = run(school, str(csv), "--semester", "2025-2026-1")
    assert code == 0, out
    text = (school.root / SURVEYS).read_text("utf-8")
    assert (
        "  - mentor: T001\n    respondents: students\n    responses: 9\n    method: 4.5\n" in text
    )
    assert "  - mentor: T002\n    respondents: parents\n    responses: 7\n    method: 3.5\n" in text
    assert school.validate()[0] == 0
    # importing parents' ratings of T001 later keeps the students' row
    more = tmp_path / "家长.csv"
    more.write_text("工号,方法,态度,频率,效果\nT001,4,4,4,5\nT001,5,5,5,5\n", "utf-8")
    code, out = run(school, str(more), "--semester", "2025-2026-1", "--respondents", "parents")
    assert code == 0, out
    text = (school.root / SURVEYS).read_text("utf-8")
    # two questionnaires averaged: method (4 + 5) ÷ 2 = 4.5, effect (5 + 5) ÷ 2 = 5.0
    assert "  - mentor: T001\n    respondents: parents\n    responses: 2\n    method: 4.5\n" in text
    assert "    effect: 5.0\n" in text
    assert "respondents: students\n    responses: 9" in text


def test_gbk_questionnaire_export_is_averaged(school: School, tmp_path: Path) -> None:
    csv = tmp_path / "问卷星.csv"
    rows = ["序号,提交答卷时间,导师,身份,指导方法,指导态度,指导次数,指导效果"]
    rows += [f"{i},2025/12/1,T003,学生,{m},5,4,4" for i, m in enumerate((3, 4, 5), 1)]
    csv.write_bytes(("\n".join(rows) + "\n").encode("gbk"))
    code, out = run(school, str(csv), "--semester", "2025-2026-1")
    assert code == 0, out
    text = (school.root / SURVEYS).read_text("utf-8")
    # method (3 + 4 + 5) ÷ 3 = 4.0 from 3 questionnaires
    assert (
        "  - mentor: T003\n    respondents: students\n    responses: 3\n    method: 4.0\n" in text
    )


def test_bad_rows_in_xlsx_are_located_and_nothing_is_written(
    school: School, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "学生评价"
    sheet.append(["2025学年第一学期导师评价汇总"])
    sheet.append(["导师工号", "评价人", "有效问卷数", "方法", "态度", "频率", "效果"])
    sheet.append(["T001", "学生", 9, 4.5, 4.8, 4.2, 4.6])
    sheet.append(["T009", "老师", "九", 6, 4, 4, 4])
    sheet.append(["T001", "学生", 3, 4, 4, 4, 4])
    path = tmp_path / "评价.xlsx"
    book.save(path)
    before = (school.root / SURVEYS).exists()
    code, out = run(school, str(path), "--semester", "2025-2026-1")
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:学生评价!4:1: I450 导师 T009 不在 people/teachers.yaml 中",
        f"{path}:学生评价!4:2: I451 评价人“老师”应为“学生”或“家长”",
        f"{path}:学生评价!4:3: I453 有效问卷数“九”应是 0 到 1000 的整数",
        f"{path}:学生评价!4:4: I452 “方法”应是 1 到 5 之间的数，不是“6”",
        f"{path}:学生评价!5:1: I454 导师 T001 的学生评价出现两次（第 3 行已有）",
    ]
    assert (school.root / SURVEYS).exists() == before


def test_unknown_semester_and_missing_columns(school: School, tmp_path: Path) -> None:
    csv = tmp_path / "s.csv"
    csv.write_text("导师工号,方法\nT001,4\n", "utf-8")
    code, out = run(school, str(csv), "--semester", "2030-2031-1")
    assert code == 1 and "I455 没有学期 2030-2031-1" in out
    code, out = run(school, str(csv), "--semester", "2025-2026-1")
    assert code == 1 and " I403 " in out
    assert not (school.root / SURVEYS).exists()
