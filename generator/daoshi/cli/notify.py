"""``daoshi notify``: alerts after a push (``send``), the weekly reminder (``remind``), and a
check of the settings (``check``)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from daoshi.notify.config import NotifyConfig, load_notify_config

_CONFIG = click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="提醒设置文件（notify.yaml，见 docs/deploy.md）。",
)
_TODAY = click.option("--today", help="把这一天当作今天（YYYY-MM-DD；测试用）。")


def _config(path: Path) -> NotifyConfig:
    config, problems = load_notify_config(path)
    for p in problems:
        click.echo(p.format(), err=True)
    if config is None:
        sys.exit(1)
    return config


def _day(today: str | None) -> dt.date | None:
    if not today:
        return None
    try:
        return dt.date.fromisoformat(today)
    except ValueError:
        raise click.BadParameter("应写成 YYYY-MM-DD", param_hint="--today") from None


@click.group("notify")
def notify_group() -> None:
    """提醒：危机上报等紧急记录推送后一分钟内通知能看到它的人；每周提醒导师待完成的记录。"""


@notify_group.command("send")
@_CONFIG
@_TODAY
def send_command(config_path: Path, today: str | None) -> None:
    """读取新的推送，为紧急记录发出提醒（邮件、群机器人），并重试以前没发出的。"""
    from daoshi.notify.send import send_pending

    config = _config(config_path)
    try:
        report = send_pending(config, _day(today))
    except Exception as exc:  # the log says why; the next run tries again
        click.echo(f"daoshi notify：出错，稍后重试：{exc}", err=True)
        sys.exit(1)
    click.echo(
        f"daoshi notify：{report.pushes} 次推送，{report.alerts} 份新提醒，"
        f"发出 {report.sent} 条，失败 {len(report.failed)} 条"
    )
    for line in report.failed:
        click.echo(f"  未发出：{line}", err=True)
    for target in report.given_up:
        click.echo(f"  多次失败，不再重试：{target}", err=True)


@notify_group.command("remind")
@_CONFIG
@_TODAY
def remind_command(config_path: Path, today: str | None) -> None:
    """每周提醒：告诉选择了提醒的导师还有哪些记录要写（不含学生姓名）。"""
    from daoshi.notify.remind import remind

    config = _config(config_path)
    report = remind(config, _day(today))
    click.echo(
        f"daoshi notify remind：提醒 {report.alerts} 位导师，发出 {report.sent} 条，"
        f"失败 {len(report.failed)} 条"
    )
    for line in report.failed:
        click.echo(f"  未发出：{line}", err=True)


@notify_group.command("check")
@_CONFIG
def check_command(config_path: Path) -> None:
    """检查提醒设置文件，列出问题（不发送任何消息）。"""
    config = _config(config_path)
    channels = (["邮件"] if config.smtp else []) + [f"群机器人 {h.name}" for h in config.webhooks]
    click.echo(f"提醒设置正确：{'、'.join(channels)}；每周提醒 {len(config.reminders)} 位导师。")
