"""``daoshi edit``: the teachers' editor, for one teacher (local) or the whole school (server)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

DEFAULT_STATE = ".daoshi-edit"


@click.command("edit")
@click.option(
    "--records",
    "records",
    type=click.Path(file_okay=False, path_type=Path),
    help="本机模式：你自己的记录仓库克隆（默认 $DAOSHI_RECORDS 或 records）。",
)
@click.option("--teacher", help="本机模式：你的工号，记录以你的名义提交。")
@click.option(
    "--push",
    is_flag=True,
    help="本机模式：提交后推送到上游（git push），推送失败时提交保留在本地。",
)
@click.option(
    "--users",
    "users_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="服务器模式：用户文件（daoshi serve adduser 添加），全校教师登录后使用。",
)
@click.option("--repo", help="服务器模式：学校的记录裸仓库（路径或 URL），保存即推送到这里。")
@click.option("--branch", default="main", show_default=True, help="服务器模式：推送的分支。")
@click.option(
    "--state",
    "state_dir",
    default=DEFAULT_STATE,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="服务器模式：工作克隆和草稿所在目录。",
)
@click.option(
    "--user-env",
    default="GL_USER",
    show_default=True,
    help="服务器模式：推送时告诉 pre-receive 钩子教师工号的环境变量。",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=8765, show_default=True, type=int, help="监听端口。")
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="服务器模式：会话 cookie 不加 Secure（只用于本机 http 测试）。",
)
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="服务器模式：签名会话 cookie 的密钥文件（默认与 daoshi serve 相同）。",
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD；演示和测试用）。")
def edit_command(
    records: Path | None,
    teacher: str | None,
    push: bool,
    users_file: Path | None,
    repo: str | None,
    branch: str,
    state_dir: Path,
    user_env: str,
    host: str,
    port: int,
    insecure_cookies: bool,
    secret_file: Path | None,
    today: str | None,
) -> None:
    """网页编辑器：列出受导学生和待完成的记录，按表单填写，保存即以教师名义提交。

    本机模式：daoshi edit --records 我的克隆 --teacher T005（只监听 127.0.0.1，无需登录）。
    服务器模式：daoshi edit --users users.yaml --repo /srv/git/records.git（全校登录使用）。
    """
    import uvicorn

    from daoshi.git import GitError
    from daoshi.write.editor.clone import Clone
    from daoshi.write.editor.drafts import Drafts, EditorError
    from daoshi.write.editor.editor import Editor

    day = None
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter("应写成 YYYY-MM-DD", param_hint="--today") from None
    try:
        if users_file is None:
            if not teacher:
                raise click.UsageError("本机模式需要 --teacher 工号（服务器模式用 --users）")
            root = (records or Path(os.environ.get("DAOSHI_RECORDS", "records"))).resolve()
            if not (root / ".git").exists():
                click.echo(f"错误：{root} 不是 git 仓库（先 git clone 学校的记录仓库）", err=True)
                sys.exit(1)
            clone = Clone(root)
            drafts = Drafts(clone.git_dir / "daoshi-drafts")
            editor = Editor(clone, drafts, today=day, push=push)
            from daoshi.write.editor.app import local_app

            app = local_app(editor, teacher)
            where = f"{root}，以 {teacher} 的名义提交"
        else:
            if not repo:
                raise click.UsageError("服务器模式需要 --repo 学校的记录裸仓库")
            from daoshi.cli.serve import DEFAULT_SECRET, _secret
            from daoshi.serve.auth import AuthConfig
            from daoshi.serve.users import load_users
            from daoshi.write.editor.app import server_app

            users, problems = load_users(users_file)
            for p in problems:
                click.echo(p.format(), err=True)
            if problems or not users:
                if not problems:
                    click.echo(f"{users_file} 中还没有用户，先运行 daoshi serve adduser", err=True)
                sys.exit(1)
            state = state_dir.resolve()
            clone = Clone.working_copy(repo, state / "clone", branch)
            editor = Editor(clone, Drafts(state / "drafts"), today=day, user_env=user_env)
            config = AuthConfig(
                users_file=users_file,
                secret=_secret(secret_file or DEFAULT_SECRET),
                secure_cookies=not insecure_cookies,
                state_file=state / "auth.sqlite",  # failures and logouts outlive a restart
            )
            app = server_app(editor, config)
            where = f"{repo}（{len(users)} 个用户）"
    except (EditorError, GitError) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(f"daoshi edit：{where}，打开 http://{host}:{port}/", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
