"""Who sees what, and who may write what: the one module that decides access.

The rules are data (``forms/access.yaml``, which a school may replace in its records
repository): roles with a scope of students, and a matrix role × record kind → the highest
sensitivity level the role sees. An *audience* is what one site build is for: the school
leaders (``leader``) or one teacher with all their roles (``T005``), or one role of a
teacher (``mentor:T005``). Everything not allowed is left out of the build, never hidden.

Writing (``write_problem``, asked by the pre-receive hook and the editor) comes from the
same matrix: a mentor writes their mentees' records and a class teacher edits their
class's, each only of kinds that role sees whole (every field at its level), so write
rights never exceed read rights. One module, not several: reading and writing rights are
read from the same matrix here, so that they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.access_form import (
    NONE,
    PAGES,
    Role,
)
from daoshi.records.attendees import concerns_teacher
from daoshi.records.layout import GROUP, SELF, record_path
from daoshi.records.rules.kinds import CLASS_TEACHER_WRITES

if TYPE_CHECKING:
    from daoshi.records.forms import FieldForm, Forms
    from daoshi.records.model import Record, School

LEADER = "leader"
# the screening categories that bring a student to the psychological teacher
REFERRED_CATEGORIES = frozenset({"emotional"})


@dataclass(frozen=True)
class Audience:
    """Whom a build is for: the leaders, or one teacher (all roles, or one role)."""

    id: str  # the site folder: "leader", "T005", "mentor-T005"
    label: str
    teacher: str | None
    roles: tuple[str, ...]


class AudienceError(ValueError):
    """An --audience that names no one (message in Chinese)."""


def teacher_roles(school: School, teacher_id: str) -> tuple[str, ...]:
    """A teacher's roles in the matrix: listed ones, class teacher, grade leader, mentor."""
    teacher = school.teachers[teacher_id]
    known = school.forms.access.roles
    roles = [r for r in teacher.roles if r in known]
    if any(c.class_teacher == teacher_id for s in school.semesters for c in s.classes):
        roles.append("class_teacher")
    if any(t == teacher_id for s in school.semesters for t in s.grade_leaders.values()):
        roles.append("grade_leader")
    roles.append("mentor")
    return tuple(r for r in dict.fromkeys(roles) if r in known)


def audience_for_teacher(school: School, teacher_id: str) -> Audience:
    """The audience a teacher's login maps to: ``leader`` for leaders, else their own."""
    roles = teacher_roles(school, teacher_id)
    if LEADER in roles:
        return leader_audience(school)
    labels = school.forms.access.roles
    name = school.teachers[teacher_id].name
    what = "、".join(labels[r].label for r in roles)
    return Audience(teacher_id, f"{name}（{what}）", teacher_id, roles)


def leader_audience(school: School) -> Audience:
    role = school.forms.access.roles.get(LEADER)
    return Audience(LEADER, role.label if role else "校领导", None, (LEADER,))


def parse_audience(school: School, text: str) -> Audience:
    """``leader``, ``T005`` / ``teacher:T005`` (all roles) or ``ROLE:T005`` (one role)."""
    text = text.strip()
    if text == LEADER:
        return leader_audience(school)
    role, _, ident = text.rpartition(":")
    if ident not in school.teachers:
        raise AudienceError(f"未知的受众 {text!r}：工号 {ident!r} 不在 people/teachers.yaml 中")
    if role in ("", "teacher"):
        return audience_for_teacher(school, ident)
    held = teacher_roles(school, ident)
    if role not in held:
        have = "、".join(held)
        raise AudienceError(f"{ident} 没有角色 {role!r}（TA 的角色：{have}）")
    label = school.forms.access.roles[role].label
    return Audience(f"{role}-{ident}", f"{school.teachers[ident].name}（{label}）", ident, (role,))


def all_audiences(school: School) -> list[Audience]:
    """One audience per teacher, the leaders sharing one: what ``--all-audiences`` builds."""
    found: dict[str, Audience] = {}
    for tid in sorted(school.teachers):
        audience = audience_for_teacher(school, tid)
        found.setdefault(audience.id, audience)
    if LEADER not in found:
        found[LEADER] = leader_audience(school)
    return sorted(found.values(), key=lambda a: (a.id != LEADER, a.id))


@dataclass
class _Scope:
    role: Role
    students: frozenset[str] | None  # None: every student
    semesters: frozenset[str] | None = None  # None: every semester
    ranks: dict[str, int] = field(default_factory=dict)  # kind → rank


class Access:
    """What one audience may see, asked by every page, index and file of its build."""

    def __init__(self, school: School, audience: Audience) -> None:
        self.school = school
        self.audience = audience
        form = school.forms.access
        order = [lv.id for lv in school.forms.levels]
        self.rank_of = {lv: i for i, lv in enumerate(order)}
        self.rank_of["none"] = NONE
        self.scopes: list[_Scope] = []
        for rid in audience.roles:
            role = form.roles[rid]
            students = self._students(role.scope, audience.teacher)
            if not role.leavers:  # e.g. a former class teacher: not the graduates' profiles
                here = frozenset(sid for sid, s in school.students.items() if s.left is None)
                students = here if students is None else students & here
            scope = _Scope(role, students)
            scope.ranks = {k: self.rank_of[form.level(rid, k)] for k in [*school.forms.kinds, "*"]}
            self.scopes.append(scope)
        self.grants = [
            g for g in form.grants if audience.teacher is not None and g.teacher == audience.teacher
        ]
        self.pages = frozenset(p for s in self.scopes for p in s.role.pages)
        self._record_rank: dict[str, int] = {}

    # -- scopes -------------------------------------------------------------------------
    def _students(self, scope: str, teacher: str | None) -> frozenset[str] | None:
        school = self.school
        if scope == "school":
            return None
        if scope == "none" or teacher is None:
            return frozenset()
        if scope == "grade":
            cohorts = {
                c for s in school.semesters for c, t in s.grade_leaders.items() if t == teacher
            }
            return frozenset(s.id for s in school.students.values() if s.cohort in cohorts)
        if scope == "class":
            classes = {
                c.class_id
                for s in school.semesters
                for c in s.classes
                if c.class_teacher == teacher
            }
            return frozenset(s.id for s in school.students.values() if s.class_id in classes)
        if scope == "mentees":
            mine = {sid for p in school.pairings if p.mentor == teacher for sid in p.students}
            mine |= {sid for r in school.records if r.mentor == teacher for sid in r.students}
            return frozenset(mine)
        # referred: a crisis report, or screened for emotional problems
        referred = {sid for r in school.records if r.kind == "crisis-report" for sid in r.students}
        referred |= {e.student for e in school.screening if REFERRED_CATEGORIES & set(e.categories)}
        return frozenset(referred)

    # -- students and records -------------------------------------------------------------
    def student_rank(self, student_id: str, kind: str = "*") -> int:
        """The highest level rank this audience sees of ``kind`` about the student."""
        best = NONE
        for scope in self.scopes:
            if scope.students is None or student_id in scope.students:
                best = max(best, scope.ranks.get(kind, scope.ranks["*"]))
        return best

    def sees_student(self, student_id: str) -> bool:
        """Whether the student's portfolio is in this build at all."""
        seeing = self._seeing
        return seeing is None or any(student_id in students for students in seeing)

    @cached_property
    def _seeing(self) -> list[frozenset[str]] | None:
        """The student sets of the scopes that see something (None: one sees everyone):
        asked for every student by every page list of the build."""
        seeing = [s.students for s in self.scopes if max(s.ranks.values()) > NONE]
        if any(students is None for students in seeing):
            return None
        return [students for students in seeing if students is not None]

    def record_rank(self, r: Record) -> int:
        """The highest level this audience sees of one record (``NONE``: not at all)."""
        cached = self._record_rank.get(r.path)
        if cached is not None:
            return cached
        if r.students:
            rank = max((self.student_rank(sid, r.kind) for sid in r.students), default=NONE)
        else:
            rank = self.own_rank(r)
        if rank > NONE:
            for g in self.grants:
                if not g.semesters or r.semester in g.semesters:
                    rank = max(rank, self.rank_of[g.level])
        self._record_rank[r.path] = rank
        return rank

    def own_rank(self, r: Record) -> int:
        """A teacher's own record (training, about no student): seen by the roles that see
        the whole school and by the teacher, each at the level the matrix gives the kind."""
        return max(
            (
                scope.ranks.get(r.kind, scope.ranks["*"])
                for scope in self.scopes
                if scope.students is None or concerns_teacher(r, self.audience.teacher)
            ),
            default=NONE,
        )

    def sees_record(self, r: Record) -> bool:
        return self.record_rank(r) > NONE

    def allows(self, rank: int, level: str) -> bool:
        """Whether a thing of sensitivity ``level`` shows at ``rank``."""
        return rank >= self.rank_of[level]

    def visible(self, records: Iterable[Record]) -> list[Record]:
        return [r for r in records if self.sees_record(r)]

    # -- pages ----------------------------------------------------------------------------
    @cached_property
    def _seen(self) -> tuple[frozenset[str], frozenset[int]]:
        """The classes and grades (entry years) of the students this audience sees: asked
        for every class and grade link, so found once rather than per link."""
        seen = [s for s in self.school.students.values() if self.sees_student(s.id)]
        return frozenset(s.class_id for s in seen), frozenset(s.cohort for s in seen)

    def sees_school(self) -> bool:
        return "school" in self.pages

    def sees_grade(self, cohort: int) -> bool:
        if self.sees_school():
            return True
        return "grades" in self.pages and cohort in self._seen[1]

    def sees_class(self, class_id: str) -> bool:
        if self.sees_school():
            return True
        return "classes" in self.pages and class_id in self._seen[0]

    def sees_mentor(self, teacher_id: str) -> bool:
        """A mentor page: one's own, or every mentor's for school-wide roles."""
        return self.sees_school() or (
            "mentor" in self.pages and teacher_id == self.audience.teacher
        )


SCOPE_LABELS = {
    "school": "全校",
    "grade": "所带年级",
    "class": "所带班级",
    "mentees": "本人的受导学生",
    "referred": "危机上报及情绪问题学生",
    "none": "无",
}
PAGE_LABELS = {"school": "学校总览", "grades": "年级", "classes": "班级", "mentor": "导师页"}


def matrix_markdown(forms: Forms) -> str:
    """The access matrix as the Markdown table in the README (a test keeps them equal)."""
    form = forms.access
    kinds = [*forms.kinds, "*"]
    labels = {k: f.label.zh for k, f in forms.kinds.items()} | {"*": "档案与排查"}
    head = ["角色", "学生范围", "其他页面", *(f"`{k}` {labels[k]}" for k in kinds)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rid, role in form.roles.items():
        pages = "、".join(PAGE_LABELS[p] for p in PAGES if p in role.pages) or "—"
        leavers = "" if role.leavers else "（不含离校学生）"
        cells = [
            f"`{rid}` {role.label}",
            f"`{role.scope}` {SCOPE_LABELS[role.scope]}{leavers}",
            pages,
            *(f"`{form.level(rid, k)}`" for k in kinds),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# -- writing ------------------------------------------------------------------------------

# what a file only the administrator changes is, for W701 (first match wins)
ADMIN_FILES = (
    (re.compile(r"people/"), "人员名单"),
    (re.compile(r"forms/"), "表单"),
    (re.compile(r"school\.yaml\Z"), "学校设置"),
    (re.compile(r"semesters/[^/]+/pairings\.yaml\Z"), "导师与学生对接表"),
    (re.compile(r"semesters/[^/]+/semester\.yaml\Z"), "学期设置"),
    (re.compile(r"semesters/[^/]+/screening\.yaml\Z"), "受导学生排查"),
    (re.compile(r"semesters/[^/]+/surveys\.yaml\Z"), "满意度调查"),
)
_JOURNAL = re.compile(r"semesters/(?P<semester>[^/]+)/journal/(?P<mentor>[^/]+)/(?P<rest>.+)\Z")
MENTOR, CLASS_TEACHER = "mentor", "class_teacher"


def write_problem(
    school: School | None, teacher: str | None, status: str, path: str, closed: frozenset[str]
) -> Problem | None:
    """The rule a (non-administrator) teacher's change to ``path`` breaks, if any.

    ``status`` is git's: ``A`` adds, ``M`` changes, ``D`` deletes; ``school`` is the tree
    after the change (None when it does not load: validation then refuses it anyway).
    A mentor adds and changes records of their own mentees (that semester's pairings),
    their own group activities and their own records (training, in ``self/``); a class
    teacher changes (never adds) records about the students of their class, and adds in
    his own folder parent contacts and home visits about them (区“原则上限定由班主任和
    导师开展学生家访和家校沟通工作”); each only in
    an open semester and only of kinds the role sees whole in the access matrix. Everything
    else is the administrator's, except the entries of a semester's shared files that
    ``access_entries`` gives to teachers (the hook asks it first for those files).
    """
    where = Location(path)
    if status == "D":
        return problem(where, "W702")
    match = _JOURNAL.match(path)
    if match is None:
        hint = next((h for rx, h in ADMIN_FILES if rx.match(path)), "不在导师的记录目录中")
        return problem(where, "W701", hint=hint)
    semester, mentor = match["semester"], match["mentor"]
    if semester in closed:
        return problem(where, "W703", semester=semester)
    found = record_path(path)
    subject = found.subject if found else None
    if mentor == teacher:
        role = MENTOR
    elif status == "M" and subject not in (None, GROUP, SELF) and school is not None:
        if class_teacher_of(school, semester, subject or "") != teacher:
            return problem(where, "W705", teacher=teacher, mentor=mentor)
        role = CLASS_TEACHER
    else:
        return problem(where, "W705", teacher=teacher, mentor=mentor)
    if found is None or found.kind is None or any(p.startswith(".") for p in path.split("/")):
        return problem(where, "W717")
    if school is None:
        return None  # the tree does not load: validation says why
    own = subject in (GROUP, SELF)  # a group activity's students are checked by validation
    if role == MENTOR and not own and not _is_mentee(school, semester, mentor, subject):
        as_class_teacher = class_teacher_of(school, semester, subject or "") == teacher
        if found.kind in CLASS_TEACHER_WRITES and as_class_teacher:
            # the class teacher's own parent contact or home visit: as the class teacher
            return _unseen_kind(school, CLASS_TEACHER, found.kind, where)
        return problem(where, "W704", teacher=teacher, student=subject, semester=semester)
    if role == MENTOR and subject is not None and not own:
        outside = _outside_period(school, semester, mentor, subject or "", found.date)
        if outside is not None:
            return problem(where, "W727", teacher=teacher, student=subject, **outside)
    return _unseen_kind(school, role, found.kind, where)


def _outside_period(
    school: School, semester: str, mentor: str, student: str, date: str | None
) -> dict[str, str] | None:
    """The record's date and the mentor's dated pairing spans, when the date falls outside
    them (a dated change of mentor: the model's one rule, as the editor asks it too)."""
    try:
        day = dt.date.fromisoformat(date) if date else None
    except ValueError:
        return None
    if day is None or school.is_mentee_on(mentor, student, semester, day):
        return None
    spans = "、".join(f"{a} 至 {b}" for a, b in school.pairing_spans(mentor, student, semester))
    return {"date": str(day), "spans": spans}


def _unseen_kind(school: School, role: str, kind: str, where: Location) -> Problem | None:
    """W718 when ``role`` does not see every field of ``kind`` (write ≤ read)."""
    forms = school.forms
    form = forms.kinds.get(kind)
    if form is None:
        return None  # an unknown kind: validation says so
    order = [lv.id for lv in forms.levels]
    sees = forms.access.level(role, kind)
    levels = [form.sensitivity, form.body.sensitivity, *_field_levels(form.fields.values())]
    top = max((order.index(lv) for lv in levels if lv in order), default=0)
    if sees != "none" and sees in order and order.index(sees) >= top:
        return None
    roles = forms.access.roles
    return problem(
        where,
        "W718",
        role=roles[role].label if role in roles else role,
        kind=form.label.zh,
        level=sees,
        needed=order[top],
    )


def _field_levels(fields: Iterable[FieldForm]) -> Iterable[str]:
    for f in fields:
        yield f.sensitivity
        if f.items is not None:
            yield from _field_levels([f.items])
        yield from _field_levels(f.fields.values())


def class_teacher_of(school: School, semester_id: str, student_id: str) -> str | None:
    """The student's class teacher (班主任) in that semester."""
    student = school.students.get(student_id)
    semester = next((s for s in school.semesters if s.id == semester_id), None)
    if student is None or semester is None:
        return None
    return next((c.class_teacher for c in semester.classes if c.class_id == student.class_id), None)


def _is_mentee(school: School, semester_id: str, mentor: str, student_id: str | None) -> bool:
    return any(
        p.semester == semester_id and p.mentor == mentor and student_id in p.students
        for p in school.pairings
    )
