"""A commit that git refuses leaves the records as they were: every command that commits.

``import roster``, ``import preferences``, ``match``, ``new-semester`` and ``close-semester``
each end in ``git commit``. When that fails (a pre-commit hook says no, the signing program
fails), the command says so in Chinese, exits 1 without a traceback, and the working tree,
the index and HEAD are exactly as before. Each case runs the real command as a subprocess
in a real repository. (``import surveys`` writes its file without committing: the teacher
validates and commits it.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.test_rollover import spring_repo
from tests.test_roster import _own_cache, git, head, make_repo, quirky_roster, run  # noqa: F401

HOOK_SAYS = "钩子拒绝：请先运行 daoshi validate"


def daoshi(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a teacher runs it: its own process, its own output."""
    return subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def refusing_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\necho '{HOOK_SAYS}' >&2\nexit 1\n", "utf-8")
    hook.chmod(0o755)


def failing_signer(repo: Path) -> None:
    git(repo, "config", "commit.gpgSign", "true")
    git(repo, "config", "tag.gpgSign", "true")
    git(repo, "config", "gpg.program", "false")


def snapshot(repo: Path) -> tuple[str, str, dict[str, bytes]]:
    """HEAD, the index (every entry's mode, blob and stage) and every file's bytes."""
    files = {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return head(repo), git(repo, "ls-files", "--stage"), files


def preferences_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["学号", "姓名", "第一志愿", "第二志愿"])
    ws.append([250003, "王磊", "T001", "T002"])
    ws.append([250004, "刘洋", "T003", None])
    wb.save(path)
    return path


UNPAIRED = {  # only T001 has mentees: the others are left for ``match``
    "semesters/2025-2026-1/pairings.yaml": (
        'semester: 2025-2026-1\npairings:\n  - mentor: T001\n    students: ["0250001", "0250002"]\n'
    )
}


def roster(tmp: Path) -> tuple[Path, list[str]]:
    repo = make_repo(tmp / "records")
    book = quirky_roster(tmp / "名单.xlsx")
    args = ["import", "roster", str(book), "--school-year", "2026", "--left-date", "2026-09-01"]
    return repo, [*args, "--records", str(repo)]


def teachers_roster(tmp: Path) -> tuple[Path, list[str]]:
    repo = make_repo(tmp / "records")
    book = tmp / "教师.csv"
    book.write_text("工号,姓名,邮箱\nT005,孙丽,t005@test.invalid\n", "utf-8")
    return repo, ["import", "roster", str(book), "--kind", "teachers", "--records", str(repo)]


def preferences(tmp: Path) -> tuple[Path, list[str]]:
    repo = make_repo(tmp / "records", UNPAIRED)
    book = preferences_book(tmp / "志愿.xlsx")
    return repo, ["import", "preferences", str(book), "--records", str(repo)]


def matching(tmp: Path) -> tuple[Path, list[str]]:
    repo = make_repo(tmp / "records", UNPAIRED)
    book = preferences_book(tmp / "志愿.xlsx")
    done = daoshi("import", "preferences", str(book), "--records", str(repo))
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, ["match", "--records", str(repo)]


def new_semester(tmp: Path) -> tuple[Path, list[str]]:
    repo = spring_repo(tmp / "records")
    return repo, ["new-semester", "2026-2027-1", "--records", str(repo)]


def close_semester(tmp: Path) -> tuple[Path, list[str]]:
    repo = make_repo(tmp / "records")
    return repo, ["close-semester", "2025-2026-1", "--records", str(repo), "--today", "2026-02-01"]


COMMANDS: dict[str, Callable[[Path], tuple[Path, list[str]]]] = {
    "import-roster": roster,
    "import-teachers": teachers_roster,
    "import-preferences": preferences,
    "match": matching,
    "new-semester": new_semester,
    "close-semester": close_semester,
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_command_commits_when_git_lets_it(tmp_path: Path, command: str) -> None:
    """The same setups do commit without the hook: the refusals below are the hook's."""
    repo, args = COMMANDS[command](tmp_path)
    before = head(repo)
    done = daoshi(*args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert head(repo) != before
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("refuse", [refusing_hook, failing_signer], ids=["pre-commit", "signer"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_refused_commit_leaves_tree_index_and_head_as_they_were(
    tmp_path: Path, command: str, refuse: Callable[[Path], None]
) -> None:
    repo, args = COMMANDS[command](tmp_path)
    refuse(repo)
    before = snapshot(repo)
    tags = git(repo, "tag", "--list")
    done = daoshi(*args)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said
    assert "Traceback" not in said
    assert "没有" in said and "撤销" in said, said
    if refuse is refusing_hook:
        assert HOOK_SAYS in said
    assert snapshot(repo) == before
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(repo, "tag", "--list") == tags


def test_a_close_tag_that_cannot_be_signed_takes_its_commit_back(tmp_path: Path) -> None:
    """The commit succeeds, the tag after it fails: the commit is taken back too."""
    repo, args = close_semester(tmp_path)
    git(repo, "config", "tag.gpgSign", "true")
    git(repo, "config", "gpg.program", "false")
    before = snapshot(repo)
    done = daoshi(*args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "结档没有完成，已撤销" in done.stdout + done.stderr
    assert snapshot(repo) == before
    assert git(repo, "tag", "--list") == ""
