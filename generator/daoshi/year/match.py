"""``daoshi match``: the semester's pairing table proposed from the preferences in the records
(``daoshi.year.preferences`` reads them in; ``daoshi.year.matching`` is the algorithm)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.records.model import School, Semester
from daoshi.year.matching import PRIORITY_TAGS, Applicant, Mentor, Outcome, match
from daoshi.year.preferences import active_teachers, in_school, policy_cap, semester_document
from daoshi.year.yamldoc import dump_yaml, flow_list, load_yaml, text_value


@dataclass
class MatchPlan:
    """The proposal: the outcome, the students taking part, and the new pairings file."""

    semester: str
    outcome: Outcome
    applicants: list[Applicant]
    mentors: dict[str, Mentor]
    files: dict[str, str] = field(default_factory=dict)


def key_students(school: School, semester: Semester) -> set[str]:
    """Key students decided in screening this semester (or the one before, at its start)."""
    earlier = [s.id for s in school.semesters if s.start < semester.start]
    wanted = {semester.id, *earlier[-1:]}
    return {e.student for e in school.screening if e.semester in wanted and e.decided}


def plan_match(
    root: Path,
    school: School,
    semester: Semester,
    *,
    key_slots: int | None = 1,
    everyone: bool = False,
) -> MatchPlan:
    """Propose pairings for the semester's students who need a mentor; nothing is written."""
    prefs_file = root / "semesters" / semester.id / "preferences.yaml"
    prefs = load_yaml(prefs_file) if prefs_file.exists() else {}
    choices = {
        str(e["student"]): tuple(str(c) for c in e.get("choices") or ())
        for e in (prefs.get("students") or ())
    }
    stated = {
        str(e["mentor"]): int(e["capacity"])
        for e in (prefs.get("mentors") or ())
        if e.get("capacity") is not None
    }
    chosen = {
        str(e["mentor"]): frozenset(str(s) for s in e.get("students") or ())
        for e in (prefs.get("mentors") or ())
    }
    needs = {n.student: frozenset(n.subjects) for n in school.needs if n.semester == semester.id}
    pairings_rel = f"semesters/{semester.id}/pairings.yaml"
    target = root / pairings_rel
    doc, before = semester_document(target, "pairings", semester.id)
    if doc.get("pairings") is None:
        doc["pairings"] = CommentedSeq()
    students = [sid for sid in sorted(school.students) if in_school(school, semester, sid)]
    paired = {str(s) for item in doc["pairings"] for s in item.get("students") or ()}
    taking_part = [sid for sid in students if sid not in paired or (everyone and sid in choices)]
    moving = set(taking_part)
    if everyone:  # their old places are given up before matching
        for item in doc["pairings"]:
            kept = [s for s in item.get("students") or () if str(s) not in moving]
            if len(kept) != len(item.get("students") or ()):
                item["students"] = flow_list([str(s) for s in kept])
                if item.get("key_student") is not None and str(item["key_student"]) in moving:
                    del item["key_student"]
    items: dict[str, Any] = {}  # a mentor's whole-semester item (not one of a mid-year change)
    for item in doc["pairings"]:
        if item.get("start") is None and item.get("end") is None:
            items.setdefault(str(item["mentor"]), item)
    keys = key_students(school, semester)
    class_teacher_of: dict[str, set[str]] = {}
    for c in semester.classes:
        class_teacher_of.setdefault(c.class_teacher, set()).add(c.class_id)
    mentors: dict[str, Mentor] = {}
    for tid in sorted(active_teachers(school, semester)):
        teacher = school.teachers[tid]
        cap = policy_cap(school, school.forms, semester, tid)
        cap = min(x for x in (cap, stated.get(tid), 40) if x is not None)
        item = items.get(tid)
        held = len(item.get("students") or ()) if item is not None else 0
        has_key = item is not None and item.get("key_student") is not None
        slots = None if key_slots is None else max(0, key_slots - int(has_key))
        mentors[tid] = Mentor(
            tid,
            max(0, cap - held),
            slots,
            priority=bool(PRIORITY_TAGS & set(teacher.tags)),
            class_teacher_of=frozenset(class_teacher_of.get(tid, ())),
            teaches=frozenset(teacher.classes),
            chosen=chosen.get(tid, frozenset()),
            subjects=frozenset(teacher.subjects),
        )
    applicants = [
        Applicant(
            sid,
            school.students[sid].class_id,
            choices.get(sid, ()),
            sid in keys,
            needs.get(sid, frozenset()),
        )
        for sid in taking_part
    ]
    names = {tid: school.teachers[tid].name for tid in mentors}
    outcome = match(applicants, mentors, names=names)
    by_mentor: dict[str, list[str]] = {}
    for sid, mid in sorted(outcome.assignment.items()):
        by_mentor.setdefault(mid, []).append(sid)
    mutual = set(outcome.mutual)
    for mid in sorted(by_mentor):
        new = by_mentor[mid]
        item = items.get(mid)
        if item is None:
            item = CommentedMap()
            item["mentor"] = text_value(mid)
            item["students"] = flow_list([])
            doc["pairings"].append(item)
            items[mid] = item
        merged = [str(s) for s in item.get("students") or ()] + new
        item["students"] = flow_list(merged)
        new_keys = [s for s in new if s in keys]
        if item.get("key_student") is None and new_keys:
            item["key_student"] = text_value(new_keys[0])
        both = [s for s in new if s in mutual]
        if both:
            item["mutual"] = flow_list([str(s) for s in item.get("mutual") or ()] + both)
    plan = MatchPlan(semester.id, outcome, applicants, mentors)
    text = dump_yaml(doc)
    if text != before:
        plan.files[pairings_rel] = text
    return plan


def report_rows(plan: MatchPlan, school: School) -> list[list[str]]:
    """The explanation table: one row per student who got none of their choices."""
    rows = [["学号", "姓名", "班级", "志愿", "结果", "说明"]]
    for sid in sorted(plan.outcome.explanations):
        student = school.students[sid]
        choices = next((a.choices for a in plan.applicants if a.id == sid), ())
        mentor = plan.outcome.assignment.get(sid, "")
        lines = plan.outcome.explanations[sid]
        rows.append(
            [
                sid,
                student.name,
                student.class_id,
                "、".join(choices),
                mentor or "未分配",
                "；".join(lines),
            ]
        )
    return rows


def describe(plan: MatchPlan, school: School) -> str:
    """The proposal in Chinese: counts, then every student who got none of their choices."""
    outcome = plan.outcome
    counts = "，".join(f"{k} {v} 人" for k, v in outcome.counts().items()) or "无"
    out = [f"{plan.semester} 学期：{len(plan.applicants)} 名学生参加匹配（{counts}）。"]
    if outcome.mutual:
        out.append(f"双向选中（学生选了导师，导师也选了这名学生）：{len(outcome.mutual)} 人。")
    asked = [a for a in plan.applicants if a.needs]
    if asked:
        helped = sum(
            1
            for a in asked
            if a.id in outcome.assignment and plan.mentors[outcome.assignment[a.id]].helps(a)
        )
        out.append(
            f"需求问卷：{len(asked)} 名学生写了需要辅导的学科，其中 {helped} 名的导师任教这些学科。"
        )
    if outcome.explanations:
        out.append("没有得到任何志愿或未分配的学生：")
    for sid in sorted(outcome.explanations):
        student = school.students[sid]
        out.append(
            f"  {sid} {student.name}（{student.class_id}）：" + "；".join(outcome.explanations[sid])
        )
    return "\n".join(out)
