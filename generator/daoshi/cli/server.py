"""``daoshi server``: the deployment kit (``init``), gitolite's access from the matrix
(``gitolite``). The sites are the long-running builder's (``daoshi builder``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _school(records: Path | None) -> object:
    if records is None:
        return None
    from daoshi.errors import ProjectError
    from daoshi.records.validate import load

    try:
        return load(records)
    except ProjectError as exc:
        for p in exc.problems:
            click.echo(p.format(), err=True)
        sys.exit(1)


@click.group("server")
def server_group() -> None:
    """学校服务器：生成部署文件、gitolite 权限，以及推送后重新生成站点。"""


@server_group.command("init")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--domain", required=True, help="网站的域名，如 daoshi.school.edu.cn。")
@click.option(
    "--records",
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库的克隆：按访问矩阵生成 gitolite 权限。",
)
@click.option(
    "--user", default="daoshi", show_default=True, help="运行网站、构建和提醒的系统用户。"
)
@click.option(
    "--home", default="/srv/daoshi", show_default=True, help="该用户的目录（站点、状态、设置）。"
)
@click.option("--git-user", default="gitolite3", show_default=True, help="gitolite 的系统用户。")
@click.option(
    "--git-home", default="/var/lib/gitolite3", show_default=True, help="gitolite 的目录。"
)
@click.option(
    "--repo-name", default="records", show_default=True, help="gitolite 中记录仓库的名字。"
)
@click.option(
    "--port", default=8000, show_default=True, type=int, help="daoshi serve 在本机监听的端口。"
)
@click.option(
    "--network", "networks", multiple=True, help="允许访问的校内网段（可重复；默认三个私有网段）。"
)
def init_command(
    folder: Path,
    domain: str,
    records: Path | None,
    user: str,
    home: str,
    git_user: str,
    git_home: str,
    repo_name: str,
    port: int,
    networks: tuple[str, ...],
) -> None:
    """把部署文件写到 FOLDER：setup.sh、hooks.sh、systemd 单元、nginx 站点、
    gitolite 权限、提醒设置。"""
    from daoshi.records.model import School
    from daoshi.serve.kit import PRIVATE_NETWORKS, Site, write_kit

    school = _school(records)
    site = Site(
        domain=domain, user=user, home=home, git_user=git_user, git_home=git_home,
        repo_name=repo_name, port=port, networks=networks or PRIVATE_NETWORKS,
    )  # fmt: skip
    written = write_kit(folder, site, school if isinstance(school, School) else None)
    for path in written:
        click.echo(f"已写出：{path}")
    click.echo(f"下一步：以 root 运行 sh {folder / 'setup.sh'}（见 docs/deploy.md）")


@server_group.command("gitolite")
@click.option(
    "--records",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库的克隆。",
)
@click.option(
    "--repo-name", default="records", show_default=True, help="gitolite 中记录仓库的名字。"
)
def gitolite_command(records: Path, repo_name: str) -> None:
    """按访问矩阵（forms/access.yaml 的 git）打印 gitolite.conf 中记录仓库的一段。"""
    from daoshi.records.model import School
    from daoshi.serve.gitolite import gitolite_conf

    school = _school(records)
    assert isinstance(school, School)
    click.echo(gitolite_conf(school, repo_name), nl=False)
