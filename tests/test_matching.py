"""Two-way selection: stability, capacities, key-student slots, determinism, explanations."""

from __future__ import annotations

import random
from pathlib import Path

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from daoshi.year.matching import Applicant, Mentor, blocking_pairs, choose, match
from daoshi.year.yamldoc import load_yaml
from tests.test_roster import _own_cache, git, head, make_repo, run  # noqa: F401

NAMES = {"T1": "王芳", "T2": "李强", "T3": "赵敏"}


def mentors(*items: Mentor) -> dict[str, Mentor]:
    return {m.id: m for m in items}


def test_students_get_their_best_stable_choice() -> None:
    ms = mentors(Mentor("T1", 1), Mentor("T2", 2))
    apps = [
        Applicant("S1", "C1", ("T1", "T2")),
        Applicant("S2", "C1", ("T1", "T2")),
        Applicant("S3", "C1", ("T2",)),
    ]
    out = match(apps, ms, names=NAMES)
    # T1 has one place: equal tiers, equal ranks -> the smaller ID
    assert out.assignment == {"S1": "T1", "S2": "T2", "S3": "T2"}
    assert out.rank == {"S1": 0, "S2": 1, "S3": 0}
    assert out.explanations == {}
    assert out.counts() == {"第一志愿": 2, "第二志愿": 1}
    assert blocking_pairs(apps, ms, out.assignment) == []


def test_key_students_go_first_to_class_teachers_and_party_members() -> None:
    ms = mentors(
        Mentor("T1", 1, priority=True),  # Party member
        Mentor("T2", 1, class_teacher_of=frozenset({"C2"})),
        Mentor("T3", 1),
    )
    apps = [
        Applicant("S1", "C1", ("T1", "T3")),
        Applicant("S9", "C1", ("T1", "T3"), key=True),  # hard to manage: T1 takes them first
        Applicant("S2", "C2", ("T2",)),
        Applicant("S8", "C2", ("T2",), key=True),  # own class teacher takes them first
    ]
    out = match(apps, ms, names=NAMES)
    assert out.assignment["S9"] == "T1"
    assert out.assignment["S8"] == "T2"
    assert out.assignment["S1"] == "T3"
    assert out.unmatched == ["S2"]
    assert out.explanations["S2"] == [
        "第一志愿 T2 李强已满（1 人），录取了优先的学生",
        "→ 未分配：任教本班（C2）的教师名额都已满，请手工安排（可以多对一，或调整名额）",
    ]
    # a mentor without priority ranks by the students' own ranking, not by key status
    assert choose(Mentor("T3", 1), [apps[1], Applicant("S0", "C1", ("T3",))])[0].id == "S0"


def test_one_key_student_per_mentor_and_the_explanations() -> None:
    ms = mentors(
        Mentor("T1", 3, priority=True, teaches=frozenset({"C1"})),
        Mentor("T2", 2, teaches=frozenset({"C1"})),
    )
    apps = [
        Applicant("S1", "C1", ("T1",), key=True),
        Applicant("S2", "C1", ("T1",), key=True),
        Applicant("S3", "C1", ()),
        Applicant("S4", "C1", ("T9",)),  # a teacher who left
    ]
    out = match(apps, ms, names=NAMES)
    assert out.assignment == {"S1": "T1", "S2": "T2", "S3": "T1", "S4": "T1"}
    assert out.rank == {"S1": 0, "S2": None, "S3": None, "S4": None}
    assert out.explanations == {
        "S2": [
            "第一志愿 T1 王芳的重点帮扶名额（1+X 的“1”）已给了优先的学生",
            "→ 调剂给任教本班的 T2 李强（还有名额）",
        ],
        "S3": ["没有填写志愿", "→ 调剂给任教本班的 T1 王芳（还有名额）"],
        "S4": [
            "第一志愿 T9不能带学生（已离职或不在导师名单中）",
            "→ 调剂给任教本班的 T1 王芳（还有名额）",  # as much room as T2: the smaller ID
        ],
    }
    assert out.counts() == {"第一志愿": 1, "调剂": 3}
    unlimited = match(apps, {**ms, "T1": Mentor("T1", 3, key_slots=None, priority=True)})
    assert unlimited.assignment["S2"] == "T1"


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Applicant], dict[str, Mentor]]:
    n_mentors = draw(st.integers(1, 6))
    classes = ["C1", "C2", "C3"]
    ms = {}
    for i in range(n_mentors):
        mid = f"T{i}"
        ms[mid] = Mentor(
            mid,
            draw(st.integers(0, 4)),
            draw(st.sampled_from([None, 0, 1, 2])),
            priority=draw(st.booleans()),
            class_teacher_of=frozenset(draw(st.sets(st.sampled_from(classes), max_size=1))),
            teaches=frozenset(draw(st.sets(st.sampled_from(classes), max_size=2))),
        )
    ids = [*ms, "T99"]  # T99 is not a mentor
    apps = []
    for j in range(draw(st.integers(0, 20))):
        choices = draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
        apps.append(
            Applicant(
                f"S{j:02d}", draw(st.sampled_from(classes)), tuple(choices), draw(st.booleans())
            )
        )
    return apps, ms


@settings(max_examples=300, deadline=None)
@given(instances(), st.randoms(use_true_random=False))
def test_generated_matchings_are_stable_within_capacity_and_deterministic(
    instance: tuple[list[Applicant], dict[str, Mentor]], rng: random.Random
) -> None:
    apps, ms = instance
    out = match(apps, ms)
    # every student is matched or explained as unmatched, never both
    assert set(out.assignment) | set(out.unmatched) == {a.id for a in apps}
    assert not set(out.assignment) & set(out.unmatched)
    # capacities and key-student slots
    for mid, mentor in ms.items():
        mine = [a for a in apps if out.assignment.get(a.id) == mid]
        assert len(mine) <= mentor.capacity
        if mentor.key_slots is not None:
            assert sum(a.key for a in mine) <= mentor.key_slots
    # only choices are used in the first stage; placements are in the student's class
    for a in apps:
        mid = out.assignment.get(a.id)
        if out.rank.get(a.id) is not None:
            assert mid == a.choices[out.rank[a.id] or 0]
        elif mid is not None:
            assert ms[mid].knows(a.class_id)
    # stability: no student and mentor would both rather be together
    assert blocking_pairs(apps, ms, out.assignment) == []
    # explanations: exactly the students who got none of their choices
    explained = {a.id for a in apps if out.rank.get(a.id) is None}
    assert set(out.explanations) == explained
    for sid, lines in out.explanations.items():
        assert lines[-1].startswith("→")
        a = next(x for x in apps if x.id == sid)
        assert len(lines) == max(1, len(a.choices)) + 1
    # determinism: the input order does not matter
    shuffled = apps[:]
    rng.shuffle(shuffled)
    order = list(ms.items())
    rng.shuffle(order)
    again = match(shuffled, dict(order))
    assert again.assignment == out.assignment
    assert again.explanations == out.explanations
    assert again.unmatched == out.unmatched


def test_import_preferences_and_match_in_the_records(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "records",
        {  # the new students have no mentor yet
            "semesters/2025-2026-1/pairings.yaml": (
                "# yaml-language-server: $schema=../../schemas/pairings.schema.json\n"
                "# 对接表\n"
                "semester: 2025-2026-1\n"
                "pairings:\n"
                "  - mentor: T001\n"
                '    students: ["0250001", "0250002"]\n'
            ),
            "semesters/2025-2026-1/screening.yaml": (
                "semester: 2025-2026-1\n"
                "students:\n"
                '  - student: "0250006"\n'
                "    categories: [behaviour]\n"
                "    proposed_by: T003\n"
                "    decided: true\n"
            ),
        },
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问卷结果"
    ws.append(["序号", "学号", "姓名", "第一志愿", "第二志愿", "第三志愿"])
    ws.append([1, 250003, "王磊", "王芳", "李强", None])
    ws.append([2, 250004, "刘洋", "赵敏老师", "T002", None])
    ws.append([3, 250005, "陈静", "王芳（T004）", "赵敏", "赵敏"])
    ws.append([4, 250006, "杨帆", "T003", None, None])
    ws.append([5, 250099, "某某", "T003", None, None])
    book = tmp_path / "志愿.xlsx"
    wb.save(book)
    result = run("import", "preferences", str(book), "--records", str(repo))
    assert result.exit_code == 1
    b = str(book)
    assert result.stdout.splitlines() == [
        f"{b}:问卷结果!2:4: I432 导师姓名“王芳”对应多位教师（T001、T004），请写工号",
        f"{b}:问卷结果!4:6: I433 志愿中重复选择了导师 T003",
        f"{b}:问卷结果!6:2: I430 未知的学生“0250099”",
    ]
    ws["D2"] = "T001"
    ws["F4"] = None
    ws.delete_rows(6)
    wb.save(book)
    before = head(repo)
    result = run("import", "preferences", str(book), "--records", str(repo))
    assert result.exit_code == 0, result.output
    prefs = load_yaml(repo / "semesters/2025-2026-1/preferences.yaml")
    assert [(p["student"], list(p["choices"])) for p in prefs["students"]] == [
        ("0250003", ["T001", "T002"]),
        ("0250004", ["T003", "T002"]),
        ("0250005", ["T004", "T003"]),
        ("0250006", ["T003"]),
    ]
    caps = tmp_path / "名额.csv"
    caps.write_text("工号,姓名,名额\nT001,王芳,2\nT003,赵敏,1\n", encoding="utf-8-sig")
    assert run("import", "preferences", str(caps), "--kind", "mentors", "--records",
               str(repo)).exit_code == 0  # fmt: skip
    result = run("match", "--records", str(repo), "--report", str(tmp_path / "说明.xlsx"))
    assert result.exit_code == 0, result.output
    assert git(repo, "rev-list", "--count", f"{before}..HEAD").strip() == "3"
    # T001 is full (2 kept); T003 has one place and key student 0250006 has priority there
    # as T003 is their class teacher; 0250004 then gets their second choice
    pairings = load_yaml(repo / "semesters/2025-2026-1/pairings.yaml")
    got = {p["mentor"]: (list(p["students"]), p.get("key_student")) for p in pairings["pairings"]}
    assert got == {
        "T001": (["0250001", "0250002"], None),
        "T002": (["0250003", "0250004"], None),
        "T003": (["0250006"], "0250006"),
        "T004": (["0250005"], None),
    }
    assert "# 对接表" in (repo / "semesters/2025-2026-1/pairings.yaml").read_text("utf-8")
    assert result.output.splitlines()[0] == (
        "2025-2026-1 学期：4 名学生参加匹配（第一志愿 2 人，第二志愿 2 人）。"
    )
    assert "没有得到任何志愿" not in result.output
    sheet = openpyxl.load_workbook(tmp_path / "说明.xlsx").active
    assert sheet is not None
    assert sheet["A2"].value == "学号"
    assert run("validate", str(repo), "--today", "2026-01-01", "-q").exit_code == 0


def test_more_preference_problems(tmp_path: Path) -> None:
    cohort_left = (
        '  - id: "0250006"\n    name: 杨帆\n    gender: male\n    class: C2025-02\n'
        "    left:\n      date: 2025-08-01\n      reason: transferred\n"
    )
    from tests.test_roster import COHORT, PAIRINGS

    cohort = COHORT.replace(
        '  - id: "0250006"\n    name: 杨帆\n    gender: male\n    class: C2025-02\n', cohort_left
    )
    repo = make_repo(
        tmp_path / "records",
        {
            "people/cohorts/2025.yaml": cohort,
            "semesters/2025-2026-1/pairings.yaml": PAIRINGS.replace(', "0250006"', ""),
        },
    )
    prefs = tmp_path / "志愿.csv"
    prefs.write_text(
        "学号,志愿1,志愿2\n0250001,张老师,\n0250002,T001,\n0250002,T003,\n0250006,T001,\n",
        encoding="utf-8",
    )
    result = run("import", "preferences", str(prefs), "--records", str(repo))
    assert result.stdout.splitlines() == [
        f"{prefs}:2:2: I431 未知的导师“张老师”",
        f"{prefs}:4:1: I434 学生 0250002 的志愿出现两次（第 3 行已有）",
        f"{prefs}:5:1: I436 学生 0250006 在 2025-2026-1 学期不在校",
    ]
    caps = tmp_path / "名额.csv"
    caps.write_text("工号,名额\nT001,16\nT003,二十\n", encoding="utf-8")
    result = run("import", "preferences", str(caps), "--kind", "mentors", "--records", str(repo))
    assert result.stdout.splitlines() == [
        f"{caps}:2:2: I435 名额“16”应是 0 到 15 的整数",
        f"{caps}:3:2: I435 名额“二十”应是 0 到 15 的整数",
    ]
