"""A mentor's service over the years (区文件“将导师的工作经历及成效作为教师职称晋升、创先评优
等的重要参考”): ``daoshi appraise --mentor`` and the mentor's appraisal page."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from tests.handcount import record, run, write
from tests.test_group_review import appraisal_pages, school

DEMO = Path(__file__).resolve().parent.parent / "records"


def test_the_demo_mentors_years(tmp_path: Path) -> None:
    xlsx = tmp_path / "历年.xlsx"
    argv = ["--records", str(DEMO), "--mentor", "T001", "--today", "2026-11-20"]
    code, out = run("appraise", *argv, "--xlsx", str(xlsx))
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].endswith("T001 夏国波 历年导师工作（截至 2026-11-20）")
    assert lines[2].startswith("2025学年第二学期  9 名")
    assert "谈话记录 46 份" in lines[2] and "导师工作方案 1 份" in lines[2]
    assert lines[2].endswith("青浦区“三个一”完成情况（参考） 100/100")
    assert lines[3].startswith("2026学年第一学期  9 名") and lines[3].endswith("（暂计）")
    assert lines[4] == "共 2 个学期。"
    sheet = load_workbook(xlsx)["历年导师工作"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == ["学期", "受导学生", "记录", "考核得分"]
    assert rows[2][:2] == ["2025学年第二学期", 9]


def test_an_unknown_mentor_is_refused() -> None:
    code, out = run("appraise", "--records", str(DEMO), "--mentor", "T999")
    assert code == 2
    assert "没有工号为 T999 的教师" in out


def test_the_years_on_the_mentors_appraisal_page(tmp_path: Path) -> None:
    root = tmp_path / "records"
    school(root, "taigu", "mentors: []\n")
    write(root, dict([record("talk", "T001", "S250001", "2025-11-08")]))
    (page,) = appraisal_pages(root, tmp_path / "site", "T001")
    assert "历年导师工作" in page
    assert "“将导师的工作经历及成效作为教师职称晋升、创先评优等的重要参考”" in page
    row = page[page.index("<td>2025学年第一学期</td>") :]
    row = row[: row.index("</tr>")]
    assert "1 名" in row and "谈话记录 2 份" in row
    assert "太谷二中 工作落实考核表（附表五）：" in row
