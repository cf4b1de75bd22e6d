"""The words on a teacher's page: the check that fails a build showing file paths, shell
commands, field IDs or English UI text (``daoshi/site/wording.py``, code P901)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daoshi.site.wording import ALLOWED, findings

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "records"


def _page(body: str) -> str:
    return f"<html><head><title>x</title></head><body>\n<article>{body}</article>\n</body></html>"


@pytest.mark.parametrize(
    ("body", "what", "text"),
    [
        ("<p>计分依据（<code>forms/rubrics/</code>）</p>", "文件路径", "forms/rubrics/"),
        ("<p>出处：004_0d2444d5fbde277c.txt</p>", "文件路径", "004_0d2444d5fbde277c.txt"),
        ("<p>导出：daoshi export pairings 对接表.xlsx</p>", "命令", "daoshi export"),
        ("<p>提交：git commit -m 说明</p>", "命令", "git commit"),
        ("<p>本校不排名（exam_ranking: false）</p>", "字段代号", "exam_ranking"),
        ("<p>签订后请把 agreement: true 写进对接表</p>", "字段代号", "agreement: true"),
        ("<h1>404 - Not found</h1>", "英文界面文字", "Not found"),
        ("<p>审计：2026-10-18-talk-2</p>", "英文界面文字", "talk"),
    ],
)
def test_each_kind_of_internal_text_is_found_where_it_is(body: str, what: str, text: str) -> None:
    found = list(findings(_page(body)))
    assert found and found[0][2:] == (what, text), found
    assert found[0][0] == 2  # the line of the page the text is on


def test_teachers_words_and_allowed_words_pass() -> None:
    ours = "<p>打印：按 Ctrl+P，A4 纸；下载 Excel 表。学号 S250001，工号 T015，班级 C2025-01。</p>"
    theirs = (
        '<div class="daoshi-body"><p>he said: git commit, forms/x.yaml</p></div>'
        '<dl class="daoshi-facts"><dt>地点</dt><dd>Room 101 of building_a</dd></dl>'
        '<ul class="daoshi-diff"><li>areas: [study]</li></ul>'
        '<script>var exam_ranking = "forms/";</script>'
    )
    assert list(findings(_page(ours + theirs))) == []
    assert {"Ctrl", "A4", "Excel", "PDF"} <= ALLOWED


def test_the_tokenizer_reads_markup_as_a_browser_shows_it() -> None:
    """What the one-regex tokenizer must get right: a quoted ">" in an attribute, a
    script's "<div>", comments, self-closing elements, entities, single-quoted classes and
    the exact line and column of a finding after all of them."""
    tricky = (
        "<a title=\"a > b\" class='daoshi-user'>git commit</a>"
        "<script>if (a<b) { x = '<div>forms/x.yaml</div>' }</SCRIPT>"
        "<!-- forms/hidden.yaml > -->"
        '<svg><path d="M0 0"/><text>Not shown</text></svg>'
        "<p>a &lt; b &amp;&amp; 学号<br/>S250001</p>\n"
        '<span data-x=">">  第二行</span>Page not found'
    )
    found = list(findings(_page(tricky)))
    assert [f[2:] for f in found] == [("英文界面文字", "Page not found")]
    line, col = found[0][:2]
    assert line == 3  # the page's body starts on line 2; the finding is on the next line
    page_line = _page(tricky).splitlines()[line - 1]
    assert page_line[col - 1 :].startswith("Page not found")


def test_a_build_with_internal_text_on_a_page_fails_with_located_lines(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    own = records / "forms" / "kinds"
    own.mkdir(parents=True)
    talk = (REPO / "forms" / "kinds" / "talk.yaml").read_text("utf-8")
    (own / "talk.yaml").write_text(
        talk.replace("label: {zh: 谈话记录,", "label: {zh: Talk notes,", 1), "utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", "build", "--records", "records", "-d", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "页面上有不该给老师看的内部文字，站点未生成" in output, output[-2000:]
    lines = [line for line in output.splitlines() if " P901 " in line]
    assert lines and all("“Talk notes”" in line for line in lines), lines
    path, line, col = lines[0].split(" P901 ")[0].rstrip(":").rsplit(":", 2)
    assert Path(path).is_relative_to(tmp_path / "out") and int(line) > 0 and int(col) > 0


def test_appraisal_evidence_names_its_source_not_a_file() -> None:
    from daoshi.site.appraisal import source_label

    assert source_label("semesters/2025-2026-1/surveys.yaml:12") == "学生和家长评价汇总"
    assert source_label("semesters/2025-2026-1/pairings.yaml") == "对接表"
    assert source_label("semesters/2025-2026-1/other.yaml") == "学校录入的数据"
    assert list(findings(_page(f"<p>（{source_label('x/assessments.yaml:3')}）</p>"))) == []
