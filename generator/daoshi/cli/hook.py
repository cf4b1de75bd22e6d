"""``daoshi hook``: the pre-receive hook on the git server, and installing it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from daoshi.git import Repository
from daoshi.write.hook import DEFAULT_USER_ENV, check_push, read_updates, report
from daoshi.write.install import install


@click.group("hook")
def hook_group() -> None:
    """服务器端 git 钩子：按推送者检查每个新提交（见 docs/deploy.md）。"""


@hook_group.command("pre-receive")
def pre_receive_command() -> None:
    """由 git 在服务器上调用：从标准输入读取 “旧 新 引用” 行，不合规则时拒绝推送。

    推送者来自环境变量 GL_USER（gitolite），或仓库配置 daoshi.userEnv 指定的变量。
    """
    git = Repository.at(Path(os.environ.get("GIT_DIR", ".")))
    updates = read_updates(sys.stdin)
    if not updates:
        return
    try:
        verdict = check_push(
            git, updates, dict(os.environ), progress=lambda m: click.echo(m, err=True)
        )
    except Exception as exc:  # a broken hook must refuse, never let a push through
        click.echo(f"daoshi：检查出错，推送被拒绝：{exc}", err=True)
        sys.exit(1)
    for line in report(verdict):
        click.echo(line, err=True)
    if verdict.problems:
        sys.exit(1)


@hook_group.command("install")
@click.argument("bare_repo", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--user-env",
    help=f"推送者用户名所在的环境变量（默认 {DEFAULT_USER_ENV}；Gitea 用 GITEA_PUSHER_NAME）。",
)
@click.option(
    "--admin",
    "admins",
    multiple=True,
    help="另外指定的管理员（用户名或工号，可重复）；"
    "否则管理员是 people/teachers.yaml 中 roles 含 admin 的教师。",
)
@click.option("--force", is_flag=True, help="覆盖已有的、不是 daoshi 安装的 pre-receive 钩子。")
def install_command(
    bare_repo: Path, user_env: str | None, admins: tuple[str, ...], force: bool
) -> None:
    """把 pre-receive 钩子安装到服务器上的裸仓库 BARE_REPO。"""
    try:
        hook = install(bare_repo, user_env, admins, force)
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已安装：{hook}")
    click.echo(f"推送者取自环境变量 {user_env or DEFAULT_USER_ENV}；每次推送的新提交都会被检查。")


if __name__ == "__main__":  # the installed hook runs this module alone: fewer imports, faster
    hook_group(prog_name="daoshi hook")
