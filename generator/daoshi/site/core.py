"""What every page reads: the site's indexes over the model for one audience, and the page type.

``Site`` builds the indexes once, from only what the audience may see (``daoshi.access``);
every page module renders from it through the Jinja templates in ``templates/``
(autoescaped); teacher text enters only through ``render_markdown``. URLs carry IDs, never
names.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from daoshi.access import Access, leader_audience
from daoshi.memo import IdentityMemo
from daoshi.records.attendees import ATTENDEES, attendees
from daoshi.records.model import Record, School, Semester, Student
from daoshi.site.markdown import render_markdown

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
LISTS = {
    "cohort": "students",
    "pairings": "pairings",
    "screening": "students",
    "needs": "students",
}


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


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def cndates(text: str) -> str:
    """Every 2025-10-12 in a text (the audit's details) written as 2025年10月12日."""
    return _ISO.sub(lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", text)


@dataclass(frozen=True)
class Page:
    """A generated page: where it goes, its title, its Markdown source."""

    path: str
    title: str
    content: str


Spans = dict[tuple[str, str], list[tuple[str, tuple[dt.date, dt.date]]]]
RecordIndexes = tuple[dict[str, list[Record]], dict[tuple[str, str], list[Record]]]
# the pairings of the last few schools, by the identity of their pairings and semesters
_PAIRINGS: IdentityMemo[tuple[dict[tuple[str, str], list[str]], set[tuple[str, str]], Spans]] = (
    IdentityMemo(4)
)


def pairings_of(
    school: School,
) -> tuple[dict[tuple[str, str], list[str]], set[tuple[str, str]], Spans]:
    """Mentors by (semester, student), the key students, and who mentored whom when (by
    (semester, student), in date order): one pass over the pairings, shared by every
    audience's ``Site`` of this school (they are not filtered by access; the same after an
    update of records only)."""

    def made() -> tuple[dict[tuple[str, str], list[str]], set[tuple[str, str]], Spans]:
        mentors: dict[tuple[str, str], list[str]] = defaultdict(list)
        key_students: set[tuple[str, str]] = set()
        spans: Spans = defaultdict(list)
        terms = {t.id: (t.start, t.end) for t in school.semesters}
        for p in school.pairings:
            for sid in p.students:
                mentors[(p.semester, sid)].append(p.mentor)
                for span in p.periods.get(sid, (terms[p.semester],)):
                    spans[(p.semester, sid)].append((p.mentor, span))
            if p.key_student:
                key_students.add((p.semester, p.key_student))
        for listed in spans.values():
            listed.sort(key=lambda m: (m[1], m[0]))
        return mentors, key_students, spans

    return _PAIRINGS.get((school.pairings, school.semesters), made)


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
        # only what this audience may see enters the indexes: every page reads them
        self.by_student, self.by_mentor = self._record_indexes(self.access.visible(school.records))
        # who mentored whom when: the same for every audience, made once per school
        self.mentors, self.key_students, self.spans = pairings_of(school)
        self.screening = {(e.semester, e.student): e for e in school.screening}
        self.needs = {(n.semester, n.student): n for n in school.needs}
        self.kind_labels = {k: f.label.zh for k, f in school.forms.kinds.items()}
        self._in_school: dict[str, list[Student]] = {}
        self.env = self._environment()

    def _record_indexes(self, visible: Iterable[Record]) -> RecordIndexes:
        """The visible records by student and by (semester, mentor), in the school's order."""
        by_student: dict[str, list[Record]] = defaultdict(list)
        by_mentor: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for r in visible:
            for sid in r.students:
                by_student[sid].append(r)
            for teacher in (r.mentor, *attendees(r)):  # a case meeting: each attendee's too
                by_mentor[(r.semester, teacher)].append(r)
        return by_student, by_mentor

    def _environment(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["cndate"] = cndate
        env.filters["cndates"] = cndates
        env.globals.update(
            url=url,
            linked=self.linked,
            teachers=self.school.teachers,
            students=self.school.students,
            labels={"kinds": self.kind_labels},
        )
        return env

    def body_html(self, text: str) -> Markup:
        """A record body as sanitized HTML (the one builder shares it between audiences)."""
        return render_markdown(text)

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
        if grade == "已毕业":  # not "已毕业（2）班": the class by its entry year
            return f"{klass.cohort} 级（{klass.number}）班（已毕业）"
        return f"{grade}（{klass.number}）班"

    def counts(self, records: Iterable[Record]) -> list[int]:
        found = Counter(r.kind for r in records)
        return [found[k] for k in KIND_COLUMNS]

    def in_school(self, semester: Semester) -> list[Student]:
        """The students at school in a semester whom this audience sees (asked by every
        class, grade, school and pairing page: found once per semester)."""
        found = self._in_school.get(semester.id)
        if found is None:
            classes = {c.class_id for c in semester.classes}
            found = self._in_school[semester.id] = [
                s
                for s in self.school.students.values()
                if s.class_id in classes
                and (s.left is None or s.left.date > semester.start)
                and self.access.sees_student(s.id)
            ]
        return list(found)


@jinja2.pass_context
def url(context: jinja2.runtime.Context, section: str, ident: object) -> str:
    """Relative URL of an entity page from the page being rendered (``depth`` folders deep).

    Links live in raw HTML, which mkdocs does not rewrite, so they are made right here.
    """
    return f"{'../' * context['depth']}{section}/{ident}/"


def _author(site: Site, r: Record, fields: Any) -> str:
    """Who wrote it, as the page says: a case meeting's organiser, the class teacher who
    wrote his own parent contact or home visit (区“限定由班主任和导师开展”), or the mentor."""
    if ATTENDEES in fields:
        return "组织者"
    mentors = {m for sid in r.students[:1] for m, _ in site.spans.get((r.semester, sid), [])}
    if len(r.students) == 1 and r.mentor not in mentors:
        return "班主任"
    return "导师"


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
        elif field.type == "list" and field.items is not None and field.items.to == "teacher":
            teachers = site.school.teachers  # colleagues by name, not by staff number
            value = "、".join(teachers[v].name if v in teachers else str(v) for v in value)
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
        "by": _author(site, r, form.fields),
        "students": r.students,
        "facts": facts,
        "stages": stages,
        "body": site.body_html(r.body) if allows(rank, form.body.sensitivity) else "",
        "anchor": record_anchor(r),
        # 太谷附表四“被谈话人签字”: the printed record keeps a line for the signatures
        "sign_line": "student_signed" in form.fields and "student_signed" not in r.fields,
    }


_FRONT = "---\nhide:\n  - navigation\n  - toc\n---\n"  # the tables need the whole width


# Search holds names, IDs and titles only, and its index is fetched by every page: the pages
# a teacher looks people up by are in it (a student first), the rest (tables, pairing
# sheets, appraisal, histories, reviews) are not, so the index grows by a line a person.
SEARCHED = ("students/", "mentors/", "classes/", "grades/", "index.md", "school.md", "kinds.md")
SEARCH_BOOST = {"students/": 3, "mentors/": 2}


def _search_meta(path: str) -> str:
    if not path.startswith(SEARCHED) or path.endswith("/history.md"):
        return "search:\n  exclude: true\n"
    boost = next((b for prefix, b in SEARCH_BOOST.items() if path.startswith(prefix)), 0)
    return f"search:\n  boost: {boost}\n" if boost else ""


# what Python-Markdown reads as markup in a heading (its ESCAPED_CHARS, which a backslash
# makes literal): a student named "[x](javascript:…)" or "*星*" stays text
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!])")


def heading(title: str) -> str:
    """A title as the text of a Markdown heading: escaped once for HTML and for Markdown,
    so mkdocs reads it back (page.title, the <title>, the search index) as the same text."""
    return str(escape(_MARKDOWN_PUNCTUATION.sub(r"\\\1", title.replace("\n", " "))))


def page(path: str, title: str, html: str) -> Page:
    front = _FRONT.replace("---\n", f"---\n{_search_meta(path)}", 1)
    return Page(path, title, f"{front}# {heading(title)}\n\n{html.strip()}\n")


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


def needs_view(site: Site, semester_id: str, student_id: str) -> list[tuple[str, str]]:
    """The student's answers to the needs questionnaire that semester, as allowed (枣庄：
    “通过简单的调查咨询卷理解学生的需要”; confidential by default)."""
    answers = site.needs.get((semester_id, student_id))
    form = site.school.forms.files["needs"].fields["students"].items
    if answers is None or form is None:
        return []
    shown: list[tuple[str, str]] = []
    areas = form.fields["areas"]
    if answers.areas and site.shows(student_id, "needs", "areas") and areas.items is not None:
        values = areas.items.values
        text = "、".join(values[a].zh if a in values else a for a in answers.areas)
        shown.append((areas.label.zh, text))
    if answers.subjects and site.shows(student_id, "needs", "subjects"):
        shown.append((form.fields["subjects"].label.zh, "、".join(answers.subjects)))
    if answers.note and site.shows(student_id, "needs", "note"):
        shown.append((form.fields["note"].label.zh, answers.note))
    return shown


def span_label(span: tuple[dt.date, dt.date], semester: Semester) -> str:
    """A mentor's dates within a semester: "" (all of it), 11月11日起, 9月1日–11月10日."""
    start, end = span
    if span == (semester.start, semester.end):
        return ""
    first = f"{start.month}月{start.day}日"
    return f"{first}起" if end == semester.end else f"{first}–{end.month}月{end.day}日"
