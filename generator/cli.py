"""The ``daoshi`` command: a thin click layer over the library."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from .errors import ProjectError
from .messages import set_language
from .validate import Result, validate

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
    click.echo(f"发现 {len(exc.problems)} 个问题。", err=True)
    sys.exit(1)


def _summary_line(result: Result) -> str:
    from .forms import load_forms

    s = result.summary
    labels = {k.kind: str(k.label) for k in load_forms().kinds.values()}
    kinds = "，".join(f"{labels.get(k, k)} {n}" for k, n in sorted(s.kinds.items(), key=lambda kv: -kv[1]))
    records = sum(s.kinds.values())
    head = f"已检查 {s.files} 个文件"
    if s.students or s.teachers:
        head += f"：{s.semesters} 个学期，{s.teachers} 名教师，{s.students} 名学生"
    head += f"，{records} 份记录" + (f"（{kinds}）" if kinds else "")
    return head + ("（使用缓存）" if s.cached else "") + "。"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="daoshi")
def main() -> None:
    """daoshi（导师）：全员导师制记录、成长档案与考核。"""


@main.command("validate")
@click.argument("path", default=DEFAULT_RECORDS, type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", help="消息语言（默认中文）。")
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD），用于检查未来日期。")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取全部文件。")
@click.option("-q", "--quiet", is_flag=True, help="只输出问题，不输出汇总。")
def validate_command(path: Path, lang: str, today: str | None, no_cache: bool, quiet: bool) -> None:
    """检查记录仓库 PATH（默认 records/）：逐行输出 path:line:col: CODE message，有问题时退出码为 1。"""
    set_language(lang)
    if not path.is_dir():
        raise click.BadParameter(f"找不到记录目录 {path}", param_hint="PATH")
    prefix = str(path).rstrip("/")
    try:
        result = validate(path, today=_date(today), use_cache=not no_cache)
    except ProjectError as exc:
        _fail(exc, prefix)
        return
    for p in result.problems:
        click.echo(p.format(prefix))
    if not quiet:
        click.echo(_summary_line(result))
        if result.problems:
            click.echo(f"发现 {len(result.problems)} 个问题。" if lang == "zh"
                       else f"Found {len(result.problems)} problems.")
        else:
            click.echo("没有发现问题。" if lang == "zh" else "No problems found.")
    sys.exit(1 if result.problems else 0)
