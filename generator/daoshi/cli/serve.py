"""``daoshi serve``: the web server for the per-audience sites, and its users file."""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from daoshi.serve.auth import AuthConfig

DEFAULT_SECRET = Path.home() / ".config" / "daoshi" / "serve-secret"
MIN_PASSWORD = 8


def _secret(path: Path) -> bytes:
    """The signing key of the session cookies: kept in a file so sessions survive restarts."""
    from_env = os.environ.get("DAOSHI_SECRET")
    if from_env:
        return from_env.encode()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(v, strict=False) for v in values)
    except ValueError as exc:
        raise click.BadParameter(
            f"不是 IP 地址或网段：{exc}", param_hint="--trusted-proxy"
        ) from exc


@click.group("serve", invoke_without_command=True)
@click.option(
    "--site",
    default="site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="daoshi build --all-audiences 的输出目录。",
)
@click.option(
    "--users",
    "users_file",
    default="users.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="用户文件（用 daoshi serve adduser 添加用户）。",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=8000, show_default=True, type=int, help="监听端口。")
@click.option(
    "--trust-header",
    help="信任反向代理传来的已登录用户名（如 X-Remote-User），不再显示登录页。",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    default=("127.0.0.1", "::1"),
    show_default=True,
    help="反向代理的地址或网段（可重复）：只信任来自这些地址的用户名头和 X-Forwarded-For。",
)
@click.option(
    "--insecure-cookies",
    is_flag=True,
    help="会话 cookie 不加 Secure（只用于本机 http 测试；正式部署必须用 https）。",
)
@click.option(
    "--secret-file",
    default=str(DEFAULT_SECRET),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="签名会话 cookie 的密钥文件，不存在时自动生成（也可用环境变量 DAOSHI_SECRET）。",
)
@click.option(
    "--session-hours",
    default=8,
    show_default=True,
    type=click.IntRange(1, 24 * 30),
    help="登录多久后需要重新登录。",
)
@click.option(
    "--access-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="访问日志文件（默认写到标准错误）。",
)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="服务器状态目录：登录失败次数和已退出的会话（auth.sqlite，重启后仍有效），"
    "编辑器的工作克隆和草稿，提醒的记录（notify.sqlite）。",
)
@click.option(
    "--repo",
    help="同时提供网页编辑器（在 /，站点移到 /site/）：学校的记录裸仓库（路径或 URL），"
    "保存即推送到这里。需要 --state。",
)
@click.option("--branch", default="main", show_default=True, help="编辑器推送的分支。")
@click.option(
    "--delegate",
    is_flag=True,
    help="编辑器以自己的账号推送（如 gitolite 中的 daoshi-editor），"
    "用 push option daoshi.teacher=工号 说明是哪位教师（钩子须用 --delegate 安装）。",
)
@click.option(
    "--user-env",
    default="GL_USER",
    show_default=True,
    help="推送到本机路径时告诉钩子教师工号的环境变量。",
)
@click.pass_context
def serve_group(
    ctx: click.Context,
    site: Path,
    users_file: Path,
    host: str,
    port: int,
    trust_header: str | None,
    trusted_proxies: tuple[str, ...],
    insecure_cookies: bool,
    secret_file: Path,
    session_hours: int,
    access_log: Path | None,
    state_dir: Path | None,
    repo: str | None,
    branch: str,
    delegate: bool,
    user_env: str,
) -> None:
    """按登录身份提供各自的档案站点（每位教师只能看到自己受众的站点）。

    先运行 daoshi build --all-audiences，再 daoshi serve --site site --users users.yaml。
    正式部署放在 nginx（https）后面，见 docs/deploy.md。加 --repo 和 --state 时，
    网页编辑器和站点在同一个进程、同一次登录之后：编辑器在 /，站点在 /site/。
    """
    if ctx.invoked_subcommand is not None:
        return
    if repo and state_dir is None:
        raise click.UsageError("--repo 需要 --state（编辑器的工作克隆和草稿放在那里）")
    import uvicorn

    from daoshi.errors import Location, Problem
    from daoshi.messages import problem
    from daoshi.serve.server import (
        AuthConfig,
        User,
        load_audiences,
        load_users,
        make_app,
        user_audience,
    )

    problems: list[Problem] = []
    users: dict[str, User] = {}
    if users_file.exists() or not trust_header:
        users, problems = load_users(users_file)
        if not users and not problems and not trust_header:
            click.echo(
                f"{users_file} 中还没有用户，先运行 daoshi serve adduser 用户名 --teacher 工号",
                err=True,
            )
            sys.exit(1)
    audiences, site_problems = load_audiences(site)
    indexed = not any(p.code == "S802" for p in site_problems)
    for user in users.values():
        if indexed and user_audience(user, audiences) is None:
            whom = user.audience or user.teacher or "-"
            site_problems.append(
                problem(Location(str(users_file)), "S803", user=user.name, audience=whom)
            )
    # with the editor (--repo) the server starts before the first build: the sites follow
    fatal = problems + [p for p in site_problems if p.code == "S802" and not repo]
    for p in problems + site_problems:
        click.echo(p.format(), err=True)
    if fatal:
        sys.exit(1)
    config = AuthConfig(
        users_file=users_file,
        secret=_secret(secret_file),
        secure_cookies=not insecure_cookies,
        session_seconds=session_hours * 3600,
        trust_header=trust_header,
        trusted_proxies=_networks(trusted_proxies),
        state_file=state_dir / "auth.sqlite" if state_dir else None,
    )
    app = make_app(site, config)
    if repo and state_dir:
        app = _school_app(site, config, repo, state_dir, branch, user_env, delegate)
    handler: logging.Handler = (
        logging.FileHandler(access_log, encoding="utf-8") if access_log else logging.StreamHandler()
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log = logging.getLogger("daoshi.access")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    click.echo(
        f"daoshi serve：{len(audiences.folders)} 个受众站点，http://{host}:{port}/"
        + ("（信任代理头 " + trust_header + "）" if trust_header else ""),
        err=True,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="warning",
    )


def _school_app(
    site: Path,
    config: AuthConfig,
    repo: str,
    state: Path,
    branch: str,
    user_env: str,
    delegate: bool,
) -> Starlette:
    """The editor beside the sites (``daoshi.serve.app``); a repository that cannot be
    cloned stops the start with git's reason."""
    from daoshi.git import GitError
    from daoshi.serve.app import school_app
    from daoshi.write.editor.clone import Clone
    from daoshi.write.editor.drafts import Drafts, EditorError
    from daoshi.write.editor.editor import Editor

    try:
        clone = Clone.working_copy(repo, state.resolve() / "clone", branch)
        editor = Editor(
            clone, Drafts(state.resolve() / "drafts"), user_env=user_env, delegate=delegate
        )
    except (EditorError, GitError) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(f"daoshi serve：编辑器推送到 {repo}（{branch}），站点在 /site/", err=True)
    return school_app(site, config, editor, state.resolve())


@serve_group.command("adduser")
@click.argument("name")
@click.option("--teacher", help="教师工号：看到该教师的站点（audiences.json 中的对应）。")
@click.option("--audience", help="直接指定站点目录（如 leader），代替 --teacher。")
@click.option(
    "--users",
    "users_file",
    default="users.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="用户文件。",
)
@click.option("--password-stdin", is_flag=True, help="从标准输入读取密码（一行），不提示。")
def adduser_command(
    name: str, teacher: str | None, audience: str | None, users_file: Path, password_stdin: bool
) -> None:
    """添加用户 NAME 或修改其密码（argon2 哈希写入用户文件）。"""
    from daoshi.serve.server import add_user, load_users

    if bool(teacher) == bool(audience):
        raise click.UsageError("请指定 --teacher 工号 或 --audience 站点目录（二选一）")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    if len(password) < MIN_PASSWORD:
        click.echo(f"错误：密码至少 {MIN_PASSWORD} 个字符", err=True)
        sys.exit(1)
    if users_file.exists():
        _, problems = load_users(users_file)
        if problems:
            for p in problems:
                click.echo(p.format(), err=True)
            sys.exit(1)
    add_user(users_file, name, password, teacher, audience)
    whom = f"工号 {teacher}" if teacher else f"站点 {audience}"
    click.echo(f"已保存用户 {name}（{whom}）：{users_file}")
