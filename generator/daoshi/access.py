"""Who sees what: the one module that decides access for every page, index and file.

The rules are data (``forms/access.yaml``, which a school may replace in its records
repository): roles with a scope of students, and a matrix role × record kind → the highest
sensitivity level the role sees. An *audience* is what one site build is for: the school
leaders (``leader``) or one teacher with all their roles (``T005``), or one role of a
teacher (``mentor:T005``). Everything not allowed is left out of the build, never hidden.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from daoshi.records.access_form import (
    NONE,
    PAGES,
    Role,
)

if TYPE_CHECKING:
    from daoshi.records.forms import Forms
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
            scope = _Scope(role, self._students(role.scope, audience.teacher))
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
        return any(
            scope.students is None or student_id in scope.students
            for scope in self.scopes
            if max(scope.ranks.values()) > NONE
        )

    def record_rank(self, r: Record) -> int:
        """The highest level this audience sees of one record (``NONE``: not at all)."""
        cached = self._record_rank.get(r.path)
        if cached is not None:
            return cached
        rank = max((self.student_rank(sid, r.kind) for sid in r.students), default=NONE)
        if rank > NONE:
            for g in self.grants:
                if not g.semesters or r.semester in g.semesters:
                    rank = max(rank, self.rank_of[g.level])
        self._record_rank[r.path] = rank
        return rank

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
        cells = [
            f"`{rid}` {role.label}",
            f"`{role.scope}` {SCOPE_LABELS[role.scope]}",
            pages,
            *(f"`{form.level(rid, k)}`" for k in kinds),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
