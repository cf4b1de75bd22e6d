"""``daoshi server init``: the deployment kit is complete, parses, and matches the guide."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from daoshi.serve.kit import UNITS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = (ROOT / "docs" / "deploy.md").read_text("utf-8")


def daoshi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kit") / "daoshi-kit"
    done = daoshi(
        "server", "init", str(folder), "--domain", "daoshi.test.edu.cn",
        "--records", str(ROOT / "records"), "--network", "10.8.0.0/16", "--port", "8123",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


def test_the_kit_has_every_file_the_guide_names(kit: Path) -> None:
    files = {p.relative_to(kit).as_posix() for p in kit.rglob("*") if p.is_file()}
    assert files == {
        "setup.sh",
        "hooks.sh",
        "nginx/daoshi.conf",
        "notify.yaml",
        "gitolite/gitolite.conf",
        *(f"systemd/{u}" for u in UNITS),
    }
    for name in files - {"gitolite/gitolite.conf"}:
        assert Path(name).name.split(".")[0] in DEPLOY, name


def test_the_scripts_parse_and_name_this_installation(kit: Path) -> None:
    for script in ("setup.sh", "hooks.sh"):
        assert subprocess.run(["sh", "-n", str(kit / script)], check=False).returncode == 0
    daoshi_bin = str(Path(sys.executable).absolute().parent / "daoshi")
    hooks = (kit / "hooks.sh").read_text("utf-8")
    assert f"{daoshi_bin} hook install $REPO --delegate daoshi-editor" in hooks
    setup = (kit / "setup.sh").read_text("utf-8")
    assert "UMASK" in setup and "0027" in setup and "safe.directory" in setup
    web = (kit / "systemd" / "daoshi-web.service").read_text("utf-8")
    assert f"ExecStart={daoshi_bin} serve " in web
    assert "--repo gitolite3@localhost:records --delegate" in web and "--port 8123" in web
    nginx = (kit / "nginx" / "daoshi.conf").read_text("utf-8")
    assert "server_name daoshi.test.edu.cn;" in nginx and "allow 10.8.0.0/16;" in nginx
    assert "proxy_pass http://127.0.0.1:8123;" in nginx
    assert 'proxy_set_header X-Remote-User "";' in nginx


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(kit: Path) -> None:
    units = [str(kit / "systemd" / u) for u in UNITS]
    done = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False
    )
    # a unit systemd cannot parse is reported as such; the daoshi user need not exist here
    problems = [
        line
        for line in done.stderr.splitlines()
        if "daoshi" in line and "user" not in line.lower() and "No such file" not in line
    ]
    assert done.returncode == 0 or not problems, done.stderr


def test_the_gitolite_block_gives_the_repository_to_whole_readers_only(kit: Path) -> None:
    """From the matrix: the teachers whose roles read everything (leader) and the admin."""
    teachers = YAML(typ="safe").load((ROOT / "records/people/teachers.yaml").read_text("utf-8"))
    whole = sorted(
        t["id"] for t in teachers["teachers"] if {"leader", "admin"} & set(t.get("roles", []))
    )
    conf = (kit / "gitolite" / "gitolite.conf").read_text("utf-8")
    assert f"@daoshi-git = {' '.join(whole)}\n" in conf
    assert re.search(r"^repo records\n    RW      =   daoshi-editor @daoshi-git$", conf, re.M)
    assert "@all" not in conf
    assert daoshi("server", "gitolite", "--records", str(ROOT / "records")).stdout == conf


def test_the_alert_settings_template_is_checked(kit: Path) -> None:
    done = daoshi("notify", "check", "--config", str(kit / "notify.yaml"))
    assert done.returncode == 1  # until the school fills it in
    assert "S805" in done.stderr and "password_file" in done.stderr


def test_a_role_that_does_not_read_everything_may_not_clone(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    (records / "forms").mkdir()
    access = (ROOT / "forms/access.yaml").read_text("utf-8")
    (records / "forms/access.yaml").write_text(
        access.replace("git: [leader, admin]", "git: [leader, reviewer]"), "utf-8"
    )
    done = daoshi("validate", str(records), "-q", "--no-cache")
    assert done.returncode == 1
    line = next(x for x in done.stdout.splitlines() if "M301" in x)
    assert line.startswith(f"{records / 'forms/access.yaml'}:")
    assert "角色 reviewer 不能 clone 记录仓库" in line


def test_every_server_and_notify_option_is_documented() -> None:
    from daoshi.cli.notify import notify_group
    from daoshi.cli.server import server_group

    for group in (server_group, notify_group):
        for command in group.commands.values():
            for param in command.params:
                for option in getattr(param, "opts", []):
                    if option.startswith("--") and option != "--help":
                        assert f"`{option}" in DEPLOY, (command.name, option)
