"""The validation cache: same answer, less work; every change is seen."""

from __future__ import annotations

import datetime as dt
import importlib
import os
from typing import Any

import pytest

from daoshi.records.check import Checked
from daoshi.records.formfiles import load_forms
from daoshi.records.validate import check_records, checked_data_files

from .conftest import TALK, School

# the module, not the function generator/__init__.py exports under the same name
validate_module = importlib.import_module("daoshi.records.validate")


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


def test_data_files_are_checked_again_only_when_they_change(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a push or an update checks its records against: the data files, kept in the
    cache by content."""
    forms = load_forms(school.root)
    today = dt.date(2025, 10, 20)
    calls: list[str] = []
    real = validate_module.check_file

    def counting(path: str, *args: Any) -> Checked:
        calls.append(path)
        return real(path, *args)

    monkeypatch.setattr(validate_module, "check_file", counting)
    first = check_records(school.root, [TALK], forms, today)
    assert "people/teachers.yaml" in calls and first[0] == []
    calls.clear()
    second = check_records(school.root, [TALK], forms, today)
    assert calls == [] and second[0] == [] and second[1] == first[1]
    people = school.root / "people" / "teachers.yaml"
    school.write("people/teachers.yaml", people.read_text("utf-8").replace("id: T001", "id: T0X1"))
    problems, _, _ = check_records(school.root, [TALK], forms, today)
    assert calls == ["people/teachers.yaml"]  # only the changed file is read again
    assert [p.code for p in problems] == ["X202"]  # the record's mentor is unknown now
    assert [c.path for c in checked_data_files(school.root, forms, use_cache=False)] == [
        c.path for c in checked_data_files(school.root, forms)
    ]
