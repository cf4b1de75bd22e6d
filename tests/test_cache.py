"""The validation cache: same answer, less work; every change is seen."""

from __future__ import annotations

import os

from .conftest import TALK, School


def test_unchanged_run_answers_from_cache_with_the_same_lines(school: School) -> None:
    school.write(
        TALK, (school.root / TALK).read_text("utf-8").replace("occasion: exam", "occasion: no")
    )
    os.utime(school.root / TALK, ns=(1, 1))  # old enough not to be "racy"
    first = school.validate(cache=True)
    second = school.validate(cache=True)
    assert first[0] == second[0] == 1
    assert first[1][:-2] == second[1][:-2]
    assert "（使用缓存）" not in first[1][-2]
    assert "（使用缓存）" in second[1][-2]


def test_a_changed_file_is_seen(school: School) -> None:
    assert school.validate(cache=True)[0] == 0
    school.write(
        TALK, (school.root / TALK).read_text("utf-8").replace("occasion: exam", "occasion: bad!")
    )
    code, lines = school.validate(cache=True)
    assert code == 1
    assert any(" R104 " in line for line in lines)
    school.write(
        TALK, (school.root / TALK).read_text("utf-8").replace("occasion: bad!", "occasion: exam")
    )
    assert school.validate(cache=True)[0] == 0


def test_a_new_and_a_removed_file_are_seen(school: School) -> None:
    assert school.validate(cache=True)[0] == 0
    school.write("stray.txt", "x")
    assert school.validate(cache=True)[0] == 1
    school.remove("stray.txt")
    assert school.validate(cache=True)[0] == 0


def test_same_size_same_mtime_edit_within_the_racy_window_is_seen(school: School) -> None:
    assert school.validate(cache=True)[0] == 0
    path = school.root / TALK
    stat = path.stat()
    path.write_text(path.read_text("utf-8").replace("exam", "exxm"), "utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    code, lines = school.validate(cache=True)
    assert code == 1 and any(" R104 " in line for line in lines)
