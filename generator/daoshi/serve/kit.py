"""``daoshi server init DIR``: the deployment kit, written for one school's server.

The files under ``serve/kit/`` are templates; here they are filled with the school's
names and paths (the service user, this installation's ``daoshi``, gitolite's home, the
domain) and laid out as the deploy guide (``docs/deploy.md``) walks through them:
``setup.sh`` (user, folders, gitolite's umask, the editor's key, units, nginx),
``hooks.sh`` (the hooks, once the repository is in place), ``systemd/``, ``nginx/``,
``gitolite/`` (the repository's access block, from the matrix when the records are at
hand) and ``notify.yaml`` (the alerts, to fill in).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2

from daoshi.records.model import School
from daoshi.serve.gitolite import gitolite_conf

UNITS = (
    "daoshi-web.service",
    "daoshi-build.service",
    "daoshi-notify.service",
    "daoshi-notify.path",
    "daoshi-notify.timer",
    "daoshi-remind.service",
    "daoshi-remind.timer",
    "daoshi-backup.service",
    "daoshi-backup.timer",
)
PRIVATE_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("daoshi.serve", "kit"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # configuration files and shell, not HTML
)


@dataclass(frozen=True)
class Site:
    """The names and paths of one school's server."""

    domain: str
    daoshi: str = str(Path(sys.executable).absolute().parent / "daoshi")
    user: str = "daoshi"
    home: str = "/srv/daoshi"
    git_user: str = "gitolite3"
    git_home: str = "/var/lib/gitolite3"
    repo_name: str = "records"
    port: int = 8000
    networks: tuple[str, ...] = PRIVATE_NETWORKS

    @property
    def repo(self) -> str:
        return f"{self.git_home}/repositories/{self.repo_name}.git"


def write_kit(folder: Path, site: Site, school: School | None = None) -> list[Path]:
    """Write the kit into ``folder``; the files written, in the guide's order."""
    values = {**asdict(site), "repo": site.repo}
    plan: list[tuple[str, str, int]] = [
        ("setup.sh", "setup.sh", 0o755),
        ("hooks.sh", "hooks.sh", 0o755),
        *((name, f"systemd/{name}", 0o644) for name in UNITS),
        ("nginx.conf", "nginx/daoshi.conf", 0o644),
        ("notify.yaml", "notify.yaml", 0o640),
    ]
    written = []
    for template, target, mode in plan:
        path = folder / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_templates.get_template(template).render(**values), "utf-8")
        path.chmod(mode)
        written.append(path)
    conf = folder / "gitolite" / "gitolite.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    if school is not None:
        conf.write_text(gitolite_conf(school, site.repo_name), "utf-8")
    else:
        conf.write_text(
            "# 运行 daoshi server gitolite --records <记录仓库的克隆> 生成这一段：\n"
            "# 只有访问矩阵（forms/access.yaml 的 git）允许的教师能 clone，编辑器代其他教师推送。\n"
            f"repo {site.repo_name}\n    RW      =   daoshi-editor\n",
            "utf-8",
        )
    written.append(conf)
    return written
