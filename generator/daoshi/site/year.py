"""The semester's pairing table on the site, and in the office's Excel layout.

- ``pairings/<S>/`` lists the classes and mentors of the current semester;
- ``pairings/<S>/classes/<C>/`` is a class's 《导师与学生对接表》 (Taigu form 1), printable;
- ``pairings/<S>/mentors/<T>/`` is a mentor's agreement (导师协议): one sheet per mentee,
  so each family signs a page that names only their own child;
- ``pairing_sheets`` / ``export_pairings`` write the same table as XLSX (one sheet per
  class, then one for the mentors), through ``daoshi.year.tables.write_xlsx`` (text stays
  text, nothing runs as a formula).

Pages show IDs, names, classes, mentors and the agreement flag; the key-student badge
only where the audience may see the pairing's ``key_student`` (``Site.is_key``). No record
content appears here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from daoshi.policy.slots import collective_slot, slot_dates
from daoshi.records.model import School, Semester, Student, Teacher
from daoshi.records.staffing import (
    mentors_without_key_student,
    staffing_rules,
    teachers_without_mentees,
)
from daoshi.site.core import Page, Site, page
from daoshi.year.export import Sheet, write_xlsx
from daoshi.year.preferences import policy_cap
from daoshi.year.tables import CellValue

AGREEMENT = {True: "已签", False: "未签", None: "—"}
GENDER = {"male": "男", "female": "女"}


def _pairings(school: School, semester: Semester) -> dict[str, list[str]]:
    """Student -> mentors that semester, in mentor order."""
    mentors: dict[str, list[str]] = {}
    for p in sorted(school.pairings, key=lambda p: p.mentor):
        if p.semester == semester.id:
            for sid in p.students:
                mentors.setdefault(sid, []).append(p.mentor)
    return mentors


def _mutual(school: School, semester: Semester) -> set[str]:
    """Students paired with a mentor they chose who chose them (双向选中) that semester."""
    return {sid for p in school.pairings if p.semester == semester.id for sid in p.mutual}


def _agreements(school: School, semester: Semester) -> dict[str, bool | None]:
    return {p.mentor: p.agreement for p in school.pairings if p.semester == semester.id}


def class_pairing_page(site: Site, class_id: str) -> Page:
    """A class's 对接表: each student and their mentors; the class's mentor team."""
    school, semester = site.school, site.current
    mentors_of = _pairings(school, semester)
    agreements = _agreements(school, semester)
    mutual = _mutual(school, semester)
    students = sorted(
        (s for s in site.in_school(semester) if s.class_id == class_id), key=lambda s: s.id
    )
    rows: list[dict[str, Any]] = []
    team: dict[str, int] = {}
    for s in students:
        mentors = [school.teachers[m] for m in mentors_of.get(s.id, []) if m in school.teachers]
        for t in mentors:
            team[t.id] = team.get(t.id, 0) + 1
        rows.append(
            {
                "student": s,
                "mentors": mentors,
                "key": site.is_key(semester.id, s.id),
                "mutual": s.id in mutual and site.shows(s.id, "pairings", "mutual"),
                "subjects": "、".join("、".join(t.subjects) or "—" for t in mentors),
                "agreement": "、".join(AGREEMENT[agreements.get(t.id)] for t in mentors),
            }
        )
    totals = {p.mentor: len(p.students) for p in school.pairings if p.semester == semester.id}
    term = next((c for c in semester.classes if c.class_id == class_id), None)
    # 学习小组 (太谷): each team mentor's groups with this class's members the audience sees
    here = {r["student"].id: r["student"] for r in rows}
    groups = [
        {
            "teacher": school.teachers[p.mentor],
            "name": name,
            "students": [here[sid] for sid in members if sid in here],
        }
        for p in sorted(school.pairings, key=lambda p: p.mentor)
        if p.semester == semester.id and p.mentor in team and p.mentor in school.teachers
        for name, members in p.groups
        if any(sid in here and site.shows(sid, "pairings", "groups") for sid in members)
    ]
    html = site.render(
        "year_class.html",
        depth=4,
        download=_link(site, 4),
        semester=semester,
        class_name=site.class_name(class_id, semester),
        class_teacher=school.teachers.get(term.class_teacher) if term else None,
        rows=rows,
        covered=sum(1 for r in rows if r["mentors"]),
        groups=groups,
        team=[
            {"teacher": school.teachers[m], "here": n, "total": totals.get(m, 0)}
            for m, n in sorted(team.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    )
    title = f"导师与学生对接表 · {site.class_name(class_id, semester)}"
    return page(f"pairings/{semester.id}/classes/{class_id}.md", title, html)


def mentor_agreement_page(site: Site, teacher: Teacher) -> Page:
    """A mentor's agreement (导师协议) with their mentees, to print and sign."""
    school, semester = site.school, site.current
    pairing = next(
        (p for p in school.pairings if p.semester == semester.id and p.mentor == teacher.id), None
    )
    students = [
        school.students[sid]
        for sid in (pairing.students if pairing else ())
        if sid in school.students and site.access.sees_student(sid)
    ]
    # no key-student mark here: each family signs its own sheet and sees only its own child
    rows = [{"student": s, "class_name": site.class_name(s.class_id, semester)} for s in students]
    html = site.render(
        "year_mentor.html",
        depth=4,
        teacher=teacher,
        school_name=school.name,
        semester=semester,
        rows=rows,
        cap=policy_cap(school, school.forms, semester, teacher.id),
        agreement=bool(pairing and pairing.agreement),
    )
    title = f"导师协议 · {teacher.name} · {semester.name}"
    return page(f"pairings/{semester.id}/mentors/{teacher.id}.md", title, html)


def pairing_index_page(site: Site) -> Page:
    """The semester's pairing table: links to every class's table and mentor's agreement."""
    school, semester = site.school, site.current
    in_school = site.in_school(semester)
    mentors_of = _pairings(school, semester)
    slot = collective_slot(semester, school.forms.policies)
    classes = [
        {
            "href": f"classes/{c.class_id}/",
            "name": site.class_name(c.class_id, semester),
            "students": sum(1 for s in in_school if s.class_id == c.class_id),
        }
        for c in semester.classes
        if site.access.sees_class(c.class_id)
    ]
    mentors = [
        {
            "teacher": school.teachers[p.mentor],
            "href": f"mentors/{p.mentor}/",
            "count": len(p.students),
            "cap": policy_cap(school, school.forms, semester, p.mentor),
            "agreement": AGREEMENT[p.agreement],
        }
        for p in sorted(school.pairings, key=lambda p: p.mentor)
        if p.semester == semester.id
        and p.mentor in school.teachers
        and site.access.sees_mentor(p.mentor)
    ]
    html = site.render(
        "year_index.html",
        depth=2,
        download=_link(site, 2),
        semester=semester,
        students=len(in_school),
        covered=sum(1 for s in in_school if s.id in mentors_of),
        unpaired=sum(1 for s in in_school if s.id not in mentors_of),
        classes=classes,
        mentors=mentors,
        slot=slot.describe() if slot else "",
        slot_days=slot_dates(semester, slot) if slot else [],
        **_staffing(site, semester),
    )
    return page(f"pairings/{semester.id}/index.md", f"导师与学生对接表 · {semester.name}", html)


def _staffing(site: Site, semester: Semester) -> dict[str, Any]:
    """教师人人是导师 and 1+X where the semester's policy asks: the teachers who mentor nobody
    and the mentors with no key student (names only, as the mentor table shows them)."""
    school = site.school
    rules = staffing_rules(school.forms.policies, semester.policies)
    mentored = {p.mentor for p in school.pairings if p.semester == semester.id and p.students}
    idle = teachers_without_mentees(school.teachers, semester, mentored, rules)
    keyless = mentors_without_key_student(school.pairings, semester, rules)
    return {
        "every_teacher": rules.every_teacher != "none",
        "key_student": rules.key_student == "required",
        "idle": [school.teachers[t] for t in idle if site.access.sees_mentor(t)],
        "keyless": [
            school.teachers[t]
            for t in keyless
            if t in school.teachers and site.access.sees_mentor(t)
        ],
    }


def _link(site: Site, depth: int) -> str:
    path = download_path(site)
    return f"{'../' * depth}{path}" if path else ""


def year_makers(site: Site) -> dict[str, Callable[[], Page]]:
    """The pairing pages this audience may see, by path."""
    if not site.school.semesters:
        return {}
    semester, access = site.current, site.access
    makers: dict[str, Callable[[], Page]] = {}
    if access.sees_school():
        makers[f"pairings/{semester.id}/index.md"] = partial(pairing_index_page, site)
    for c in semester.classes:
        if access.sees_class(c.class_id):
            makers[f"pairings/{semester.id}/classes/{c.class_id}.md"] = partial(
                class_pairing_page, site, c.class_id
            )
    for p in site.school.pairings:
        visible = p.mentor in site.school.teachers and access.sees_mentor(p.mentor)
        if p.semester == semester.id and visible:
            makers[f"pairings/{semester.id}/mentors/{p.mentor}.md"] = partial(
                mentor_agreement_page, site, site.school.teachers[p.mentor]
            )
    return makers


# --- the XLSX export -----------------------------------------------------------------------


def _class_label(school: School, class_id: str, semester: Semester) -> str:
    klass = school.classes[class_id]
    return f"{school.grade_name(klass.cohort, semester)}({klass.number})班"


def download_path(site: Site) -> str | None:
    """Where the semester's pairing table as XLSX is in this audience's site (or none: it
    lists the whole school, so only audiences who see the whole school get it)."""
    if not site.school.semesters or not site.access.sees_school():
        return None
    return f"pairings/{site.current.id}/pairings-{site.current.id}.xlsx"


def download(site: Site) -> tuple[str, list[Sheet]] | None:
    """The pairing table download of this audience: its path in the site and its sheets."""
    path = download_path(site)
    if path is None:
        return None
    keys = any(site.shows(s.id, "pairings", "key_student") for s in site.in_school(site.current))
    return path, pairing_sheets(site.school, site.current, keys=keys)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as the bytes of an XLSX file (the same bytes for the same sheets)."""
    with tempfile.TemporaryDirectory(prefix="daoshi-xlsx-") as tmp:
        target = Path(tmp, "table.xlsx")
        write_xlsx(target, sheets)
        return target.read_bytes()


def write_download(site: Site, site_dir: Path) -> Path | None:
    """Write the pairing table download into a built site (called after the build)."""
    made = download(site)
    if made is None:
        return None
    target = site_dir / made[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(xlsx_bytes(made[1]))
    return target


def pairing_sheets(school: School, semester: Semester, *, keys: bool = True) -> list[Sheet]:
    """The office's layout: one sheet per class (Taigu form 1), then the mentors' summary.

    ``keys`` False leaves the 重点帮扶 column empty (an audience not allowed to see it)."""
    mentors_of = _pairings(school, semester)
    agreements = _agreements(school, semester)
    marked = {
        (p.mentor, p.key_student) for p in school.pairings if keys and p.semester == semester.id
    }
    classes = semester.class_ids
    sheets = []
    header: list[CellValue] = [
        *("序号", "学号", "姓名", "性别", "导师", "导师工号", "任教学科", "重点帮扶", "协议")
    ]
    for term in semester.classes:
        students: list[Student] = sorted(
            (
                s
                for s in school.students.values()
                if s.class_id == term.class_id
                and s.class_id in classes
                and (s.left is None or s.left.date > semester.start)
            ),
            key=lambda s: s.id,
        )
        rows: list[list[CellValue]] = [header]
        for i, s in enumerate(students, start=1):
            mentors = [school.teachers[m] for m in mentors_of.get(s.id, []) if m in school.teachers]
            rows.append(
                [
                    i,
                    s.id,
                    s.name,
                    GENDER.get(s.gender or "", ""),
                    "、".join(t.name for t in mentors) or "（无）",
                    "、".join(t.id for t in mentors),
                    "、".join("、".join(t.subjects) for t in mentors),
                    "是" if any((t.id, s.id) in marked for t in mentors) else "",
                    "、".join(AGREEMENT[agreements.get(t.id)] for t in mentors),
                ]
            )
        label = _class_label(school, term.class_id, semester)
        teacher = school.teachers.get(term.class_teacher)
        title = (
            f"{school.name} {semester.name} 导师与学生对接表 · {label}"
            f"（班主任：{teacher.name if teacher else term.class_teacher}）"
        )
        sheets.append(Sheet(label, rows, title=title, widths=(6, 12, 10, 6, 16, 12, 12, 10, 8)))
    summary: list[list[CellValue]] = [
        ["序号", "导师", "工号", "任教学科", "受导学生数", "上限", "受导学生", "协议"]
    ]
    for i, p in enumerate(
        sorted((p for p in school.pairings if p.semester == semester.id), key=lambda p: p.mentor),
        start=1,
    ):
        t = school.teachers.get(p.mentor)
        names = "、".join(
            f"{school.students[s].name}({s})" for s in p.students if s in school.students
        )
        summary.append(
            [
                i,
                t.name if t else p.mentor,
                p.mentor,
                "、".join(t.subjects) if t else "",
                len(p.students),
                policy_cap(school, school.forms, semester, p.mentor),
                names,
                AGREEMENT[p.agreement],
            ]
        )
    sheets.append(
        Sheet(
            "导师汇总",
            summary,
            title=f"{school.name} {semester.name} 导师汇总",
            widths=(6, 10, 10, 12, 10, 8, 60, 8),
        )
    )
    return sheets


def export_pairings(school: School, semester: Semester, out: Path) -> int:
    """Write the semester's pairing table as XLSX; the number of sheets."""
    sheets = pairing_sheets(school, semester)
    write_xlsx(out, sheets)
    return len(sheets)
