"""``daoshi new-semester S``: open the next semester from the current one, as one commit.

- Calendar: the dates of the same term a year earlier, moved on a year; without one,
  1 September – 20 January (autumn) or 20 February – 5 July (spring). Rounds (轮) are
  the year-earlier rounds moved on, or the current semester's count spread evenly over
  the new dates; four when a policy counts per round and no semester had any.
- Classes and class teachers carry forward. At a school-year start (the autumn term)
  the grades move up (初一→初二: a class keeps its ID, its grade follows the year), and
  the graduating grade leaves: its classes leave the semester and its students get
  ``left: {date, reason: graduated}`` (the day after the last term ended). Their
  portfolios stay. Classes of a newly imported cohort are listed: they need a class
  teacher before they can join.
- Pairings carry forward for students still at school; a mentor who left hands back
  their mentees, who are listed as unpaired (``daoshi match`` pairs them). At a
  school-year start the agreement flags are cleared (a new agreement each year).

Refused while ``daoshi validate`` finds problems; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.records.model import GRADE_NAMES, School, Semester
from daoshi.year.yamldoc import dump_yaml, flow_list, load_yaml, new_document, text_value

DEFAULT_ROUNDS = 4


class RolloverError(Exception):
    """The new semester cannot be opened (the message says why, in Chinese)."""


def next_semester_id(semester_id: str) -> str:
    """2025-2026-1 -> 2025-2026-2 -> 2026-2027-1."""
    year, term = int(semester_id[:4]), int(semester_id[-1])
    if term == 1:
        return f"{year}-{year + 1}-2"
    return f"{year + 1}-{year + 2}-1"


def _plus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def default_dates(semester_id: str) -> tuple[dt.date, dt.date]:
    """The usual calendar when no earlier year gives one."""
    year, term = int(semester_id[:4]), int(semester_id[-1])
    if term == 1:
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 20)
    return dt.date(year + 1, 2, 20), dt.date(year + 1, 7, 5)


def even_rounds(start: dt.date, end: dt.date, count: int) -> list[tuple[int, dt.date, dt.date]]:
    """``count`` rounds covering start..end, as even as whole days allow."""
    days = (end - start).days + 1
    out = []
    for i in range(count):
        first = start + dt.timedelta(days=days * i // count)
        last = start + dt.timedelta(days=days * (i + 1) // count - 1)
        out.append((i + 1, first, last))
    return out


@dataclass
class RolloverPlan:
    """What opening the semester would write, and what the office must look at."""

    semester: str
    previous: str
    year_start: bool
    start: dt.date | None = None
    end: dt.date | None = None
    files: dict[str, str] = field(default_factory=dict)
    graduated: list[str] = field(default_factory=list)
    graduated_classes: list[str] = field(default_factory=list)
    carried: int = 0
    unpaired: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self, school: School) -> str:
        """The plan in Chinese."""
        out = [
            f"新学期 {self.semester}（{self.start} 至 {self.end}），由 {self.previous} 延续："
            + ("学年开始，年级升级。" if self.year_start else "同一学年的第二学期。")
        ]
        if self.graduated_classes:
            out.append(
                f"毕业：{'、'.join(self.graduated_classes)}，"
                f"{len(self.graduated)} 名学生记为毕业离校。"
            )
        out.append(f"对接延续：{self.carried} 名学生保留原导师。")
        if self.unpaired:
            out.append(f"没有导师的学生 {len(self.unpaired)} 名（daoshi match 或手工安排）：")
            for sid in self.unpaired:
                student = school.students[sid]
                out.append(f"  {sid} {student.name}（{student.class_id}）")
        out.extend(f"注意：{note}" for note in self.notes)
        return "\n".join(out)


def _semester_doc(root: Path, semester_id: str) -> Any:
    path = root / "semesters" / semester_id / "semester.yaml"
    return load_yaml(path) if path.exists() else None


def plan_new_semester(
    root: Path,
    school: School,
    semester_id: str,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> RolloverPlan:
    """Work out the new semester's files; raises ``RolloverError`` when it cannot be opened."""
    if not school.semesters:
        raise RolloverError("记录仓库中还没有学期：第一个学期请按 docs/records.md 手工建立")
    current = school.semesters[-1]
    plan = RolloverPlan(semester_id, current.id, semester_id.endswith("-1"))
    if any(s.id == semester_id for s in school.semesters):
        plan.notes.append(f"学期 {semester_id} 已经建立，没有改动")
        return plan
    expected = next_semester_id(current.id)
    if semester_id != expected:
        raise RolloverError(
            f"只能建立当前学期 {current.id} 的下一个学期 {expected}，不能建立 {semester_id}"
        )
    last_year = f"{int(semester_id[:4]) - 1}-{semester_id[:4]}-{semester_id[-1]}"
    earlier = next((s for s in school.semesters if s.id == last_year), None)
    if start is None or end is None:
        if earlier is not None:
            guess = (_plus_year(earlier.start), _plus_year(earlier.end))
        else:
            guess = default_dates(semester_id)
        start, end = start or guess[0], end or guess[1]
    if not current.end < start < end:
        raise RolloverError(
            f"新学期日期有误：{start} 至 {end}（须在 {current.id} 结束的 {current.end} 之后）"
        )
    plan.start, plan.end = start, end
    doc = new_document("semester", 2)
    doc["id"] = semester_id
    doc["start"] = start
    doc["end"] = end
    old_doc = _semester_doc(root, current.id)
    if old_doc is not None and old_doc.get("policies"):
        doc["policies"] = flow_list([str(p) for p in old_doc["policies"]])
    rounds = _rounds(school, current, earlier, start, end)
    if rounds:
        doc["rounds"] = CommentedSeq()
        for number, first, last in rounds:
            item = CommentedMap()
            item["number"] = number
            item["start"] = first
            item["end"] = last
            doc["rounds"].append(item)
    if old_doc is not None and old_doc.get("collective_slot") is not None:
        doc["collective_slot"] = old_doc["collective_slot"]  # the calendar's fixed time carries on
    new_year = int(semester_id[:4])
    grades = len(GRADE_NAMES[school.stage])
    graduating = (
        {c for c in {k.cohort for k in school.classes.values()} if new_year - c >= grades}
        if plan.year_start
        else set()
    )
    doc["classes"] = CommentedSeq()
    kept_classes: set[str] = set()
    for term in current.classes:
        klass = school.classes.get(term.class_id)
        if klass is not None and klass.cohort in graduating:
            plan.graduated_classes.append(term.class_id)
            continue
        item = CommentedMap()
        item["class"] = term.class_id
        item["class_teacher"] = term.class_teacher
        teacher = school.teachers.get(term.class_teacher)
        if teacher is not None and teacher.left is not None and teacher.left <= start:
            item.yaml_add_eol_comment("班主任已离职，请更换", "class_teacher")
            plan.notes.append(f"{term.class_id} 的班主任 {term.class_teacher} 已离职，请更换")
        doc["classes"].append(item)
        kept_classes.add(term.class_id)
    waiting = sorted(
        c.id
        for c in school.classes.values()
        if c.id not in kept_classes
        and c.id not in plan.graduated_classes
        and c.cohort not in graduating
        and 0 <= new_year - c.cohort < grades
    )
    if waiting:
        plan.notes.append(
            f"新班级 {'、'.join(waiting)} 还没有班主任：在 semesters/{semester_id}/semester.yaml "
            "的 classes 中加上班级和班主任后，这些学生才算在校"
        )
    leaders = [(c, t) for c, t in sorted(current.grade_leaders.items()) if c not in graduating]
    if leaders:
        doc["grade_leaders"] = CommentedSeq()
        for cohort, teacher_id in leaders:
            item = CommentedMap()
            item["cohort"] = cohort
            item["teacher"] = teacher_id
            doc["grade_leaders"].append(item)
    kept_cohorts = {school.classes[c].cohort for c in kept_classes if c in school.classes}
    grade_policies = _carry_grade_policies(old_doc, kept_cohorts, plan)
    if grade_policies:
        doc["grade_policies"] = grade_policies
    plan.files[f"semesters/{semester_id}/semester.yaml"] = dump_yaml(doc)
    _graduate(root, school, current, graduating, plan)
    _carry_pairings(school, current, kept_classes, start, plan)
    return plan


def _carry_grade_policies(old_doc: Any, cohorts: set[int], plan: RolloverPlan) -> CommentedSeq:
    """青实“各年级组……拟定具有年级特色的管理细则要求”: each grade keeps its policy and its
    own rules as it moves up (an entry names its cohort, the entry year), as written; the
    entries of cohorts with no class in the new semester (graduated) are dropped."""
    kept = CommentedSeq()
    for entry in (old_doc or {}).get("grade_policies") or ():
        cohort = entry.get("cohort") if isinstance(entry, dict) else None
        if cohort in cohorts:
            kept.append(entry)
        elif cohort is not None:
            plan.notes.append(f"{cohort}级已不在新学期的年级中，它的年级政策和细则不再延续")
    return kept


def _rounds(
    school: School,
    current: Semester,
    earlier: Semester | None,
    start: dt.date,
    end: dt.date,
) -> list[tuple[int, dt.date, dt.date]]:
    if earlier is not None and earlier.rounds:
        moved = [(r.number, _plus_year(r.start), _plus_year(r.end)) for r in earlier.rounds]
        if moved[0][1] == start and moved[-1][2] == end:
            return moved
        return even_rounds(start, end, len(moved))
    if current.rounds:
        return even_rounds(start, end, len(current.rounds))
    per_round = any(
        o.get("every") == "round"
        for pid in current.policies
        if (pol := school.forms.policies.get(pid)) is not None
        for o in pol.obligations
    )
    return even_rounds(start, end, DEFAULT_ROUNDS) if per_round else []


def _graduate(
    root: Path, school: School, current: Semester, graduating: set[int], plan: RolloverPlan
) -> None:
    left_day = current.end + dt.timedelta(days=1)
    for cohort in sorted(graduating):
        rel = f"people/cohorts/{cohort}.yaml"
        path = root / rel
        if not path.exists():
            continue
        doc = load_yaml(path)
        changed = False
        for item in doc.get("students") or ():
            if item.get("left"):
                continue
            left = CommentedMap()
            left["date"] = left_day
            left["reason"] = "graduated"
            item["left"] = left
            plan.graduated.append(str(item["id"]))
            changed = True
        if changed:
            plan.files[rel] = dump_yaml(doc)


def _carry_pairings(
    school: School, current: Semester, classes: set[str], start: dt.date, plan: RolloverPlan
) -> None:
    doc = new_document("pairings", 2)
    doc["semester"] = plan.semester
    doc["pairings"] = CommentedSeq()
    graduated = set(plan.graduated)
    at_school = {
        sid
        for sid, s in school.students.items()
        if sid not in graduated
        and s.class_id in classes
        and (s.left is None or s.left.date > start)
    }
    paired: set[str] = set()
    for pairing in sorted(
        (p for p in school.pairings if p.semester == current.id), key=lambda p: p.mentor
    ):
        teacher = school.teachers.get(pairing.mentor)
        if teacher is None or (teacher.left is not None and teacher.left <= start):
            continue
        # after a mid-year change only the mentor of the semester's last day carries on
        students = [
            s for s in pairing.students if s in at_school and pairing.covers(s, current.end)
        ]
        if not students:
            continue
        item = CommentedMap()
        item["mentor"] = text_value(pairing.mentor)
        item["students"] = flow_list(students)
        if pairing.key_student in students:
            item["key_student"] = text_value(pairing.key_student)
        if pairing.agreement is not None and not plan.year_start:
            item["agreement"] = pairing.agreement
        doc["pairings"].append(item)
        paired.update(students)
    plan.carried = len(paired)
    plan.unpaired = sorted(at_school - paired)
    plan.files[f"semesters/{plan.semester}/pairings.yaml"] = dump_yaml(doc)
