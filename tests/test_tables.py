"""daoshi.year.tables: the office's XLSX/CSV quirks on the way in, safe cells on the way out."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import openpyxl
import pytest

from daoshi.records.validate import load
from daoshi.site.core import Site
from daoshi.year.export import Sheet, safe_text, write_csv, write_xlsx
from daoshi.year.tables import normalize, parse_date, read_table, restore_width
from tests.test_roster import COHORT, _own_cache, make_repo, run  # noqa: F401

COLUMNS = {
    "id": ("学号",),
    "name": ("姓名",),
    "class": ("班级",),
    "date": ("日期", "入学日期"),
}


def workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "说明"
    hidden.append(["学号", "姓名", "班级"])
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("名单")
    ws["A1"] = "2025 级名单"
    ws.merge_cells("A1:D1")
    ws.append(["学 号", "姓名＊", "班级", "入学日期"])
    ws.append([1, "张　三", "１班", dt.datetime(2025, 9, 1)])
    ws.append([2.0, "李四", "2班", 45901])
    ws.append([3, "=A3&B3", "1班", "2025/9/1"])
    ws.append([4, "王五", "#N/A", "2025年9月1日"])
    ws.append([None, None, None, None])
    ws.append([" ", "　", None, None])
    ws.cell(row=60, column=2).value = ""
    wb.save(path)
    return path


def test_xlsx_rows_locations_and_problems(tmp_path: Path) -> None:
    book = workbook(tmp_path / "名单.xlsx")
    table = read_table(book, COLUMNS, {"id", "name"})
    assert (table.sheet, table.header_row) == ("名单", 2)
    assert table.columns == {"id": 1, "name": 2, "class": 3, "date": 4}
    assert [(r.location.line, r["id"], r["name"], r["class"], r["date"]) for r in table.rows] == [
        (3, "1", "张 三", "1班", "2025-09-01"),
        (4, "2", "李四", "2班", "45901"),
        (5, "3", "", "1班", "2025/9/1"),
        (6, "4", "王五", "", "2025年9月1日"),
    ]
    assert [p.format() for p in table.problems] == [
        f"{book}:名单!5:2: I404 单元格是公式 =A3&B3，请复制后“粘贴为数值”再导入",
        f"{book}:名单!6:3: I408 单元格是错误值 #N/A，请改正公式或填写数值",
    ]
    assert table.rows[2].reported == frozenset({"name"})
    assert str(table.rows[1].at("date")) == f"{book}:名单!4:4"
    assert str(table.rows[2].at("name")) == f"{book}:名单!5:2"  # an empty cell, still located
    assert {parse_date(r.cells["date"]) for r in table.rows} == {dt.date(2025, 9, 1)}


def test_header_problems(tmp_path: Path) -> None:
    book = workbook(tmp_path / "a.xlsx")
    table = read_table(book, COLUMNS, {"id", "name", "gender"} - {"gender"}, sheet="无此表")
    assert [p.format() for p in table.problems] == [
        f"{book}:1:1: I406 找不到工作表“无此表”（可用：名单）"
    ]
    missing = read_table(book, {**COLUMNS, "gender": ("性别",)}, {"id", "gender"})
    assert missing.problems[0].format() == f"{book}:名单!2:1: I403 找不到表头或缺少必需的列：性别"
    assert [p.code for p in missing.problems[1:]] == ["I404", "I408"]  # the rest, all in one run
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["学号", "姓名", "学籍号"])
    ws.append(["1", "张三", "1"])
    twice = tmp_path / "twice.xlsx"
    wb.save(twice)
    dup = read_table(twice, COLUMNS, {"id"}, mapping={"学籍号": "id"})
    assert [p.format() for p in dup.problems] == [
        f"{twice}:Sheet!1:3: I405 列“学籍号”重复（第 1 列已是同一项）"
    ]
    own = read_table(twice, COLUMNS, {"id"}, mapping={"学号": "class", "学籍号": "id"})
    assert own.columns == {"class": 1, "name": 2, "id": 3}
    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    assert [p.code for p in read_table(tmp_path / "x.xls", COLUMNS, {"id"}).problems] == ["I407"]
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    assert [p.code for p in read_table(tmp_path / "bad.xlsx", COLUMNS, {"id"}).problems] == ["I401"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("学号,姓名\r\n007,张三\r\n".encode("gbk"), "张三"),
        ("\ufeff学号,姓名\n007,李四\n".encode(), "李四"),
        ("学号,姓名\n007,䶮\n".encode("gb18030"), "䶮"),
        ("学号\t姓名\n007\t王五\n".encode("utf-16"), "王五"),
        ("学号;姓名\n００７;赵六\n".encode(), "赵六"),
    ],
)
def test_csv_encodings(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    table = read_table(path, COLUMNS, {"id", "name"})
    assert table.problems == []
    assert [(r["id"], r["name"]) for r in table.rows] == [("007", name)]
    assert str(table.rows[0].at("name")) == f"{path}:2:2"


def test_unknown_encoding(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\xff\xff\xff\x80\x80")
    problems = read_table(path, COLUMNS, {"id"}).problems
    assert [p.code for p in problems] == ["I402"]


def test_cell_helpers() -> None:
    assert normalize("　Ａ１２３ \u00a0 张\u200b三  ") == "A123 张三"
    assert restore_width("250001", 7) == "0250001"
    assert restore_width("S25", 7) == "S25"
    for text in ("2025-09-01", "2025/9/1", "2025.9.1", "2025年9月1日", "20250901", "45901"):
        assert parse_date(text) == dt.date(2025, 9, 1), text
    assert parse_date("2025-02-30") is None
    assert parse_date("九月一日") is None
    assert [safe_text(t) for t in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a=b")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "a=b"
    ]  # fmt: skip


def test_written_cells_are_safe_and_ids_stay_text(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    rows = [
        ["学号", "姓名", "备注", "日期"],
        ["0250001", '=HYPERLINK("http://x","点我")', "-2+3", dt.date(2025, 9, 1)],
        ["007", "@cmd", 12, None],
    ]
    write_xlsx(out, [Sheet("名单", rows, title="=标题")])
    wb = openpyxl.load_workbook(out)
    ws = wb["名单"]
    assert ws["A1"].value == "'=标题"
    assert ws["A3"].value == "0250001" and ws["A3"].data_type == "s"
    assert ws["A3"].number_format == "@"
    assert ws["B3"].value == '\'=HYPERLINK("http://x","点我")' and ws["B3"].data_type == "s"
    assert ws["C3"].value == "'-2+3"
    assert ws["D3"].value == dt.datetime(2025, 9, 1)
    assert ws["B4"].value == "'@cmd" and ws["C4"].value == 12
    assert "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    back = read_table(out, {"id": ("学号",), "name": ("姓名",)}, {"id"})
    assert [r["id"] for r in back.rows] == ["0250001", "007"]
    assert back.problems == []  # nothing reads back as a formula
    csv_out = tmp_path / "out.csv"
    write_csv(csv_out, rows)
    data = csv_out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[1] == (
        '0250001,"\'=HYPERLINK(""http://x"",""点我"")",\'-2+3,2025-09-01'
    )


def test_the_same_sheets_are_the_same_bytes_whenever_written(tmp_path: Path) -> None:
    """A download on a site or a committed export tells nothing about when it was made, and
    two builds of one site are the same files (a difference would be a leak)."""
    sheets = [Sheet("对接表", [["学号", "姓名"], ["0250001", "张三"]], title="对接表")]
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx(first, sheets)
    time.sleep(2.1)  # zip times have two-second steps
    write_xlsx(second, sheets)
    assert first.read_bytes() == second.read_bytes()
    assert openpyxl.load_workbook(second)["对接表"]["B3"].value == "张三"


def test_export_pairings_and_pages(tmp_path: Path) -> None:
    cohort = COHORT.replace("name: 李娜", 'name: "=1+2"')
    repo = make_repo(tmp_path / "records", {"people/cohorts/2025.yaml": cohort})
    out = tmp_path / "对接表.xlsx"
    result = run("export", "pairings", str(out), "--records", str(repo))
    assert result.exit_code == 0, result.output
    assert result.output == f"已导出 2025学年第一学期 对接表到 {out}（3 个工作表）。\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["初一(1)班", "初一(2)班", "导师汇总"]
    ws = wb["初一(1)班"]
    assert (
        ws["A1"].value == "测试中学 2025学年第一学期 导师与学生对接表 · 初一(1)班（班主任：王芳）"
    )
    assert [c.value for c in ws[2]] == [
        "序号", "学号", "姓名", "性别", "导师", "导师工号", "任教学科", "重点帮扶", "协议"
    ]  # fmt: skip
    assert [c.value for c in ws[4]] == [
        2,
        "0250002",
        "'=1+2",
        "女",
        "王芳",
        "T001",
        "语文",
        "是",
        "—",
    ]
    summary = wb["导师汇总"]
    assert [c.value for c in summary[3]][:6] == [1, "王芳", "T001", "语文", 3, 15]
    # the printable pages: a class's table and a mentor's agreement
    school = load(repo, today=dt.date(2025, 10, 1), use_cache=False)
    from daoshi.site.year import year_makers

    makers = year_makers(Site(school, dt.date(2025, 10, 1)))
    assert sorted(makers) == [
        "pairings/2025-2026-1/classes/C2025-01.md",
        "pairings/2025-2026-1/classes/C2025-02.md",
        "pairings/2025-2026-1/index.md",
        "pairings/2025-2026-1/mentors/T001.md",
        "pairings/2025-2026-1/mentors/T003.md",
    ]
    page = makers["pairings/2025-2026-1/classes/C2025-01.md"]()
    assert page.title == "导师与学生对接表 · 初一（1）班"
    assert '<td>2</td><td>0250002</td><td><a href="../../../../students/0250002/">=1+2</a>' in (
        page.content
    )
    agreement = makers["pairings/2025-2026-1/mentors/T003.md"]().content
    assert "导师签字" in agreement and "0250006" in agreement and "上限 15 人" in agreement
    index = makers["pairings/2025-2026-1/index.md"]().content
    assert "在校学生 6 人 · 有导师 6 人 · 导师 2 人" in index
