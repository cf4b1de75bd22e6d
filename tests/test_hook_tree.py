"""The hook's data tree: a commit's files but the journals, kept in step by blob ids."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from daoshi.git import Repository
from daoshi.write.hook_tree import DataTree

RECORD = "semesters/2026-2027-1/journal/T001/S250001/2026-10-12-talk.md"


def git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    done = subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.edu.cn", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def commit(work: Path, files: dict[str, str | None]) -> str:
    for rel, text in files.items():
        target = work / rel
        if text is None:
            target.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "change", "--allow-empty")
    return git(work, "rev-parse", "HEAD").strip()


def on_disk(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text("utf-8") for p in root.rglob("*") if p.is_file()
    }


def expected(work: Path, sha: str) -> dict[str, str]:
    """What the data tree should hold for ``sha``: every file but the journals."""
    names = git(work, "ls-tree", "-r", "-z", "--name-only", sha).split("\0")
    return {n: git(work, "show", f"{sha}:{n}") for n in names if n and "/journal/" not in n}


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, DataTree]:
    work = tmp_path / "records"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    return work, DataTree(Repository.at(work / ".git"), tmp_path / "check")


def test_the_data_tree_follows_each_commit(repo: tuple[Path, DataTree]) -> None:
    work, data = repo
    steps = [
        {
            "school.yaml": "name: 一中\n",
            "people/teachers.yaml": "teachers: []\n",
            "forms/kinds/extra.yaml": "kind: extra\n",
            "semesters/2026-2027-1/semester.yaml": "id: 1\n",
            "semesters/2026-2027-1/pairings.yaml": "pairings: []\n",
            "semesters/2026-2027-1/attachments/plan.yaml": "a: 1\n",
            RECORD: "---\nkind: talk\n---\n谈话。\n",
            "semesters/2026-2027-1/journal/T002/group/2026-10-13-group-activity.md": "x\n",
        },
        {  # a data file changed, one removed, one added; a record added
            "semesters/2026-2027-1/pairings.yaml": "pairings: [1]\n",
            "forms/kinds/extra.yaml": None,
            "people/cohorts/2026.yaml": "cohort: 2026\n",
            RECORD.replace("10-12", "10-19"): "---\nkind: talk\n---\n又一次。\n",
        },
        {  # a new semester, and only records changed in the old one
            "semesters/2027-2028-1/semester.yaml": "id: 2\n",
            RECORD: "---\nkind: talk\n---\n谈话，改过。\n",
        },
        {"semesters/2026-2027-1/attachments/plan.yaml": None},  # a folder emptied
    ]
    for files in steps:
        sha = commit(work, files)
        with data.checked_out(sha, [RECORD]) as root:
            assert root is not None
            record = git(work, "show", f"{sha}:{RECORD}")
            assert on_disk(root) == {**expected(work, sha), RECORD: record}
        assert on_disk(data.dir) == expected(work, sha)  # the record taken out again


def test_a_lost_manifest_or_a_changed_file_is_written_again(repo: tuple[Path, DataTree]) -> None:
    work, data = repo
    sha = commit(work, {"school.yaml": "name: 一中\n", "people/teachers.yaml": "teachers: []\n"})
    with data.checked_out(sha, []) as root:
        assert root is not None
    (data.dir / "school.yaml").write_text("name: 被改过\n", "utf-8")
    data.manifest.unlink()  # as a push stopped half-way leaves it
    with data.checked_out(sha, []) as root:
        assert root is not None
        assert on_disk(root) == expected(work, sha)


def test_a_tree_only_a_checkout_may_write_is_left_to_read_tree(
    repo: tuple[Path, DataTree],
) -> None:
    work, data = repo
    commit(work, {"people/teachers.yaml": "teachers: []\n"})
    (work / "people" / "link.yaml").symlink_to("/etc/passwd")
    sha = commit(work, {})
    with data.checked_out(sha, []) as root:
        assert root is None
    assert not (data.dir / "people" / "link.yaml").exists()
    sha = commit(work, {"people/link.yaml": None})
    with data.checked_out(sha, ["semesters/x/journal/T1/../../../../etc/passwd"]) as root:
        assert root is None  # an odd record path: the whole checkout refuses it
