"""``daoshi appraise`` and the survey import: thin click commands over appraisal.py."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from daoshi.errors import Location, ProjectError
from daoshi.messages import problem, verdict
from daoshi.policy.appraisal import appraise_all, load_rubrics, read_inputs, rubrics_for
from daoshi.policy.duties import check_policies
from daoshi.policy.rubric import Appraisal, Inputs, MentorScore, Rubric
from daoshi.policy.service import ServiceTerm, service
from daoshi.records.model import School
from daoshi.records.validate import school_today, validate
from daoshi.site.core import current_semester
from daoshi.year.export import Sheet, write_xlsx

RECORDS_OPTION = click.option(
    "--records",
    "root",
    default="records",
    show_default=True,
    envvar="DAOSHI_RECORDS",
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录。",
)


def _fail(exc: ProjectError, prefix: str = "") -> None:
    for p in exc.problems:
        click.echo(p.format(prefix))
    click.echo(verdict(len(exc.problems)), err=True)
    sys.exit(1)


def _school(root: Path, today: dt.date) -> School:
    result = validate(root, today=today, need_school=True)
    if result.problems or result.school is None:
        raise ProjectError(result.problems)
    return result.school


def _number(value: float) -> str:
    return f"{value:g}"


def table_rows(school: School, appraisal: Appraisal) -> list[list[str | float]]:
    """The appraisal as rows: header first, then mentors, best first."""
    rubric = appraisal.rubric
    header: list[str | float] = ["工号", "导师", "年级"]
    header += [f"{i.label}({_number(i.points)})" for i in rubric.items]
    header += [f"总分({_number(rubric.total)})", "备注"]
    rows: list[list[str | float]] = [header]
    for s in sorted(appraisal.scores, key=lambda s: (-s.total, s.mentor)):
        teacher = school.teachers.get(s.mentor)
        grade = school.grade_name(s.cohort, appraisal.semester) if s.cohort else ""
        notes = [rubric.excellent_label] if s.excellent else []
        notes += ["记零分：" + "；".join(e.text for e in s.zeroed)] if s.zeroed else []
        notes += [f"嘉奖：{s.commendation}"] if s.commendation else []
        notes += [e.text for e in s.notes]
        notes += [f"{e.text}（不计分）" for e in s.offices]
        notes += _sign_off(s, rubric.settings["group_sign_off"] == "required")
        rows.append(
            [s.mentor, teacher.name if teacher else "", grade]
            + [i.points for i in s.items]
            + [s.total, "；".join(notes)]
        )
    return rows


def _sign_off(score: MentorScore, required: bool) -> list[str]:
    """太谷附表五“考核组评价”“考核组组长”: who signed, or that nobody has yet."""
    review = score.review
    if review is not None and review.signed:
        return [f"考核组组长 {review.leader} {review.signed_on} 签署"]
    return ["考核组尚未签署"] if required else []


def evidence_rows(appraisal: Appraisal) -> list[list[str | float]]:
    """Every point's evidence: mentor, item, points, what, which file."""
    rows: list[list[str | float]] = [["工号", "项目", "得分", "说明", "依据", "加减分", "文件"]]
    for s in sorted(appraisal.scores, key=lambda s: s.mentor):
        for item in s.items:
            rows.append([s.mentor, item.item.label, item.points, item.explanation, "", "", ""])
            for e in item.evidence:
                where = e.record.path if e.record else e.where
                rows.append([s.mentor, item.item.label, "", "", e.text, e.points, where])
    return rows


def _print_table(rows: list[list[str | float]]) -> None:
    texts = [[_number(v) if isinstance(v, float) else str(v) for v in row] for row in rows]
    widths = [max(_width(r[i]) for r in texts) for i in range(len(texts[0]))]
    for row in texts:
        click.echo(
            "  ".join(v + " " * (w - _width(v)) for v, w in zip(row, widths, strict=True)).rstrip()
        )


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def service_rows(school: School, terms: list[ServiceTerm]) -> list[list[str | float]]:
    """A mentor's years as rows: semester, mentees, records by kind, scores."""
    labels = school.forms.kinds
    rows: list[list[str | float]] = [["学期", "受导学生", "记录", "考核得分"]]
    for term in terms:
        records = "、".join(
            f"{labels[k].label.zh if k in labels else k} {n} 份" for k, n in term.records
        )
        scores = "；".join(
            f"{s.rubric} {s.total}/{s.full:g}"
            + (f"（{s.excellent}）" if s.excellent else "")
            + ("（暂计）" if s.provisional else "")
            for s in term.scores
        )
        rows.append([term.semester.name, float(term.mentees), records or "没有记录", scores or "—"])
    return rows


def _service_report(
    school: School,
    rubrics: Mapping[str, Rubric],
    inputs: Mapping[str, Inputs],
    mentor: str,
    day: dt.date,
    xlsx: Path | None,
) -> None:
    """区文件“将导师的工作经历及成效作为教师职称晋升、创先评优等的重要参考”."""
    teacher = school.teachers.get(mentor)
    if teacher is None:
        raise click.BadParameter(f"没有工号为 {mentor} 的教师", param_hint="--mentor")
    done, _refused = appraise_all(school, rubrics, inputs, on=day)  # refused: no score
    terms = service(school, mentor, school.records, done, day)
    title = f"{school.name} {mentor} {teacher.name} 历年导师工作（截至 {day.isoformat()}）"
    click.echo(title)
    rows = service_rows(school, terms)
    for row in rows[1:]:
        row[1] = f"{row[1]:g} 名"
    _print_table(rows)
    click.echo(f"共 {len(terms)} 个学期。")
    if xlsx is not None:
        write_xlsx(xlsx, [Sheet("历年导师工作", service_rows(school, terms), title=title)])
        click.echo(f"已导出 {xlsx}", err=True)


@click.command("appraise")
@click.option("--semester", "semester_id", help="学期代号，如 2025-2026-2（默认：当前学期）。")
@RECORDS_OPTION
@click.option(
    "--xlsx",
    "xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时导出为 XLSX（每个考核表一张总表、一张依据表）。",
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD）；进行中的学期按这一天暂计。")
@click.option(
    "--mentor",
    "mentor",
    help="只列出这位导师（工号）历年的工作：每学期的受导学生、各类记录份数和考核得分（职称晋升、评优参考）。",
)
def appraise_command(
    semester_id: str | None,
    root: Path,
    xlsx: Path | None,
    today: str | None,
    mentor: str | None,
) -> None:
    """按学期的政策对应的考核表给每位导师计分，并打印总表。"""
    try:
        day = dt.date.fromisoformat(today) if today else school_today(root)
    except ValueError as exc:
        raise click.BadParameter(f"日期应写成 2025-10-12：{today}") from exc
    if not root.is_dir():
        raise click.BadParameter(f"找不到记录目录 {root}", param_hint="--records")
    prefix = str(root).rstrip("/")
    try:
        school = _school(root, day)
        bad_policies = check_policies(school.forms)
        if bad_policies:
            raise ProjectError(bad_policies)
        rubrics = load_rubrics(school.forms)
        inputs = read_inputs(root, school)
        if mentor is not None:
            _service_report(school, rubrics, inputs, mentor, day, xlsx)
            return
        ids = [s.id for s in school.semesters]
        if semester_id is not None and semester_id not in ids:
            raise ProjectError([problem(Location("semesters"), "I455", semester=semester_id)])
        semester = school.semester(semester_id) if semester_id else current_semester(school, day)
        chosen = rubrics_for(school, semester, rubrics)
        if not chosen:
            policies = ", ".join(semester.policies)
            where = Location(f"semesters/{semester.id}/semester.yaml")
            raise ProjectError([problem(where, "A504", semester=semester.id, policies=policies)])
        done, refusals = appraise_all(school, rubrics, inputs, [semester], on=day)
        if refusals:
            raise ProjectError(refusals)
    except ProjectError as exc:
        _fail(exc, prefix)
        return
    sheets = []
    for appraisal in done:
        provisional = (
            "（学期进行中，截至 " + day.isoformat() + " 暂计）" if day < semester.end else ""
        )
        click.echo(f"{semester.name} · {appraisal.rubric.label}{provisional}")
        rows = table_rows(school, appraisal)
        _print_table(rows)
        click.echo("")
        title = f"{school.name} {semester.name} {appraisal.rubric.label}{provisional}"
        # sheets are named for people: the rubric's label, not its ID (Excel allows 31 chars
        # and none of []:*?/\)
        name = re.sub(r"[\[\]:*?/\\]", "", appraisal.rubric.label)[:27]
        sheets.append(Sheet(f"{name} 总表", rows, title=title))
        sheets.append(Sheet(f"{name} 依据", evidence_rows(appraisal)))
    if xlsx is not None:
        write_xlsx(xlsx, sheets)
        click.echo(f"已导出 {xlsx}", err=True)


@click.command("surveys")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--semester", "semester_id", help="学期代号（默认：当前学期）。")
@click.option(
    "--respondents",
    type=click.Choice(["students", "parents"]),
    help="整个文件都是学生（或家长）的问卷时指定；否则表中需要“评价人”一列。",
)
@click.option("--sheet", help="XLSX 中的工作表名（默认：第一个有表头的可见工作表）。")
@click.option(
    "--scale",
    type=click.Choice(["5", "100"]),
    default="5",
    show_default=True,
    help="评分的满分：5（1–5 分）或 100（0–100 分）。",
)
@RECORDS_OPTION
def surveys_command(
    file: Path,
    semester_id: str | None,
    respondents: str | None,
    sheet: str | None,
    scale: str,
    root: Path,
) -> None:
    """导入学生和家长对导师的评价（CSV 或 XLSX）到 semesters/<学期>/surveys.yaml。

    有“学号”列时，每一行只能评价该生本人的导师。有问题的行：考核表设置 survey_bad_rows 为
    refuse（默认）时逐个列出（文件:工作表!行:列: 代码 说明），不写入任何内容；为 exclude 时
    列出并排除这些行，其余照常写入。
    """
    from daoshi.year.surveys import Pairings, import_surveys

    try:
        school = _school(root, school_today(root))
        semester = semester_id or current_semester(school, school_today(root)).id
        known = {s.id for s in school.semesters}
        bad_rows = "refuse"
        if semester in known:
            chosen = rubrics_for(school, school.semester(semester), load_rubrics(school.forms))
            if any(r.settings["survey_bad_rows"] == "exclude" for r in chosen):
                bad_rows = "exclude"
        mentors = {sid: set(school.mentors_of(sid, semester)) for sid in school.students}
        done = import_surveys(
            root,
            school.forms,
            semester,
            file,
            set(school.teachers),
            respondents,
            sheet,
            pairings=Pairings(semester, mentors),
            bad_rows=bad_rows,
            scale=int(scale),
        )
    except ProjectError as exc:
        _fail(exc)
        return
    for p in done.excluded:
        click.echo(p.format())
    if done.excluded:
        rows = len({(p.location.sheet, p.location.line) for p in done.excluded})
        click.echo(f"按考核表设置 survey_bad_rows: exclude，以上 {rows} 行没有导入。")
    if done.unchecked:
        click.echo("提示：表中没有“学号”列，无法核对每份问卷评价的是否本人的导师。", err=True)
    click.echo(f"已写入 {done.target}：{done.count} 条导师评价。请运行 daoshi validate 后提交。")
