"""History pages: a student's record history, a semester's review, flag summaries.

Every function is a pure function of the ``Site`` (which knows its audience) and the
``Audit``: a field change shows its old and new values only when the audience may see that
field's sensitivity level in that record; otherwise only that the field changed. Times are
in the school's time zone; the record's own date, the git author time and the commit time
are labelled separately.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from markupsafe import escape

from daoshi.history.content import BODY, CHANGE_LABELS, Change
from daoshi.history.provenance import provenance_text, push_log_parts
from daoshi.history.review import ADDED, STATUS_TITLES, Review, flag_counts, review
from daoshi.history.trail import FLAG_LABELS, Audit, Flag, RecordHistory, RecordVersion
from daoshi.records.layout import record_path
from daoshi.records.model import School, Semester
from daoshi.site.attached import (
    _remember,
    audit_of,
)
from daoshi.site.core import Page, Site, cndate, page
from daoshi.site.ranks import _Ranks, ranks_of

TIME_FORMAT = "%Y年%-m月%-d日 %H:%M"  # as every date on the pages: 2025年10月12日


def sees_flagged(site: Site, path: str) -> bool:
    """Whether the audience sees the record a flag is about (a flag shows that it exists)."""
    audit = audit_of(site.school)
    found = audit.records.get(path) if audit is not None else None
    return found is not None and ranks_of(site).sees(found)


def body_lines(old: str, new: str) -> list[tuple[str, str]]:
    """A line diff of the body: ("-", removed), ("+", added), (" ", context) lines."""
    lines = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(("…", ""))
            continue
        lines.append((line[:1], line[1:]))
    return lines[1:] if lines and lines[0][0] == "…" else lines


def change_view(site: Site, rank: int, change: Change) -> dict[str, Any]:
    """One changed field as shown to this audience."""
    if not site.access.allows(rank, change.level):
        return {"label": change.label, "hidden": True}
    view: dict[str, Any] = {"label": change.label, "hidden": False, "lines": []}
    if change.field == BODY:
        view["lines"] = body_lines(change.old or "", change.new or "")
    else:
        view["old"] = change.old if change.old is not None else "（无）"
        view["new"] = change.new if change.new is not None else "（删去）"
    return view


def who(site: Site, version: RecordVersion) -> str:
    tid = version.author_teacher
    teacher = site.school.teachers.get(tid) if tid else None
    return f"{teacher.name}（{tid}）" if teacher else f"{version.author} <{version.author_email}>"


def version_view(site: Site, rank: int, v: RecordVersion) -> dict[str, Any]:
    """One version: who, the two git times, the message and the visible field changes."""
    committer = (
        ""
        if (v.committer, v.committer_email) == (v.author, v.author_email)
        else f"{v.committer} <{v.committer_email}>"
    )
    return {
        "change": CHANGE_LABELS[v.change],
        "commit": v.commit[:10],
        "author": who(site, v),
        "committer": committer,
        "author_time": v.author_time.strftime(TIME_FORMAT),
        "commit_time": v.commit_time.strftime(TIME_FORMAT),
        "message": v.message.split("\n", 1)[0],
        "renamed_from": v.old_path.rsplit("/", 1)[-1] if v.change == "R" and v.old_path else "",
        "provenance": provenance_text(v),
        "changes": [change_view(site, rank, c) for c in v.changes],
    }


def flag_view(f: Flag) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "label": f.label,
        "who": f.who,
        "when": f.when.strftime(TIME_FORMAT) if f.when else "",
        "detail": f.detail,
        "path": f.path,
        "anchor": f.path.rsplit("/", 1)[-1].removesuffix(".md") if f.path else "",
        "students": f.students,
    }


def history_view(site: Site, ranks: _Ranks, h: RecordHistory) -> dict[str, Any]:
    rank = ranks.rank(h)
    return {
        "anchor": h.anchor,
        "kind": h.kind,
        "date": h.date,
        "mentor": h.mentor,
        "students": h.students,
        "deleted": h.deleted,
        "versions": [version_view(site, rank, v) for v in h.versions],
        "flags": [flag_view(f) for f in h.flags],
    }


def _zone_note(audit: Audit) -> str:
    return f"时间均为学校时区（{audit.timezone.key}）"


def student_history_page(site: Site, audit: Audit, student_id: str) -> Page:
    """记录历史: who wrote each of the student's records, when, and every later change."""
    student = site.school.students[student_id]
    ranks = ranks_of(site)
    records = [h for h in audit.of_student(student_id) if ranks.sees(h)]
    html = site.render(
        "history_student.html",
        depth=3,
        s=student,
        live=[history_view(site, ranks, h) for h in records if not h.deleted],
        deleted=[history_view(site, ranks, h) for h in records if h.deleted],
        zone=_zone_note(audit),
    )
    return page(
        f"students/{student_id}/history.md", f"{student.name} {student_id} · 记录历史", html
    )


def review_view(site: Site, rv: Review) -> dict[str, Any]:
    """The review as template data, field values filtered for the audience."""
    ranks = ranks_of(site)
    mentors = []
    # counts, flags and the last commit of what this audience sees, never of the rest:
    # a record it may not see must not show even as a number (tests/test_privacy.py)
    counts = dict.fromkeys(STATUS_TITLES, 0)
    last: tuple[dt.datetime, str] | None = None
    for m in rv.mentors:
        sections = []
        seen_flags: list[Flag] = []
        for status, title in STATUS_TITLES.items():
            entries = [e for e in m.of(status) if ranks.sees(e.record)]
            counts[status] += len(entries)
            for e in entries:
                seen_flags.extend(e.flags)
                for v in e.versions:
                    last = max(last or (v.commit_time, v.commit), (v.commit_time, v.commit))
            quiet = 0
            if status == ADDED:  # an added record on time and unflagged needs no reading
                quiet = sum(1 for e in entries if not e.flags)
                entries = [e for e in entries if e.flags]
            rows = []
            for e in entries:
                rank = ranks.rank(e.record)
                rows.append(
                    {
                        **history_view(site, ranks, e.record),
                        "versions": [version_view(site, rank, v) for v in e.versions],
                        "flags": [flag_view(f) for f in e.flags],
                    }
                )
            sections.append({"status": status, "title": title, "rows": rows, "quiet": quiet})
        mentors.append(
            {
                "mentor": m.mentor,
                "teacher": site.school.teachers.get(m.mentor),
                "sections": sections,
                "flags": [(FLAG_LABELS[k], n) for k, n in flag_counts(seen_flags).items()],
                "obligations": _obligation_chips(m.obligations),
                "behind": m.behind,
            }
        )
    return {
        "semester": site.school.semester(rv.semester),
        "from_commit": rv.from_commit[:10] if rv.from_commit else "",
        "to_commit": last[1][:10] if last else "—",
        "close": rv.close,
        "counts": counts,
        "mentors": mentors,
        "general": [flag_view(f) for f in rv.general],
        "obligations_checked": rv.obligations_checked,
        "push_log": push_log_parts(rv.push_log),
    }


def _obligation_chips(tally: Mapping[str, int] | None) -> list[tuple[str, int]]:
    if tally is None:
        return []
    from daoshi.policy.obligations import STATUS_LABELS

    return [(STATUS_LABELS.get(status, status), n) for status, n in tally.items() if n]


def review_page(site: Site, audit: Audit, rv: Review) -> Page:
    """审核报告: per mentor, the semester's records added, changed and deleted, with flags."""
    semester = site.school.semester(rv.semester)
    html = site.render(
        "history_review.html", depth=2, rv=review_view(site, rv), zone=_zone_note(audit)
    )
    return page(f"review/{rv.semester}.md", f"{semester.name} · 审核报告", html)


def history_pages(site: Site, audit: Audit | None) -> list[Page]:
    """Every history page this audience may see: student histories, the semester reviews."""
    if audit is None:
        return []
    _remember(site.school, audit)
    return [make() for make in history_makers(site).values()]


def _on(site: Site, end: dt.date) -> dt.date:
    """Obligations are judged as of the day after the semester, or today while it runs."""
    return min(site.today, end + dt.timedelta(days=1))


def flags_of(
    audit: Audit, semester_id: str, *, mentor: str | None = None, students: Iterable[str] = ()
) -> list[Flag]:
    """A semester's flags, of one mentor's records and/or about some students."""
    wanted = set(students)
    found = []
    for f in audit.flags(semester_id):
        if not f.path:
            continue
        if mentor is not None and f.mentor != mentor:
            continue
        if wanted and not wanted & set(f.students):
            continue
        found.append(f)
    return found


def audit_flags(
    site: Site, semester: Semester, *, mentor: str | None = None, students: Iterable[str] = ()
) -> dict[str, Any]:
    """The audit flags (backdated, late edit, edited by another …) this audience may see:
    of one mentor's records, about some students, or the whole semester; each links to the
    student's history page. Empty when the records have no git history."""

    summary = flag_summary(audit_of(site.school), semester.id, mentor=mentor, students=students)
    rows = [  # a flag tells that its record exists: only where the audience sees the record
        {**row, "student": next(s for s in row["students"] if site.access.sees_student(s))}
        for row in summary["rows"]
        if any(site.access.sees_student(s) for s in row["students"])
        and sees_flagged(site, row["path"])
    ]
    for row in rows:  # the student and the kind of record, not its file name
        row["what"] = _flagged_record(site, row["path"], row["student"])
    counts = Counter(row["label"] for row in rows)
    return {"rows": rows, "counts": sorted(counts.items()), "total": len(rows)}


def _flagged_record(site: Site, path: str, student_id: str) -> str:
    """张强宇 · 2026年10月18日 谈话记录 (what a flag is about, as a teacher names it)."""
    rp = record_path(path)
    student = site.school.students.get(student_id)
    name = student.name if student else student_id
    if rp is None or rp.date is None or rp.kind is None:
        return name
    try:
        day = cndate(dt.date.fromisoformat(rp.date))
    except ValueError:
        day = rp.date
    return f"{name} · {day} {site.kind_labels.get(rp.kind, rp.kind)}"


def flag_summary(
    audit: Audit | None,
    semester_id: str,
    *,
    mentor: str | None = None,
    students: Iterable[str] = (),
) -> dict[str, Any]:
    """Counts per flag kind and the flag rows, for a mentor, class or school page to place.

    ``{"counts": [(label, n)], "rows": [flag view], "total": n}``; empty without history.
    """
    if audit is None:
        return {"counts": [], "rows": [], "total": 0}
    flags = flags_of(audit, semester_id, mentor=mentor, students=students)
    return {
        "counts": [(FLAG_LABELS[k], n) for k, n in flag_counts(flags).items()],
        "rows": [flag_view(f) for f in flags],
        "total": len(flags),
    }


_DOCUMENT = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", sans-serif; margin: 2em; font-size: 11pt; }}
table {{ border-collapse: collapse; width: 100%; margin: .5em 0; }}
th, td {{ border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top; }}
.daoshi-warn {{ color: #b91c1c; }}
.daoshi-badge {{ border: 1px solid #999; padding: 0 .3em; margin-right: .3em; }}
.daoshi-version span {{ margin-right: .6em; }}
.daoshi-diff del, .daoshi-diff ins, .daoshi-diff span {{ display: block; }}
del {{ background: #fee2e2; }} ins {{ background: #dcfce7; text-decoration: none; }}
pre {{ white-space: pre-wrap; }}
section.daoshi-review-mentor {{ break-before: page; }}
@page {{ size: A4; margin: 15mm; }}
</style></head><body><h1>{title}</h1>
{body}
</body></html>
"""


def review_document(school: School, today: dt.date, audit: Audit, rv: Review) -> str:
    """The review as one printable HTML file (no site around it, no links)."""
    site = Site(school, today)
    site.env.globals["linked"] = lambda section, ident: False
    page = review_page(site, audit, rv)
    body = site.render(
        "history_review.html", depth=0, rv=review_view(site, rv), zone=_zone_note(audit)
    )
    return _DOCUMENT.format(title=escape(page.title), body=body)


def history_makers(site: Site) -> dict[str, Callable[[], Page]]:
    """Path → page maker for the history pages this audience may see (none without git)."""
    audit = audit_of(site.school)
    if audit is None or audit.index.head is None:
        return {}
    head = audit.index.head
    makers: dict[str, Callable[[], Page]] = {}
    for student in site.school.students.values():
        if site.access.sees_student(student.id) and site.by_student.get(student.id):
            path = f"students/{student.id}/history.md"
            makers[path] = partial(student_history_page, site, audit, student.id)
    if site.access.sees_school():
        for semester in site.school.semesters:

            def make(semester_id: str = semester.id, end: dt.date = semester.end) -> Page:
                rv = review(audit, site.school, semester_id, head, on=_on(site, end))
                return review_page(site, audit, rv)

            makers[f"review/{semester.id}.md"] = make
    return makers
