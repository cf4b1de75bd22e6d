"""``daoshi obligations``: the obligations report of a semester on a date, as text or XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from daoshi.cli.appraise import RECORDS_OPTION
from daoshi.errors import Location, ProjectError
from daoshi.messages import notes_heading, problem
from daoshi.records.validate import school_today, validate
from daoshi.site.core import current_semester
from daoshi.year.export import Sheet, write_xlsx

SECTIONS = (
    ("students", "每名学生"),
    ("mentors", "每位导师"),
    ("unpaired", "未对接（没有导师的学生）"),
    ("exempt", "不计义务的学生"),
    ("staffing", "教师人人是导师、“1+X”"),  # only where the semester's policy asks
    ("collective", "不在集体指导时间的集体活动"),  # only where the calendar has the slot
)


@click.command("obligations")
@click.option("--semester", "semester_id", help="学期代号，如 2025-2026-1（默认：当前学期）。")
@RECORDS_OPTION
@click.option("--on", "on", help="按这一天的情况（YYYY-MM-DD，默认今天；学期结束后为最后一天）。")
@click.option(
    "--xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help=(
        "同时导出为 XLSX（每名学生、每位导师、未对接、不计义务各一张表；"
        "政策要求“教师人人是导师”或“1+X”、校历有集体指导时间时另有一张）。"
    ),
)
@click.option(
    "--only",
    type=click.Choice([s for s, _ in SECTIONS]),
    multiple=True,
    help="只打印这些部分（可重复；XLSX 总是所有的表都有）。",
)
def obligations_command(
    semester_id: str | None, root: Path, on: str | None, xlsx: Path | None, only: tuple[str, ...]
) -> None:
    """义务完成情况：每名学生、每位导师、未对接的学生、不计义务的学生，以及政策要求时没有受导学生的
    教师和没有重点帮扶对象的导师、校历有集体指导时间时不在这个时间的集体活动（供德育处核对）。"""
    from daoshi.cli.appraise import _fail, _print_table
    from daoshi.policy.duties import check_policies
    from daoshi.policy.report import obligations_report

    if not root.is_dir():
        raise click.BadParameter(f"找不到记录目录 {root}", param_hint="--records")
    try:
        day = dt.date.fromisoformat(on) if on else school_today(root)
    except ValueError as exc:
        raise click.BadParameter(f"日期应写成 2025-10-12：{on}", param_hint="--on") from exc
    prefix = str(root).rstrip("/")
    try:
        result = validate(root, today=max(day, school_today(root)), need_school=True)
        if result.problems or result.school is None:
            raise ProjectError(result.problems)
        school = result.school
        bad = check_policies(school.forms)
        if bad:
            raise ProjectError(bad)
        ids = [s.id for s in school.semesters]
        if semester_id is not None and semester_id not in ids:
            raise ProjectError([problem(Location("semesters"), "I455", semester=semester_id)])
        semester = school.semester(semester_id) if semester_id else current_semester(school, day)
    except ProjectError as exc:
        _fail(exc, prefix)
        return
    report = obligations_report(school, semester, day)
    click.echo(report.title)
    click.echo("设置：" + "；".join(report.settings))
    if report.slot:
        click.echo(report.slot)
    for key, label in SECTIONS:
        rows = getattr(report, key)
        if rows is None or (only and key not in only):
            continue
        click.echo("")
        click.echo(f"{label}（{len(rows) - 1} 行）")
        if len(rows) > 1:
            _print_table(rows)
    notes = [p for p in result.notes if f"semesters/{semester.id}/" in p.location.path]
    if notes and not only:
        click.echo("")
        click.echo(notes_heading())
        for p in notes:
            click.echo(p.format(prefix))
    if xlsx is not None:
        sheets = [
            Sheet(label[:31], rows, title=report.title)
            for key, label in SECTIONS
            if (rows := getattr(report, key)) is not None
        ]
        write_xlsx(xlsx, sheets)
        click.echo(f"已导出 {xlsx}", err=True)
