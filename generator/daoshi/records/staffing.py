"""教师人人是导师 and 1+X: which teachers of a semester owe mentoring, and which mentors owe
a key student, as a policy sets them (``settings.every_teacher``, ``settings.key_student``).

Pure functions of the model, asked by the cross-file rules (X225, X226: facts, never
errors — every document says “原则上”), the obligations report and the pairing page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from daoshi.records.model import Pairing, Semester, Teacher

STAFFING_CODES = frozenset({"X225", "X226"})  # the facts these rules report
# the first choice is the default of a policy that does not set it
STAFFING_CHOICES: Mapping[str, tuple[str, ...]] = {
    # 教师人人是导师: none 不检查 | all 每位在校教师 | teaching 本学期任教在校班级的教师（科任教师）
    "every_teacher": ("none", "all", "teaching"),
    # 1+X: optional 不检查 | required 每位导师都要有重点帮扶对象
    "key_student": ("optional", "required"),
}


@dataclass(frozen=True)
class Staffing:
    """The semester's reading of the two rules: who owes mentoring, who owes a key student,
    and the policy each reading comes from."""

    every_teacher: str = "none"
    key_student: str = "optional"
    every_teacher_by: str = ""
    key_student_by: str = ""


def staffing_rules(policies: Mapping[str, Any], policy_ids: Iterable[str]) -> Staffing:
    """Each setting from the first of the semester's policies that sets it to a known value
    (a bad value is A505, reported by ``daoshi obligations`` and ``daoshi appraise``)."""
    found: dict[str, str] = {}
    for pid in policy_ids:
        policy = policies.get(pid)
        settings = policy.settings if policy is not None else {}
        for key, choices in STAFFING_CHOICES.items():
            if key not in found and settings.get(key) in choices:
                found[key] = str(settings[key])
                found[f"{key}_by"] = pid
    return Staffing(**found)


def owes_mentoring(teacher: Teacher, semester: Semester, rules: Staffing) -> bool:
    """Whether the teacher should have mentees this semester: at school on its first day, not
    excused (``not_mentor``: 区文件“暂时不适合做导师的教师”), and in the policy's scope."""
    if rules.every_teacher == "none" or teacher.not_mentor:
        return False
    if teacher.left is not None and teacher.left <= semester.start:
        return False
    if rules.every_teacher == "teaching":
        class_teacher = any(c.class_teacher == teacher.id for c in semester.classes)
        return class_teacher or bool(semester.class_ids.intersection(teacher.classes))
    return True


def teachers_without_mentees(
    teachers: Mapping[str, Teacher],
    semester: Semester,
    mentored: Iterable[str],
    rules: Staffing,
) -> list[str]:
    """The teachers (IDs, sorted) who owe mentoring this semester and mentor nobody."""
    have = set(mentored)
    return sorted(
        tid
        for tid, teacher in teachers.items()
        if tid not in have and owes_mentoring(teacher, semester, rules)
    )


def mentors_without_key_student(
    pairings: Iterable[Pairing], semester: Semester, rules: Staffing
) -> list[str]:
    """The mentors (IDs, sorted) with mentees this semester but no key student, where the
    policy asks for one (1+X)."""
    if rules.key_student != "required":
        return []
    return sorted(
        p.mentor
        for p in pairings
        if p.semester == semester.id and p.students and p.key_student is None
    )


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def group_caps(
    policies: Mapping[str, Any], policy_ids: Iterable[str]
) -> tuple[int, int, str] | None:
    """学习小组 (太谷“每位导师负责1—2个学习小组……（班主任导师可负责2—3个学习小组……）”):
    ``settings.group_cap`` and ``class_teacher_group_cap`` (the same when not set) of the
    first of the semester's policies that sets a good one, and that policy; None without."""
    for pid in policy_ids:
        policy = policies.get(pid)
        settings = policy.settings if policy is not None else {}
        cap: Any = settings.get("group_cap")
        if _positive(cap):
            ct: Any = settings.get("class_teacher_group_cap", cap)
            return int(cap), int(ct) if _positive(ct) else int(cap), pid
    return None


def group_cap(
    policies: Mapping[str, Any], semester: Semester, mentor: str
) -> tuple[int, str] | None:
    """The mentor's cap on study groups this semester (a class teacher's own), and whose."""
    caps = group_caps(policies, semester.policies)
    if caps is None:
        return None
    is_class_teacher = any(c.class_teacher == mentor for c in semester.classes)
    return (caps[1] if is_class_teacher else caps[0]), caps[2]
