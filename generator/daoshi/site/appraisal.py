"""Appraisal pages: the school's table per semester and rubric (sortable by column links),
one table per grade, and one page per mentor with every point's evidence.

A class teacher goes from a score to its evidence in two clicks: school table → the
mentor's appraisal page → the record's anchor on the student page. Record bodies never
appear here: only dates, kinds, IDs, points and why.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from daoshi.policy.appraisal import appraise_all, load_rubrics
from daoshi.policy.rubric import Appraisal, Evidence, Inputs, MentorScore, Rubric
from daoshi.policy.service import service
from daoshi.records.model import Record, School
from daoshi.site.core import Page, Site, cndate, page, record_anchor

SORT_KEYS = ("total", "mentor", "grade")


def appraisals(site: Site, inputs: Mapping[str, Inputs] | None = None) -> list[Appraisal]:
    """Every semester's appraisal as of the site's today (the running one is provisional)."""
    rubrics = load_rubrics(site.school.forms)
    reuse = site.reuse_appraisals
    if reuse is None:
        done, _refused = appraise_all(site.school, rubrics, inputs or {}, on=site.today)
    else:  # an incremental update: only the semesters of the changed records are scored again
        stale = [s for s in site.school.semesters if s.id in site.changed or s.id not in reuse]
        fresh = (  # none stale: no pass over the school's records at all
            appraise_all(site.school, rubrics, inputs or {}, semesters=stale, on=site.today)[0]
            if stale
            else []
        )
        by_semester: dict[str, list[Appraisal]] = {}
        for a in fresh:
            by_semester.setdefault(a.semester.id, []).append(a)
        done = [
            a
            for s in site.school.semesters
            for a in (by_semester.get(s.id, []) if s in stale else reuse.get(s.id, []))
        ]
    site.appraised = {}
    for a in done:
        site.appraised.setdefault(a.semester.id, []).append(a)
    return done


def _sorted(appraisal: Appraisal, key: str) -> list[MentorScore]:
    scores = list(appraisal.scores)
    if key == "mentor":
        return sorted(scores, key=lambda s: s.mentor)
    if key == "grade":
        return sorted(scores, key=lambda s: (s.cohort or 0, -s.total, s.mentor))
    if key == "total":
        return sorted(scores, key=lambda s: (-s.total, s.mentor))
    index = [i.id for i in appraisal.rubric.items].index(key)
    return sorted(scores, key=lambda s: (-s.items[index].points, -s.total, s.mentor))


def _rows(site: Site, appraisal: Appraisal, scores: list[MentorScore]) -> list[dict[str, Any]]:
    school = site.school
    return [
        {
            "id": s.mentor,
            "teacher": school.teachers.get(s.mentor),
            "grade": school.grade_name(s.cohort, appraisal.semester) if s.cohort else "—",
            "points": [i.points for i in s.items],
            "bands": [i.band for i in s.items],
            "total": s.total,
            "excellent": s.excellent,
            "zeroed": bool(s.zeroed),
            "commendation": s.commendation,
            "linked": site.linked("mentors", s.mentor),
        }
        for s in scores
    ]


def _provisional(site: Site, appraisal: Appraisal) -> bool:
    return site.today < appraisal.semester.end


def school_table(site: Site, appraisal: Appraisal, key: str = "total") -> Page:
    """The school's table for one semester and rubric, sorted by one column."""
    rubric, semester = appraisal.rubric, appraisal.semester
    keys = [*SORT_KEYS, *(i.id for i in rubric.items)]
    cohorts = sorted({s.cohort for s in appraisal.scores if s.cohort})
    html = site.render(
        "appraisal_school.html",
        depth=4 if key != "total" else 3,
        appraisal=appraisal,
        rubric=rubric,
        semester=semester,
        rows=_rows(site, appraisal, _sorted(appraisal, key)),
        sort=key,
        keys=keys,
        here="../" if key != "total" else "",
        grades=[
            (c, site.school.grade_name(c, semester), _grade_stats(appraisal, c)) for c in cohorts
        ],
        provisional=_provisional(site, appraisal),
        today=site.today,
    )
    base = f"appraisal/{semester.id}/{rubric.id}"
    path = f"{base}.md" if key == "total" else f"{base}/{key}.md"
    return page(path, f"{semester.name} · {rubric.label}", html)


def _grade_stats(appraisal: Appraisal, cohort: int) -> dict[str, Any]:
    totals = [s.total for s in appraisal.scores if s.cohort == cohort]
    return {
        "count": len(totals),
        "mean": round(sum(totals) / len(totals), 1) if totals else 0,
        "low": min(totals, default=0),
        "high": max(totals, default=0),
    }


def grade_table(site: Site, appraisal: Appraisal, cohort: int) -> Page:
    """One grade's mentors for a semester and rubric, best first."""
    rubric, semester = appraisal.rubric, appraisal.semester
    scores = [s for s in _sorted(appraisal, "total") if s.cohort == cohort]
    html = site.render(
        "appraisal_grade.html",
        depth=4,
        rubric=rubric,
        semester=semester,
        rows=_rows(site, appraisal, scores),
        provisional=_provisional(site, appraisal),
        today=site.today,
    )
    grade = site.school.grade_name(cohort, semester)
    return page(
        f"appraisal/{semester.id}/{rubric.id}/grade-{cohort}.md",
        f"{semester.name} · {grade}（{cohort} 级）· {rubric.label}",
        html,
    )


def evidence_view(site: Site, e: Evidence, visible: set[str]) -> dict[str, Any]:
    """One line of evidence: text, points, and a link to the record or student page."""
    target, label = "", ""
    if e.record is not None:
        sid = e.student or (e.record.students[0] if e.record.students else "")
        kind = site.kind_labels.get(e.record.kind, e.record.kind)
        student = site.school.students.get(sid)
        who = f" · {student.name if student else sid}" if sid else ""  # training: no one
        label = f"{cndate(e.record.date)} {kind}{who}"
        if sid and e.record.path in visible and site.linked("students", sid):
            target = f"students/{sid}/#{record_anchor(e.record)}"
    elif e.student is not None:
        student = site.school.students.get(e.student)
        label = student.name if student else e.student
        if site.linked("students", e.student):
            target = f"students/{e.student}/"
    survey = e.survey
    return {
        "text": e.text,
        "points": e.points,
        "label": label,
        "target": target,
        "where": OFFICE_SOURCE if e.kind == "office" else source_label(e.where),
        "survey": survey is not None,
    }


# where a point comes from, in the words of the office that keeps it (not a file name)
SOURCES = {
    "pairings.yaml": "对接表",
    "surveys.yaml": "学生和家长评价汇总",
    "assessments.yaml": "年级组评分",
    "screening.yaml": "受导学生排查",
}

OFFICE_SOURCE = "政教处、艺体办量化赋分"


def source_label(where: str | None) -> str:
    """semesters/2025-2026-1/surveys.yaml:12 → 学生和家长评价汇总."""
    if not where:
        return ""
    name = where.split(":", 1)[0].rsplit("/", 1)[-1]
    return SOURCES.get(name, "学校录入的数据")


def mentor_appraisal(site: Site, mentor: str, found: list[Appraisal]) -> Page:
    """Every semester's scores of one mentor, each item with its evidence."""
    teacher = site.school.teachers[mentor]
    terms = []
    for appraisal in found:
        score = appraisal.of(mentor)
        if score is None:
            continue
        visible = {r.path for r in site.by_mentor.get((appraisal.semester.id, mentor), [])}
        terms.append(
            {
                "semester": appraisal.semester,
                "rubric": appraisal.rubric,
                "score": score,
                "provisional": _provisional(site, appraisal),
                "items": [
                    {
                        "item": i.item,
                        "points": i.points,
                        "explanation": i.explanation,
                        "arithmetic": arithmetic(i.explanation, i.points, len(i.evidence)),
                        "evidence": [evidence_view(site, e, visible) for e in i.evidence],
                    }
                    for i in score.items
                ],
                "zeroed": [evidence_view(site, e, visible) for e in score.zeroed],
                "review": score.review,
                "sign_off": appraisal.rubric.settings["group_sign_off"] == "required",
                "offices": [evidence_view(site, e, visible) for e in score.offices],
            }
        )
    seen = [r for s in site.school.semesters for r in site.by_mentor.get((s.id, mentor), [])]
    html = site.render(
        "appraisal_mentor.html",
        depth=3,
        t=teacher,
        terms=terms,
        today=site.today,
        service=service(site.school, mentor, seen, found, site.today),
        kind_labels=site.kind_labels,
    )
    return page(f"appraisal/mentors/{mentor}.md", f"{teacher.name}老师 · 考核", html)


def arithmetic(explanation: str, points: float, lines: int) -> str:
    """The item's reasoning as a sum a mentor can check by hand: the result written out
    (``7 ÷ 9 × 35 = 27.22``), and for a share per student what one share is worth."""
    text = explanation
    share = re.search(r"(\d+) ÷ (\d+) × ([\d.]+)$", explanation)
    if "=" not in explanation and share is not None:
        total, whole = int(share[2]), float(share[3])
        text = f"{explanation} = {points:g}"
        if total:
            text += f"（每项 {whole:g} ÷ {total} ≈ {round(whole / total, 2):g} 分）"
    elif "=" not in explanation and explanation:
        text = f"{explanation}：{points:g} 分"
    return text


def index_page(site: Site, found: list[Appraisal]) -> Page:
    """考核: every semester's tables, latest first."""
    entries = [
        {
            "semester": a.semester,
            "rubric": a.rubric,
            "count": len(a.scores),
            "provisional": _provisional(site, a),
            "grades": sorted({s.cohort for s in a.scores if s.cohort}),
        }
        for a in sorted(found, key=lambda a: a.semester.start, reverse=True)
    ]
    html = site.render(
        "appraisal_index.html",
        depth=1,
        entries=entries,
        exam_ranking=site.school.exam_ranking,
        grade_name=functools.partial(site.school.grade_name),
    )
    return page("appraisal.md", "导师考核", html)


def appraisal_pages(site: Site, inputs: Mapping[str, Inputs] | None = None) -> list[Page]:
    """The appraisal section: index, school and grade tables, one page per mentor."""
    return [make() for make in appraisal_makers(site, inputs).values()]


def appraisal_makers(
    site: Site, inputs: Mapping[str, Inputs] | None = None
) -> dict[str, Callable[[], Page]]:
    """The appraisal pages by path, each made on demand (scores computed once)."""
    found = appraisals(site, inputs)
    makers: dict[str, Callable[[], Page]] = {"appraisal.md": partial(index_page, site, found)}
    for appraisal in found:
        keys = [*SORT_KEYS, *(i.id for i in appraisal.rubric.items)]
        paths = _table_paths(appraisal.semester.id, appraisal.rubric)
        for key, path in zip(keys, paths, strict=True):
            makers[path] = partial(school_table, site, appraisal, key)
        for c in sorted({s.cohort for s in appraisal.scores if s.cohort}):
            path = f"appraisal/{appraisal.semester.id}/{appraisal.rubric.id}/grade-{c}.md"
            makers[path] = partial(grade_table, site, appraisal, c)
    for m in sorted({s.mentor for a in found for s in a.scores}):
        if site.linked("mentors", m):
            makers[f"appraisal/mentors/{m}.md"] = partial(mentor_appraisal, site, m, found)
    return makers


def _table_paths(semester_id: str, rubric: Rubric) -> list[str]:
    base = f"appraisal/{semester_id}/{rubric.id}"
    keys = [*SORT_KEYS, *(i.id for i in rubric.items)]
    return [f"{base}.md" if k == "total" else f"{base}/{k}.md" for k in keys]


def appraisal_paths(school: School, records: Iterable[Record]) -> set[str]:
    """The appraisal pages a change of these records may change (for incremental builds)."""
    rubrics = load_rubrics(school.forms)
    paths = {"appraisal.md"}
    for r in records:
        mentors = {r.mentor}
        for sid in r.students:
            mentors.update(school.mentors_of(sid, r.semester))
            student = school.students.get(sid)
            cohort = student.cohort if student else 0
            for rubric in rubrics.values():
                paths.add(f"appraisal/{r.semester}/{rubric.id}/grade-{cohort}.md")
        paths.update(f"appraisal/mentors/{m}.md" for m in mentors)
        for rubric in rubrics.values():
            paths.update(_table_paths(r.semester, rubric))
    return paths
