"""daoshi import roster: real XLSX/CSV files with the office's quirks, real git commits."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from daoshi.cli.main import main
from daoshi.year.roster import parse_class
from daoshi.year.yamldoc import load_yaml

SCHOOL = """\
# yaml-language-server: $schema=schemas/school.schema.json
id: test-school
name: 测试中学
stage: junior
timezone: Asia/Shanghai
policies: [district]
exam_ranking: false
import:
  id_width: 7
"""
TEACHERS = """\
# yaml-language-server: $schema=../schemas/teachers.schema.json
# 教师名单（测试）
teachers:
  - id: T001
    name: 王芳
    gender: female
    subjects: [语文]
    email: t001@test.invalid
    tags: [party_member]
    classes: [C2025-01]
  - id: T002
    name: 李强
    gender: male
    subjects: [数学]
    email: t002@test.invalid
    classes: [C2025-01, C2025-02]
  - id: T003
    name: 赵敏
    gender: female
    subjects: [英语]
    email: t003@test.invalid
    classes: [C2025-02]
  - id: T004
    name: 王芳
    gender: female
    subjects: [物理]
    email: t004@test.invalid
    tags: [cadre]
    classes: [C2025-01, C2025-02]
"""
COHORT = """\
# yaml-language-server: $schema=../../schemas/cohort.schema.json
# 2025 级名单：请勿按姓名查找学生，同名的学生不少
cohort: 2025
classes:
  - id: C2025-01
    number: 1
  - id: C2025-02
    number: 2
students:
  - id: "0250001"
    name: 张伟
    gender: male
    class: C2025-01
    family: 父母在外地工作。  # confidential, kept by every import
  - id: "0250002"
    name: 李娜
    gender: female
    class: C2025-01
  - id: "0250003"
    name: 王磊
    gender: male
    class: C2025-01
  - id: "0250004"
    name: 刘洋
    gender: male
    class: C2025-02
  - id: "0250005"
    name: 陈静
    gender: female
    class: C2025-02
  - id: "0250006"
    name: 杨帆
    gender: male
    class: C2025-02
"""
SEMESTER = """\
# yaml-language-server: $schema=../../schemas/semester.schema.json
id: 2025-2026-1
start: 2025-09-01
end: 2026-01-20
classes:
  - class: C2025-01
    class_teacher: T001
  - class: C2025-02
    class_teacher: T003
"""
PAIRINGS = """\
# yaml-language-server: $schema=../../schemas/pairings.schema.json
semester: 2025-2026-1
pairings:
  - mentor: T001
    students: ["0250001", "0250002", "0250003"]
    key_student: "0250002"
  - mentor: T003
    students: ["0250004", "0250005", "0250006"]
"""
AUTHOR = ("教务处 周老师", "office@test.invalid")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    """A small valid records repository with one commit, by the office's git identity."""
    contents = {
        "school.yaml": SCHOOL,
        "people/teachers.yaml": TEACHERS,
        "people/cohorts/2025.yaml": COHORT,
        "semesters/2025-2026-1/semester.yaml": SEMESTER,
        "semesters/2025-2026-1/pairings.yaml": PAIRINGS,
        **(files or {}),
    }
    for name, text in contents.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", AUTHOR[0])
    git(root, "config", "user.email", AUTHOR[1])
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "初始")
    return root


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "records")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def quirky_roster(path: Path) -> Path:
    """The office's real spreadsheet: every quirk, but nothing wrong."""
    wb = openpyxl.Workbook()
    old = wb.active
    assert old is not None
    old.title = "旧名单"
    old.append(["学号", "姓名", "班级"])
    old.append([9999999, "不该读到", "1班"])
    old.sheet_state = "hidden"
    ws = wb.create_sheet("2025级学生")
    ws["A1"] = "示例中学 2025 级学生名单（2026 年 9 月）"
    ws.merge_cells("A1:F1")
    ws["A2"] = "制表：教务处"
    ws.append(["学　号", "姓名", "性别", "班级", "入学年份", "离校日期"])  # row 3
    ws.append([250001, "张　伟", "男", "初二（1）班", 2025, None])  # leading zero lost
    ws.append([250002, "李娜", "女", "初二(2)班", "２０２５", None])  # changed class
    ws.append(["0250003", "王 蕾", "男", "1班", 2025, None])  # corrected name
    ws.append([250004, "刘洋", "男", "2", 2025, None])
    ws.append([250006, "杨帆", "男", "2班", 2025, 46000])  # transferred: Excel serial date
    ws.append([250007, "张伟", "男", "初二(２)班", 2025, None])  # same name, new student
    ws.append([250008, "周丽", "女", "3班", 2025, None])  # a new class
    ws.append([None, None, None, None, None, None])
    ws.append(["  ", "　", None, None, None, None])  # trailing "empty" rows
    ws.cell(row=40, column=1).value = ""
    wb.save(path)
    return path


def test_quirky_roster_is_one_commit_by_the_person_running_it(repo: Path, tmp_path: Path) -> None:
    # 0250005 陈静 is missing from the roster: left, with the date and reason given
    before = head(repo)
    book = quirky_roster(tmp_path / "名单.xlsx")
    result = run(
        "import", "roster", str(book), "--records", str(repo), "--school-year", "2026",
        "--left-date", "2026-09-01", "--left-reason", "转学",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == f"{AUTHOR[0]} <{AUTHOR[1]}>"
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "people/cohorts/2025.yaml"
    ]
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "log", "-1", "--format=%s").strip() == (
        "导入学生名单 名单.xlsx（新增 2，变更 3，离校 2）"
    )
    text = (repo / "people/cohorts/2025.yaml").read_text("utf-8")
    assert "# 2025 级名单：请勿按姓名查找学生，同名的学生不少" in text
    assert "family: 父母在外地工作。  # confidential, kept by every import" in text
    doc = load_yaml(repo / "people/cohorts/2025.yaml")
    assert [c["id"] for c in doc["classes"]] == ["C2025-01", "C2025-02", "C2025-03"]
    students = {s["id"]: dict(s) for s in doc["students"]}
    assert students["0250001"]["name"] == "张伟"
    assert students["0250002"]["class"] == "C2025-02"
    assert students["0250003"]["name"] == "王蕾"
    assert students["0250005"]["left"] == {"date": dt.date(2026, 9, 1), "reason": "transferred"}
    assert students["0250006"]["left"] == {"date": dt.date(2025, 12, 9), "reason": "transferred"}
    assert students["0250007"] == {
        "id": "0250007", "name": "张伟", "gender": "male", "class": "C2025-02"
    }  # fmt: skip
    assert students["0250008"]["class"] == "C2025-03"
    assert "9999999" not in text
    assert '  - id: "0250007"\n    name: 张伟\n' in text  # an all-digit ID stays text
    # the same roster again changes nothing: stable IDs, no commit
    again = run(
        "import", "roster", str(book), "--records", str(repo), "--school-year", "2026",
        "--left-date", "2026-09-01", "--left-reason", "转学",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "没有改动" in again.output
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "1"


def test_dry_run_lists_the_change_in_chinese_and_writes_nothing(repo: Path, tmp_path: Path) -> None:
    book = quirky_roster(tmp_path / "roster.xlsx")
    before = head(repo)
    result = run(
        "import", "roster", str(book), "--records", str(repo), "--school-year", "2026",
        "--left-date", "2026-09-01", "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.output
    assert "新增 2 名学生：\n  0250007 张伟 C2025-02\n  0250008 周丽 C2025-03\n" in out
    assert "  0250002 李娜：班级 C2025-01 → C2025-02\n" in out
    assert "  0250003 王蕾：姓名 王磊 → 王蕾\n" in out
    assert "  新班级 C2025-03（2025级3班）\n" in out
    assert (
        "离校 2 名学生：\n  0250006 杨帆（2025-12-09，其他）\n  0250005 陈静（2026-09-01，其他）"
        in out
    )
    assert "未写入" in out
    assert head(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def broken_roster(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "学生"
    ws["A1"] = "名单"
    ws.merge_cells("A1:E1")
    ws.append(["学号", "姓名", "性别", "班级", "入学年份"])  # row 2
    ws.append([250001, "张伟", "男", "1班", 2025])
    ws.append([250001, "张伟", "男", "2班", 2025])  # duplicate 学号 (same name too)
    ws.append([250002, "=A3&B3", "女", "1班", 2025])  # a formula
    ws.append([250003, "王磊", "M", "三班", 2025])  # gender, class
    ws.append([250004, None, "男", "1班", "2025届"])  # no name; 届 = graduation year
    ws.append(["25/005", "刘洋", "男", "1班", 2025])  # not an ID
    ws.append([250006, "杨帆", "男", "1班", "去年"])  # entry year
    wb.save(path)
    return path


def test_every_problem_is_located_and_nothing_is_written(repo: Path, tmp_path: Path) -> None:
    book = broken_roster(tmp_path / "roster.xlsx")
    before = head(repo)
    result = run("import", "roster", str(book), "--records", str(repo), "--school-year", "2026")
    assert result.exit_code == 1
    f = str(book)
    assert result.stdout.splitlines() == [
        f"{f}:学生!4:1: I411 编号 0250001 重复（第 3 行已有）",
        f"{f}:学生!5:2: I404 单元格是公式 =A3&B3，请复制后“粘贴为数值”再导入",
        f"{f}:学生!6:3: I413 性别“M”无法识别，请写 男 或 女",
        f"{f}:学生!6:4: I414 班级“三班”无法识别，请写 3、3班、初一(3)班 或 C2025-03",
        f"{f}:学生!7:2: I410 “姓名”不能为空",
        f"{f}:学生!7:5: I417 学号 0250004 已在 2025 级名单中，不能改到 2022 级"
        "（留级、跳级请手工调整）",
        f"{f}:学生!8:1: I412 编号“25/005”不合格：只能用字母、数字和连字符",
        f"{f}:学生!9:5: I415 无法确定入学年份（“去年”）：请填写 入学年份 或 年级",
    ]
    assert "未写入任何文件" in result.stderr
    assert head(repo) == before
    assert git(repo, "status", "--porcelain") == ""


def test_gbk_csv_and_uncommitted_edits(repo: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "名单.csv"
    lines = ["学号,姓名,性别,年级,班级", "0250001,张伟,男,初二,1", "0250009,吴敏,女,初二,2"]
    lines += ["0260001,冯雪,女,初一,1", "0260002,冯雪,女,初一,2"]  # a new grade, same names
    csv_file.write_bytes("\r\n".join(lines).encode("gbk"))
    (repo / "people/cohorts/2025.yaml").write_text(COHORT + "# 手工修改\n", "utf-8")
    refused = run(
        "import", "roster", str(csv_file), "--records", str(repo), "--school-year", "2026"
    )
    assert refused.exit_code == 1
    assert "有未提交的修改" in refused.stderr
    git(repo, "checkout", "--", "people/cohorts/2025.yaml")
    result = run("import", "roster", str(csv_file), "--records", str(repo), "--school-year", "2026")
    assert result.exit_code == 0, result.output
    doc = load_yaml(repo / "people/cohorts/2025.yaml")
    students = {s["id"]: s for s in doc["students"]}
    assert students["0250009"]["name"] == "吴敏"
    assert students["0250009"]["class"] == "C2025-02"
    assert all("left" in students[f"025000{i}"] for i in range(2, 7))
    assert "left" not in students["0250001"]
    assert (repo / "people/cohorts/2026.yaml").read_text("utf-8") == (
        "# yaml-language-server: $schema=../../schemas/cohort.schema.json\n"
        "cohort: 2026\n"
        "classes:\n"
        "  - id: C2026-01\n"
        "    number: 1\n"
        "  - id: C2026-02\n"
        "    number: 2\n"
        "students:\n"
        '  - id: "0260001"\n'
        "    name: 冯雪\n"
        "    gender: female\n"
        "    class: C2026-01\n"
        '  - id: "0260002"\n'
        "    name: 冯雪\n"
        "    gender: female\n"
        "    class: C2026-02\n"
    )
    assert git(repo, "show", "--name-only", "--format=", "HEAD").split() == [
        "people/cohorts/2025.yaml",
        "people/cohorts/2026.yaml",
    ]
    # the records stay valid but for the new student's mentor: left students leave the
    # pairing check, the new grade is not at school until a semester lists its classes;
    # T002 and T004 mentor nobody, as before the import (the district: 教师人人是导师)
    checked = run("validate", str(repo), "--today", "2026-01-01", "-q")
    assert [line.split(": ", 1)[1] for line in checked.stdout.splitlines()] == [
        "X211 学生 0250009 在 2025-2026-1 学期没有导师",
        "X225 教师 T002 在 2025-2026-1 学期没有受导学生（政策 district：“教师人人是导师”）",
        "X225 教师 T004 在 2025-2026-1 学期没有受导学生（政策 district：“教师人人是导师”）",
    ]


def test_teachers_roster(repo: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["工号", "姓名", "任教学科", "任教班级", "职务", "政治面貌", "邮箱"])
    ws.append(["T001", "王芳", "语文", "初一(1)班", "年级组长", "中共党员", "t001@test.invalid"])
    ws.append(["T002", "李强", "数学、物理", "1班", "", "群众", "t002@test.invalid"])
    ws.append(["T003", "赵敏", "英语", "C2025-02", "", "", "t003@test.invalid"])
    ws.append(["T005", "孙丽", "历史", "", "校长助理", "", None])
    book = tmp_path / "teachers.xlsx"
    wb.save(book)
    result = run("import", "roster", str(book), "--kind", "teachers", "--records", str(repo),
                 "--school-year", "2025")  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{book}:Sheet!3:4: I421 任教班级“1班”不存在或无法识别",
        f"{book}:Sheet!5:5: I418 “校长助理”无法识别为职务或身份（可用：年级组长、德育助理、"
        "心理教师、校领导、德育处、监督组、艺体办、管理员、党员、干部、入党积极分子、中共党员、预备党员、"
        "中共预备党员、中层干部、班子成员）",
        f"{book}:Sheet!5:7: I423 教师 T005 没有邮箱，请填写“邮箱”列（用于把提交对应到教师）",
    ]
    ws["D3"] = "初一(1)班"
    ws["E5"] = "心理教师"
    ws["G5"] = "t005@test.invalid"
    wb.save(book)
    result = run("import", "roster", str(book), "--kind", "teachers", "--records", str(repo),
                 "--school-year", "2025", "--left-date", "2026-02-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (repo / "people/teachers.yaml").read_text("utf-8")
    assert "# 教师名单（测试）" in text
    doc = load_yaml(repo / "people/teachers.yaml")
    teachers = {t["id"]: t for t in doc["teachers"]}
    assert list(teachers["T001"]["roles"]) == ["grade_leader"]
    assert list(teachers["T002"]["subjects"]) == ["数学", "物理"]
    assert list(teachers["T002"]["classes"]) == ["C2025-01"]
    assert "tags" not in teachers["T002"]
    assert teachers["T004"]["left"] == {"date": dt.date(2026, 2, 1)}  # kept, marked left
    assert (
        "  - id: T005\n    name: 孙丽\n    subjects: [历史]\n    email: t005@test.invalid\n" in text
    )
    assert "    roles: [psych]\n" in text
    # the records still validate: T004's records keep their author
    assert run("validate", str(repo), "--today", "2026-01-01", "-q").exit_code == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", (None, 3)),
        ("3班", (None, 3)),
        ("(3)班", (None, 3)),
        ("初一(3)班", (2025, 3)),
        ("初三3班", (2023, 3)),
        ("七年级12班", (2025, 12)),
        ("2024级5班", (2024, 5)),
        ("C2025-03", (2025, 3)),
        ("三班", None),
        ("99班", None),
    ],
)
def test_class_names(text: str, expected: tuple[int | None, int] | None) -> None:
    assert parse_class(text, 2025) == expected


def test_more_located_problems(repo: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "名单.csv"
    csv_file.write_text(
        "学号,姓名,班级,离校日期,离校原因\n"
        "0250001,张伟,1,九月一日,转学\n"  # I416
        "0250002,欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜,1,,\n",  # I420
        encoding="utf-8",
    )
    result = run("import", "roster", str(csv_file), "--records", str(repo))
    assert result.stdout.splitlines() == [
        f"{csv_file}:2:4: I416 日期“九月一日”无法识别，请写 2025-09-01",
        f"{csv_file}:3:2: I420 “欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜”太长（最多 20 个字）",
    ]
    empty = tmp_path / "空.csv"
    empty.write_text("学号,姓名,班级\n,,\n", encoding="utf-8")
    result = run("import", "roster", str(empty), "--records", str(repo))
    assert result.stdout.splitlines() == [f"{empty}:1:1: I422 名单中没有一名学生"]
    teachers = tmp_path / "教师.csv"
    teachers.write_text("工号,姓名,邮箱\nT001,王芳,t001@\n", encoding="utf-8")
    result = run("import", "roster", str(teachers), "--kind", "teachers", "--records", str(repo))
    assert result.stdout.splitlines()[0] == f"{teachers}:2:3: I419 邮箱“t001@”格式不对"
    assert result.exit_code == 1
    assert git(repo, "status", "--porcelain") == ""
