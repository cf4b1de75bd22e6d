"""``daoshi district``: a school publishes its de-identified summary; a district builds its site."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from daoshi.errors import ProjectError
from daoshi.messages import verdict

PERIOD_LABELS = {"week": "本周", "month": "本月"}


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"日期应写成 2026-11-20：{value}") from exc


def _problems(exc: ProjectError, prefix: str = "") -> None:
    for p in exc.problems:
        click.echo(p.format(prefix))
    click.echo(verdict(len(exc.problems)), err=True)
    sys.exit(1)


@click.group("district", context_settings={"help_option_names": ["-h", "--help"]})
def district_group() -> None:
    """区级汇总：学校发布去标识汇总，区教育局据此生成全区站点。"""


@district_group.command("summary")
@click.option(
    "--records",
    default=lambda: os.environ.get("DAOSHI_RECORDS", "records"),
    type=click.Path(file_okay=False, path_type=Path),
    help="学校的记录仓库（默认：环境变量 DAOSHI_RECORDS 或 records/）。",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="汇总文件（JSON），区教育局从这里取。",
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD）。")
@click.option(
    "--k", default=5, show_default=True, type=click.IntRange(2, 100), help="少于 k 人的格隐藏。"
)
@click.option(
    "--every",
    type=click.Choice(["week", "month"]),
    default="week",
    show_default=True,
    help="多久发布一次新数字：同一周（月）内的推送不改变已发布的汇总。",
)
@click.option(
    "--district-policy",
    default="district",
    show_default=True,
    help="区政策的代号（forms/policies/ 中），各校同时按它统计。",
)
def summary_command(
    records: Path, out: Path, today: str | None, k: int, every: str, district_policy: str
) -> None:
    """计算并发布本校的去标识汇总（学校的构建程序在每次推送后运行）。

    没有姓名、学号、工号和文字；少于 k 人的格隐藏，其余取 k 的整数倍。
    """
    from daoshi.district.protect import Protection
    from daoshi.district.publisher import publish_summary

    if not records.is_dir():
        raise click.BadParameter(f"找不到记录目录 {records}", param_hint="--records")
    try:
        done = publish_summary(
            records,
            out,
            today=_day(today),
            protection=Protection(k=k, base=k),
            every=every,
            district_policy=district_policy,
        )
    except ProjectError as exc:
        click.echo("记录有问题，汇总未发布：", err=True)
        _problems(exc, str(records).rstrip("/"))
        return
    period = done.summary["period"]
    if done.written:
        click.echo(f"已发布汇总：{out}（数据截至 {done.summary['computed_on']}）")
    else:
        click.echo(
            f"{PERIOD_LABELS[every]}（{period['start']} 起）的汇总已发布，未改动：{out}"
            f"（数据截至 {done.summary['computed_on']}，下一期开始后的第一次推送会更新）"
        )


@district_group.command("schema")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="写到文件（默认打印）。"
)
def schema_command(out: Path | None) -> None:
    """打印学校汇总的 JSON Schema（格式版本 1）。"""
    from daoshi.district.verify import SCHEMA_FILE

    text = SCHEMA_FILE.read_text("utf-8")
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, "utf-8")
    click.echo(f"已写出 {out}")


@district_group.command("build")
@click.argument("district_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-d",
    "--site-dir",
    "site_dir",
    default="district-site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="站点输出目录（整个替换）。",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="保存各校上次取得的汇总（默认：区文件旁的 .daoshi-district/）。",
)
@click.option("--scheduler", help="Dask 调度器地址，如 tcp://10.0.0.5:8786（默认在本机启动）。")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 256),
    help="不指定 --scheduler 时在本机启动的 worker 进程数。",
)
@click.option("--recompute", is_flag=True, help="从区里托管的学校记录仓库（repo）重新计算汇总。")
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD）。")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="把各校结果另存为 JSON。"
)
def build_command(
    district_file: Path,
    site_dir: Path,
    cache: Path | None,
    scheduler: str | None,
    workers: int,
    recompute: bool,
    today: str | None,
    report: Path | None,
) -> None:
    """读区文件，在 Dask 集群上取得（或重算）、校验各校汇总，生成全区站点。

    全部学校取得时退出码 0；站点已生成但有学校未取得时退出码 3。
    """
    from daoshi.district.districtfile import read_district
    from daoshi.district.engine import BuildOptions, build_district, report_lines, results_json

    try:
        district = read_district(district_file)
    except ProjectError as exc:
        _problems(exc)
        return
    options = BuildOptions(
        out=site_dir,
        cache=cache or district_file.parent / ".daoshi-district",
        today=_day(today) or dt.datetime.now(ZoneInfo("Asia/Shanghai")).date(),
        scheduler=scheduler,
        workers=workers,
        recompute=recompute,
    )
    built, results = build_district(district, options, progress=lambda m: click.echo(m, err=True))
    for line in report_lines(results, options.today):
        click.echo(line)
    if report is not None:
        report.write_text(results_json(results), "utf-8")
    missing = [r for r in results if r.status != "ok"]
    click.echo(f"全区站点已生成：{built}/index.html（{len(results)} 所学校）")
    if missing:
        click.echo(f"{len(missing)} 所学校本次未取得数据，见站点的“数据来源与时效”。", err=True)
        sys.exit(3)
