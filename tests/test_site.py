"""The portfolio site, built for real by mkdocs from the committed demo school."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daoshi.site.build import build_site

REPO = Path(__file__).resolve().parent.parent
RECORDS = REPO / "records"
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    return build_site(RECORDS, out / "site", TODAY)


def _body_sentences(limit: int = 40) -> list[str]:
    """The first sentence of some record bodies: text that must be on pages, not in search."""
    found = []
    for path in sorted(RECORDS.glob("semesters/*/journal/*/*/*.md"))[:limit]:
        body = path.read_text("utf-8").split("\n---\n", 1)[1].strip()
        if body:
            found.append(body.split("。")[0])
    return found


def test_every_page_kind_is_built_with_the_marker(site: Path) -> None:
    marker = json.loads((site / "daoshi.json").read_text("utf-8"))
    assert marker["generator"] == "daoshi" and marker["students"] == 160 + 54  # and the 2026 entry
    for page in (
        "index.html",
        "school/index.html",
        "kinds/index.html",
        "help/index.html",
        "grades/2025/index.html",
        "classes/C2025-01/index.html",
        "students/S250001/index.html",
        "mentors/T001/index.html",
    ):
        assert (site / page).is_file(), page
    home = (site / "index.html").read_text("utf-8")
    assert 'lang="zh"' in home and "fonts.googleapis" not in home


def test_student_page_shows_every_record_about_the_student(site: Path) -> None:
    mine = sorted(RECORDS.glob("semesters/*/journal/*/S250001/*.md"))
    assert mine
    page = (site / "students/S250001/index.html").read_text("utf-8")
    for path in mine:
        anchor = path.name.removesuffix(".md")
        assert f'id="{anchor}"' in page
        body = path.read_text("utf-8").split("\n---\n", 1)[1].strip()
        if body:
            assert body.split("。")[0] in page


def test_search_holds_names_and_titles_but_no_record_text(site: Path) -> None:
    index = (site / "search/search_index.json").read_text("utf-8")
    text = index.replace("\\u200b", "").replace("\u200b", "")
    assert "S250001" in text
    leaked = [s for s in _body_sentences() if s.replace("\u200b", "") in text]
    assert leaked == []


def _crisis_students() -> dict[str, str]:
    """Student ID -> state of the demo's crisis cases, from its records (the latest follow-up)."""
    states: dict[str, str] = {}
    for path in sorted(RECORDS.glob("semesters/*/journal/*/*/*-crisis-*.md")):
        head = path.read_text("utf-8").split("\n---\n", 1)[0]
        sid = path.parent.name
        if "kind: crisis-report" in head:
            states[sid] = "open"
        elif "status: closed" in head:
            states[sid] = "closed"
        else:
            states[sid] = "followed_up"
    return states


def test_crisis_panel_is_at_the_top_and_folds_closed_cases(site: Path) -> None:
    page = (site / "school/index.html").read_text("utf-8")
    panel = page[page.index("daoshi-crisis") : page.index("daoshi-chart")]
    states = _crisis_students()
    assert sorted(states.values()) == ["closed", "followed_up"]
    active, cleared = panel.split("daoshi-cleared")
    for sid, state in states.items():
        assert f"students/{sid}/" in (cleared if state == "closed" else active), sid
    assert "需要跟进 1 件" in active and "已跟进，仍需关注" in active
    assert "已结案或学生已离校（1 件）" in cleared


@pytest.mark.parametrize(
    "how", [[], ["--audience", "T001"], ["--all-audiences"], ["--watch", "--audience", "T001"]]
)
def test_a_bad_record_fails_the_build_with_located_lines(tmp_path: Path, how: list[str]) -> None:
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    talk = sorted(records.glob("semesters/*/journal/*/*/*-talk.md"))[0]
    talk.write_text(
        talk.read_text("utf-8").replace("kind: talk\n", "kind: talk\nmood: no\n"), "utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", "build", "--records", "records", "-d", "out", *how],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    rel = talk.relative_to(records).as_posix()
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert f"records/{rel}:4:1: R101 未知字段“mood”（谈话记录没有这个字段）" in lines
    assert any(line.startswith(f"records/{rel}:4:7: F014 ") for line in lines)
    assert done.stderr.strip().splitlines()[-1] == "记录有问题，站点未生成。发现 2 个问题。"
    assert "Traceback" not in done.stderr and "BuildError" not in done.stderr
    assert not (tmp_path / "out" / "index.html").exists()


def test_mkdocs_itself_reports_a_bad_record_too(tmp_path: Path) -> None:
    """``mkdocs build`` in a checkout (no daoshi command) stops with the same lines."""
    records = tmp_path / "records"
    shutil.copytree(RECORDS, records)
    talk = sorted(records.glob("semesters/*/journal/*/*/*-talk.md"))[0]
    talk.write_text(talk.read_text("utf-8").replace("kind: talk\n", "kind: talk\nmood: x\n"))
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "out")],
        cwd=REPO,
        env={**os.environ, "DAOSHI_RECORDS": str(records)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    rel = talk.relative_to(records).as_posix()
    assert done.returncode == 1
    assert f"{records}/{rel}:4:1: R101 未知字段“mood”（谈话记录没有这个字段）" in done.stderr


def test_a_build_that_skips_the_plugin_fails(tmp_path: Path) -> None:
    config = (REPO / "mkdocs.yml").read_text("utf-8")
    config = config.replace("  - daoshi:\n      records: !ENV [DAOSHI_RECORDS, records]\n", "")
    config = config.replace(
        "docs_dir: generator/daoshi/site/docs", f"docs_dir: {REPO}/generator/daoshi/site/docs"
    )
    config = config.replace(
        "custom_dir: generator/daoshi/site/theme", f"custom_dir: {REPO}/generator/daoshi/site/theme"
    )
    (tmp_path / "mkdocs.yml").write_text(config, "utf-8")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    cfg = load_config(str(tmp_path / "mkdocs.yml"), site_dir=str(tmp_path / "site"))
    with pytest.raises(Exception, match="daoshi_plugin_did_not_run"):
        build(cfg)
