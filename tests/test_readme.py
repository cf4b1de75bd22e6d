"""The README's two commands stay true: the first is run here as a new user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import git

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


def test_first_command_builds_the_demo_records_repository(tmp_path: Path) -> None:
    checkout = tmp_path / "daoshi"
    _copy_checkout(checkout)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "DAOSHI_"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    done = subprocess.run(
        ["bash", "-c", readme_commands()[0]],
        cwd=checkout,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "没有发现问题。" in done.stdout, done.stdout
    assert "站点已生成" in done.stdout
    assert (checkout / "site" / "students" / "S250001" / "index.html").is_file()
    demo = git.Repo(checkout / "demo-school")
    authors = {c.author.email for c in demo.iter_commits("main")}
    assert len(authors) > 5
    assert not demo.is_dirty(untracked_files=True)
    assert (checkout / "demo-school" / "schemas" / "talk.schema.json").is_file()
