"""A grade's own rules (semester.yaml ``grade_policies`` ``obligations``) as the engine reads
them: pure functions of the forms (daoshi.policy.grade_rules)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from daoshi.policy.grade_rules import grade_obligations, rule_changes, rule_problems
from daoshi.records.formfiles import load_forms
from daoshi.records.model import GradePolicy

FORMS = load_forms()


def grade(policy: str, **changes: Any) -> GradePolicy:
    return GradePolicy(policy, MappingProxyType(changes))


def test_a_change_replaces_the_fields_it_names_and_null_removes_one() -> None:
    rules = grade("district", **{"home-visit": {"window": None, "min": 2}})
    assert rule_problems(FORMS, rules) == []
    visit = next(o for o in grade_obligations(FORMS, 2025, rules) if o.id == "home-visit")
    assert (visit.min, visit.before_start, visit.grade) == (2, 0, 2025)
    untouched = next(o for o in grade_obligations(FORMS, 2025, rules) if o.id == "talk")
    assert untouched.grade == 0  # the policy's own: shared with the other grades
    assert [(c.before, c.after) for c in rule_changes(FORMS, rules)] == [
        ("每生每学期至少 1 次家访记录，开学前 30 天内的也算", "每生每学期至少 2 次家访记录")
    ]


def test_only_the_grade_s_per_student_obligations_are_its_own() -> None:
    rules = grade("taigu", extra={"per": "student", "kind": "student-report", "every": "week"})
    assert rule_problems(FORMS, rules) == []
    assert [o.id for o in grade_obligations(FORMS, 2024, rules)] == [
        "guidance",
        "parent-contact",
        "extra",
    ]
    assert [c.after for c in rule_changes(FORMS, rules)] == ["每生每周至少 1 次学生汇报"]
    adds_a_mentor_duty = grade("taigu", extra={"per": "mentor", "kind": "talk", "every": "week"})
    assert [p.code for p in rule_problems(FORMS, adds_a_mentor_duty)] == ["X256"]
