"""``daoshi builder``: the long-running builder of every audience's site, and its doors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

SITE_HELP = "站点目录：每个受众一个文件夹，另有 audiences.json（daoshi serve 的 --site）。"
SOCKET_HELP = "生成程序的套接字（默认：站点目录/.daoshi/builder.sock）。"


@click.group("builder")
def builder_group() -> None:
    """常驻的生成程序：所有受众的站点，推送后几秒内更新受影响的页面（见 docs/deploy.md）。"""


@builder_group.command("run")
@click.option(
    "--repo",
    required=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="学校的记录仓库（服务器上的裸仓库）。",
)
@click.option(
    "--site", required=True, type=click.Path(file_okay=False, path_type=Path), help=SITE_HELP
)
@click.option(
    "-f",
    "--config-file",
    "config_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="mkdocs 配置文件（默认：记录仓库自己的 mkdocs.yml，没有则用 daoshi 自带的）。",
)
@click.option(
    "--today", help="把这一天当作今天（YYYY-MM-DD；默认按学校时区的今天，每天重新生成）。"
)
@click.option("--socket", "socket_file", type=click.Path(path_type=Path), help=SOCKET_HELP)
@click.option(
    "--idle",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0),
    help="没有新提交多少秒后更新审核报告页（每次提交都会改变它们，放在其他页面之后）。",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    help="一次更新最多分给几个进程同时生成（默认：本机可用的 CPU 核数）。",
)
def run_command(
    repo: Path,
    site: Path,
    config_file: Path | None,
    today: str | None,
    socket_file: Path | None,
    idle: float,
    workers: int | None,
) -> None:
    """克隆仓库、为所有受众生成站点，然后常驻：发现新提交（监视仓库的引用，或收到
    daoshi builder poke）后只重新生成受影响的页面，每个受众的新站点整体替换上线。"""
    from daoshi.builder.daemon import Builder
    from daoshi.builder.update import LiveSites

    day = _day(today)
    if not (repo / "refs").is_dir() or not (repo / "HEAD").is_file():
        raise click.BadParameter(f"{repo} 不是 git 裸仓库", param_hint="--repo")
    site.mkdir(parents=True, exist_ok=True)
    records = site / ".daoshi" / "records"
    live = LiveSites(records, site, day, config_file, progress=_echo, workers=workers)
    builder = Builder(repo, site, live, _echo, socket_file, idle)
    _echo(f"生成程序已启动：仓库 {repo}，站点 {site}")
    try:
        builder.serve_forever()
    except KeyboardInterrupt:
        _echo("生成程序已停止。")


@builder_group.command("poke")
@click.option(
    "--site", required=True, type=click.Path(file_okay=False, path_type=Path), help=SITE_HELP
)
@click.option("--wait", is_flag=True, help="等生成程序处理完这次提交再返回，并打印结果。")
@click.option("--socket", "socket_file", type=click.Path(path_type=Path), help=SOCKET_HELP)
def poke_command(site: Path, wait: bool, socket_file: Path | None) -> None:
    """通知正在运行的生成程序：仓库有新提交（post-receive 钩子、编辑器保存后调用）。"""
    from daoshi.builder.daemon import poke

    try:
        ok, answer = poke(site, wait=wait, socket_file=socket_file)
    except OSError as exc:
        click.echo(f"生成程序没有在运行（{site}）：{exc.strerror or exc}", err=True)
        sys.exit(1)
    if wait:
        click.echo(answer.rstrip("\n"))
    if not ok:
        sys.exit(1)


@builder_group.command("status")
@click.option(
    "--site", required=True, type=click.Path(file_okay=False, path_type=Path), help=SITE_HELP
)
def status_command(site: Path) -> None:
    """显示各站点对应的提交，以及最近一次生成的结果。"""
    path = site / ".daoshi" / "builder.json"
    try:
        status = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        click.echo(f"还没有生成记录：{path}", err=True)
        sys.exit(1)
    when = dt.datetime.fromtimestamp(status["time"]).strftime("%Y-%m-%d %H:%M:%S")
    click.echo(f"站点对应的提交：{status['commit'] or '（无）'}（{when}）")
    if status.get("deferred"):
        click.echo(f"还有 {status['deferred']} 个审核报告页等待更新（空闲时自动完成）。")
    if not status["ok"]:
        click.echo(f"提交 {status['tried']} 有问题，没有上线：")
        for line in status["problems"]:
            click.echo(line)
        sys.exit(1)


def _echo(message: str) -> None:
    click.echo(message, err=True)


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"日期格式应为 YYYY-MM-DD：{value}", param_hint="--today") from exc
