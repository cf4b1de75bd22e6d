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
import weakref
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from markupsafe import escape

from daoshi.history.audit import build_audit
from daoshi.history.content import BODY, CHANGE_LABELS, Change
from daoshi.history.gitlog import HistoryError
from daoshi.history.review import ADDED, STATUS_TITLES, Review, flag_counts, review
from daoshi.history.trail import FLAG_LABELS, Audit, Flag, RecordHistory, RecordVersion
from daoshi.records.layout import GROUP, record_path
from daoshi.records.model import Record, School
from daoshi.site.core import Page, Site, page

TIME_FORMAT = "%Y-%m-%d %H:%M"


def _record(site: Site, h: RecordHistory) -> Record:
    """The model record of a history (a stand-in for a deleted one), for access checks."""
    for r in site.school.records:
        if r.path == h.path:
            return r
    return Record(h.path, h.kind, h.semester, h.mentor, h.date or dt.date.min, h.students, "")


class _Ranks:
    """The audience's rank per record path, computed once per page set."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.models = {r.path: r for r in site.school.records}
        self.known: dict[str, int] = {}

    def rank(self, h: RecordHistory) -> int:
        if h.path not in self.known:
            model = self.models.get(h.path) or _record(self.site, h)
            self.known[h.path] = self.site.access.record_rank(model)
        return self.known[h.path]

    def sees(self, h: RecordHistory) -> bool:
        return self.rank(h) >= 0


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
    ranks = _Ranks(site)
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
    ranks = _Ranks(site)
    mentors = []
    for m in rv.mentors:
        sections = []
        for status, title in STATUS_TITLES.items():
            entries = [e for e in m.of(status) if ranks.sees(e.record)]
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
                "flags": [(FLAG_LABELS[k], n) for k, n in m.flag_counts.items()],
                "obligations": _obligation_chips(m.obligations),
                "behind": m.behind,
            }
        )
    return {
        "semester": site.school.semester(rv.semester),
        "from_commit": rv.from_commit[:10] if rv.from_commit else "",
        "to_commit": rv.to_commit[:10],
        "close": rv.close,
        "counts": rv.counts(),
        "mentors": mentors,
        "general": [flag_view(f) for f in rv.general],
        "obligations_checked": rv.obligations_checked,
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


# -- flag summaries for the mentor, class and school pages ---------------------------------


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


# -- wiring into the site: the audit of the records repository the site is built from ------

_AUDITS: dict[int, tuple[weakref.ref[School], Audit]] = {}


def attach_history(root: Path, school: School) -> Audit | None:
    """Build the audit of ``root`` for ``school``'s site; None when root has no git history.

    The site's page makers find it again by the school (``history_makers``).
    """
    known = audit_of(school)
    if known is not None:  # one load serving several audiences' builds
        return known
    return refresh_history(root, school)


def refresh_history(root: Path, school: School) -> Audit | None:
    """The audit of ``root`` built (again, after a commit: the history index reads only
    the new commits) and attached to ``school``; None when root has no git history."""
    try:
        audit = build_audit(root, school)
    except HistoryError:
        return None
    _remember(school, audit)
    return audit


def committed_paths(before: Audit, after: Audit) -> set[str]:
    """The files the commits in ``after`` but not in ``before`` wrote, renamed or deleted."""
    new = set(after.index.commits) - set(before.index.commits)
    histories = [*after.index.files.values(), *after.index.deleted]
    found: set[str] = set()
    for history in histories:  # plain rows: no Version made for the files left alone
        for commit, _, path, old_path, _ in history.rows():
            if commit in new:
                found.add(path)
                if old_path:
                    found.add(old_path)
    return found


def history_paths(school: School, paths: Iterable[str]) -> set[str]:
    """The history pages that show these files: their students' record histories, and every
    semester's review report (each names the commit it runs to)."""
    found = {f"review/{semester.id}.md" for semester in school.semesters}
    by_path = {r.path: r for r in school.records}
    for path in paths:
        record = by_path.get(path)
        parsed = record_path(path)
        if record is not None:
            students: Iterable[str] = record.students
        elif parsed is not None and parsed.subject != GROUP:
            students = [parsed.subject]  # a deleted record's student
        else:
            students = []
        found.update(f"students/{sid}/history.md" for sid in students)
    return found


def _remember(school: School, audit: Audit) -> None:
    key = id(school)
    _AUDITS[key] = (weakref.ref(school, lambda _: _AUDITS.pop(key, None)), audit)


def audit_of(school: School) -> Audit | None:
    """The audit attached to this school's site build, if any."""
    found = _AUDITS.get(id(school))
    return found[1] if found is not None and found[0]() is school else None


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


def carry_history(old: School, new: School) -> None:
    """Let an updated school (incremental build: a record saved, not yet committed) keep
    the audit of the school it replaces; the history changes only with a commit."""
    audit = audit_of(old)
    if audit is not None:
        _remember(new, audit)
