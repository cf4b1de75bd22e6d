"""Render the model into the site's pages: one function per page kind, Jinja templates for HTML.

Each page is Markdown whose body is one block of HTML from ``generator/templates/``
(autoescaped); teacher text enters only through ``render_markdown``. URLs carry IDs, never
names.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import escape

from .access import Access, leader_audience
from .charts import bar_chart
from .markdown import render_markdown
from .model import Record, School, Semester, Student, Teacher

TEMPLATES = Path(__file__).resolve().parent / "templates"
# the kinds counted in tables, in this order (the "三个一" and the most common ones first)
KIND_COLUMNS = (
    "talk",
    "parent-contact",
    "home-visit",
    "growth-message",
    "student-report",
    "group-activity",
    "case-analysis",
)
GENDERS = {"male": "男", "female": "女"}
# the list in a data file that holds one item per student (or per pairing)
LISTS = {"cohort": "students", "pairings": "pairings", "screening": "students"}
LEFT = {"graduated": "毕业", "transferred": "转学", "dropped_out": "流失", "other": "其他"}


def current_semester(school: School, today: dt.date) -> Semester:
    """The semester containing today, else the latest that started before it."""
    started = [s for s in school.semesters if s.start <= today]
    return (started or list(school.semesters))[-1]


def cohorts_in(school: School, semester: Semester) -> list[int]:
    """The entry years (grades) at school in a semester, oldest first."""
    return sorted({school.classes[c.class_id].cohort for c in semester.classes})


def record_anchor(r: Record) -> str:
    """The HTML id of a record on its pages: its file name."""
    return r.path.rsplit("/", 1)[-1].removesuffix(".md")


def cndate(day: dt.date) -> str:
    """2025年10月12日."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Page:
    """A generated page: where it goes, its title, its Markdown source."""

    path: str
    title: str
    content: str


class Site:
    """Indexes over the model, built once, and the page renderers that read them."""

    def __init__(
        self,
        school: School,
        today: dt.date,
        access: Access | None = None,
        root: Path | None = None,
    ) -> None:
        self.school = school
        self.today = today
        self.root = root  # the records repository, for data beside the model (assessments)
        self.paths: frozenset[str] = frozenset()  # every page of the build (page_makers)
        # the incremental build scores again only the semesters whose records changed
        self.reuse_appraisals: dict[str, list[Any]] | None = None
        self.changed: set[str] = set()
        self.appraised: dict[str, list[Any]] = {}
        self.access = access or Access(school, leader_audience(school))
        self.current = current_semester(school, today)
        self.by_student: dict[str, list[Record]] = defaultdict(list)
        self.by_mentor: dict[tuple[str, str], list[Record]] = defaultdict(list)
        # only what this audience may see enters the indexes: every page reads them
        for r in self.access.visible(school.records):
            for sid in r.students:
                self.by_student[sid].append(r)
            self.by_mentor[(r.semester, r.mentor)].append(r)
        self.mentors: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.key_students: set[tuple[str, str]] = set()
        # who mentored whom when, by (semester, student): one pass, not a scan per student
        self.spans: dict[tuple[str, str], list[tuple[str, tuple[dt.date, dt.date]]]] = defaultdict(
            list
        )
        terms = {t.id: (t.start, t.end) for t in school.semesters}
        for p in school.pairings:
            for sid in p.students:
                self.mentors[(p.semester, sid)].append(p.mentor)
                for span in p.periods.get(sid, (terms[p.semester],)):
                    self.spans[(p.semester, sid)].append((p.mentor, span))
            if p.key_student:
                self.key_students.add((p.semester, p.key_student))
        for found in self.spans.values():
            found.sort(key=lambda m: (m[1], m[0]))
        self.screening = {(e.semester, e.student): e for e in school.screening}
        self.kind_labels = {k: f.label.zh for k, f in school.forms.kinds.items()}
        self.env = self._environment()

    def _environment(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["cndate"] = cndate
        env.globals.update(
            url=url,
            linked=self.linked,
            teachers=self.school.teachers,
            labels={"kinds": self.kind_labels},
        )
        return env

    def render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def is_key(self, semester_id: str, student_id: str) -> bool:
        """The 重点帮扶 badge, for audiences allowed the pairing's key_student field."""
        return (semester_id, student_id) in self.key_students and self.shows(
            student_id, "pairings", "key_student"
        )

    def shows(self, student_id: str, file: str, name: str) -> bool:
        """Whether a field of a data file (a list of items) about a student shows."""
        form = self.school.forms.files[file]
        items = form.fields[LISTS[file]].items
        field = items.fields.get(name) if items is not None else None
        level = field.sensitivity if field is not None else form.sensitivity
        return self.access.allows(self.access.student_rank(student_id), level)

    def linked(self, section: str, ident: object) -> bool:
        """Whether this audience's build has the page a link would point to."""
        access = self.access
        if section == "students":
            return access.sees_student(str(ident))
        if section == "mentors":
            return access.sees_mentor(str(ident))
        if section == "classes":
            return access.sees_class(str(ident))
        if section == "grades":
            return access.sees_grade(int(str(ident)))
        return True

    def class_name(self, class_id: str, semester: Semester | None = None) -> str:
        klass = self.school.classes[class_id]
        grade = self.school.grade_name(klass.cohort, semester or self.current)
        return f"{grade}（{klass.number}）班"

    def counts(self, records: Iterable[Record]) -> list[int]:
        found = Counter(r.kind for r in records)
        return [found[k] for k in KIND_COLUMNS]

    def in_school(self, semester: Semester) -> list[Student]:
        classes = {c.class_id for c in semester.classes}
        return [
            s
            for s in self.school.students.values()
            if s.class_id in classes
            and (s.left is None or s.left.date > semester.start)
            and self.access.sees_student(s.id)
        ]

    def behind(self, student: Student, semester: Semester) -> list[str]:
        """What the semester's obligations (its policies) lack for a student as of today."""
        from .pages_appraisal import student_behind

        return student_behind(self, student, semester)


@jinja2.pass_context
def url(context: jinja2.runtime.Context, section: str, ident: object) -> str:
    """Relative URL of an entity page from the page being rendered (``depth`` folders deep).

    Links live in raw HTML, which mkdocs does not rewrite, so they are made right here.
    """
    return f"{'../' * context['depth']}{section}/{ident}/"


def record_view(site: Site, r: Record) -> dict[str, Any]:
    """What a record shows: its form's fields with labels, stages, sanitized body."""
    form = site.school.forms.kinds[r.kind]
    rank = site.access.record_rank(r)
    allows = site.access.allows
    facts = []
    for name, field in form.fields.items():
        if (
            name in ("kind", "mentor", "student", "participants", "date", "stages")
            or name not in r.fields
            or not allows(rank, field.sensitivity)
        ):
            continue
        value = r.fields[name]
        if field.type == "enum":
            value = field.values[value].zh
        elif field.type == "list" and field.items is not None and field.items.type == "enum":
            value = "、".join(field.items.values[v].zh for v in value)
        elif field.type == "list":
            value = "、".join(str(v) for v in value)
        elif field.type == "boolean":
            value = "是" if value else "否"
        elif field.type == "ref" and value in site.school.teachers:
            value = site.school.teachers[value].name
        facts.append((field.label.zh, value))
    stages = []
    stage_form = form.fields.get("stages")
    item_form = stage_form.items if stage_form is not None else None
    stage_fields = item_form.fields if item_form is not None else {}
    shown = {
        name
        for name, f in stage_fields.items()
        if stage_form is not None
        and allows(rank, stage_form.sensitivity)
        and allows(rank, f.sensitivity)
    }
    for st in r.fields.get("stages", ()) if shown else ():
        status = st.get("status") if "status" in shown else None
        period = "至".join(cndate(st[k]) for k in ("start", "end") if k in st and k in shown)
        labels = stage_fields["status"].values if "status" in stage_fields else {}
        stages.append(
            {
                "title": st.get("title", "") if "title" in shown else "",
                "period": period,
                "goal": st.get("goal", "") if "goal" in shown else "",
                "measures": st.get("measures", "") if "measures" in shown else "",
                "status": labels[status].zh if isinstance(status, str) and status in labels else "",
            }
        )
    return {
        "kind": r.kind,
        "date": r.date,
        "mentor": r.mentor,
        "students": r.students,
        "facts": facts,
        "stages": stages,
        "body": render_markdown(r.body) if allows(rank, form.body.sensitivity) else "",
        "anchor": record_anchor(r),
    }


_FRONT = "---\nhide:\n  - navigation\n  - toc\n---\n"  # the tables need the whole width


def _page(path: str, title: str, html: str) -> Page:
    return Page(path, title, f"{_FRONT}# {escape(title)}\n\n{html.strip()}\n")


def screening_view(site: Site, semester_id: str, student_id: str) -> list[tuple[str, str]]:
    """The student's key-student screening that semester, field by field as allowed."""
    entry = site.screening.get((semester_id, student_id))
    form = site.school.forms.files["screening"].fields["students"].items
    if entry is None or form is None:
        return []
    shown: list[tuple[str, str]] = []
    categories = form.fields["categories"]
    if site.shows(student_id, "screening", "categories") and categories.items is not None:
        values = categories.items.values
        text = "、".join(values[c].zh if c in values else c for c in entry.categories)
        shown.append((categories.label.zh, text))
    if site.shows(student_id, "screening", "decided"):
        shown.append((form.fields["decided"].label.zh, "是" if entry.decided else "否（待定）"))
    if entry.note and site.shows(student_id, "screening", "note"):
        shown.append((form.fields["note"].label.zh, entry.note))
    return shown


def span_label(span: tuple[dt.date, dt.date], semester: Semester) -> str:
    """A mentor's dates within a semester: "" (all of it), 11月11日起, 9月1日–11月10日."""
    start, end = span
    if span == (semester.start, semester.end):
        return ""
    first = f"{start.month}月{start.day}日"
    return f"{first}起" if end == semester.end else f"{first}–{end.month}月{end.day}日"


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
                "counts": [(site.kind_labels[k], n) for k, n in counts],
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
        class_name=site.class_name(s.class_id),
        given_name=s.name[1:] if len(s.name) > 1 else s.name,
        gender=GENDERS.get(s.gender or "", "—"),
        profile=profile,
        terms=terms,
        left_reason=LEFT.get(s.left.reason, "") if s.left else "",
        history=_has_history(site),
    )
    return _page(f"students/{s.id}.md", f"{s.name} {s.id} · {site.class_name(s.class_id)}", html)


def audit_flags(
    site: Site, semester: Semester, *, mentor: str | None = None, students: Iterable[str] = ()
) -> dict[str, Any]:
    """The audit flags (backdated, late edit, edited by another …) this audience may see:
    of one mentor's records, about some students, or the whole semester; each links to the
    student's history page. Empty when the records have no git history."""
    from .pages_history import audit_of, flag_summary

    summary = flag_summary(audit_of(site.school), semester.id, mentor=mentor, students=students)
    rows = [
        {**row, "student": next(s for s in row["students"] if site.access.sees_student(s))}
        for row in summary["rows"]
        if any(site.access.sees_student(s) for s in row["students"])
    ]
    counts = Counter(row["label"] for row in rows)
    return {"rows": rows, "counts": sorted(counts.items()), "total": len(rows)}


def _has_history(site: Site) -> bool:
    """Whether the site has the git-history pages (a records repository with history)."""
    return _has_history_of(site.school)


def _has_history_of(school: School) -> bool:
    from .pages_history import audit_of

    return audit_of(school) is not None


def mentor_page(site: Site, t: Teacher) -> Page:
    """导师页面: mentees per semester with their records, what is due, activities led."""
    from .pages_appraisal import mentor_behind, student_todo

    school = site.school
    terms = []
    for semester in reversed(school.semesters):
        pairing = [p for p in school.pairings if p.semester == semester.id and p.mentor == t.id]
        records = site.by_mentor.get((semester.id, t.id), [])
        if not pairing and not records:
            continue
        mentees = []
        due = []
        for sid in pairing[0].students if pairing else ():
            if not site.access.sees_student(sid):
                continue
            student = school.students[sid]
            mine = [r for r in records if sid in r.students]
            mentees.append(
                {
                    "student": student,
                    "class_name": site.class_name(student.class_id, semester),
                    "key": site.is_key(semester.id, sid),
                    "counts": site.counts(mine),
                }
            )
            due += [f"{student.name}：{item}" for item in student_todo(site, student, semester)]
        if pairing:
            due[:0] = mentor_behind(site, t.id, semester)
        terms.append(
            {
                "semester": semester,
                "mentees": mentees,
                "due": due,
                "activities": [record_view(site, r) for r in records if r.kind == "group-activity"],
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
        kind_columns=[site.kind_labels[k] for k in KIND_COLUMNS],
    )
    return _page(f"mentors/{t.id}.md", f"{t.name}老师 · 导师", html)


def class_page(site: Site, class_id: str) -> Page:
    """班级总览: coverage and records per student this semester; who is behind."""
    semester = site.current
    school = site.school
    students = [s for s in site.in_school(semester) if s.class_id == class_id]
    rows: list[dict[str, Any]] = []
    for s in sorted(students, key=lambda s: s.id):
        records = [r for r in site.by_student[s.id] if r.semester == semester.id]
        mentors = site.mentors.get((semester.id, s.id), [])
        rows.append(
            {
                "student": s,
                "mentors": [school.teachers[m] for m in mentors],
                "key": site.is_key(semester.id, s.id),
                "counts": site.counts(records),
                "behind": site.behind(s, semester),
            }
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
        chart=chart,
        class_teacher=school.teachers.get(term.class_teacher) if term else None,
        covered=sum(1 for row in rows if row["mentors"]),
        kind_columns=[site.kind_labels[k] for k in KIND_COLUMNS],
    )
    return _page(f"classes/{class_id}.md", site.class_name(class_id), html)


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
                "behind": sum(1 for s in students if site.behind(s, semester)),
            }
        )
    return rows


def grade_page(site: Site, cohort: int) -> Page:
    """年级总览: the grade's classes this semester."""
    semester = site.current
    class_ids = sorted(
        c.class_id for c in semester.classes if site.school.classes[c.class_id].cohort == cohort
    )
    rows = _class_rows(site, semester, class_ids)
    chart = bar_chart([(r["name"], r["per_student"]) for r in rows], "本学期人均记录数", "份")
    leader = site.school.teachers.get(semester.grade_leaders.get(cohort, ""))
    html = site.render(
        "grade.html",
        depth=2,
        semester=semester,
        cohort=cohort,
        rows=rows,
        chart=chart,
        leader=leader,
    )
    return _page(
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
    return _page("school.md", f"{school.name} · 学校总览", html)


def crisis_panel(site: Site) -> list[dict[str, Any]]:
    """Crisis reports this audience may see, newest first: the top of its pages."""
    school = site.school
    crises = []
    reports = [r for r in site.access.visible(school.records) if r.kind == "crisis-report"]
    level_form = school.forms.kinds["crisis-report"].fields.get("level")
    for r in sorted(reports, key=lambda r: (r.date, r.path), reverse=True):
        level = level_form.values.get(r.get("level")) if level_form is not None else None
        shows_level = level_form is not None and site.access.allows(
            site.access.record_rank(r), level_form.sensitivity
        )
        crises.append(
            {
                "date": r.date,
                "student": school.students[r.students[0]],
                "mentor": school.teachers.get(r.mentor),
                "level": level.zh if level and shows_level else "",
                "anchor": record_anchor(r),
            }
        )
    return crises


def kinds_page(site: Site) -> Page:
    """记录种类: every kind's fields, from forms/."""
    forms = site.school.forms
    html = site.render(
        "kinds.html",
        depth=1,
        kinds=list(forms.kinds.values()),
        levels={lv.id: lv.label.zh for lv in forms.levels},
    )
    return _page("kinds.md", "记录种类与填写说明", html)


def page_makers(site: Site) -> dict[str, Callable[[], Page]]:
    """Every page this audience may see, by path, each made on demand (the incremental
    build re-makes only the pages a changed record shows on)."""
    school, access = site.school, site.access
    makers: dict[str, Callable[[], Page]] = {
        "index.md": partial(home_page, site),
        "kinds.md": partial(kinds_page, site),
    }
    if access.sees_school():
        makers["school.md"] = partial(school_page, site)
    for cohort in cohorts_in(school, site.current):
        if access.sees_grade(cohort):
            makers[f"grades/{cohort}.md"] = partial(grade_page, site, cohort)
    for c in site.current.classes:
        if access.sees_class(c.class_id):
            makers[f"classes/{c.class_id}.md"] = partial(class_page, site, c.class_id)
    for s in school.students.values():
        if access.sees_student(s.id):
            makers[f"students/{s.id}.md"] = partial(student_page, site, s)
    for t in school.teachers.values():
        if access.sees_mentor(t.id):
            makers[f"mentors/{t.id}.md"] = partial(mentor_page, site, t)
    from .appraisal import read_inputs
    from .pages_appraisal import appraisal_makers
    from .pages_history import history_makers
    from .pages_year import year_makers

    # the appraisal is computed on the whole school (the same scores for every audience);
    # the tables are for school-wide roles, a mentor sees their own page and its evidence
    inputs = read_inputs(site.root, school) if site.root is not None else None
    for path, make in appraisal_makers(site, inputs).items():
        if access.sees_school() or path == f"appraisal/mentors/{access.audience.teacher}.md":
            makers[path] = make
    makers.update(history_makers(site))
    makers.update(year_makers(site))
    site.paths = frozenset(makers)
    return makers


def affected_pages(school: School, records: Iterable[Record]) -> set[str]:
    """The pages that show something of these records (before or after a change)."""
    paths = {"index.md", "school.md"}
    for r in records:
        paths.add(f"mentors/{r.mentor}.md")
        for sid in r.students:
            paths.add(f"students/{sid}.md")
            paths.update(f"mentors/{m}.md" for m in school.mentors_of(sid, r.semester))
            student = school.students.get(sid)
            if student is not None:
                paths.add(f"classes/{student.class_id}.md")
                paths.add(f"grades/{student.cohort}.md")
    from .pages_appraisal import appraisal_paths

    return paths | appraisal_paths(school, records)


def all_pages(
    school: School, today: dt.date, access: Access | None = None, root: Path | None = None
) -> list[Page]:
    """Every generated page of the site this audience may see."""
    site = Site(school, today, access, root)
    pages = [make() for make in page_makers(site).values()]
    return pages


def nav(school: School, today: dt.date, access: Access | None = None) -> list[Any]:
    """The small global navigation: students are reached through grade and class pages."""
    access = access or Access(school, leader_audience(school))
    current = current_semester(school, today)
    grades = [
        {f"{school.grade_name(c, current)}（{c} 级）": f"grades/{c}.md"}
        for c in cohorts_in(school, current)
        if access.sees_grade(c)
    ]
    items: list[Any] = [{"首页": "index.md"}]
    if access.sees_school():
        items.append({"学校总览": "school.md"})
        items.append({"考核": "appraisal.md"})
        items.append({"对接表": f"pairings/{current.id}/index.md"})
        if _has_history_of(school):
            items.append({"审核报告": f"review/{current.id}.md"})
    if grades:
        items.append({"年级": grades})
    teacher = access.audience.teacher
    if teacher is not None and access.sees_mentor(teacher):
        items.append({"我的导师页面": f"mentors/{teacher}.md"})
    return [*items, {"记录种类": "kinds.md"}, {"帮助": "help.md"}]


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
    return _page("index.md", school.name, html)
