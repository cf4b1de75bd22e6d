"""Forms are data: a school adds a kind or a field by editing YAML, not Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from daoshi.errors import ProjectError
from daoshi.records.formfiles import load_forms
from daoshi.records.forms import BUNDLED_FORMS

from .conftest import SEMESTER, School

BUILTIN_KINDS = {
    "talk",
    "parent-contact",
    "home-visit",
    "group-activity",
    "case-analysis",
    "student-report",
    "growth-message",
    "help-plan",
    "crisis-follow-up",
    "crisis-report",
    "optional-action",
    "family-meeting",  # 太谷“组织导师与学生、家长座谈活动” (issue 20)
    "work-plan",  # 太谷、枣庄“导师工作方案” (issue 20)
    "case-meeting",  # 枣庄“学校每月集中组织导师进行个案分析” (issue 20)
    "progress",  # 枣庄“每月的表现及每次考试成绩逐一记录” (issue 20)
    "colleague-follow-up",  # 太谷、青实“与受导学生班主任、科任教师沟通” (issue 20)
    "training",  # 区文件“校本培训”“专题培训”“案例研讨”: a teacher's own record (issue 20)
}


def test_bundled_forms_define_every_kind_and_data_file() -> None:
    forms = load_forms()
    assert set(forms.kinds) == BUILTIN_KINDS
    assert set(forms.files) == {
        "school",
        "teachers",
        "cohort",
        "semester",
        "pairings",
        "screening",
        "surveys",
        "close",  # written by daoshi close-semester (docs/audit.md)
        "assessments",  # grade-group scores and judgements (docs/appraisal.md)
        "preferences",  # two-way selection (docs/school-year.md)
        "needs",  # the needs questionnaire before pairing (docs/school-year.md)
    }
    # 枣庄“调查咨询卷”: a student's needs reach the mentor, class teacher and leaders only
    assert forms.files["needs"].sensitivity == "confidential"
    assert set(forms.policies) == {"district", "taigu", "qingpu-exp", "zaozhuang"}
    assert [lv.id for lv in forms.levels] == ["staff", "mentor_team", "confidential", "crisis"]


def test_every_field_has_labels_help_and_a_known_sensitivity() -> None:
    forms = load_forms()
    levels = {lv.id for lv in forms.levels}

    def walk(fields):  # type: ignore[no-untyped-def]
        for f in fields.values():
            yield f
            yield from walk(f.fields)
            if f.items is not None:
                yield from walk(f.items.fields)

    every = [f for k in forms.kinds.values() for f in walk(k.fields)]
    every += [f for d in forms.files.values() for f in walk(d.fields)]
    assert len(every) > 100
    for f in every:
        assert f.label.zh and f.label.en and f.help.zh, f.name
        assert f.sensitivity in levels, f.name
    assert forms.kinds["crisis-report"].body.sensitivity == "crisis"
    assert (
        forms.files["screening"].fields["students"].items.fields["categories"].sensitivity
        == "confidential"
    )


def test_school_adds_a_kind_and_a_field_in_its_own_forms(school: School) -> None:
    talk = (BUNDLED_FORMS / "kinds" / "talk.yaml").read_text("utf-8")
    school.write(
        "forms/kinds/talk.yaml",
        talk.replace(
            "fields:\n",
            "fields:\n  mood:\n    type: enum\n    values: {good: 好, bad: 差}\n"
            "    label: {zh: 情绪, en: Mood}\n    help: 学生当时的情绪。\n",
            1,
        ),
    )
    school.write(
        "forms/kinds/lunch.yaml",
        """\
kind: lunch
base: student
label: {zh: 午餐交流, en: Lunch}
help: 和学生一起吃午饭。
sensitivity: staff
fields:
  dish:
    type: string
    label: {zh: 菜, en: Dish}
    help: 吃了什么。
body: {required: false, label: 说明, help: 简要说明。}
""",
    )
    school.write(
        f"{SEMESTER}/journal/T001/S250001/2025-10-20-lunch.md",
        "---\nkind: lunch\nmentor: T001\nstudent: S250001\ndate: 2025-10-20\ndish: 饺子\n---\n",
    )
    school.write(
        f"{SEMESTER}/journal/T001/S250001/2025-10-21-talk.md",
        "---\nkind: talk\nmentor: T001\nstudent: S250001\ndate: 2025-10-21\n"
        "areas: [life]\nmood: great\n---\n聊天。\n",
    )
    code, lines = school.validate()
    rel = f"{SEMESTER}/journal/T001/S250001/2025-10-21-talk.md"
    assert lines[:-2] == [
        f"{school.path(rel)}:7:7: R104 “情绪”的值“great”不在允许范围内：good (好), bad (差)"
    ]
    assert code == 1
    assert "午餐交流 1" in lines[-2]


def test_broken_school_form_is_located(tmp_path: Path) -> None:
    (tmp_path / "forms" / "kinds").mkdir(parents=True)
    (tmp_path / "forms" / "kinds" / "talk.yaml").write_text(
        "kind: Talk Kind\nbase: student\n", "utf-8"
    )
    with pytest.raises(ProjectError) as info:
        load_forms(tmp_path)
    [found] = info.value.problems
    assert found.code == "M301"
    assert found.location.path.endswith("forms/kinds/talk.yaml")
    assert (found.location.line, found.location.col) == (1, 7)
