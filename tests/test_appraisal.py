"""Hand-computed appraisals for each rubric: the arithmetic is written out in the comments."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from types import MappingProxyType

import pytest
from openpyxl import load_workbook

from daoshi.errors import ProjectError
from daoshi.policy.appraisal import (
    appraise,
    appraise_all,
    load_rubrics,
    rubrics_for,
)
from daoshi.policy.rubric import Commendation, Inputs, Neglect, Violation
from daoshi.policy.rubric_items import thirds
from daoshi.records.formfiles import load_forms
from daoshi.records.model import Departure, SurveyResult
from tests.conftest import School as ConftestSchool
from tests.test_obligations import BODY, FORMS, make_school, record

D = dt.date
RUBRICS = load_rubrics(FORMS)
S = "2025-2026-1"


def survey(mentor: str, who: str, mean: float, responses: int = 8) -> SurveyResult:
    scores = dict.fromkeys(("method", "attitude", "frequency", "effect"), mean)
    return SurveyResult(S, mentor, who, responses, MappingProxyType(scores))


def taigu_school(**extra: object) -> object:
    """Four mentors of one grade; the semester has two rounds (Sep 1–Nov 10, Nov 11–Jan 20)."""
    records = [
        # T1: a themed group activity in each round
        record("group-activity", D(2025, 9, 20), ("S11", "S12"), theme="学习方法", mentor="T1"),
        record("group-activity", D(2025, 12, 2), ("S11", "S12"), theme="新年计划", mentor="T1"),
        # T1: three counted individual guidances (one student each)
        record("talk", D(2025, 9, 5), ("S11",), mentor="T1"),
        record("talk", D(2025, 10, 5), ("S12",), mentor="T1"),
        record("talk", D(2025, 11, 5), ("S11",), mentor="T1"),
        # not counted: a one-line record of 5 characters ...
        record("talk", D(2025, 12, 5), ("S12",), body="谈了学习。", mentor="T1"),
        # ... and a record dated before the semester began (filed under it)
        record("talk", D(2025, 8, 25), ("S11",), body=BODY + "假期", mentor="T1"),
    ]
    surveys = (
        survey("T1", "students", 4.5),
        survey("T2", "students", 3.0),
        survey("T3", "students", 4.0),
        survey("T4", "students", 4.0),
        survey("T1", "parents", 4.0),
    )
    return make_school(
        records,
        {"T1": ("S11", "S12"), "T2": ("S21", "S22"), "T3": ("S31",), "T4": ("S41",)},
        policies=("taigu",),
        surveys=surveys,
        left={"S22": Departure(D(2025, 11, 3), "dropped_out")},
        agreement=True,
        **extra,  # type: ignore[arg-type]
    )


def points(appraisal: object, mentor: str) -> dict[str, float]:
    score = appraisal.of(mentor)  # type: ignore[attr-defined]
    return {i.item.id: i.points for i in score.items} | {"total": score.total}


def test_taigu_by_hand() -> None:
    school = taigu_school()
    result = appraise(school, school.semesters[0], RUBRICS["taigu"])  # type: ignore[attr-defined]
    # T1: pairing 10; rounds 2 of 2 × 10 = 20; guidance 3 × 2 = 6 (the one-line talk and
    # the one before Sep 1 do not count); lost 20 − 0 = 20; students: means 4.5, 4.0, 4.0,
    # 3.0 → 4 mentors split 2/1/1 (larger-top), T1 first → top third 20; parents: T1 is
    # the only one surveyed → top 10.  10 + 20 + 6 + 20 + 20 + 10 = 86
    assert points(result, "T1") == {
        "pairing": 10,
        "rounds": 20,
        "guidance": 6,
        "lost": 20,
        "students": 20,
        "parents": 10,
        "total": 86,
    }
    # T2 has no records at all: pairing 10, rounds 0, guidance 0; lost 20 − 10 (S22
    # dropped out on Nov 3) = 10; students 3.0 is 4th of 4 → bottom third 10; no parent
    # survey → lowest band 5.  10 + 0 + 0 + 10 + 10 + 5 = 35
    assert points(result, "T2")["total"] == 35
    assert points(result, "T2")["lost"] == 10
    # T3 and T4 tie at 4.0 in 2nd and 3rd place: shared-best gives both the band of
    # place 2 (top third, 20).  10 + 0 + 0 + 20 + 20 + 5 = 55
    assert points(result, "T3")["students"] == points(result, "T4")["students"] == 20
    assert points(result, "T3")["total"] == 55
    # top 30 → everyone is 优秀导师 when there are only four mentors
    assert all(s.excellent for s in result.scores)


def test_taigu_evidence_explains_every_point() -> None:
    school = taigu_school()
    result = appraise(school, school.semesters[0], RUBRICS["taigu"])  # type: ignore[attr-defined]
    guidance = next(i for i in result.of("T1").items if i.item.id == "guidance")  # type: ignore[union-attr]
    earned = [(e.record.date, e.points) for e in guidance.evidence if e.points]  # type: ignore[union-attr]
    assert earned == [(D(2025, 9, 5), 2), (D(2025, 10, 5), 2), (D(2025, 11, 5), 2)]
    refused = sorted(e.text for e in guidance.evidence if not e.points)
    assert refused == ["不计：日期不在学期起止之内", "不计：正文只有 5 字（少于 15 字）"]
    assert guidance.explanation == "3 人次 × 2 分 = 6，满分 20"
    lost = next(i for i in result.of("T2").items if i.item.id == "lost")  # type: ignore[union-attr]
    assert [(e.student, e.points) for e in lost.evidence] == [("S22", -10)]
    rounds = next(i for i in result.of("T2").items if i.item.id == "rounds")  # type: ignore[union-attr]
    assert [e.points for e in rounds.evidence] == [-10, -10]  # each missing round loses 20 ÷ 2


def test_taigu_settings_change_ties_thirds_and_the_cut() -> None:
    school = taigu_school()
    rubric = RUBRICS["taigu"]
    worst = dataclasses.replace(rubric, settings={**rubric.settings, "ties": "shared-worst"})
    result = appraise(school, school.semesters[0], worst)  # type: ignore[attr-defined]
    # shared-worst: T3 and T4 both take place 3 → middle third → 15
    assert points(result, "T3")["students"] == points(result, "T4")["students"] == 15
    # top 2 with a tie at the 2nd place (T3 = T4 = 55 after T1's 86)
    top2 = dataclasses.replace(rubric, excellent_top=2)
    result = appraise(school, school.semesters[0], top2)  # type: ignore[attr-defined]
    assert sorted(s.mentor for s in result.scores if s.excellent) == ["T1", "T3", "T4"]
    exclude = dataclasses.replace(top2, settings={**rubric.settings, "excellent_ties": "exclude"})
    result = appraise(school, school.semesters[0], exclude)  # type: ignore[attr-defined]
    assert [s.mentor for s in result.scores if s.excellent] == ["T1"]
    # 10 mentors: 10 = 3 + 3 + 3 + 1; larger-top → 4/3/3, larger-bottom → 3/3/4
    assert thirds(10, "larger-top") == (4, 3, 3)
    assert thirds(10, "larger-bottom") == (3, 3, 4)
    assert thirds(5, "larger-top") == (2, 2, 1)
    # zero minimum for the bottom band: no survey at all with missing_survey: zero
    zero = dataclasses.replace(rubric, settings={**rubric.settings, "missing_survey": "zero"})
    result = appraise(school, school.semesters[0], zero)  # type: ignore[attr-defined]
    assert points(result, "T2")["parents"] == 0


def test_qingpu_exp_by_hand() -> None:
    school = make_school(
        [],
        {"T1": ("S11",), "T2": ("S21",), "T3": ("S31",), "T4": ("S41",)},
        policies=("qingpu-exp",),
        surveys=(survey("T1", "students", 4.5), survey("T1", "parents", 4.0)),
    )
    inputs = Inputs(
        "semesters/2025-2026-1/assessments.yaml",
        grade_scores={"T1": (27.0, "a.yaml:4:18"), "T2": (28.0, "a.yaml:6:18")},
        neglect={"T2": Neglect("T2", "a.yaml:7:14", D(2025, 12, 1), "年级导师制工作小组")},
        commendations=(Commendation("T1", "受导学生进步特别明显", "a.yaml:8:5"),),
        violations=(
            Violation("S31", D(2025, 10, 9), "fighting", "a.yaml:10:14"),
            Violation("S41", D(2025, 8, 20), "overnight", "a.yaml:13:14"),  # before Sep 1
        ),
    )
    result = appraise(school, school.semesters[0], RUBRICS["qingpu-exp"], inputs)
    # T1: grade group 27; students 4.5 ÷ 5 × 40 = 36; parents 4.0 ÷ 5 × 30 = 24 → 87
    assert points(result, "T1") == {"grade-group": 27, "students": 36, "parents": 24, "total": 87}
    assert result.of("T1").commendation == "受导学生进步特别明显"  # type: ignore[union-attr]
    # T2: 28 from the grade group, but neglected duties → zero
    assert points(result, "T2")["grade-group"] == 28 and points(result, "T2")["total"] == 0
    # T3: a mentee fought on Oct 9, inside the semester → zero, with the evidence
    t3 = result.of("T3")
    assert t3 is not None and t3.total == 0
    assert [(e.student, e.where) for e in t3.zeroed] == [("S31", "a.yaml:10:14")]
    # T4: the violation was before the semester; no score, no surveys → 0 + 0 + 0 = 0
    assert points(result, "T4")["total"] == 0 and not result.of("T4").zeroed  # type: ignore[union-attr]
    # linear scale: (4.5 − 1) ÷ 4 × 40 = 35; (4.0 − 1) ÷ 4 × 30 = 22.5 → 27 + 35 + 22.5
    rubric = RUBRICS["qingpu-exp"]
    linear = dataclasses.replace(rubric, settings={**rubric.settings, "survey_scale": "linear"})
    assert points(appraise(school, school.semesters[0], linear, inputs), "T1")["total"] == 84.5


def test_zaozhuang_needs_exam_ranking_and_then_scores_rank_gains() -> None:
    pairs = {"T1": ("S11", "S12"), "T2": ("S21",), "T3": ("S31",)}
    inputs = Inputs(
        exams={
            "S11": (10, 6, "a.yaml:3:14"),
            "S12": (20, 17, "a.yaml:6:14"),
            "S21": (5, 8, "a.yaml:9:14"),
        }
    )
    off = make_school([], pairs, policies=("zaozhuang",))
    with pytest.raises(ProjectError) as caught:
        appraise(off, off.semesters[0], RUBRICS["zaozhuang"], inputs)
    assert caught.value.problems[0].code == "A503"
    done, problems = appraise_all(off, RUBRICS, {S: inputs})
    assert done == [] and [p.code for p in problems] == ["A503"]
    on = make_school([], pairs, policies=("zaozhuang",), exam_ranking=True)
    result = appraise(on, on.semesters[0], RUBRICS["zaozhuang"], inputs)
    # T1: average rank (10 + 20) ÷ 2 = 15 → (6 + 17) ÷ 2 = 11.5: up 3.5, floor 3 × 1 → 50 + 3
    # no office scores (政教处、艺体办量化赋分) in these inputs: 0 of the 20
    assert points(result, "T1") == {"base": 50, "rank-gain": 3, "offices": 0, "total": 53}
    # T2 fell 5 → 8: no deduction by default → 50; T3 has no ranks → 50
    assert points(result, "T2")["total"] == 50 and points(result, "T3")["total"] == 50
    rubric = RUBRICS["zaozhuang"]
    deduct = dataclasses.replace(rubric, settings={**rubric.settings, "deduct": True})
    # with deduction: −3 places × 1 → 50 − 3 = 47
    assert points(appraise(on, on.semesters[0], deduct, inputs), "T2")["total"] == 47


def test_district_reference_rubric_counts_the_three_ones() -> None:
    records = [
        record("home-visit", D(2025, 10, 1), ("S1",)),
        record("talk", D(2025, 10, 2), ("S1",)),
        record("talk", D(2025, 10, 3), ("S2",)),
        record("growth-message", D(2026, 1, 10), ("S1",)),
        record("growth-message", D(2026, 2, 10), ("S2",)),  # after the semester ended
    ]
    school = make_school(records, {"T001": ("S1", "S2")}, policies=("district",))
    (rubric,) = rubrics_for(school, school.semesters[0], RUBRICS)
    result = appraise(school, school.semesters[0], rubric)
    # home visit 1 of 2 × 35 = 17.5; talk 2 of 2 × 35 = 35; message 1 of 2 × 30 = 15
    assert points(result, "T001") == {
        "home-visit": 17.5,
        "talk": 35,
        "growth-message": 15,
        "total": 67.5,
    }


def test_a_records_overlay_rubric_replaces_ours(tmp_path: Path) -> None:
    (tmp_path / "forms" / "rubrics").mkdir(parents=True)
    text = (Path(__file__).parent.parent / "forms" / "rubrics" / "taigu.yaml").read_text("utf-8")
    (tmp_path / "forms" / "rubrics" / "taigu.yaml").write_text(
        text.replace("each: 2\n", "each: 3\n"), "utf-8"
    )
    rubrics = load_rubrics(load_forms(tmp_path))
    assert rubrics["taigu"].path == "forms/rubrics/taigu.yaml"
    school = taigu_school()
    result = appraise(school, school.semesters[0], rubrics["taigu"])  # type: ignore[attr-defined]
    assert points(result, "T1")["guidance"] == 9  # 3 counted × 3 points
    (tmp_path / "forms" / "rubrics" / "taigu.yaml").write_text(
        text.replace("ties: shared-best", "ties: coin"), "utf-8"
    )
    with pytest.raises(ProjectError) as caught:
        load_rubrics(load_forms(tmp_path))
    (found,) = caught.value.problems
    assert found.format().startswith("forms/rubrics/taigu.yaml:")
    assert "A502 考核表定义有误：设置 ties 应为 shared-best | shared-worst" in found.format()


def test_appraise_command_prints_and_exports(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from daoshi.cli.main import main

    out = tmp_path / "考核.xlsx"
    result = CliRunner().invoke(
        main,
        [
            "appraise",
            "--records",
            "records",
            "--semester",
            "2025-2026-2",
            "--xlsx",
            str(out),
            "--today",
            "2026-11-20",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2025学年第二学期 · 青浦区“三个一”完成情况（参考）"
    assert lines[1].split() == [
        "工号",
        "导师",
        "年级",
        "家访(35)",
        "谈心(35)",
        "成长寄语(30)",
        "总分(100)",
        "备注",
    ]
    book = load_workbook(out)
    table = book["青浦区“三个一”完成情况（参考） 总表"]
    assert table["A2"].value == "工号" and table["A3"].data_type == "s"
    assert book["青浦区“三个一”完成情况（参考） 依据"].max_row > 100
    bad = CliRunner().invoke(
        main, ["appraise", "--records", "records", "--semester", "2030-2031-1"]
    )
    assert bad.exit_code == 1
    assert "I455 没有学期 2030-2031-1" in bad.output


def test_a_semester_whose_policies_have_no_rubric_is_told_so(school: ConftestSchool) -> None:
    from click.testing import CliRunner

    from daoshi.cli.main import main

    school.write(
        "forms/policies/ours.yaml",
        "id: ours\nlabel: 本校\nhelp: 本校\nratio_cap: 12\nobligations: []\n",
    )
    text = (school.root / "school.yaml").read_text("utf-8")
    school.write("school.yaml", text.replace("policies: [district]", "policies: [ours]"))
    argv = ["appraise", "--records", str(school.root), "--semester", "2025-2026-1"]
    result = CliRunner().invoke(main, [*argv, "--today", "2026-11-25"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{school.root}/semesters/2025-2026-1/semester.yaml:1:1: A504 2025-2026-1 学期的政策"
        "（ours）没有对应的考核表（forms/rubrics/）"
    )


def test_demo_site_goes_from_a_score_to_its_record_in_two_clicks() -> None:
    import re

    from daoshi.records.validate import load
    from daoshi.site.pages import all_pages

    today = D(2026, 11, 20)
    pages = {p.path: p.content for p in all_pages(load("records", today=today), today)}
    table = pages["appraisal/2025-2026-2/district.md"]
    # click 1: the school table links each mentor to the mentor's appraisal page
    mentor = re.search(r'href="\.\./\.\./\.\./appraisal/mentors/(T\d+)/"', table)
    assert mentor is not None
    detail = pages[f"appraisal/mentors/{mentor[1]}.md"]
    # click 2: each point links to the record's anchor on the student page
    links = re.findall(r'href="\.\./\.\./\.\./students/(S\d+)/#([\w-]+)"', detail)
    assert links
    for sid, anchor in links:
        assert f'id="{anchor}"' in pages[f"students/{sid}.md"]
    # the sort links: every column has its page, and no record body is shown
    for key in ("mentor", "grade", "home-visit", "talk", "growth-message"):
        assert f'href="{key}/"' in table and f"appraisal/2025-2026-2/district/{key}.md" in pages
    assert "考核" in str(pages["appraisal.md"])
