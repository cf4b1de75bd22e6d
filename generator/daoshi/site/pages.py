"""Every page an audience's site has: which pages, made on demand, and the navigation.

The page modules (``people``, ``appraisal``, ``history``, ``year``) each offer their makers;
this module assembles them, says which pages a changed record touches, and builds the nav.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from daoshi.access import Access, leader_audience
from daoshi.policy.appraisal import read_inputs
from daoshi.records.attendees import attendees
from daoshi.records.model import Record, School
from daoshi.site.appraisal import appraisal_makers, appraisal_paths
from daoshi.site.core import (
    Page,
    Site,
    cohorts_in,
    current_semester,
)
from daoshi.site.history import history_makers
from daoshi.site.people import (
    _has_history_of,
    class_page,
    grade_page,
    home_page,
    kinds_page,
    mentor_page,
    school_page,
    student_page,
)
from daoshi.site.year import year_makers


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
        # the author's page, and each attending teacher's (a case meeting)
        paths.update(f"mentors/{t}.md" for t in (r.mentor, *attendees(r)))
        for sid in r.students:
            paths.add(f"students/{sid}.md")
            paths.update(f"mentors/{m}.md" for m in school.mentors_of(sid, r.semester))
            student = school.students.get(sid)
            if student is not None:
                paths.add(f"classes/{student.class_id}.md")
                paths.add(f"grades/{student.cohort}.md")

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
