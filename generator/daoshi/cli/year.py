"""The school-year commands: ``daoshi import roster|preferences``, ``match``, ``new-semester``.

``import_group`` is the ``daoshi import`` click group; other importers add their own
subcommands to it (``import_group.add_command``).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from daoshi.errors import Problem
from daoshi.messages import verdict
from daoshi.records.model import School

DEFAULT_RECORDS = os.environ.get("DAOSHI_RECORDS", "records")
_RECORDS = click.option(
    "--records",
    "root",
    default=DEFAULT_RECORDS,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录。",
)
REASONS = {"毕业": "graduated", "转学": "transferred", "流失": "dropped_out", "其他": "other"}


def _say(message: str) -> None:
    click.echo(message, err=True)


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"日期应写成 2025-09-01：{value}", param_hint=name) from exc


def _print_problems(problems: list[Problem], prefix: str = "") -> None:
    for p in sorted(problems):
        click.echo(p.format(prefix))
    click.echo(verdict(len(problems)) + "未写入任何文件。", err=True)


def load_school(root: Path, *, for_people: bool = False) -> School:
    """The validated school, or exit with its problems (only people's files when asked)."""
    from daoshi.records.validate import validate
    from daoshi.year.roster import people_problems

    if not root.is_dir():
        raise click.BadParameter(f"找不到记录目录 {root}", param_hint="--records")
    result = validate(root, use_cache=True, need_school=True)
    blocking = people_problems(result.problems) if for_people else result.problems
    if result.school is None or blocking:
        click.echo("记录仓库有问题，请先修正（daoshi validate）：", err=True)
        _print_problems(blocking or result.problems, str(root).rstrip("/"))
        sys.exit(1)
    return result.school


def _commit(root: Path, files: dict[str, str], message: str) -> None:
    from daoshi.year.commit import CommitError, commit_files

    try:
        short = commit_files(root, files, message)
    except CommitError as exc:
        click.echo(f"错误：{exc}", err=True)
        click.echo("未写入任何文件。", err=True)
        sys.exit(1)
    click.echo(f"已提交 {short}：{message.splitlines()[0]}")


@click.group("import")
def import_group() -> None:
    """从教务处的 Excel（.xlsx）或 CSV 表格导入：名单、双向选择志愿。

    表格中有任何问题时全部列出（文件:工作表!行:列: 代码 说明），什么都不写入；
    没有问题时，全部改动作为一次提交（署名为 git config 中的 user.name）写入记录仓库。
    """


@import_group.command("roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["students", "teachers"]),
    default="students",
    show_default=True,
    help="学生名单或教师名单。",
)
@click.option("--dry-run", is_flag=True, help="只列出将要新增、变更、离校的人，不写入。")
@click.option(
    "--id-width", type=click.IntRange(1, 20), help="学号（工号）位数：恢复 Excel 丢掉的前导零。"
)
@click.option("--left-date", help="名单中没有的学生的离校日期（默认今天）。")
@click.option(
    "--left-reason",
    type=click.Choice([*REASONS, *REASONS.values()]),
    default="其他",
    show_default=True,
    help="名单中没有的学生的离校原因。",
)
@click.option("--school-year", type=click.IntRange(2000, 2100), help="“年级”列按哪一学年理解。")
@click.option("--sheet", help="工作表名称（默认：第一个有表头的可见工作表）。")
@_RECORDS
def roster_command(
    file: Path,
    kind: str,
    dry_run: bool,
    id_width: int | None,
    left_date: str | None,
    left_reason: str,
    school_year: int | None,
    sheet: str | None,
    root: Path,
) -> None:
    """导入学生或教师名单 FILE，更新 people/ 中的名单。

    只按学号（工号）对应，从不只按姓名：改名、调班的学生保留原学号和全部记录。
    学生名单中涉及的年级里，名单上没有的在校学生记为离校（left），不会删除。
    """
    from dataclasses import replace

    from daoshi.records.validate import school_today
    from daoshi.year.roster import Settings, commit_message, school_year_of
    from daoshi.year.students import plan_students
    from daoshi.year.teachers import plan_teachers

    school = load_school(root, for_people=True)
    today = school_today(root)
    settings = Settings.of(root)
    if sheet:
        settings = replace(settings, sheet=sheet)
    if id_width:
        if kind == "students":
            settings = replace(settings, id_width=id_width)
        else:
            settings = replace(settings, teacher_id_width=id_width)
    year = school_year or school_year_of(today)
    day = _date(left_date, "--left-date") or today
    _say(f"读取 {file} …")
    if kind == "students":
        plan = plan_students(
            root,
            file,
            school,
            settings,
            school_year=year,
            left_date=day,
            left_reason=REASONS.get(left_reason, left_reason),
        )
    else:
        plan = plan_teachers(root, file, school, settings, school_year=year, left_date=day)
    if plan.problems:
        _print_problems(plan.problems)
        sys.exit(1)
    if not plan.files:
        click.echo("名单与记录一致，没有改动。")
        return
    click.echo(plan.describe())
    if dry_run:
        click.echo(f"（演练：将改动 {'、'.join(sorted(plan.files))}，未写入。）")
        return
    _commit(root, plan.files, commit_message(plan, file))


def _semester(school: School, semester_id: str | None) -> str:
    if semester_id is None:
        if not school.semesters:
            click.echo("记录仓库中还没有学期，请先建立学期（daoshi new-semester）。", err=True)
            sys.exit(1)
        return school.semesters[-1].id
    if semester_id not in {s.id for s in school.semesters}:
        known = "、".join(s.id for s in school.semesters) or "（无）"
        raise click.BadParameter(
            f"没有学期 {semester_id}（已有：{known}）", param_hint="--semester"
        )
    return semester_id


@import_group.command("preferences")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--semester", "semester_id", help="学期代号（默认最近的学期）。")
@click.option(
    "--kind",
    type=click.Choice(["students", "mentors", "needs"]),
    default="students",
    show_default=True,
    help=(
        "学生的志愿（学号、第一志愿…）；导师的名额和选择的学生（工号、名额、学生1…）；"
        "或学生的需求问卷（学号、需要帮助的方面、需要辅导的学科、想对导师说的话），"
        "写入 needs.yaml。"
    ),
)
@click.option("--dry-run", is_flag=True, help="只检查，不写入。")
@click.option("--sheet", help="工作表名称（默认：第一个有表头的可见工作表）。")
@_RECORDS
def preferences_command(
    file: Path, semester_id: str | None, kind: str, dry_run: bool, sheet: str | None, root: Path
) -> None:
    """导入双向选择的志愿（问卷导出的 Excel/CSV）到 semesters/<学期>/preferences.yaml。

    志愿可以写工号、教师全名或“姓名（工号）”；同名的教师必须写工号。
    """
    from dataclasses import replace

    from daoshi.year.needs import plan_needs
    from daoshi.year.preferences import plan_preferences
    from daoshi.year.roster import Settings

    school = load_school(root, for_people=True)
    semester = school.semester(_semester(school, semester_id))
    settings = Settings.of(root)
    if sheet:
        settings = replace(settings, sheet=sheet)
    _say(f"读取 {file} …")
    if kind == "needs":
        plan = plan_needs(root, file, school, semester, settings)
    else:
        plan = plan_preferences(root, file, school, semester, settings, kind=kind)
    if plan.problems:
        _print_problems(plan.problems)
        sys.exit(1)
    what = {"students": "学生志愿", "mentors": "导师名额", "needs": "需求问卷"}[kind]
    if not plan.files:
        click.echo(f"{what}与记录一致，没有改动。")
        return
    click.echo(f"{what}：{plan.rows} 行（其中 {plan.replaced} 行替换了原有的）。")
    if dry_run:
        click.echo("（演练：未写入。）")
        return
    _commit(root, plan.files, f"导入{what} {file.name}（{semester.id}，{plan.rows} 行）")


@click.command("match")
@click.option("--semester", "semester_id", help="学期代号（默认最近的学期）。")
@click.option(
    "--key-slots",
    type=click.IntRange(0, 40),
    default=1,
    show_default=True,
    help="每位导师最多几名重点帮扶学生（“1+X”的 1；0 表示不限）。",
)
@click.option("--all", "everyone", is_flag=True, help="已有导师的学生如果填了志愿，也重新匹配。")
@click.option("--dry-run", is_flag=True, help="只显示结果和说明，不写入。")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="把说明另存为表格（.xlsx 或 .csv）。",
)
@_RECORDS
def match_command(
    semester_id: str | None,
    key_slots: int,
    everyone: bool,
    dry_run: bool,
    report: Path | None,
    root: Path,
) -> None:
    """双向选择：按学生志愿和导师名额提出对接表（学生提议的延迟接受算法，稳定匹配）。

    没有导师的在校学生参加匹配；名额来自政策的师生比上限（班主任另有上限）和导师填的名额；
    导师自己选的学生最先（双向选中的写入 mutual）；重点帮扶学生优先由班主任、党员、
    入党积极分子和干部教师带。结果写入本学期的 pairings.yaml（一次提交），没有得到任何
    志愿的学生都附有说明。之后可以手工调整，daoshi validate 检查。
    """
    from daoshi.year.export import Sheet, write_csv, write_xlsx
    from daoshi.year.match import describe, plan_match, report_rows

    result_school = _school_for_match(root)
    semester = result_school.semester(_semester(result_school, semester_id))
    plan = plan_match(root, result_school, semester, key_slots=key_slots or None, everyone=everyone)
    click.echo(describe(plan, result_school))
    if report is not None:
        rows = report_rows(plan, result_school)
        if report.suffix.lower() == ".csv":
            write_csv(report, rows)
        else:
            write_xlsx(
                report,
                [
                    Sheet(
                        "匹配说明",
                        rows,
                        title=f"{semester.name} 双向选择说明",
                        widths=(12, 10, 11, 24, 10, 80),
                    )
                ],
            )
        click.echo(f"说明已写入 {report}")
    if not plan.files:
        click.echo("对接表没有改动。")
        return
    if dry_run:
        click.echo("（演练：未写入。）")
        return
    placed = len(plan.outcome.assignment)
    _commit(root, plan.files, f"双向选择：为 {placed} 名学生提出导师（{semester.id}）")
    click.echo("请检查对接表（git show），手工调整后提交；daoshi validate 检查师生比和覆盖。")


def _school_for_match(root: Path) -> School:
    """The school even when students still lack a mentor (that is what match is for)."""
    from daoshi.records.validate import validate

    result = validate(root, use_cache=True, need_school=True)
    blocking = [p for p in result.problems if p.code[0] in "FRM" or p.code in ("X206", "X212")]
    if result.school is None or blocking:
        click.echo("记录仓库有问题，请先修正（daoshi validate）：", err=True)
        _print_problems(blocking or result.problems, str(root).rstrip("/"))
        sys.exit(1)
    return result.school


@click.command("new-semester")
@click.argument("semester_id", metavar="SEMESTER")
@click.option(
    "--start", help="开学日期 YYYY-MM-DD（默认：上一学年同一学期推后一年，或 9月1日/2月20日）。"
)
@click.option("--end", help="结束日期 YYYY-MM-DD。")
@click.option("--dry-run", is_flag=True, help="只显示将要做的改动，不写入。")
@_RECORDS
def new_semester_command(
    semester_id: str, start: str | None, end: str | None, dry_run: bool, root: Path
) -> None:
    """由当前学期建立下一个学期 SEMESTER（例如 2026-2027-1），作为一次提交。

    校历（轮次）、在校班级、班主任、对接表延续；学年开始时年级升级、毕业年级离校
    （left: 毕业），离职导师的学生列为未对接。当前学期有问题时拒绝执行；重复执行不会再改动。
    """
    import re

    from daoshi.year.rollover import RolloverError, plan_new_semester

    if not re.fullmatch(r"\d{4}-\d{4}-[12]", semester_id):
        raise click.BadParameter(
            f"学期代号应写成 2026-2027-1：{semester_id}", param_hint="SEMESTER"
        )
    if not root.is_dir():
        raise click.BadParameter(f"找不到记录目录 {root}", param_hint="--records")
    from daoshi.records.staffing import STAFFING_CODES
    from daoshi.records.validate import validate

    result = validate(root, use_cache=True, need_school=True)
    school = result.school
    # a new term starts from a clean one; who should yet be given mentees or a key student
    # (X225, X226) is settled in the new term's own pairing table, so it does not hold it up
    found = sorted(result.problems + [n for n in result.notes if n.code not in STAFFING_CODES])
    if found or school is None:
        click.echo(
            f"当前学期还有 {len(found)} 个问题，须先修正才能建立新学期（daoshi validate）：",
            err=True,
        )
        _print_problems(found, str(root).rstrip("/"))
        sys.exit(1)
    try:
        plan = plan_new_semester(
            root, school, semester_id, start=_date(start, "--start"), end=_date(end, "--end")
        )
    except RolloverError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    if not plan.files:
        click.echo("；".join(plan.notes) or "没有改动。")
        return
    click.echo(plan.describe(school))
    if dry_run:
        click.echo(f"（演练：将写入 {'、'.join(sorted(plan.files))}，未写入。）")
        return
    message = f"新学期 {semester_id}（由 {plan.previous} 延续）\n\n{plan.describe(school)}\n"
    _commit(root, plan.files, message)


@click.group("export")
def export_group() -> None:
    """导出表格（.xlsx）：文字保持文字，不会被 Excel 当作公式执行。"""


@export_group.command("pairings")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--semester", "semester_id", help="学期代号（默认最近的学期）。")
@_RECORDS
def export_pairings_command(out: Path, semester_id: str | None, root: Path) -> None:
    """把学期的导师与学生对接表导出为 Excel 文件 OUT（每班一个工作表，另有导师汇总）。"""
    from daoshi.site.year import export_pairings

    school = _school_for_match(root)
    semester = school.semester(_semester(school, semester_id))
    if out.suffix.lower() != ".xlsx":
        raise click.BadParameter(f"导出文件应以 .xlsx 结尾：{out}", param_hint="OUT")
    sheets = export_pairings(school, semester, out)
    click.echo(f"已导出 {semester.name} 对接表到 {out}（{sheets} 个工作表）。")


YEAR_COMMANDS: list[click.Command] = [
    import_group,
    match_command,
    new_semester_command,
    export_group,
]
