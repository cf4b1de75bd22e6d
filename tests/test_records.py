"""The committed demo school: valid, and exactly what ``daoshi demo`` makes by default."""

from __future__ import annotations

import filecmp
from pathlib import Path

from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.demo import DemoOptions, write_snapshot

RECORDS = Path(__file__).resolve().parent.parent / "records"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_committed_records_validate_with_a_summary(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    result = CliRunner().invoke(main, ["validate", str(RECORDS)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "没有发现问题。"
    assert lines[-2].startswith("已检查 ") and "名学生" in lines[-2] and "危机上报 2" in lines[-2]


def test_committed_records_are_the_default_demo(tmp_path: Path) -> None:
    write_snapshot(tmp_path / "school", DemoOptions())
    fresh, committed = _tree(tmp_path / "school"), _tree(RECORDS)
    assert sorted(fresh) == sorted(committed)
    assert [p for p in fresh if fresh[p] != committed[p]] == []
    assert not filecmp.dircmp(tmp_path / "school", RECORDS).diff_files


def test_corrupting_a_record_gives_the_located_message(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    school = tmp_path / "school"
    write_snapshot(school, DemoOptions())
    talk = sorted(school.glob("semesters/*/journal/*/*/*-talk.md"))[0]
    text = talk.read_text("utf-8")
    talk.write_text(text.replace("kind: talk\n", "kind: talk\nmood: no\n"), "utf-8")
    result = CliRunner().invoke(main, ["validate", str(school)])
    assert result.exit_code == 1
    rel = talk.relative_to(school).as_posix()
    assert result.stdout.splitlines()[:2] == [
        f"{school}/{rel}:4:1: R101 未知字段“mood”（谈话记录没有这个字段）",
        f"{school}/{rel}:4:7: F014 “no”含义不明确："
        "是/否请写 true/false，文字或带前导零的编号请加引号",
    ]
