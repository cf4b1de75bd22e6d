"""The synthetic demo school: deterministic, a real git history, consistent with its forms."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from daoshi.demo import DemoOptions, write_demo, write_snapshot
from daoshi.records.validate import school_today, validate

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
    entered = len(load(path / "people/cohorts/2026.yaml")["students"])  # at the year start
    assert summary.students == OPTIONS.students + entered
    return path


@pytest.fixture(scope="module")
def records(demo: Path) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, front(p)) for p in sorted(demo.glob("semesters/*/journal/*/*/*.md"))]


def test_demo_passes_the_validator(demo: Path) -> None:
    result = validate(demo, today=OPTIONS.as_of, use_cache=False)
    assert [p.format() for p in result.problems] == []
    entered = len(load(demo / "people/cohorts/2026.yaml")["students"])  # at the year start
    assert result.summary.students == OPTIONS.students + entered


def test_same_seed_gives_same_commits_and_files(demo: Path, tmp_path: Path) -> None:
    # Another process with another hash seed: nothing may depend on set or dict hashing.
    again = tmp_path / "again"
    code = (
        "import sys; from pathlib import Path; from daoshi.demo import DemoOptions, "
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


def test_every_kind_appears_and_two_crisis_cases(
    records: list[tuple[Path, dict[str, Any]]],
) -> None:
    kinds = Counter(data["kind"] for _, data in records)
    assert set(kinds) == KINDS
    # a closed case in the finished semester, an open one (followed up once) in the running one
    assert kinds["crisis-report"] == 2 and kinds["crisis-follow-up"] == 3
    states = [data["status"] for _, data in records if data["kind"] == "crisis-follow-up"]
    assert sorted(states) == ["closed", "followed_up", "followed_up"]


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
        # a student's folder, group/ (several students) or self/ (the teacher's own)
        assert data.get("student", "group" if "participants" in data else "self") == rel[4]
        assert path.read_text(encoding="utf-8").splitlines()[1] == (
            f"# yaml-language-server: $schema=../../../../../schemas/{data['kind']}.schema.json"
        )


def test_records_are_by_one_of_the_students_mentors(
    demo: Path, records: list[tuple[Path, dict[str, Any]]]
) -> None:
    spans: dict[tuple[str, str, str], list[tuple[datetime.date, datetime.date]]] = {}
    for p in demo.glob("semesters/*/pairings.yaml"):
        semester = load(p.parent / "semester.yaml")
        for item in load(p)["pairings"]:
            span = (item.get("start", semester["start"]), item.get("end", semester["end"]))
            for sid in item["students"]:
                spans.setdefault((p.parent.name, item["mentor"], sid), []).append(span)
    for path, data in records:
        students = data.get("participants") or data.get("student", "").split()  # self/: none
        semester = path.relative_to(demo).parts[1]
        for sid in students:  # a mentee on the record's date (a mid-year change is dated)
            dates = spans[semester, data["mentor"], sid]
            assert any(a <= data["date"] <= b for a, b in dates), path


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
            if "start" in item or "end" in item:  # a mid-year change of mentor
                assert len(item["students"]) == 1 and "key_student" not in item
            else:
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


def show(demo: Path, grep: str, what: str = "%an|%ae|%s") -> list[str]:
    return git(demo, "log", "--reverse", f"--format={what}", f"--grep={grep}").splitlines()


def test_history_has_a_school_year_start(demo: Path) -> None:
    """Roster import, graduation, the two-way selection round, the office's edits."""
    admin = load(demo / "people/teachers.yaml")["teachers"][0]
    assert "admin" in admin["roles"]
    (imported,) = show(demo, "导入学生名单")
    assert imported.startswith(f"{admin['name']}|{admin['email']}|导入学生名单 2026级新生名单.xlsx")
    added = git(demo, "log", "--diff-filter=A", "--format=", "--name-only", "--grep=导入学生名单")
    assert added.split() == ["people/cohorts/2026.yaml"]
    cohort = load(demo / "people/cohorts/2026.yaml")
    assert {c["id"] for c in cohort["classes"]} == {"C2026-01", "C2026-02"}
    assert all("family" not in s for s in cohort["students"])  # what a roster carries
    graduated = load(demo / "people/cohorts/2023.yaml")["students"]
    assert {s["left"]["reason"] for s in graduated} <= {"graduated", "transferred", "dropped_out"}
    assert (
        sum(
            s["left"] == {"date": datetime.date(2026, 7, 6), "reason": "graduated"}
            for s in graduated
        )
        > 40
    )
    folder = "semesters/2026-2027-1"
    steps = [
        line.split("|")[2]
        for line in git(
            demo,
            "log",
            "--reverse",
            "--format=%an|%ae|%s",
            "--",
            f"{folder}/pairings.yaml",
            f"{folder}/preferences.yaml",
        ).splitlines()
    ]
    assert [s.split(" ", 1)[0].split("：")[0] for s in steps] == [
        "新学期",
        "导入志愿",
        "双向选择",
        "手工调整对接表（2026-2027-1）",
        "学期中更换导师",
    ]
    prefs = load(demo / f"{folder}/preferences.yaml")
    assert {e["student"][:3] for e in prefs["students"]} == {"S26"}
    assert all(1 <= len(e["choices"]) <= 3 for e in prefs["students"])
    match = git(demo, "log", "-1", "--format=%H", "--grep=双向选择：").strip()
    proposal = yaml.safe_load(git(demo, "show", f"{match}:{folder}/pairings.yaml"))
    proposed = {sid for i in proposal["pairings"] for sid in i["students"]}
    assert {e["student"] for e in prefs["students"]} <= proposed  # everyone who chose
    assert all("agreement" not in i for i in proposal["pairings"])  # signed after the edits


def test_history_has_a_mid_year_change_and_a_transfer(
    demo: Path, records: list[tuple[Path, dict[str, Any]]]
) -> None:
    items = load(demo / "semesters/2026-2027-1/pairings.yaml")["pairings"]
    (old,) = [i for i in items if "end" in i]
    (new,) = [i for i in items if "start" in i]
    assert old["students"] == new["students"] and old["end"] + datetime.timedelta(1) == new["start"]
    sid = old["students"][0]
    about = [
        d
        for p, d in records
        if sid in (d.get("participants") or [d.get("student")]) and "2026-2027-1" in str(p)
    ]
    assert {d["mentor"] for d in about if d["date"] >= new["start"]} == {new["mentor"]}
    assert {d["mentor"] for d in about if d["date"] <= old["end"]} <= {old["mentor"]}
    assert any(d["mentor"] == new["mentor"] for d in about)
    students = [s for p in demo.glob("people/cohorts/*.yaml") for s in load(p)["students"]]
    transferred = [s for s in students if s.get("left", {}).get("reason") == "transferred"]
    assert transferred
    for s in transferred:  # their portfolio stays
        assert list(demo.glob(f"semesters/*/journal/*/{s['id']}/*.md"))


def test_the_demo_is_the_same_school_whatever_today_is(tmp_path: Path) -> None:
    """school.yaml's as_of: validate, new, build and the editor all take it as today, so the
    demo never runs out of semester (``daoshi new`` after its last day used to fail)."""
    records = tmp_path / "records"
    shutil.copytree(Path(__file__).parent.parent / "records", records)
    assert load(records / "school.yaml")["as_of"] == OPTIONS.as_of
    assert school_today(records) == OPTIONS.as_of != datetime.date.today()
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", "new", "talk", "--student", "S250001", "--records", "."],
        cwd=records,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    made = records / done.stdout.strip().splitlines()[-1]
    assert made.name == f"{OPTIONS.as_of.isoformat()}-talk.md" and made.is_file()
    # a real school has no as_of: today is the real day in the school's time zone
    school = records / "school.yaml"
    school.write_text(school.read_text("utf-8").replace("as_of:", "# as_of:"), "utf-8")
    assert school_today(records) != OPTIONS.as_of
