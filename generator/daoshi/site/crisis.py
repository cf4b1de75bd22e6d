"""The crisis panel: every crisis case an audience may see, open ones first.

A case is one crisis report (危机上报) and the follow-ups (危机跟进) about the same student
dated on or after it and before the student's next report. The latest follow-up gives the
state: open (none yet), followed up, or closed. Closed cases and students who have left
are not listed at the top of the panel any more, only counted in a folded list.
"""

from __future__ import annotations

from typing import Any

from daoshi.records.model import Record, School
from daoshi.site.core import Site, record_anchor

OPEN, FOLLOWED_UP, CLOSED = "open", "followed_up", "closed"
STATE_LABELS = {OPEN: "未跟进", FOLLOWED_UP: "已跟进，仍需关注", CLOSED: "已结案"}


_CRISIS_KINDS = frozenset({"crisis-report", "crisis-follow-up"})
# the school's crisis records, for the last few record sets (held: their ids stay theirs)
_FOUND: dict[int, tuple[tuple[Record, ...], list[Record]]] = {}


def _crisis_records(school: School) -> list[Record]:
    """The crisis reports and follow-ups of the school (a panel on many pages, of many
    audiences, asks; one pass over the records each would cost seconds at full scale)."""
    found = _FOUND.get(id(school.records))
    if found is None or found[0] is not school.records:
        found = (school.records, [r for r in school.records if r.kind in _CRISIS_KINDS])
        _FOUND[id(school.records)] = found
        while len(_FOUND) > 2:
            del _FOUND[next(iter(_FOUND))]
    return found[1]


def _shows(site: Site, r: Record, name: str) -> bool:
    field = site.school.forms.kinds[r.kind].fields.get(name)
    return field is not None and site.access.allows(site.access.record_rank(r), field.sensitivity)


def crisis_cases(site: Site) -> dict[str, list[dict[str, Any]]]:
    """``active`` (open first, then followed up; newest first) and ``cleared`` cases."""
    school = site.school
    visible = site.access.visible(_crisis_records(school))
    reports = sorted(
        (r for r in visible if r.kind == "crisis-report"), key=lambda r: (r.date, r.path)
    )
    follow_ups = sorted(
        (r for r in visible if r.kind == "crisis-follow-up"), key=lambda r: (r.date, r.path)
    )
    level_form = school.forms.kinds["crisis-report"].fields.get("level")
    active: list[dict[str, Any]] = []
    cleared: list[dict[str, Any]] = []
    for r in reports:
        sid = r.students[0]
        later = [x.date for x in reports if x.students[0] == sid and x.date > r.date]
        until = min(later, default=None)
        mine = [
            f
            for f in follow_ups
            if f.students[0] == sid and f.date >= r.date and (until is None or f.date < until)
        ]
        shown = [f for f in mine if _shows(site, f, "status")]
        state = OPEN if not mine else FOLLOWED_UP
        if shown and shown[-1].get("status") == CLOSED:
            state = CLOSED
        student = school.students[sid]
        level = level_form.values.get(r.get("level")) if level_form is not None else None
        last = mine[-1] if mine else None
        helpers = (
            [school.teachers[t].name for t in last.get("handled_by") or () if t in school.teachers]
            if last is not None and _shows(site, last, "handled_by")
            else []
        )
        case = {
            "date": r.date,
            "student": student,
            "mentor": school.teachers.get(r.mentor),
            "level": level.zh if level and _shows(site, r, "level") else "",
            "anchor": record_anchor(r),
            "state": state,
            "state_label": STATE_LABELS[state],
            "last": {
                "date": last.date,
                "by": school.teachers.get(last.mentor),
                "helpers": helpers,
                "anchor": record_anchor(last),
            }
            if last is not None
            else None,
            "left": student.left is not None,
        }
        (cleared if state == CLOSED or case["left"] else active).append(case)
    order = {OPEN: 0, FOLLOWED_UP: 1, CLOSED: 2}
    active.sort(key=lambda c: (order[c["state"]], -c["date"].toordinal()))
    cleared.sort(key=lambda c: -c["date"].toordinal())
    return {"active": active, "cleared": cleared}
