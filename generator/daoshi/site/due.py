"""What is due: a student's or a mentor's obligations as the site's audience sees them.

One obligations engine per site and semester, over the records the audience may see
(``daoshi.policy.obligations``). Two kinds of warning, each naming the rule that fired:

- **overdue** (red): the school's policy requires it and its period has ended unmet;
- **pace** (amber), before any deadline: a key student (重点帮扶) with no talk for
  ``KEY_TALK_WEEKS`` weeks, a required record still missing when half its period has gone,
  a mentee with no record at all by mid-semester.

Key students come first. A zero that no policy requires is not a warning and is not red.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from daoshi.memo import IdentityMemo
from daoshi.policy.obligations import DUE_SOON, OPEN, UNMET, Check, ObligationEngine
from daoshi.records.model import Semester, Student
from daoshi.records.staffing import mentors_without_key_student, staffing_rules
from daoshi.site.core import Site

_ENGINES: weakref.WeakKeyDictionary[Site, dict[str, ObligationEngine]] = weakref.WeakKeyDictionary()
# engines over the same records, pairings and forms are the same engine, whichever audience
# or update asks (the one builder makes many sites at once): keyed by the objects' identity,
# which the entry holds so that no identity is reused while it lives
_SHARED: IdentityMemo[ObligationEngine] = IdentityMemo(128)

KEY_TALK_WEEKS = 4  # a key student with no talk for this many weeks is flagged
PACE_SHARE = 2 / 3  # a required record still missing when this share of its period has gone
HALF = 0.5  # a mentee with no record at all by mid-semester
OVERDUE, PACE = "overdue", "pace"


@dataclass(frozen=True)
class Todo:
    """Something still open: what, and by when."""

    end: dt.date
    what: str  # 家访记录, 谈话记录（还需 2 次）

    @property
    def deadline(self) -> str:
        return f"{self.end.month}月{self.end.day}日前"


@dataclass(frozen=True)
class Warning:
    """One line of what a student or mentor lacks, with the rule behind it."""

    text: str  # 缺家访记录（本学期）
    rule: str  # 学校政策：每生每学期至少 1 次家访记录
    level: str  # OVERDUE (red) or PACE (amber)
    kinds: tuple[str, ...] = ()  # the record kinds it is about, for the tables' cell colours


# a student's warnings by what they are made of (the student's records of the semester
# that the audience sees, the pairings, forms, students and semester, the day, the badge),
# whichever audience or update asks: after a commit only its students' are made again,
# and a class page whose other students did not change needs no obligations engine
_WARNED: IdentityMemo[list[Warning]] = IdentityMemo(50_000)


def obligation_engine(site: Site, semester: Semester) -> ObligationEngine:
    """The site's obligations engine for a semester, over the records this audience sees."""
    engines = _ENGINES.setdefault(site, {})
    if semester.id not in engines:
        visible = [r for (sid, _), rs in site.by_mentor.items() if sid == semester.id for r in rs]
        school = site.school
        held = (school.forms, school.pairings, school.students, semester, *visible)
        engines[semester.id] = _SHARED.get(
            held, lambda: ObligationEngine(school, semester, records=visible)
        )
    return engines[semester.id]


def _policy_rule(site: Site, c: Check) -> str:
    return f"学校政策：{c.obligation.describe(site.kind_labels)}"


def _share_gone(start: dt.date, end: dt.date, today: dt.date) -> float:
    days = (end - start).days + 1
    return max(0.0, min(1.0, ((today - start).days + 1) / days)) if days > 0 else 1.0


def _label(site: Site, kind: str) -> str:
    return site.kind_labels.get(kind, kind)


def _from_checks(site: Site, checks: Iterable[Check], today: dt.date) -> list[Warning]:
    """Overdue and pace warnings from the policy's checks, one line per period and level."""
    lines: dict[tuple[str, str, dt.date], list[Check]] = {}
    for c in checks:
        if c.status == UNMET:
            lines.setdefault((OVERDUE, c.period.label, c.period.end), []).append(c)
        elif c.status in (OPEN, DUE_SOON) and not c.records:
            share = _share_gone(c.period.start, c.period.end, today)
            # a message due at the end (成长寄语) is not late before its last week
            early = c.obligation.due == "end" or share < PACE_SHARE
            if c.status == DUE_SOON or not early:
                lines.setdefault((PACE, c.period.label, c.period.end), []).append(c)
    found = []
    for (level, label, end), group in lines.items():
        kinds = tuple(dict.fromkeys(c.obligation.kind for c in group))
        what = "、".join(_label(site, k) for k in kinds)
        rule = "学校政策：" + "；".join(
            dict.fromkeys(c.obligation.describe(site.kind_labels) for c in group)
        )
        more = "".join(
            f"，{_label(site, c.obligation.kind)}还差 {c.missing} 次"
            for c in group
            if c.obligation.min > 1
        )
        if level == OVERDUE:
            text = f"缺{what}（{label}{more}）"
        else:
            soon = any(c.status == DUE_SOON for c in group)
            when = "即将到期" if soon else f"{label}已过大半"
            text = f"{when}，还没有{what}（{end.month}月{end.day}日前{more}）"
        found.append(Warning(text, rule, level, kinds))
    return found


def student_warnings(site: Site, student: Student, semester: Semester) -> list[Warning]:
    """Overdue and pace warnings for one student in a semester, as of the site's today."""
    mine = tuple(r for r in site.by_student.get(student.id, ()) if r.semester == semester.id)
    school = site.school
    held = (school.forms, school.pairings, school.students, semester, student, *mine)
    plain = (site.today, site.is_key(semester.id, student.id))
    return list(
        _WARNED.get(
            held,
            lambda: _student_warnings(site, obligation_engine(site, semester), student, semester),
            plain,
        )
    )


def _student_warnings(
    site: Site, engine: ObligationEngine, student: Student, semester: Semester
) -> list[Warning]:
    today = site.today
    found = _from_checks(site, engine.student_checks(student.id, today), today)
    if not semester.start <= today <= semester.end or student.left is not None:
        return found
    mine = [r for r in site.by_student.get(student.id, ()) if r.semester == semester.id]
    if site.is_key(semester.id, student.id):
        talks = [r.date for r in mine if r.kind == "talk" and r.date <= today]
        since = max(talks, default=semester.start)
        weeks = (today - since).days // 7
        if weeks >= KEY_TALK_WEEKS:
            what = f"已 {weeks} 周没有谈话记录" if talks else f"开学 {weeks} 周还没有谈话记录"
            rule = f"进度提醒：重点帮扶学生每 {KEY_TALK_WEEKS} 周至少谈话一次"
            found.insert(0, Warning(f"重点帮扶学生，{what}", rule, PACE, ("talk",)))
    if not mine and _share_gone(semester.start, semester.end, today) >= HALF:
        # one line says it all; the required kinds it covers keep their cell colours
        covered = tuple(k for w in found if w.level == PACE for k in w.kinds)
        found = [w for w in found if w.level != PACE or w.rule.startswith("进度提醒：重点")]
        rule = "进度提醒：学期过半，每名受导学生都应至少有一条记录"
        found.append(Warning("学期已过半，本学期还没有任何记录", rule, PACE, covered))
    return found


def kind_marks(warnings: Iterable[Warning]) -> dict[str, str]:
    """Record kind -> OVERDUE or PACE: the colour of that kind's cell (red wins)."""
    marks: dict[str, str] = {}
    for w in warnings:
        for kind in w.kinds:
            if marks.get(kind) != OVERDUE:
                marks[kind] = w.level
    return marks


def student_behind(site: Site, student: Student, semester: Semester) -> list[Warning]:
    """What a student lacks or is late with (the class page's 提示 column)."""
    return student_warnings(site, student, semester)


def still_open(site: Site, checks: Iterable[Check], warned: Iterable[Warning] = ()) -> list[Todo]:
    """The periods still running without enough records (not warned about already)."""
    skip = {k for w in warned if w.level == PACE for k in w.kinds}
    found = []
    for c in checks:
        if c.status == OPEN and c.obligation.kind not in skip:
            more = f"（还需 {c.missing} 次）" if c.obligation.min > 1 else ""
            found.append(Todo(c.period.end, f"{_label(site, c.obligation.kind)}{more}"))
    return found


def student_todo(
    site: Site, student: Student, semester: Semester
) -> tuple[list[Warning], list[Todo]]:
    """A mentor's to-do for one mentee: the warnings, then what is still open."""
    checks = obligation_engine(site, semester).student_checks(student.id, site.today)
    warnings = student_warnings(site, student, semester)
    return warnings, still_open(site, checks, warnings)


def mentor_todo(site: Site, mentor: str, semester: Semester) -> tuple[list[Warning], list[Todo]]:
    """The mentor's own obligations (group activity per round …): warnings, still open."""
    today = site.today
    checks = obligation_engine(site, semester).mentor_checks(mentor, today)
    warnings = _from_checks(site, checks, today) + _staffing(site, mentor, semester)
    return warnings, still_open(site, checks, warnings)


def _staffing(site: Site, mentor: str, semester: Semester) -> list[Warning]:
    """1+X where the policy asks for it (X226): a mentor with mentees but no key student."""
    school = site.school
    rules = staffing_rules(school.forms.policies, semester.policies)
    mine = [p for p in school.pairings if p.mentor == mentor]
    if not mentors_without_key_student(mine, semester, rules):
        return []
    policy = school.forms.policies.get(rules.key_student_by)
    label = policy.label.zh if policy is not None else rules.key_student_by
    rule = f"学校政策（{label}）：“1+X”，每位导师配备一名重点帮扶对象"
    return [Warning("对接表中没有重点帮扶对象", rule, PACE)]


def todo_view(
    site: Site, mentor: str, semester: Semester, students: Iterable[Student]
) -> dict[str, Any]:
    """A mentor's to-do list for a semester, grouped so it stays short:

    - ``attention``: one line per mentee with warnings, key students first;
    - ``pending``: one line per kind and deadline still open, with the mentees' names;
    - ``mine``: the mentor's own obligations (warnings and what is open).
    """
    attention: list[dict[str, Any]] = []
    pending: dict[tuple[dt.date, str], list[Student]] = {}
    for student in students:
        warnings, todos = student_todo(site, student, semester)
        key = site.is_key(semester.id, student.id)
        if warnings:
            attention.append({"student": student, "key": key, "warnings": warnings})
        for todo in todos:
            pending.setdefault((todo.end, todo.what), []).append(student)
    attention.sort(key=lambda a: (not a["key"], all(w.level == PACE for w in a["warnings"])))
    mine_warnings, mine_open = mentor_todo(site, mentor, semester)
    return {
        "attention": attention,
        "pending": [
            {"what": what, "deadline": Todo(end, what).deadline, "students": who}
            for (end, what), who in sorted(pending.items(), key=lambda kv: (kv[0][0], kv[0][1]))
        ],
        "mine": {"warnings": mine_warnings, "open": mine_open},
        "empty": not attention and not pending and not mine_warnings and not mine_open,
    }
