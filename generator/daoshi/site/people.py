"""The pages about people: a student's portfolio, a mentor's page, class, grade, school, home.

Each page is Markdown whose body is one block of HTML from ``daoshi/site/templates/``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from daoshi.policy.grade_rules import rule_changes
from daoshi.policy.obligations import read_obligations
from daoshi.records.layout import GROUP, TEACHER
from daoshi.records.model import Record, School, Semester, Student, Teacher
from daoshi.site.attached import audit_of
from daoshi.site.charts import bar_chart
from daoshi.site.core import (
    GENDERS,
    KIND_COLUMNS,
    LEFT,
    Page,
    Site,
    cohorts_in,
    needs_view,
    page,
    record_view,
    screening_view,
    span_label,
)
from daoshi.site.crisis import crisis_cases
from daoshi.site.due import OVERDUE, kind_marks, student_warnings, todo_view
from daoshi.site.history import audit_flags
from daoshi.site.progress import progress_series


def student_page(site: Site, s: Student) -> Page:
    """成长档案: every semester from entry to graduation, across mentors."""
    school = site.school
    terms = []
    for semester in school.semesters:
        records = [r for r in site.by_student[s.id] if r.semester == semester.id]
        mentors = site.spans.get((semester.id, s.id), [])
        if not records and not mentors:
            continue
        counts = zip(KIND_COLUMNS, site.counts(records), strict=True)
        warnings = student_warnings(site, s, semester) if mentors else []
        marks = kind_marks(warnings)
        terms.append(
            {
                "semester": semester,
                "grade": school.grade_name(s.cohort, semester),
                "mentors": [
                    {"teacher": school.teachers[m], "dates": span_label(span, semester)}
                    for m, span in mentors
                    if m in school.teachers
                ],
                "key": site.is_key(semester.id, s.id),
                "screening": screening_view(site, semester.id, s.id),
                "needs": needs_view(site, semester.id, s.id),
                "counts": [(site.kind_labels[k], n, marks.get(k)) for k, n in counts],
                "warnings": warnings,
                "records": [record_view(site, r) for r in records],
            }
        )
    profile_form = school.forms.files["cohort"].fields["students"].items
    profile = [
        (profile_form.fields[k].label.zh, v)
        for k, v in s.profile.items()
        if profile_form is not None and k in profile_form.fields and site.shows(s.id, "cohort", k)
    ]
    html = site.render(
        "student.html",
        depth=2,
        s=s,
        school_name=school.name,
        today=site.today,
        class_name=site.class_name(s.class_id),
        given_name=s.name[1:] if len(s.name) > 1 else s.name,
        gender=GENDERS.get(s.gender or "", "—"),
        profile=profile,
        terms=terms,
        progress=progress_series(site, site.by_student[s.id]),
        left_reason=LEFT.get(s.left.reason, "") if s.left else "",
        history=_has_history(site),
    )
    return page(f"students/{s.id}.md", f"{s.name} {s.id} · {site.class_name(s.class_id)}", html)


def _has_history(site: Site) -> bool:
    """Whether the site has the git-history pages (a records repository with history)."""
    return _has_history_of(site.school)


def _has_history_of(school: School) -> bool:

    return audit_of(school) is not None


WORK_PLAN = "work-plan"


def _of_base(site: Site, records: Iterable[Record], base: str, but: str = "") -> list[Any]:
    """The views of the records whose kind has this base (``but`` one kind left out)."""
    kinds = site.school.forms.kinds
    return [
        record_view(site, r)
        for r in records
        if (form := kinds.get(r.kind)) is not None and form.base == base and r.kind != but
    ]


def mentor_page(site: Site, t: Teacher) -> Page:
    """导师页面: mentees per semester with their records, what is due, activities led."""
    school = site.school
    terms = []
    for semester in reversed(school.semesters):
        pairing = [p for p in school.pairings if p.semester == semester.id and p.mentor == t.id]
        records = site.by_mentor.get((semester.id, t.id), [])
        if not pairing and not records:
            continue
        mentees = []
        shown = [
            school.students[sid]
            for sid in (pairing[0].students if pairing else ())
            if site.access.sees_student(sid)
        ]
        for student in shown:
            mine = [r for r in records if student.id in r.students]
            mentees.append(
                {
                    "student": student,
                    "class_name": site.class_name(student.class_id, semester),
                    "key": site.is_key(semester.id, student.id),
                    "counts": site.counts(mine),
                    "marks": kind_marks(student_warnings(site, student, semester)),
                }
            )
        seen = {s.id: s for s in shown}
        terms.append(
            {
                "semester": semester,
                "mentees": mentees,
                # 学习小组 (太谷“每位导师负责1—2个学习小组”): the groups and the members shown
                "groups": [
                    (name, [seen[sid] for sid in members if sid in seen])
                    for name, members in (pairing[0].groups if pairing else ())
                    if any(sid in seen and site.shows(sid, "pairings", "groups") for sid in members)
                ],
                "todo": todo_view(site, t.id, semester, shown) if pairing else None,
                # 青实“定期受导学生家长接待日”: the days a mentor receives the mentees' parents
                "reception": semester.reception_days if pairing else (),
                # the plan (太谷、枣庄“导师工作方案”), then the group activities and meetings
                "plans": [record_view(site, r) for r in records if r.kind == WORK_PLAN],
                # the teacher's own records: training, team research, case seminars
                "own": _of_base(site, records, TEACHER),
                "activities": _of_base(site, records, GROUP, but=WORK_PLAN),
            }
        )
    roles_form = school.forms.files["teachers"].fields["teachers"].items
    role_values = (
        roles_form.fields["roles"].items.values
        if roles_form and roles_form.fields["roles"].items
        else {}
    )
    html = site.render(
        "mentor.html",
        depth=2,
        flags=audit_flags(site, site.current, mentor=t.id),
        appraisal=f"appraisal/mentors/{t.id}.md" in site.paths,
        t=t,
        terms=terms,
        today=site.today,
        roles=[role_values[r].zh for r in t.roles if r in role_values],
        kind_columns=[(k, site.kind_labels[k]) for k in KIND_COLUMNS],
    )
    return page(f"mentors/{t.id}.md", f"{t.name}老师 · 导师", html)


def class_page(site: Site, class_id: str) -> Page:
    """班级总览: coverage and records per student this semester; who is behind."""
    semester = site.current
    school = site.school
    students = [s for s in site.in_school(semester) if s.class_id == class_id]
    rows: list[dict[str, Any]] = []
    for s in sorted(students, key=lambda s: s.id):
        records = [r for r in site.by_student[s.id] if r.semester == semester.id]
        mentors = site.mentors.get((semester.id, s.id), [])
        warnings = student_warnings(site, s, semester)
        rows.append(
            {
                "student": s,
                "mentors": [school.teachers[m] for m in mentors],
                "key": site.is_key(semester.id, s.id),
                "counts": site.counts(records),
                "behind": warnings,
                "marks": kind_marks(warnings),
            }
        )
    attention = sorted(
        (row for row in rows if row["behind"]),
        key=lambda row: (not row["key"], all(w.level != OVERDUE for w in row["behind"])),
    )
    totals = [sum(row["counts"][i] for row in rows) for i in range(len(KIND_COLUMNS))]
    chart = bar_chart(
        [(site.kind_labels[k], n) for k, n in zip(KIND_COLUMNS, totals, strict=True)],
        "本学期各类记录数",
    )
    term = next((c for c in semester.classes if c.class_id == class_id), None)
    html = site.render(
        "class.html",
        depth=2,
        flags=audit_flags(site, semester, students=[s.id for s in students]),
        semester=semester,
        rows=rows,
        attention=attention,
        chart=chart,
        class_teacher=school.teachers.get(term.class_teacher) if term else None,
        covered=sum(1 for row in rows if row["mentors"]),
        kind_columns=[(k, site.kind_labels[k]) for k in KIND_COLUMNS],
    )
    return page(f"classes/{class_id}.md", site.class_name(class_id), html)


def _class_rows(site: Site, semester: Semester, class_ids: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    in_school = site.in_school(semester)
    for class_id in class_ids:
        students = [s for s in in_school if s.class_id == class_id]
        records = sum(
            1 for s in students for r in site.by_student[s.id] if r.semester == semester.id
        )
        term = next(c for c in semester.classes if c.class_id == class_id)
        rows.append(
            {
                "id": class_id,
                "name": site.class_name(class_id, semester),
                "students": len(students),
                "class_teacher": site.school.teachers.get(term.class_teacher),
                "covered": sum(1 for s in students if site.mentors.get((semester.id, s.id))),
                "records": records,
                "per_student": round(records / len(students), 1) if students else 0,
                **_attention_counts(site, semester, students),
            }
        )
    return rows


def _attention_counts(site: Site, semester: Semester, students: list[Student]) -> dict[str, int]:
    """How many students have a warning (``behind``), and how many an overdue one."""
    found = [student_warnings(site, s, semester) for s in students]
    return {
        "behind": sum(1 for w in found if w),
        "overdue": sum(1 for w in found if any(x.level == OVERDUE for x in w)),
    }


def grade_page(site: Site, cohort: int) -> Page:
    """年级总览: the grade's classes this semester."""
    semester = site.current
    class_ids = sorted(
        c.class_id for c in semester.classes if site.school.classes[c.class_id].cohort == cohort
    )
    rows = _class_rows(site, semester, class_ids)
    chart = bar_chart([(r["name"], r["per_student"]) for r in rows], "本学期人均记录数", "份")
    leader = site.school.teachers.get(semester.grade_leaders.get(cohort, ""))
    # 青实“各年级组……拟定具有年级特色的管理细则要求”: the grade's own policy and rules, if
    # the semester gives it some (its students' obligations follow them), and the semester's
    policies = site.school.forms.policies
    grade = semester.grade_policies.get(cohort)
    own = policies.get(grade.policy) if grade is not None else None
    html = site.render(
        "grade.html",
        depth=2,
        semester=semester,
        cohort=cohort,
        grade_policy=own.label.zh if own is not None else "",
        grade_rules=rule_changes(site.school.forms, grade) if grade is not None else [],
        school_policy="、".join(policies[p].label.zh for p in semester.policies if p in policies),
        rows=rows,
        chart=chart,
        leader=leader,
    )
    return page(
        f"grades/{cohort}.md", f"{site.school.grade_name(cohort, semester)}（{cohort} 级）", html
    )


def school_page(site: Site) -> Page:
    """学校总览: crisis panel first, then coverage per grade."""
    school = site.school
    semester = site.current
    crises = crisis_panel(site)
    grades = []
    for cohort in cohorts_in(school, semester):
        rows = _class_rows(
            site,
            semester,
            [c.class_id for c in semester.classes if school.classes[c.class_id].cohort == cohort],
        )
        students = sum(r["students"] for r in rows)
        records = sum(r["records"] for r in rows)
        grades.append(
            {
                "cohort": cohort,
                "name": school.grade_name(cohort, semester),
                "classes": len(rows),
                "students": students,
                "covered": sum(r["covered"] for r in rows),
                "records": records,
                "per_student": round(records / students, 1) if students else 0,
            }
        )
    in_school = site.in_school(semester)
    kinds = Counter(
        r.kind for r in site.access.visible(school.records) if r.semester == semester.id
    )
    chart = bar_chart([(site.kind_labels[k], kinds[k]) for k in KIND_COLUMNS], "本学期各类记录数")
    policies = [
        school.forms.policies[p].label.zh for p in semester.policies if p in school.forms.policies
    ]
    html = site.render(
        "school.html",
        depth=1,
        flags=audit_flags(site, semester),
        review=f"review/{semester.id}.md" in site.paths,
        crises=crises,
        semester=semester,
        grades=grades,
        chart=chart,
        teachers_count=len(school.teachers),
        students_count=len(in_school),
        policies=policies,
        covered=sum(1 for s in in_school if site.mentors.get((semester.id, s.id))),
        mentors=sorted(school.teachers.values(), key=lambda t: t.id),
    )
    return page("school.md", f"{school.name} · 学校总览", html)


def crisis_panel(site: Site) -> dict[str, list[dict[str, Any]]]:
    """Crisis cases this audience may see, open ones first: the top of its pages."""
    return crisis_cases(site)


def kinds_page(site: Site) -> Page:
    """记录种类: every kind's fields from forms/, and what this school's policy requires."""
    forms = site.school.forms
    semester = site.current
    obligations = read_obligations(forms, semester.policies)
    kinds = [
        {
            "form": form,
            "fields": [
                (name, f)
                for name, f in form.fields.items()
                if name not in ("kind", "mentor", "student", "date")
            ],
            "required": [
                ob.describe(site.kind_labels) for ob in obligations if ob.kind == form.kind
            ],
        }
        for form in forms.kinds.values()
    ]
    html = site.render(
        "kinds.html",
        depth=1,
        kinds=kinds,
        policies=[forms.policies[p].label.zh for p in semester.policies if p in forms.policies],
        levels={lv.id: lv.label.zh for lv in forms.levels},
    )
    return page("kinds.md", "记录种类与填写说明", html)


def home_page(site: Site) -> Page:
    """首页: crisis reports first (for those who may see them), then where to go from here."""
    school, access = site.school, site.access
    semester = site.current
    teacher = access.audience.teacher
    mentees: list[Student] = []
    if teacher is not None:
        mentees = [
            school.students[sid]
            for p in school.pairings
            if p.semester == semester.id and p.mentor == teacher
            for sid in p.students
            if access.sees_student(sid)
        ]
    classes = [c.class_id for c in semester.classes if access.sees_class(c.class_id)]
    html = site.render(
        "home.html",
        depth=0,
        semester=semester,
        today=site.today,
        audience=access.audience,
        crises=crisis_panel(site),
        school_page=access.sees_school(),
        grades=[
            (c, school.grade_name(c, semester))
            for c in cohorts_in(school, semester)
            if access.sees_grade(c)
        ],
        classes=[(c, site.class_name(c, semester)) for c in classes],
        mentees=mentees,
        own_page=teacher is not None and access.sees_mentor(teacher),
    )
    return page("index.md", school.name, html)
