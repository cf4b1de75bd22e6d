"""The mentor's work plan (导师工作方案, ``forms/kinds/work-plan.yaml``), run as a user runs
daoshi: an obligation where the policy asks (Taigu, Zaozhuang), written with ``daoshi new``,
validated, and shown on the mentor's page within the access matrix.

    太谷二中 工作程序：“每位导师要结合学生的实际制定科学、合理、有效的导师工作实施方案”
    枣庄：“导师与学生共同制定切合学生实际的成长方案和导师工作方案”
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.handcount import S, school_yaml, write
from tests.test_family_meeting import _text, daoshi, taigu_school

PLAN = f"semesters/{S}/journal/T001/group/2025-09-10-work-plan.md"
GOALS = "每名受导学生都有一份成长方案，学习习惯有改进。"
BODY = "结合受导学生的实际，本学期重点放在学习习惯和情绪管理上，每月和班主任交流一次。"


def own_duties(out: str, mentor: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(mentor))


@pytest.mark.parametrize("policy", ["taigu", "zaozhuang"])
def test_an_obligation_where_the_policy_asks(tmp_path: Path, policy: str) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(root, {"school.yaml": school_yaml(policy)})
    report = ("obligations", "--records", "records", "--on", "2026-02-01", "--only", "mentors")
    code, out = daoshi(*report, cwd=tmp_path)
    assert code == 0, out
    assert "导师工作方案 本学期 未完成" in own_duties(out, "T001")

    argv = ("--student", "S250001", "--student", "S250002", "--date", "2025-09-10")
    code, out = daoshi("new", "work-plan", *argv, "--records", "records", cwd=tmp_path)
    assert code == 0, out
    check = ("validate", "records", "--today", "2026-02-01", "--no-cache", "-q")
    code, out = daoshi(*check, cwd=tmp_path)
    assert code == 1
    assert out.splitlines() == [
        f"records/{PLAN}:8:7: R102 缺少必填字段“工作目标”（goals）",
        f"records/{PLAN}:16:1: R109 正文“方案”不能为空",
    ]
    text = (root / PLAN).read_text("utf-8").replace("goals:\n", f"goals: {GOALS}\n")
    (root / PLAN).write_text(text.rsplit("---\n", 1)[0] + f"---\n{BODY}\n", "utf-8")
    code, out = daoshi(*check, cwd=tmp_path)
    assert (code, out) == (0, "")
    code, out = daoshi(*report, cwd=tmp_path)
    assert code == 0, out
    assert "导师工作方案 本学期 已完成" in own_duties(out, "T001")
    assert "导师工作方案 本学期 未完成" in own_duties(out, "T002")


def test_the_district_asks_for_no_plan(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(root, {"school.yaml": school_yaml("district")})
    code, out = daoshi("obligations", "--records", "records", "--on", "2026-02-01", cwd=tmp_path)
    assert code == 0, out
    assert "导师工作方案" not in out


def test_shown_on_the_mentors_page_within_the_access_matrix(tmp_path: Path) -> None:
    root = tmp_path / "records"
    taigu_school(root)
    write(
        root,
        {
            PLAN: "---\nkind: work-plan\nmentor: T001\nparticipants: [S250001, S250002]\n"
            f"date: 2025-09-10\ngoals: {GOALS}\nschedule: 每轮第三周集体活动\n---\n{BODY}\n"
        },
    )
    code, out = daoshi("build", "--records", "records", "-d", "leader", cwd=tmp_path)
    assert code == 0, out
    page = _text((tmp_path / "leader/mentors/T001/index.html").read_text("utf-8"))
    assert "导师工作方案" in page and GOALS in page and BODY in page
    assert GOALS not in (tmp_path / "leader/mentors/T002/index.html").read_text("utf-8")

    # another mentor's own site has neither T001's page nor the plan
    code, out = daoshi(
        "build", "--records", "records", "-d", "t002", "--audience", "mentor:T002", cwd=tmp_path
    )
    assert code == 0, out
    everything = "".join(
        p.read_text("utf-8", errors="replace") for p in (tmp_path / "t002").rglob("*.*")
    )
    assert GOALS not in everything and BODY not in everything
    # the psychological teacher (staff level, S250001 in scope): the schedule, not the plan
    code, out = daoshi(
        "build", "--records", "records", "-d", "psych", "--audience", "T003", cwd=tmp_path
    )
    assert code == 0, out
    page = _text((tmp_path / "psych/students/S250001/index.html").read_text("utf-8"))
    assert "导师工作方案" in page and "每轮第三周集体活动" in page
    assert GOALS not in page and BODY not in page
