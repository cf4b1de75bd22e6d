"""An update's audiences shared between forked workers: the same published sites as one
process makes, and the parent holds what the children made for the next update.

Real forks, a real git repository of the demo school, real commits; assertions on the
published files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from daoshi.builder.update import LiveSites
from daoshi.builder.workers import WorkerFailed, balanced, run_forked

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 11, 25)


def _pid() -> int:
    return os.getpid()


def _fails() -> int:
    raise ValueError("子进程里的错误（测试）")


def test_forked_works_answer_in_order_from_their_own_processes() -> None:
    here = os.getpid()
    answers = run_forked([_pid, _pid, _pid])
    assert answers[0] == here
    assert len(set(answers)) == 3 and here not in answers[1:]


def test_a_failing_child_raises_in_the_parent_with_its_traceback() -> None:
    with pytest.raises(WorkerFailed) as failed:
        run_forked([_pid, _fails])
    assert "子进程里的错误（测试）" in str(failed.value) and "_fails" in str(failed.value)
    assert run_forked([_pid]) == [os.getpid()]  # nothing left behind: it works again


def test_shares_are_balanced_heaviest_first() -> None:
    shares = balanced([5, 1, 4, 2, 3], lambda n: n, 2)
    assert [sorted(s) for s in shares] == [[1, 2, 5], [3, 4]]  # 8 and 7: heaviest first
    assert sorted(n for s in shares for n in s) == [1, 2, 3, 4, 5]
    assert balanced([7], lambda n: n, 4) == [[7]]


def _git(cwd: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="T001", GIT_AUTHOR_EMAIL="t001@demo-school.invalid")
    env.update(GIT_COMMITTER_NAME="T001", GIT_COMMITTER_EMAIL="t001@demo-school.invalid")
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _sites(site: Path) -> dict[str, dict[str, bytes]]:
    return {link.name: _tree(link) for link in sorted(site.iterdir()) if link.is_symlink()}


@pytest.fixture()
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    _git(records, "init", "-q", "-b", "main")
    _git(records, "add", "-A")
    _git(records, "commit", "-qm", "学校的记录")
    return records


def test_forked_updates_publish_what_one_process_publishes(school: Path, tmp_path: Path) -> None:
    alone = LiveSites(school, tmp_path / "alone", DAY, workers=1)
    shared = LiveSites(school, tmp_path / "shared", DAY, workers=2)
    shared.fork_pages = 0  # the demo school is small: share whatever there is
    for live in (alone, shared):
        assert not live.full().problems

    talk = sorted(school.glob("semesters/2026-2027-1/journal/*/S*/*-talk.md"))[0]
    student, mentor = talk.parent.name, talk.parent.parent.name
    report = talk.with_name("2026-11-25-crisis-report.md")
    gone = sorted(school.glob("semesters/2026-2027-1/journal/*/S*/*-parent-contact.md"))[-1]
    steps: list[tuple[str, list[Path]]] = [
        ("补记谈话", [talk]),
        ("危机上报", [report]),
        ("删去一次家长联系", [gone]),
    ]
    for message, paths in steps:
        if paths[0] == talk:
            talk.write_text(talk.read_text("utf-8") + "\n补记：分进程哨兵。\n", "utf-8")
        elif paths[0] == report:
            report.write_text(
                f"---\nkind: crisis-report\nmentor: {mentor}\nstudent: {student}\n"
                "date: 2026-11-25\nlevel: serious\nsigns: 危机分进程哨兵\nreported_to: [T001]\n"
                "actions: 已联系家长\nreferral: school_psych\nparents_informed: true\n---\n"
                "危机正文。\n",
                "utf-8",
            )
        else:
            gone.unlink()
        _git(school, "add", "-A")
        _git(school, "commit", "-qm", message)
        changed = [p.relative_to(school).as_posix() for p in paths]
        one, two = alone.update(changed), shared.update(changed)
        assert not one.problems and not two.problems, (one.problems, two.problems)
        assert one.workers == 1 and two.workers == 2, message
        assert one.audiences == two.audiences and one.pages == two.pages, message
        assert _sites(tmp_path / "alone") == _sites(tmp_path / "shared"), message
    # the deferred review pages, made later from what the parent took over
    assert alone.catch_up() is not None and shared.catch_up() is not None
    assert _sites(tmp_path / "alone") == _sites(tmp_path / "shared")
    page = tmp_path / "shared" / "leader" / "students" / student / "index.html"
    assert "分进程哨兵" in page.read_text("utf-8")
