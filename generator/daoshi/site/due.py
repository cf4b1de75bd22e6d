"""What is due: a student's or a mentor's obligations as the site's audience sees them.

One obligations engine per site and semester, over the records the audience may see
(``daoshi.policy.obligations``); the lines are what the mentor, class and school pages show.
"""

from __future__ import annotations

import weakref

from daoshi.policy.obligations import ObligationEngine, behind_text
from daoshi.records.model import Semester, Student
from daoshi.site.core import Site

_ENGINES: weakref.WeakKeyDictionary[Site, dict[str, ObligationEngine]] = weakref.WeakKeyDictionary()


def obligation_engine(site: Site, semester: Semester) -> ObligationEngine:
    """The site's obligations engine for a semester, over the records this audience sees."""
    engines = _ENGINES.setdefault(site, {})
    if semester.id not in engines:
        visible = [r for (sid, _), rs in site.by_mentor.items() if sid == semester.id for r in rs]
        engines[semester.id] = ObligationEngine(site.school, semester, records=visible)
    return engines[semester.id]


def student_behind(site: Site, student: Student, semester: Semester) -> list[str]:
    """What a student's obligations lack as of the site's today: 缺谈话（3月）."""
    checks = obligation_engine(site, semester).student_checks(student.id, site.today)
    return behind_text(checks, site.kind_labels)


def student_todo(site: Site, student: Student, semester: Semester) -> list[str]:
    """A mentor's to-do for one mentee: unmet, due soon, and still open this period."""
    checks = obligation_engine(site, semester).student_checks(student.id, site.today)
    return behind_text(checks, site.kind_labels, todo=True)


def mentor_behind(site: Site, mentor: str, semester: Semester) -> list[str]:
    """What the mentor's own obligations (group activity per round …) lack or still need."""
    checks = obligation_engine(site, semester).mentor_checks(mentor, site.today)
    return [f"本人：{line}" for line in behind_text(checks, site.kind_labels, todo=True)]
