"""Merges in the audit: every change a merge makes itself is attributed to it.

``git log`` lists no files for a merge, so a merge that keeps an old tree (the wipe) used
to look like nothing at all. The index now adds each merge's own changes
(``history.merges``); a clean merge of two teachers' work adds none.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.history.load import load_history
from tests.conftest import SEMESTER, TALK
from tests.test_audit import FIXED, LATE_TALK, STRANGER, School, _at, talk

OTHER = f"{SEMESTER}/journal/T001/S250002/2025-11-02-talk.md"


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> School:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DAOSHI_RECORDS", raising=False)
    return School(tmp_path / "records")


def merge(school: School, tree_of: str, *parents: str, who: tuple[str, str], day: str) -> str:
    """A merge commit with the tree of ``tree_of``, as a crafted push would bring it."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_AUTHOR_DATE": _at(day),
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
        "GIT_COMMITTER_DATE": _at(day),
    }
    args = [a for p in parents for a in ("-p", p)]
    sha = school.repo.git("commit-tree", f"{tree_of}^{{tree}}", *args, "-m", "合并", env=env)
    school.repo.git("reset", "-q", "--hard", sha.strip())
    return sha.strip()


def review(school: School) -> str:
    args = ["review", "--semester", "2025-2026-1", "--records", str(school.root), "--text"]
    result = CliRunner().invoke(main, [*args, "--today", "2026-01-25"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_review_shows_a_wipe_by_merge(school: School) -> None:
    head, setup = school.repo.head(), school.commits["setup"]
    wipe = merge(school, setup, head, setup, who=STRANGER, day="2025-12-01")
    out = review(school)
    # three records existed at the head (TALK, FIXED, LATE_TALK): all three deleted by it,
    # besides the duplicate T001 deleted before
    assert "删除 4 份" in out, out
    for path in (TALK, FIXED, LATE_TALK):
        assert f"[删除] {path}" in out
    assert out.count(f"{wipe[:10]} D 临时工 <temp@example.com>") == 3
    assert "临时工 <temp@example.com> 于 2025-12-01 20:00 删除" in out


def test_a_clean_merge_adds_nothing_and_a_dropped_edit_is_the_merger_s(school: School) -> None:
    repo = school.repo
    base = repo.head()
    mine = repo.commit({OTHER: talk("S250002", "2025-11-02", "导师的新记录。\n")}, "新记录")
    repo.git("reset", "-q", "--hard", base)
    edited = (school.root / TALK).read_text() + "另一位老师的补充。\n"
    theirs = repo.commit({TALK: edited}, "补充", author=STRANGER)
    clean = merge(
        school, _merged_tree(school, mine, theirs), mine, theirs, who=STRANGER, day="2025-11-03"
    )
    index = load_history(school.root, use_cache=False)
    touched = {v.path for h in index.files.values() for v in h.versions if v.commit == clean}
    assert touched == set()
    dropped = merge(school, mine, clean, base, who=STRANGER, day="2025-11-04")
    index = load_history(school.root, use_cache=False)
    versions = [v for v in index.files[TALK].versions if v.commit == dropped]
    assert [v.change for v in versions] == ["M"]  # the other teacher's addition undone
    assert OTHER in index.files and not any(
        v.commit == dropped for v in index.files[OTHER].versions
    )


def _merged_tree(school: School, first: str, second: str) -> str:
    out = school.repo.git("merge-tree", "--write-tree", first, second)
    return out.split()[0]
