"""The README's two commands stay true: the first is run here as a new user would."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import git

from .serving import free_port

REPO = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of the README's first code block, comments stripped."""
    text = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL)
    assert block is not None
    return [line.split("#")[0].strip() for line in block[1].splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands_and_ci_runs_the_second() -> None:
    assert readme_commands() == ["bash .ci/demo", "bash .ci/test"]
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    assert "bash .ci/test" in ci.splitlines()[-1]


def _copy_checkout(target: Path) -> None:
    """The files a fresh clone would have, with this work tree's edits (no venv, no caches)."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        source = REPO / rel
        if source.is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / rel)


def test_first_command_builds_and_serves_the_demo_school(tmp_path: Path) -> None:
    checkout = tmp_path / "daoshi"
    _copy_checkout(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "DAOSHI_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    env["DAOSHI_DEMO_PORT"] = str(port := free_port())
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        demo = subprocess.Popen(
            ["bash", "-c", readme_commands()[0]],
            cwd=checkout,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # the server it ends in is stopped with its group
        )
    try:
        page = _wait_for(demo, log, f"http://127.0.0.1:{port}/students/S250001/")
        text = log.read_text("utf-8")
        assert "没有发现问题。" in text, text
        assert "站点已生成" in text
        assert f"演示站点：http://127.0.0.1:{port}/" in text
        assert "<title>张强宇 S250001 · 初二（1）班" in page  # the demo school's first student
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as home:
            assert home.status == 200
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=60)
    repo = git.Repo(checkout / "demo-school")
    authors = {c.author.email for c in repo.iter_commits("main")}
    assert len(authors) > 5
    assert not repo.is_dirty(untracked_files=True)
    assert (checkout / "demo-school" / "schemas" / "talk.schema.json").is_file()

    # a second run with the port taken says so instead of a traceback
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env["DAOSHI_DEMO_PORT"] = str(taken.getsockname()[1])
        again = subprocess.run(
            ["bash", "-c", readme_commands()[0]],
            cwd=checkout,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=900,
        )
    assert again.returncode == 1
    assert "已被占用" in again.stderr and "Traceback" not in again.stderr


def _wait_for(demo: subprocess.Popen[str], log: Path, url: str) -> str:
    """The page at ``url`` once command 1 serves it (install, demo and build come first)."""
    deadline = time.monotonic() + 900
    while True:  # waiting for the server to come up, not a timing assertion
        assert demo.poll() is None, log.read_text("utf-8")
        assert time.monotonic() < deadline, log.read_text("utf-8")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return str(response.read().decode("utf-8"))
        except OSError:
            time.sleep(0.5)
