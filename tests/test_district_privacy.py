"""The school's published summary singles out no student: no identifier or text, no small
cell, no hidden cell that sums give back, and no change between two summaries of a period.

The attacker here knows how the summary adds up (a school is its grades, a grade its
classes, met + unmet + due the students an obligation applies to) and that published
counts are rounded; it narrows every hidden cell by interval propagation until nothing
moves. The same attacker pins small cells of the unprotected counts, so the test can fail.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from daoshi.district.counts import semester_counts
from daoshi.district.protect import Key, Protection, Sum, publish
from daoshi.district.summary import same_period, summarize
from daoshi.district.verify import SCHEMA_FILE, student_cells, verify_summary
from daoshi.records.model import School
from daoshi.records.validate import validate

DAOSHI = [sys.executable, "-m", "daoshi"]
TODAY = dt.date(2026, 11, 20)


def make_school(parent: Path, name: str, seed: int, policies: str | None = None) -> Path:
    """A demo school as a git repository (60 students), its policies changed if asked."""
    path = parent / name
    subprocess.run(
        [*DAOSHI, "demo", str(path), "--students", "60", "--seed", str(seed)],
        check=True,
        capture_output=True,
    )
    if policies:
        school = path / "school.yaml"
        text = re.sub(
            r"^policies: .*$", f"policies: [{policies}]", school.read_text("utf-8"), flags=re.M
        )
        school.write_text(text, "utf-8")
        git(path, "commit", "-qam", f"政策改为 {policies}")
    return path


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=德育处", "-c", "user.email=office@example.edu.cn", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def load(path: Path, today: dt.date = TODAY) -> School:
    result = validate(path, today=today, need_school=True, use_cache=False)
    assert result.problems == [] and result.school is not None
    return result.school


def secrets_of(school: School) -> set[str]:
    """What must never be published: every ID and name, and the text of records and notes."""
    found = set(school.students) | set(school.teachers)
    found |= {s.name for s in school.students.values()}
    found |= {t.name for t in school.teachers.values()} | {
        t.email for t in school.teachers.values()
    }
    found |= {e.note for e in school.screening if e.note}
    for r in school.records:
        found |= {line.strip() for line in r.body.splitlines() if len(line.strip()) >= 8}
        found |= {
            v for v in r.fields.values() if isinstance(v, str) and len(v) >= 6 and not v.isascii()
        }
    return found


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s and s in text)


@pytest.fixture(scope="module")
def school_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_school(tmp_path_factory.mktemp("privacy"), "school", seed=7)


@pytest.fixture(scope="module")
def school(school_repo: Path) -> School:
    return load(school_repo)


def test_the_summary_is_in_the_documented_format(school: School) -> None:
    summary = summarize(school, TODAY)
    jsonschema.validate(summary, json.loads(SCHEMA_FILE.read_text("utf-8")))
    assert verify_summary(summary, 5) is summary
    assert summary["version"] == 1 and summary["protection"] == {"k": 5, "base": 5}
    shown = [u["name"] for u in summary["semesters"][-1]["units"]]
    assert shown[0] == "全校" and any(n.endswith("班") for n in shown)


def test_no_identifier_name_or_text_is_published(school: School) -> None:
    text = json.dumps(summarize(school, TODAY), ensure_ascii=False)
    secrets = secrets_of(school)
    assert len(secrets) > 200  # the scan has something to look for
    assert leaks(text, secrets) == []
    assert re.search(r"\b[ST]\d{3,}\b", text) is None


def test_every_count_is_hidden_zero_or_a_rounded_k_or_more(school: School) -> None:
    summary = summarize(school, TODAY, protection=Protection(k=5, base=5))
    values = [v for _, v in student_cells(summary)]
    assert None in values and any(v and v >= 5 for v in values)
    assert all(v is None or v == 0 or (v >= 5 and v % 5 == 0) for v in values)
    tampered = json.loads(json.dumps(summary))
    tampered["semesters"][-1]["units"][-1]["students"] = 3  # a small cell slipped through
    with pytest.raises(ValueError, match="未按 k=5"):
        verify_summary(tampered, 5)
    with pytest.raises(ValueError, match="小于区要求"):
        verify_summary(summary, 10)


def attack(
    published: dict[Key, int | None], sums: list[Sum], base: int
) -> dict[Key, tuple[int, int]]:
    """The tightest interval of every cell the published figures and their sums allow."""
    half, big = base // 2, 10**6
    box: dict[Key, tuple[int, int]] = {}
    for key, value in published.items():
        if value is None:
            box[key] = (0, big)
        elif value == 0 or base == 1:
            box[key] = (value, value)
        else:
            box[key] = (max(0, value - half), value + (base - 1) - half)
    for _ in range(200):
        moved = False
        for total, parts in sums:
            lo_sum = sum(box[p][0] for p in parts)
            hi_sum = sum(box[p][1] for p in parts)
            t_lo, t_hi = max(box[total][0], lo_sum), min(box[total][1], hi_sum)
            if (t_lo, t_hi) != box[total]:
                box[total], moved = (t_lo, t_hi), True
            for p in parts:
                lo = max(box[p][0], t_lo - (hi_sum - box[p][1]))
                hi = min(box[p][1], t_hi - (lo_sum - box[p][0]))
                if (lo, hi) != box[p]:
                    box[p], moved = (lo, hi), True
        if not moved:
            break
    return box


def pinned_small_cells(
    counts: dict[Key, int], published: dict[Key, int | None], sums: list[Sum], base: int
) -> list[tuple[Key, int]]:
    """Small cells (1 … k-1) whose exact value the attacker finds."""
    box = attack(published, sums, base)
    return [
        (key, value)
        for key, value in counts.items()
        if 0 < value < 5 and box[key][0] == box[key][1] == value
    ]


def test_sums_give_back_no_hidden_cell(school: School) -> None:
    for semester in school.semesters:
        cells = semester_counts(school, semester, TODAY, "district")
        small = [k for k, v in cells.counts.items() if 0 < v < 5]
        assert small, "the demo school has small cells to protect"
        published = publish(cells.counts, cells.sums, Protection(k=5, base=5))
        assert all(published[k] is None for k in small)
        assert pinned_small_cells(cells.counts, published, cells.sums, 5) == []


def test_the_same_attack_breaks_small_cell_suppression_alone(school: School) -> None:
    """Without complementary suppression and rounding, differences give small cells back."""
    semester = school.semesters[-1]
    cells = semester_counts(school, semester, TODAY, "district")
    naive = {k: (None if 0 < v < 5 else v) for k, v in cells.counts.items()}
    assert pinned_small_cells(cells.counts, naive, cells.sums, 1) != []


def _summary_cells(summary: dict[str, Any]) -> dict[str, Any]:
    return dict(student_cells(summary))


def test_pushes_within_a_week_publish_the_same_bytes(school_repo: Path, tmp_path: Path) -> None:
    """Differencing two consecutive summaries: a crisis report pushed on Wednesday leaves the
    file published on Tuesday as it was, byte for byte; next week's summary differs from the
    one the school would have published without that report only in the whole school's
    crisis count, so the report's class, grade and month are nowhere to be read."""
    repo = tmp_path / "school"
    git(tmp_path, "clone", "-q", str(school_repo), str(repo))
    out, without = tmp_path / "summary.json", tmp_path / "without.json"

    def publish_on(day: str, target: Path = out) -> str:
        done = subprocess.run(
            [
                *DAOSHI,
                "district",
                "summary",
                "--records",
                str(repo),
                "--out",
                str(target),
                "--today",
                day,
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "已发布汇总" in publish_on("2026-11-24")
    before = out.read_bytes()
    publish_on("2026-11-30", without)  # what next week would show without the report
    student = _crisis_report(repo)
    assert "未改动" in publish_on("2026-11-26")
    assert out.read_bytes() == before
    assert "已发布汇总" in publish_on("2026-11-30")
    after = _summary_cells(json.loads(out.read_text("utf-8")))
    counterfactual = _summary_cells(json.loads(without.read_text("utf-8")))
    changed = sorted(where for where, value in after.items() if counterfactual[where] != value)
    # the demo's running semester has its own crisis case: one more report changes, at most,
    # the two crisis cells, and those stay hidden
    crisis = {"2026-2027-1 crisis_reports reports", "2026-2027-1 crisis_reports students"}
    assert set(changed) <= crisis
    assert after["2026-2027-1 crisis_reports reports"] is None  # one report: a hidden cell
    assert student not in out.read_text("utf-8")


def _crisis_report(repo: Path) -> str:
    """A crisis report about one student, committed on Wednesday 2026-11-25."""
    pairings = (repo / "semesters/2026-2027-1/pairings.yaml").read_text("utf-8")
    mentor, student = re.search(r"mentor: (T\d+)\n    students: \[(S\d+)", pairings).groups()  # type: ignore[union-attr]
    path = repo / f"semesters/2026-2027-1/journal/{mentor}/{student}/2026-11-25-crisis-report.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n"
        f"kind: crisis-report\nstudent: {student}\nmentor: {mentor}\ndate: 2026-11-25\n"
        f"level: attention\nsigns: 连续三天情绪低落，不愿说话。\nreported_to: [{mentor}]\n"
        "actions: 已与心理教师沟通，安排谈话。\nparents_informed: true\n---\n",
        "utf-8",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", f"{mentor} 危机上报")
    assert validate(repo, today=dt.date(2026, 11, 30), use_cache=False).problems == []
    return student


def test_the_period_rule_keeps_a_summary_only_for_its_week_and_its_k(school: School) -> None:
    summary = summarize(school, TODAY)  # a Friday
    saturday, monday = TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=3)
    assert same_period(summary, saturday, "week", Protection())
    assert not same_period(summary, monday, "week", Protection())
    assert not same_period(summary, saturday, "week", Protection(k=10, base=10))
    assert not same_period(summary, saturday, "month", Protection())
