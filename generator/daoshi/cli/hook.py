"""``daoshi hook``: the pre-receive hook on the git server, and installing it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from daoshi.git import Repository
from daoshi.write.commits import shown
from daoshi.write.delegate import delegated
from daoshi.write.hook import DEFAULT_USER_ENV, check_push, report
from daoshi.write.install import install
from daoshi.write.pushlog import record_push
from daoshi.write.refs import read_updates


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
        environ = delegated(git, os.environ)  # the editor pushing for a teacher
        verdict = check_push(git, updates, environ, progress=lambda m: click.echo(m, err=True))
        if not verdict.problems and verdict.pusher is not None:  # accepted: into the log
            failed = record_push(
                git, verdict.pusher, updates, verdict.commits, verdict.main, verdict.signatures
            )
            if failed is not None:
                verdict.problems[""] = [failed]
    except Exception as exc:  # a broken hook must refuse, never let a push through
        click.echo(f"daoshi：检查出错，推送被拒绝：{shown(str(exc))}", err=True)
        sys.exit(1)
    for line in report(verdict):
        click.echo(line, err=True)
    if verdict.problems:
        sys.exit(1)


@hook_group.command("post-receive")
def post_receive_command() -> None:
    """由 git 在推送被接受后调用：把这次推送记进 daoshi-spool/，再在后台启动仓库配置的
    daoshi.afterPush 命令（发送提醒、通知构建器），推送不等它们。"""
    from daoshi.write.postreceive import record_push, start_after_push

    git = Repository.at(Path(os.environ.get("GIT_DIR", ".")))
    updates = read_updates(sys.stdin)
    if not updates:
        return
    try:
        push = record_push(git, updates, os.environ)
        start_after_push(git, push)
    except Exception as exc:  # the push is in: say what failed, never fail it
        click.echo(f"daoshi：推送已保存，但后续处理（提醒、更新站点）没有启动：{exc}", err=True)


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
@click.option(
    "--delegate",
    "delegates",
    multiple=True,
    help="代教师推送的服务账号（网页编辑器在 gitolite 中的用户名，可重复）："
    "它用 push option daoshi.teacher=工号 说明是哪位教师，钩子按该教师检查。",
)
@click.option(
    "--after-push",
    "after_push",
    multiple=True,
    help="推送被接受后在后台运行的命令（可重复），如 daoshi notify send --config …；"
    "推送不等它结束。",
)
@click.option("--force", is_flag=True, help="覆盖已有的、不是 daoshi 安装的钩子。")
def install_command(
    bare_repo: Path,
    user_env: str | None,
    admins: tuple[str, ...],
    delegates: tuple[str, ...],
    after_push: tuple[str, ...],
    force: bool,
) -> None:
    """把 pre-receive 和 post-receive 钩子安装到服务器上的裸仓库 BARE_REPO。"""
    try:
        hook = install(
            bare_repo, user_env, admins, force, delegates=delegates, after_push=after_push
        )
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已安装：{hook} 和 post-receive")
    click.echo(f"推送者取自环境变量 {user_env or DEFAULT_USER_ENV}；每次推送的新提交都会被检查。")


if __name__ == "__main__":
    hook_group(prog_name="daoshi hook")
