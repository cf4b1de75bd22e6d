"""The incremental path: a changed record re-renders only its pages, in a real mkdocs build."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from daoshi.site.incremental import IncrementalSite

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> IncrementalSite:
    work = tmp_path_factory.mktemp("incremental")
    shutil.copytree(ROOT / "records", work / "records")
    site = IncrementalSite(work / "records", work / "site", TODAY)
    site.full_build()
    return site


def html(site: IncrementalSite, page: str) -> str:
    return (Path(site.config.site_dir) / page / "index.html").read_text("utf-8")


def a_talk(site: IncrementalSite) -> Path:
    return sorted(site.root.glob("semesters/2026-2027-1/journal/*/S*/*-talk.md"))[0]


def test_an_edited_body_updates_only_the_students_page(built: IncrementalSite) -> None:
    talk = a_talk(built)
    sid = talk.parent.name
    other = Path(built.config.site_dir, "students", "S250002", "index.html")
    before = other.stat().st_mtime_ns
    talk.write_text(talk.read_text("utf-8") + "\n晚上补记：他说数学考试有进步。\n", "utf-8")
    result = built.update([talk.relative_to(built.root).as_posix()])
    assert not result.problems and not result.full
    assert result.pages == [f"students/{sid}.md"]  # counts elsewhere did not change
    assert "晚上补记：他说数学考试有进步。" in html(built, f"students/{sid}")
    assert other.stat().st_mtime_ns == before


def test_a_new_record_updates_the_student_mentor_and_overview_pages(
    built: IncrementalSite,
) -> None:
    talk = a_talk(built)
    mentor, sid = talk.parent.parent.name, talk.parent.name
    new = talk.with_name("2026-11-24-home-visit.md")
    new.write_text(
        "---\nkind: home-visit\n"
        f"mentor: {mentor}\nstudent: {sid}\ndate: 2026-11-24\n"
        "mode: in_person\ntheme: 期中考试后的学习安排\nattendees: [母亲]\n"
        "---\n新的家访记录：家里很支持。\n",
        "utf-8",
    )
    result = built.update([new.relative_to(built.root).as_posix()])
    assert not result.problems, [p.format() for p in result.problems]
    assert f"students/{sid}.md" in result.pages
    assert f"mentors/{mentor}.md" in result.pages
    assert "新的家访记录：家里很支持。" in html(built, f"students/{sid}")
    # and deleting it takes it away again
    new.unlink()
    result = built.update([new.relative_to(built.root).as_posix()])
    assert f"students/{sid}.md" in result.pages
    assert "新的家访记录" not in html(built, f"students/{sid}")


def test_a_bad_record_is_reported_and_the_site_keeps_its_last_good_state(
    built: IncrementalSite,
) -> None:
    talk = a_talk(built)
    sid = talk.parent.name
    before = html(built, f"students/{sid}")
    good = talk.read_text("utf-8")
    talk.write_text(good.replace("kind: talk", "kind: tlak"), "utf-8")
    rel = talk.relative_to(built.root).as_posix()
    result = built.update([rel])
    assert result.problems and result.pages == []
    assert all(p.location.path == rel for p in result.problems)
    assert html(built, f"students/{sid}") == before
    talk.write_text(good, "utf-8")
    assert not built.update([rel]).problems


def test_a_record_in_a_semester_folder_that_does_not_exist_is_reported(
    built: IncrementalSite,
) -> None:
    talk = a_talk(built)
    rel = talk.relative_to(built.root).as_posix().replace("2026-2027-1", "2026-2072-1")
    stray = built.root / rel
    stray.parent.mkdir(parents=True)
    stray.write_text(talk.read_text("utf-8"), "utf-8")
    try:
        result = built.update([rel])
        assert result.pages == []
        assert [(p.location.path, p.code) for p in result.problems] == [
            ("semesters/2026-2072-1/pairings.yaml", "X216"),
            ("semesters/2026-2072-1/semester.yaml", "X216"),
        ]
    finally:
        stray.unlink()
    assert not built.update([rel]).problems


def test_a_change_to_people_or_pairings_rebuilds_everything(built: IncrementalSite) -> None:
    pairings = built.root / "semesters/2026-2027-1/pairings.yaml"
    pairings.write_text(pairings.read_text("utf-8") + "# 补充说明\n", "utf-8")
    result = built.update(["semesters/2026-2027-1/pairings.yaml"])
    assert result.full and not result.problems


@contextlib.contextmanager
def _watching(records: Path, site: Path, env: dict[str, str]) -> Iterator[queue.Queue[str]]:
    """``daoshi build --watch`` running on ``records``: its lines, once it watches."""
    argv = [sys.executable, "-m", "daoshi", "build", "--records", str(records)]
    argv += [
        "-f",
        str(ROOT / "mkdocs.yml"),
        "-d",
        str(site),
        "--today",
        TODAY.isoformat(),
        "--watch",
    ]
    # Ctrl+C as in a terminal, even when the tests run in the background (a shell's
    # background job ignores SIGINT, and a child would inherit that)
    restore = partial(signal.signal, signal.SIGINT, signal.SIG_DFL)
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=restore)
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stderr is not None
    stderr = proc.stderr
    threading.Thread(target=lambda: [lines.put(x) for x in stderr], daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        while not lines.get(timeout=max(1, deadline - time.monotonic())).startswith("正在监视"):
            pass
        yield lines
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_daoshi_build_watch_updates_the_site_after_a_save(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "records", tmp_path / "records")
    site = tmp_path / "site"
    with _watching(tmp_path / "records", site, dict(os.environ)) as lines:
        journal = tmp_path / "records" / "semesters" / "2026-2027-1" / "journal"
        talk = sorted(journal.glob("*/S*/*-talk.md"))[0]
        talk.write_text(talk.read_text("utf-8") + "\n保存后几秒内就能看到。\n", "utf-8")
        while not (line := lines.get(timeout=30)).startswith("已更新"):
            assert "问题" not in line, line
        page = site / "students" / talk.parent.name / "index.html"
        assert "保存后几秒内就能看到。" in page.read_text("utf-8")
        # reading files (the update's own reads) is not a change: no further updates follow
        time.sleep(2)
        assert not [x for x in list(lines.queue) if x.startswith(("已更新", "完整重建"))]


def _commit(root: Path, path: Path, message: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    who = {"GIT_AUTHOR_NAME": "T001", "GIT_AUTHOR_EMAIL": "t001@demo-school.invalid"}
    env.update(who, GIT_COMMITTER_NAME="T001", GIT_COMMITTER_EMAIL="t001@demo-school.invalid")
    subprocess.run(["git", "-C", str(root), "add", str(path)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-qm", message], check=True, env=env)


@pytest.fixture
def committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IncrementalSite:
    """The demo school as its own git repository (with its teachers' history), built."""
    from daoshi.demo import DemoOptions, write_demo

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_demo(tmp_path / "school", DemoOptions())
    site = IncrementalSite(tmp_path / "school", tmp_path / "site", TODAY)
    site.full_build()
    return site


def test_a_commit_updates_the_history_pages(committed: IncrementalSite) -> None:
    talk = sorted(committed.root.glob("semesters/2026-2027-1/journal/T001/S*/*-talk.md"))[0]
    sid, rel = talk.parent.name, talk.relative_to(committed.root).as_posix()
    history = f"students/{sid}/history"
    assert "补记一句：周五再谈" not in html(committed, history)
    talk.write_text(talk.read_text("utf-8") + "\n补记一句：周五再谈。\n", "utf-8")
    saved = committed.update([rel])
    assert not saved.committed and f"{history}.md" not in saved.pages  # saved, not committed
    _commit(committed.root, talk, "T001 补记一句：周五再谈")
    head = subprocess.run(
        ["git", "-C", str(committed.root), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    result = committed.update([".git/HEAD"])
    assert result.committed and not result.full and not result.problems
    assert f"{history}.md" in result.pages
    assert "review/2026-2027-1.md" in result.pages
    page = html(committed, history)
    assert "T001 补记一句：周五再谈" in page  # the new version's commit message
    assert "补记一句：周五再谈。" in page  # and its diff
    assert head[:10] in html(committed, "review/2026-2027-1")  # the review runs to it
    other = (
        next(p for p in result.pages if p.startswith("students/") and sid not in p)
        if [p for p in result.pages if p.startswith("students/") and sid not in p]
        else None
    )
    assert other is None  # no other student's pages
    assert committed.update([".git/HEAD"]).pages == []  # HEAD did not move again


def test_daoshi_build_watch_sees_a_commit(tmp_path: Path) -> None:
    from daoshi.demo import DemoOptions, write_demo

    write_demo(tmp_path / "school", DemoOptions())
    site = tmp_path / "site"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    with _watching(tmp_path / "school", site, env) as lines:
        journal = tmp_path / "school" / "semesters" / "2026-2027-1" / "journal" / "T001"
        talk = sorted(journal.glob("S*/*-talk.md"))[0]
        talk.write_text(talk.read_text("utf-8") + "\n提交后历史页也会更新。\n", "utf-8")
        _commit(tmp_path / "school", talk, "T001 提交后历史页也会更新")
        while not (line := lines.get(timeout=60)).startswith("有新的提交"):
            assert "问题" not in line and "完整重建" not in line, line
        page = site / "students" / talk.parent.name / "history" / "index.html"
        assert "T001 提交后历史页也会更新" in page.read_text("utf-8")
