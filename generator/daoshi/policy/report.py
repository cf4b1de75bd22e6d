"""The obligations report of a semester on a date, for the 德育处 to check without the
site: per student, per mentor, the students nobody answers for (未对接), and those who owe
some periods nothing (不计义务), as rows for a text table or an XLSX sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from daoshi.policy.duties import SETTING_CHOICES
from daoshi.policy.grade_rules import change_text, rule_changes
from daoshi.policy.obligations import STATUS_LABELS, Check, ObligationEngine, behind_text, tally
from daoshi.policy.slots import CollectiveSlot, collective_slot, outside_slot, slot_dates
from daoshi.records.model import School, Semester
from daoshi.records.staffing import (
    group_cap,
    group_caps,
    mentors_without_key_student,
    staffing_rules,
    teachers_without_mentees,
)

Rows = list[list[str | int]]
SETTING_LABELS = {
    "responsible": {"end": "周期最后一天的导师负责", "longest": "对接天数最多的导师负责"},
    "unpaired": {"unassigned": "没有导师的学生列为“未对接”", "exempt": "没有导师的学生不计义务"},
    "joint_visits": {"each": "共同家访每位参加的教师都计", "author": "共同家访只计记录人"},
    "every_teacher": {
        "all": "教师人人是导师：每位在校教师都应有受导学生",
        "teaching": "教师人人是导师：每位任教在校班级的教师都应有受导学生",
    },
    "key_student": {"required": "“1+X”：每位导师都应有一名重点帮扶对象"},
}


@dataclass(frozen=True)
class Report:
    """The report's parts, each a table whose first row is its header."""

    title: str
    settings: list[str]
    students: Rows
    mentors: Rows
    unpaired: Rows
    exempt: Rows
    staffing: Rows | None = None  # 教师人人是导师 and 1+X, where the semester's policy asks
    collective: Rows | None = None  # group activities outside the calendar's collective slot
    slot: str = ""  # 集体指导时间：… with each round's day


def obligations_report(
    school: School, semester: Semester, on: dt.date, engine: ObligationEngine | None = None
) -> Report:
    """Every obligation of the semester as it stands on ``on``."""
    engine = engine or ObligationEngine(school, semester)
    labels = {k: f.label.zh for k, f in school.forms.kinds.items()}
    title = f"{school.name} {semester.name} 义务完成情况（截至 {on}）"
    settings = [
        SETTING_LABELS[k][v]
        for k, v in engine.settings.items()
        if k in SETTING_CHOICES and v in SETTING_LABELS.get(k, {})
    ]
    settings += group_cap_lines(school, semester)
    settings += grade_policy_lines(school, semester)
    students: Rows = [
        ["学号", "姓名", "班级", "义务", "周期", "负责导师", "状态", "完成", "记录日期"]
    ]
    unpaired: Rows = [["学号", "姓名", "班级", "义务", "周期", "状态", "完成"]]
    for sid in engine.students():
        for c in engine.student_checks(sid, on):
            students.append(_student_row(school, c, labels))
            if not c.mentors:
                row = _student_row(school, c, labels)
                unpaired.append([*row[:5], row[6], row[7]])
    mentors: Rows = [["工号", "姓名", "负责学生", *STATUS_LABELS.values(), "本人义务", "落后"]]
    for mentor in sorted(engine.mentees):
        team = engine.team_checks(mentor, on)
        counts = tally(team)
        own = [c for c in team if c.subject == mentor]
        answered = len({c.subject for c in team if c.subject != mentor})
        teacher = school.teachers.get(mentor)
        mentors.append(
            [
                mentor,
                teacher.name if teacher else "",
                answered,
                *counts.values(),
                "；".join(_own_text(c, labels) for c in own),
                "；".join(f"{c.subject} {t}" for c in team for t in behind_text([c], labels)),
            ]
        )
    exempt: Rows = [["学号", "姓名", "班级", "原因", "起"]]
    for e in engine.exemptions():
        student = school.students.get(e.student)
        name, class_id = (student.name, student.class_id) if student else ("", "")
        exempt.append([e.student, name, class_id, e.reason, e.since.isoformat()])
    slot = collective_slot(semester, school.forms.policies)
    return Report(
        title,
        settings,
        students,
        mentors,
        unpaired,
        exempt,
        staffing_rows(school, semester),
        collective_rows(school, semester, slot) if slot else None,
        slot_text(semester, slot) if slot else "",
    )


def grade_policy_lines(school: School, semester: Semester) -> list[str]:
    """青实“各年级组……拟定具有年级特色的管理细则要求”: which policy each grade's students'
    obligations follow (semester.yaml ``grade_policies``) and the rules the grade changed;
    the mentors' own stay the school's."""
    if not semester.grade_policies:
        return []
    policies = school.forms.policies
    school_wide = "、".join(
        f"{policies[p].label.zh}（{p}）" for p in semester.policies if p in policies
    )
    lines = []
    for cohort, grade in sorted(semester.grade_policies.items()):
        if grade.policy in policies:
            label = policies[grade.policy].label.zh
            lines.append(f"年级政策：{cohort}级学生的义务按 {label}（{grade.policy}）")
            lines += [
                f"年级细则：{cohort}级 {change_text(c)}" for c in rule_changes(school.forms, grade)
            ]
    lines.append(f"其他年级的学生义务、导师本人的义务和师生比按本学期政策 {school_wide}")
    return lines


def group_cap_lines(school: School, semester: Semester) -> list[str]:
    """太谷“每位导师负责1—2个学习小组……（班主任导师可负责2—3个学习小组……）”: the caps
    of the semester's policy and the mentors over them (X253), with their groups."""
    caps = group_caps(school.forms.policies, semester.policies)
    if caps is None:
        return []
    lines = [f"学习小组：每位导师至多 {caps[0]} 个，班主任导师至多 {caps[1]} 个（{caps[2]}）"]
    over = [  # a group named again after a mid-year change of mentor is one group
        f"{p.mentor}（{n} 个）"
        for p in school.pairings
        if p.semester == semester.id
        and (cap := group_cap(school.forms.policies, semester, p.mentor)) is not None
        and (n := len({name for name, _ in p.groups})) > cap[0]
    ]
    if over:
        lines.append("学习小组超过上限的导师：" + "、".join(over))
    return lines


def slot_text(semester: Semester, slot: CollectiveSlot) -> str:
    """集体指导时间：每轮第3周周三 下午最后一节自习（第1轮 2025-09-17，…）."""
    days = "，".join(f"第{n}轮 {day}" for n, day in slot_dates(semester, slot))
    return f"集体指导时间：{slot.describe()}（{days or '学期没有轮次'}）"


def collective_rows(school: School, semester: Semester, slot: CollectiveSlot) -> Rows:
    """The group activities not held in the round's collective-guidance slot (太谷：“每轮
    第三周周三下午最后一节自习时间为导师制集体指导时间”): a note for the office, not a miss."""
    days = dict(slot_dates(semester, slot))
    rows: Rows = [["工号", "姓名", "日期", "轮次", "本轮集体指导时间"]]
    for record, number in outside_slot(school.records, semester, slot):
        teacher = school.teachers.get(record.mentor)
        day = days.get(number)
        rows.append(
            [
                record.mentor,
                teacher.name if teacher else "",
                record.date.isoformat(),
                f"第{number}轮",
                day.isoformat() if day else "（本轮没有）",
            ]
        )
    return rows


def staffing_rows(school: School, semester: Semester) -> Rows | None:
    """The teachers who mentor nobody (教师人人是导师) and the mentors with no key student
    (1+X), where the semester's policies ask; ``None`` when they ask neither."""
    rules = staffing_rules(school.forms.policies, semester.policies)
    if rules.every_teacher == "none" and rules.key_student == "optional":
        return None
    mentored = {p.mentor for p in school.pairings if p.semester == semester.id and p.students}
    rows: Rows = [["工号", "姓名", "情况", "政策"]]
    for tid in teachers_without_mentees(school.teachers, semester, mentored, rules):
        rows.append([tid, school.teachers[tid].name, "没有受导学生", rules.every_teacher_by])
    for tid in mentors_without_key_student(school.pairings, semester, rules):
        teacher = school.teachers.get(tid)
        name = teacher.name if teacher else ""
        rows.append([tid, name, "没有重点帮扶对象（1+X）", rules.key_student_by])
    return rows


def _student_row(school: School, c: Check, labels: Mapping[str, str]) -> list[str | int]:
    student = school.students.get(c.subject)
    name, class_id = (student.name, student.class_id) if student else ("", "")
    ob = c.obligation
    kinds = "或".join(labels.get(k, k) for k in ob.kinds)
    period = f"{c.period.label}（{c.period.start}–{c.period.end}）"
    who = "、".join(c.mentors) or "（未对接）"
    dates = "、".join(r.date.isoformat() for r in c.records)
    done = f"{len(c.records)}/{ob.min}"
    return [c.subject, name, class_id, kinds, period, who, STATUS_LABELS[c.status], done, dates]


def _own_text(c: Check, labels: Mapping[str, str]) -> str:
    kinds = "或".join(labels.get(k, k) for k in c.obligation.kinds)
    return f"{kinds} {c.period.label} {STATUS_LABELS[c.status]}"
