"""The ``daoshi`` command: a thin click layer over the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from daoshi.errors import ProjectError
from daoshi.messages import notes_heading, set_language, summary_text, verdict
from daoshi.records.formfiles import load_forms
from daoshi.records.forms import Forms
from daoshi.records.validate import Result, validate

DEFAULT_RECORDS = os.environ.get("DAOSHI_RECORDS", "records")


def _progress(message: str) -> None:
    click.echo(message, err=True)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"日期应写成 2025-10-12：{value}") from exc


def _fail(exc: ProjectError, prefix: str = "") -> None:
    for p in exc.problems:
        click.echo(p.format(prefix))
    click.echo(verdict(len(exc.problems)), err=True)
    sys.exit(1)


def _summary_line(result: Result, forms: Forms) -> str:
    s = result.summary
    labels = {k.kind: str(k.label) for k in forms.kinds.values()}
    kinds = [(labels.get(k, k), n) for k, n in sorted(s.kinds.items(), key=lambda kv: -kv[1])]
    people = (s.semesters, s.teachers, s.students) if s.students or s.teachers else None
    return summary_text(s.files, people, kinds, s.cached)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="daoshi")
def main() -> None:
    """daoshi（导师）：全员导师制记录、成长档案与考核。"""


@main.command("validate")
@click.argument("path", default=DEFAULT_RECORDS, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", help="消息语言（默认中文）。"
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD），用于检查未来日期。")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取全部文件。")
@click.option("-q", "--quiet", is_flag=True, help="只输出问题，不输出汇总。")
def validate_command(path: Path, lang: str, today: str | None, no_cache: bool, quiet: bool) -> None:
    """检查记录仓库 PATH（默认 records/）。

    每个问题一行 path:line:col: CODE message，全部列出；有问题时退出码为 1。
    提示（记录在学期外、超过师生比、没有导师、教师没有受导学生、没有重点帮扶对象）另列在后面，
    不影响退出码。
    """
    set_language(lang)
    if not path.is_dir():
        raise click.BadParameter(f"找不到记录目录 {path}", param_hint="PATH")
    prefix = str(path).rstrip("/")
    try:
        forms = load_forms(path)
        result = validate(path, today=_date(today), use_cache=not no_cache, forms=forms)
    except ProjectError as exc:
        _fail(exc, prefix)
        return
    for p in result.problems:
        click.echo(p.format(prefix))
    if result.notes and not quiet:
        click.echo(notes_heading())
    for p in result.notes:
        click.echo(p.format(prefix))
    if not quiet:
        click.echo(_summary_line(result, forms))
        click.echo(verdict(len(result.problems), len(result.notes)))
    sys.exit(1 if result.problems else 0)


@main.command("schema")
@click.argument("path", default=DEFAULT_RECORDS, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录（默认 PATH/schemas）。",
)
def schema_command(path: Path, out: Path | None) -> None:
    """导出 JSON Schema（draft-07），供 VS Code 等编辑器校验和自动补全。"""
    from daoshi.records.schema import SCHEMA_DIR, write_schemas

    try:
        forms = load_forms(path if path.is_dir() else None)
    except ProjectError as exc:
        _fail(exc)
        return
    written = write_schemas(forms, out or path / SCHEMA_DIR)
    click.echo(f"已写出 {len(written)} 个 JSON Schema 到 {(out or path / SCHEMA_DIR)}。")


@main.command("new")
@click.argument("kind")
@click.option("--student", "students", multiple=True, help="学生学号；集体活动可重复多次。")
@click.option("--date", "day", help="记录日期 YYYY-MM-DD（默认今天）。")
@click.option("--mentor", help="导师工号（学生有多名导师时必须指定）。")
@click.option(
    "--records",
    "root",
    default=DEFAULT_RECORDS,
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录。",
)
def new_command(
    kind: str, students: tuple[str, ...], day: str | None, mentor: str | None, root: Path
) -> None:
    """按表单新建一份记录文件 KIND（如 talk、home-visit），带中文注释，直接编辑即可。"""
    from daoshi.records.validate import school_today
    from daoshi.write.newrecord import NewRecordError, new_record

    result = validate(root, use_cache=True, need_school=True)
    if result.school is None:
        click.echo("记录仓库无法读取，请先运行 daoshi validate 修正问题。", err=True)
        sys.exit(1)
    when = _date(day) or school_today(root)
    try:
        planned = new_record(root, result.school, kind, list(students), when, mentor)
    except NewRecordError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    target = root / planned.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(planned.text, encoding="utf-8")
    click.echo(str(target))


@main.command("demo")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--students",
    default=160,
    show_default=True,
    type=click.IntRange(1, 20000),
    help="第一个学期的在校学生数（不到 90 为一个年级，否则三个年级）。",
)
@click.option(
    "--semesters",
    default=2,
    show_default=True,
    type=click.IntRange(1, 12),
    help="学期数，最后一个学期在 --as-of 当天进行中。",
)
@click.option(
    "--seed", default=1, show_default=True, type=int, help="随机种子：同一种子生成完全相同的学校。"
)
@click.option(
    "--as-of",
    "as_of",
    default="2026-11-20",
    show_default=True,
    help="演示数据的“今天”（YYYY-MM-DD）。",
)
@click.option(
    "--snapshot", is_flag=True, help="只写出最终文件，不建 git 历史（用于更新 records/）。"
)
def demo_command(
    path: Path, students: int, semesters: int, seed: int, as_of: str, snapshot: bool
) -> None:
    """生成一所合成的演示学校到 PATH：一个独立的记录仓库，带有教师提交的 git 历史。

    姓名均为随机生成；默认参数生成的内容与 daoshi 仓库中的 records/ 完全一致。
    """
    from daoshi.demo import DemoOptions, write_demo, write_snapshot

    day = _date(as_of)
    assert day is not None
    options = DemoOptions(students=students, semesters=semesters, seed=seed, as_of=day)
    try:
        if snapshot:
            summary = write_snapshot(path, options)
        else:
            summary = write_demo(path, options, progress=_progress)
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"已生成演示学校 {path}：{summary.teachers} 名教师，{summary.students} 名学生，"
        f"{summary.semesters} 个学期，{summary.record_files} 份记录，{summary.commits} 次提交。"
    )


def _watch(
    config_file: Path | None,
    records: Path,
    site_dir: Path,
    today: dt.date | None,
    audience: str | None,
) -> None:
    from daoshi.site.incremental import IncrementalSite, watch

    site = IncrementalSite(records, site_dir, today, audience, config_file)
    site.full_build()
    click.echo(f"站点已生成：{site.config.site_dir}/index.html", err=True)
    try:
        watch(site, echo=lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("已停止监视。", err=True)


def _show_mkdocs_warnings() -> None:
    """mkdocs reports through logging: its warnings and errors go to the terminal."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mkdocs %(levelname)s：%(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    if not any(getattr(h, "daoshi", False) for h in logger.handlers):
        handler.daoshi = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


@main.command("build")
@click.option(
    "--records",
    "records",
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录（默认：环境变量 DAOSHI_RECORDS 或 records/）。",
)
@click.option(
    "-f",
    "--config-file",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="mkdocs 配置文件（默认：记录仓库自己的 mkdocs.yml，没有则用 daoshi 自带的）。",
)
@click.option(
    "-d",
    "--site-dir",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录（默认 site/）。",
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD）。")
@click.option(
    "--audience",
    help="为谁生成：leader（校领导，默认）、工号如 T005（该教师的全部角色）"
    "或 角色:工号 如 mentor:T005。",
)
@click.option(
    "--watch",
    is_flag=True,
    help="生成后继续监视记录仓库：记录有变化时只重新生成受影响的页面（几秒内）。",
)
@click.option(
    "--all-audiences",
    is_flag=True,
    help="为每位教师各生成一个站点：site/<受众>/，并写出 site/audiences.json（daoshi serve 用）。",
)
def build_command(
    records: Path | None,
    config_file: Path | None,
    site_dir: Path | None,
    today: str | None,
    audience: str | None,
    watch: bool,
    all_audiences: bool,
) -> None:
    """校验记录并生成成长档案站点（等同于 mkdocs build --strict）。"""
    from mkdocs.exceptions import MkDocsException

    from daoshi.site.build import build_site

    if audience and all_audiences:
        raise click.UsageError("--audience 和 --all-audiences 只能选一个")
    if watch and all_audiences:
        raise click.UsageError("--watch 一次只能监视一个受众的站点，请用 --audience 指定")
    root = records or Path(DEFAULT_RECORDS)
    if not root.is_dir():
        raise click.BadParameter(f"找不到记录目录 {root}", param_hint="--records")
    if config_file is not None and not config_file.is_file():
        raise click.BadParameter(
            f"找不到 mkdocs 配置文件 {config_file}", param_hint="--config-file"
        )
    out = site_dir or Path("site")
    day = _date(today)
    _show_mkdocs_warnings()
    try:
        if all_audiences:
            from daoshi.builder.update import build_once

            outcome = build_once(root, out, day, config_file=config_file, progress=_progress)
            if outcome.problems:
                raise ProjectError(outcome.problems)
            click.echo(f"已为 {len(outcome.audiences)} 个受众生成站点：{out}/<受众>/")
            click.echo(f"用 daoshi serve --site {out} 按登录身份提供各自的站点。")
            return
        if watch:
            _watch(config_file, root, out, day, audience)
            return
        built = build_site(root, out, day, config_file=config_file, audience=audience)
    except ProjectError as exc:
        for p in exc.problems:
            click.echo(p.format(str(root).rstrip("/")))
        click.echo(f"记录有问题，站点未生成。{verdict(len(exc.problems))}", err=True)
        sys.exit(1)
    except MkDocsException as exc:
        click.echo(f"站点未生成：{exc}", err=True)
        sys.exit(1)
    click.echo(f"站点已生成：{built}/index.html（受众：{audience or 'leader'}）")
    if not audience or audience == "leader":
        click.echo("注意：这是校领导视图，含全部记录，只能提供给校领导。")
    click.echo(
        f"在本机浏览：python3 -m http.server -d {built} 8000，然后打开 http://127.0.0.1:8000/"
    )


from daoshi.cli.hook import hook_group  # noqa: E402

main.add_command(hook_group)

from daoshi.cli.year import YEAR_COMMANDS  # noqa: E402

for _command in YEAR_COMMANDS:
    main.add_command(_command)

from daoshi.cli.appraise import appraise_command, surveys_command  # noqa: E402
from daoshi.cli.year import import_group  # noqa: E402

main.add_command(appraise_command)

from daoshi.cli.obligations import obligations_command  # noqa: E402

main.add_command(obligations_command)
import_group.add_command(surveys_command)

from daoshi.cli.audit import close_semester_command, review_command  # noqa: E402

main.add_command(close_semester_command)
main.add_command(review_command)

from daoshi.cli.serve import serve_group  # noqa: E402

main.add_command(serve_group)

from daoshi.cli.builder import builder_group  # noqa: E402

main.add_command(builder_group)

from daoshi.cli.edit import edit_command  # noqa: E402

main.add_command(edit_command)

from daoshi.cli.district import district_group  # noqa: E402

main.add_command(district_group)
from daoshi.cli.notify import notify_group  # noqa: E402

main.add_command(notify_group)

from daoshi.cli.server import server_group  # noqa: E402

main.add_command(server_group)
