"""The synthetic demo school: deterministic, a real git history, consistent with its forms."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.demo import DemoOptions, write_demo, write_snapshot
from generator.validate import validate

OPTIONS = DemoOptions()
KINDS = {p.stem for p in (Path(__file__).parent.parent / "forms" / "kinds").glob("*.yaml")}


def git(path: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(path), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def tree(path: Path) -> dict[str, bytes]:
    return {
        p.relative_to(path).as_posix(): p.read_bytes()
        for p in path.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(path).parts
    }


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def front(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    head = text[4 : text.index("\n---\n", 3) + 1]
    data: dict[str, Any] = yaml.safe_load(head)
    return data


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "school"
    summary = write_demo(path, OPTIONS)
    assert summary.commits > 20
    assert summary.students == OPTIONS.students
    return path


@pytest.fixture(scope="module")
def records(demo: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, front(p)) for p in sorted(demo.glob("semesters/*/journal/*/*/*.md"))]


def test_demo_passes_the_validator(demo: Path) -> None:
    result = validate(demo, today=OPTIONS.as_of, use_cache=False)
    assert [p.format() for p in result.problems] == []
    assert result.summary.students == OPTIONS.students


def test_same_seed_gives_same_commits_and_files(demo: Path, tmp_path: Path) -> None:
    # Another process with another hash seed: nothing may depend on set or dict hashing.
    again = tmp_path / "again"
    code = (
        "import sys; from pathlib import Path; from generator.demo import DemoOptions, "
        "write_demo; write_demo(Path(sys.argv[1]), DemoOptions())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(again)], check=True, env=env)
    assert git(again, "rev-parse", "HEAD") == git(demo, "rev-parse", "HEAD")
    assert tree(again) == tree(demo)


def test_other_seed_gives_other_school(demo: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_demo(other, DemoOptions(seed=2))
    assert git(other, "rev-parse", "HEAD") != git(demo, "rev-parse", "HEAD")
    assert tree(other) != tree(demo)


def test_snapshot_is_the_work_tree(demo: Path, tmp_path: Path) -> None:
    summary = write_snapshot(tmp_path / "snap", OPTIONS)
    assert tree(tmp_path / "snap") == tree(demo)
    assert summary.files == len(tree(demo))
    assert git(demo, "status", "--porcelain") == ""


def test_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(ValueError, match="不是空目录"):
        write_demo(tmp_path, OPTIONS)


def test_every_kind_appears_and_one_crisis_report(
    records: list[tuple[Path, dict[str, Any]]],
) -> None:
    kinds = Counter(data["kind"] for _, data in records)
    assert set(kinds) == KINDS
    assert kinds["crisis-report"] == 1


def test_records_agree_with_path_and_semester(
    demo: Path, records: list[tuple[Path, dict[str, Any]]]
) -> None:
    semesters = {p.parent.name: load(p) for p in demo.glob("semesters/*/semester.yaml")}
    for path, data in records:
        rel = path.relative_to(demo).parts
        semester = semesters[rel[1]]
        assert data["mentor"] == rel[3]
        assert path.name.startswith(f"{data['date'].isoformat()}-{data['kind']}")
        assert semester["start"] <= data["date"] <= min(semester["end"], OPTIONS.as_of)
        assert data.get("student", "group") == rel[4]
        assert path.read_text(encoding="utf-8").splitlines()[1] == (
            f"# yaml-language-server: $schema=../../../../../schemas/{data['kind']}.schema.json"
        )


def test_records_are_by_one_of_the_students_mentors(
    demo: Path, records: list[tuple[Path, dict[str, Any]]]
) -> None:
    mentees = {}
    for p in demo.glob("semesters/*/pairings.yaml"):
        for item in load(p)["pairings"]:
            mentees[p.parent.name, item["mentor"]] = set(item["students"])
    for path, data in records:
        students = data.get("participants") or [data["student"]]
        semester = path.relative_to(demo).parts[1]
        assert set(students) <= mentees[semester, data["mentor"]], path


def test_authors_are_teachers(demo: Path) -> None:
    teachers = load(demo / "people/teachers.yaml")["teachers"]
    emails = {t["email"] for t in teachers}
    log = git(demo, "log", "--format=%ae|%ce|%cd", "--date=short").splitlines()
    authors = {line.split("|")[0] for line in log}
    assert len(authors) >= 4
    assert authors <= emails
    for line in log:
        author, committer, day = line.split("|")
        assert author == committer
        assert datetime.date.fromisoformat(day) <= OPTIONS.as_of


def test_history_has_a_deletion_a_rename_and_later_edits(demo: Path) -> None:
    deleted = git(demo, "log", "--diff-filter=D", "--no-renames", "--name-only", "--format=")
    assert [p for p in deleted.split() if "/journal/" in p]
    renamed = git(demo, "log", "-M", "--diff-filter=R", "--name-status", "--format=")
    assert "/journal/" in renamed
    edits = git(demo, "log", "--format=%s", "--grep=补充记录")
    assert edits.strip()


def test_every_student_in_school_has_a_mentor_and_no_mentor_has_too_many(demo: Path) -> None:
    students = [s for p in demo.glob("people/cohorts/*.yaml") for s in load(p)["students"]]
    for p in sorted(demo.glob("semesters/*/semester.yaml")):
        semester = load(p)
        classes = {c["class"] for c in semester["classes"]}
        in_school = {
            s["id"]
            for s in students
            if s["class"] in classes and ("left" not in s or s["left"]["date"] > semester["start"])
        }
        pairings = load(p.parent / "pairings.yaml")["pairings"]
        paired = {sid for item in pairings for sid in item["students"]}
        assert paired == in_school, p
        for item in pairings:
            assert len(item["students"]) <= 15
            assert item["key_student"] in item["students"]


def test_whole_school_has_graduation_and_new_cohort(tmp_path: Path) -> None:
    options = DemoOptions(students=240, semesters=3, seed=5)
    summary = write_snapshot(tmp_path, options)
    assert validate(tmp_path, today=options.as_of, use_cache=False).problems == []
    cohorts = {p.stem: load(p) for p in tmp_path.glob("people/cohorts/*.yaml")}
    assert sorted(cohorts) == ["2023", "2024", "2025", "2026"]
    assert {s["left"]["reason"] for s in cohorts["2023"]["students"]} == {"graduated"}
    assert summary.semesters == 3
    current = load(tmp_path / "semesters/2026-2027-1/semester.yaml")
    assert {g["cohort"] for g in current["grade_leaders"]} == {2024, 2025, 2026}
    assert not (tmp_path / "semesters/2026-2027-1/surveys.yaml").exists()
    assert not list(tmp_path.glob("semesters/2026-2027-1/journal/*/*/*growth-message*"))
