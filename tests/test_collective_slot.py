"""太谷：“每轮第三周周三下午最后一节自习时间为导师制集体指导时间”: the calendar's slot in
``daoshi obligations``, carried by ``daoshi new-semester``, shown on the pairing page."""

from __future__ import annotations

from pathlib import Path

from tests.test_roster import SCHOOL, SEMESTER, _own_cache, make_repo, run  # noqa: F401

ROUNDS = (
    "rounds:\n"
    "  - {number: 1, start: 2025-09-01, end: 2025-10-10}\n"
    "  - {number: 2, start: 2025-10-11, end: 2026-01-20}\n"
)
FOLDER = "semesters/2025-2026-1/journal/T001/group"


def activity(day: str) -> str:
    return (
        "---\n"
        "kind: group-activity\n"
        "mentor: T001\n"
        'participants: ["0250001", "0250002"]\n'
        f"date: {day}\n"
        "theme: 学习方法交流\n"
        "---\n"
        "本次活动的主题是学习方法交流，同学们介绍了经验，大家很受启发。\n"
    )


def taigu_repo(root: Path, semester_extra: str = "") -> Path:
    return make_repo(
        root,
        {
            "school.yaml": SCHOOL.replace("policies: [district]", "policies: [taigu]"),
            "semesters/2025-2026-1/semester.yaml": SEMESTER + ROUNDS + semester_extra,
            f"{FOLDER}/2025-09-17-group-activity.md": activity("2025-09-17"),
            f"{FOLDER}/2025-10-22-group-activity.md": activity("2025-10-22"),
        },
    )


def test_the_obligations_report_notes_activities_outside_the_slot(tmp_path: Path) -> None:
    repo = taigu_repo(tmp_path / "records")
    result = run("obligations", "--records", str(repo), "--on", "2025-12-01")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # round 1 starts on a Monday: its third week is 15–21 September, Wednesday the 17th;
    # round 2 starts on a Saturday: days 15–21 are 25–31 October, Wednesday the 29th
    assert (
        "集体指导时间：每轮第3周周三 下午最后一节自习（第1轮 2025-09-17，第2轮 2025-10-29）"
    ) in lines
    at = lines.index("不在集体指导时间的集体活动（1 行）")
    assert lines[at + 2].split() == ["T001", "王芳", "2025-10-22", "第2轮", "2025-10-29"]
    assert "2025-09-17" not in "\n".join(lines[at:])


def test_the_semester_file_sets_its_own_slot_and_new_semester_carries_it(tmp_path: Path) -> None:
    own = "collective_slot: {week: 2, weekday: 3, period: 班会课}\n"
    repo = taigu_repo(tmp_path / "records", own)
    result = run("obligations", "--records", str(repo), "--on", "2025-12-01")
    assert "集体指导时间：每轮第2周周三 班会课（第1轮 2025-09-10，第2轮 2025-10-22）" in (
        result.output
    )
    assert "不在集体指导时间的集体活动（1 行）" in result.output
    assert "T001  王芳  2025-09-17  第1轮  2025-09-10" in result.output
    result = run("new-semester", "2025-2026-2", "--records", str(repo))
    assert result.exit_code == 0, result.output
    text = (repo / "semesters/2025-2026-2/semester.yaml").read_text("utf-8")
    assert "collective_slot: {week: 2, weekday: 3, period: 班会课}\n" in text


def test_a_bad_slot_in_a_school_policy_is_a505(tmp_path: Path) -> None:
    taigu = (Path(__file__).parent.parent / "forms/policies/taigu.yaml").read_text("utf-8")
    bad = taigu.replace("collective_slot: {week: 3,", "collective_slot: {week: 9,")
    assert bad != taigu
    repo = taigu_repo(tmp_path / "records")
    (repo / "forms/policies").mkdir(parents=True)
    (repo / "forms/policies/taigu.yaml").write_text(bad, "utf-8")
    result = run("obligations", "--records", str(repo), "--on", "2025-12-01")
    assert result.exit_code == 1
    assert "A505" in result.output
    assert "collective_slot.week 应为 1 到 6 的整数" in result.output
