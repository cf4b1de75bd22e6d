"""Who writes which entries of a semester's shared files: the appraisal group's comment and
sign-off and the offices' scores (``assessments.yaml``), a mentor's own choice of students
(``preferences.yaml``), and the class teacher's entry of the needs questionnaire
(``needs.yaml``). Everything else in these files stays the administrator's (W701/W728).

The rights come from the access matrix, through ``daoshi.access``: whoever writes an entry
is a role that reads it (write rights never exceed read rights). The rule compares the
file's entries before and after a change, by key (mentor; office and mentor; student), so
the pre-receive hook and the editor judge the same thing: every entry that changed must be
one the teacher may write.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from daoshi.access import Access, Audience, class_teacher_of, teacher_roles
from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.model import School, Semester

# the shared files whose entries teachers write, by the semester they belong to
ENTRY_FILE = re.compile(
    r"semesters/(?P<semester>[^/]+)/(?P<file>assessments|preferences|needs)\.yaml\Z"
)
FILE_NAMES = {"assessments": "考核评定", "preferences": "双向选择志愿", "needs": "学生需求调查"}
# the appraisal group's part of a mentor's item (太谷附表五：考核组评价、考核组组长)
SIGN_OFF_FIELDS = ("group_comment", "group_leader", "signed_on")
CLASS_TEACHER = "class_teacher"


@dataclass(frozen=True)
class EntryRights:
    """What one teacher may write in one semester's shared files."""

    teacher: str
    name: str
    semester: str
    appraisal_group: bool  # the comment and sign-off of the semester's mentors
    offices: frozenset[str]  # the offices (office_scores' office) the teacher scores for
    mentors: frozenset[str]  # the semester's mentors (whom the group and offices judge)
    chooses: bool  # the teacher's own choice of students (a mentor)
    candidates: frozenset[str]  # the students the teacher may choose
    needs: frozenset[str]  # the students whose needs answers the teacher enters
    office_labels: Mapping[str, str] = field(default_factory=dict)  # 政教处, 艺体办


def entry_rights(
    school: School, teacher: str, semester: Semester, chose: frozenset[str] = frozenset()
) -> EntryRights:
    """One teacher's rights in a semester's shared files, from the access matrix
    (``chose``: the students whose choices name the teacher, from ``preferences.yaml``)."""
    found = school.teachers[teacher]
    roles = teacher_roles(school, teacher)
    access = Access(school, Audience(teacher, found.name, teacher, roles))
    level = access.rank_of[school.forms.files["assessments"].sensitivity]
    # the appraisal: every mentor's, at the file's level; the group judges the mentors' work
    # from their records, so it also reads what they wrote (above that level)
    appraisal = access.sees_school() and _reads_all(access, level)
    group = appraisal and _reads_all(access, level + 1)
    offices = frozenset(o for o in office_names(school) if o in roles and appraisal)
    mentors = frozenset(p.mentor for p in school.pairings if p.semester == semester.id)
    return EntryRights(
        teacher,
        found.name,
        semester.id,
        group,
        offices,
        mentors,
        found.not_mentor is None and (found.left is None or found.left > semester.start),
        _candidates(school, teacher, semester, access, chose),
        _needs_students(school, teacher, semester, roles),
        MappingProxyType(office_names(school)),
    )


def _reads_all(access: Access, rank: int) -> bool:
    """Whether one of the audience's roles sees the whole school at the level of ``rank``
    (its current students are enough: the appraisal is of this semester's mentors)."""
    return any(scope.role.scope == "school" and scope.ranks["*"] >= rank for scope in access.scopes)


def office_names(school: School) -> dict[str, str]:
    """The offices that score mentors (枣庄：政教处、艺体办): id → name, from the form."""
    form = school.forms.files["assessments"].fields.get("office_scores")
    items = form.items if form is not None else None
    office = items.fields.get("office") if items is not None else None
    return {k: v.zh for k, v in office.values.items()} if office is not None else {}


def in_semester(school: School, semester: Semester, student_id: str) -> bool:
    """Whether the student is at school in the semester (their class in it, not left)."""
    student = school.students.get(student_id)
    return (
        student is not None
        and student.class_id in semester.class_ids
        and student.in_school(semester.start)
    )


def _candidates(
    school: School, teacher: str, semester: Semester, access: Access, chose: frozenset[str]
) -> frozenset[str]:
    """The students a mentor may choose (枣庄：“导师依照本人所掌握的班级情况，选择4名受导学生”):
    those of the classes they teach, those who chose them, and those they already see."""
    taught = set(school.teachers[teacher].classes)
    return frozenset(
        sid
        for sid, s in school.students.items()
        if in_semester(school, semester, sid)
        and (s.class_id in taught or sid in chose or access.sees_student(sid))
    )


def _needs_students(
    school: School, teacher: str, semester: Semester, roles: tuple[str, ...]
) -> frozenset[str]:
    """The students of the teacher's class this semester, when the class teacher's role
    reads the needs questionnaire (it is confidential)."""
    if CLASS_TEACHER not in roles:
        return frozenset()
    name = school.teachers[teacher].name
    access = Access(school, Audience(teacher, name, teacher, (CLASS_TEACHER,)))
    level = access.rank_of[school.forms.files["needs"].sensitivity]
    return frozenset(
        sid
        for sid in school.students
        if in_semester(school, semester, sid)
        and class_teacher_of(school, semester.id, sid) == teacher
        and access.student_rank(sid) >= level
    )


# -- the rule -------------------------------------------------------------------------------


def entry_file(path: str) -> tuple[str, str] | None:
    """(semester, file) when ``path`` is a shared file whose entries teachers write."""
    match = ENTRY_FILE.match(path)
    return (match["semester"], match["file"]) if match else None


def entry_problems(
    school: School,
    teacher: str,
    path: str,
    before: bytes | None,
    after: bytes,
    closed: frozenset[str],
) -> list[Problem]:
    """Every entry of the change a (non-administrator) teacher may not write, located in
    the file after the change; ``before`` is None when the file is new."""
    found = entry_file(path)
    assert found is not None
    semester_id, file = found
    if semester_id in closed:
        return [problem(Location(path), "W703", semester=semester_id)]
    old, new = _load(before), _load(after)
    if old is None or new is None:
        return [problem(Location(path), "W737", file=FILE_NAMES[file])]
    semester = next((s for s in school.semesters if s.id == semester_id), None)
    if semester is None or teacher not in school.teachers:
        return []  # validation says the semester (or the teacher) is unknown
    rights = entry_rights(school, teacher, semester, chosen_by(old, teacher))
    judge = {"assessments": _assessments, "preferences": _preferences, "needs": _needs}[file]
    labels = {k: f.label.zh for k, f in school.forms.files[file].fields.items()}
    return list(judge(rights, path, old, new, labels))


def chosen_by(preferences: Mapping[str, Any], teacher: str) -> frozenset[str]:
    """The students whose choices (students' side of ``preferences.yaml``) name the teacher."""
    items = preferences.get("students")
    return frozenset(
        str(item.get("student"))
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, Mapping)
        and isinstance(item.get("choices"), list)
        and teacher in [str(c) for c in item["choices"]]
    )


def _load(raw: bytes | None) -> Mapping[str, Any] | None:
    """The file as round-trip data (lines kept); {} for a new file, None when unreadable."""
    if raw is None:
        return {}
    try:
        data = YAML().load(io.BytesIO(raw))
    except (YAMLError, ValueError):
        return None
    return data if isinstance(data, Mapping) else None


def plain(value: Any) -> str:
    """A value as comparable text (key order and YAML styles left out)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_scalar)


def _scalar(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _line(node: Any, fallback: int = 0) -> int:
    lc = getattr(node, "lc", None)
    return int(lc.line) + 1 if lc is not None else fallback


def _others(
    path: str,
    semester: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    keys: tuple[str, ...],
    labels: Mapping[str, str],
) -> Iterator[Problem]:
    """W728 for every top-level part other than ``keys`` that changed (a new file may name
    its own semester)."""
    for name in dict.fromkeys([*old, *new]):
        if name in keys or plain(old.get(name)) == plain(new.get(name)):
            continue
        if name == "semester" and not old and str(new.get(name)) == semester:
            continue
        line = _line(new, 1) if name not in new else _key_line(new, name)
        yield problem(Location(path, line), "W728", part=labels.get(name, name))


def _key_line(data: Any, key: str) -> int:
    lc = getattr(data, "lc", None)
    try:
        return int(lc.key(key)[0]) + 1 if lc is not None else 1
    except (KeyError, TypeError):
        return 1


def _entries(data: Mapping[str, Any], key: str, *fields: str) -> dict[tuple[str, ...], list[Any]]:
    """A list's items grouped by their key fields (``[mentor]``, ``[office, mentor]``)."""
    out: dict[tuple[str, ...], list[Any]] = {}
    items = data.get(key)
    for item in items if isinstance(items, list) else []:
        if isinstance(item, Mapping):
            out.setdefault(tuple(str(item.get(f, "")) for f in fields), []).append(item)
    return out


def _changed(
    old: Mapping[str, Any], new: Mapping[str, Any], key: str, *fields: str
) -> Iterator[tuple[tuple[str, ...], list[Any], list[Any], int]]:
    """The keys whose items differ: (key, old items, new items, line in the new file)."""
    before, after = _entries(old, key, *fields), _entries(new, key, *fields)
    for k in dict.fromkeys([*before, *after]):
        was, now = before.get(k, []), after.get(k, [])
        if plain(was) != plain(now):
            line = _line(now[0]) if now else _key_line(new, key)
            yield k, was, now, line


def _assessments(
    rights: EntryRights,
    path: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    labels: Mapping[str, str],
) -> Iterator[Problem]:
    yield from _others(path, rights.semester, old, new, ("mentors", "office_scores"), labels)
    yield from _sign_offs(rights, path, old, new, labels.get("mentors", "mentors"))
    for (office, mentor), _, _, line in _changed(old, new, "office_scores", "office", "mentor"):
        where = Location(path, line)
        if office not in rights.offices:
            label = rights.office_labels.get(office, office)
            yield problem(where, "W732", teacher=rights.teacher, office=label, mentor=mentor)
        elif mentor not in rights.mentors:
            yield problem(where, "W733", mentor=mentor, semester=rights.semester)


def _sign_offs(
    rights: EntryRights, path: str, old: Mapping[str, Any], new: Mapping[str, Any], label: str
) -> Iterator[Problem]:
    """The mentors' items: only the appraisal group's comment and sign-off, by a member who
    signs with their own name, of another mentor of the semester, not signed by another."""
    for (mentor,), was, now, line in _changed(old, new, "mentors", "mentor"):
        where = Location(path, line)
        before, after = (was or [{}])[0], (now or [{}])[0]
        rest = {k for k in [*before, *after] if k not in SIGN_OFF_FIELDS and k != "mentor"}
        if (
            len(was) > 1
            or len(now) > 1
            or any(plain(before.get(k)) != plain(after.get(k)) for k in rest)
        ):
            yield problem(where, "W728", part=f"{label}（{mentor}）")
        elif not rights.appraisal_group:
            yield problem(where, "W729", teacher=rights.teacher, mentor=mentor)
        elif mentor not in rights.mentors:
            yield problem(where, "W733", mentor=mentor, semester=rights.semester)
        elif mentor == rights.teacher:
            yield problem(where, "W738", teacher=mentor)
        elif before.get("group_leader") not in (None, "", rights.name):
            yield problem(where, "W730", mentor=mentor, signer=before["group_leader"])
        elif after.get("group_leader") not in (None, "", rights.name):
            yield problem(where, "W731", name=rights.name, signer=after["group_leader"])


def _preferences(
    rights: EntryRights,
    path: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    labels: Mapping[str, str],
) -> Iterator[Problem]:
    yield from _others(path, rights.semester, old, new, ("mentors",), labels)
    for (mentor,), was, now, line in _changed(old, new, "mentors", "mentor"):
        where = Location(path, line)
        if mentor != rights.teacher or not rights.chooses or len(now) > 1:
            yield problem(where, "W734", teacher=rights.teacher, mentor=mentor)
            continue
        chosen = _students(now)
        for sid in sorted(chosen - _students(was) - rights.candidates):
            yield problem(where, "W735", student=sid, teacher=rights.teacher)


def _students(items: list[Any]) -> set[str]:
    found = items[0].get("students") if items else None
    return {str(s) for s in found} if isinstance(found, list) else set()


def _needs(
    rights: EntryRights,
    path: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    labels: Mapping[str, str],
) -> Iterator[Problem]:
    yield from _others(path, rights.semester, old, new, ("students",), labels)
    for (student,), _, _, line in _changed(old, new, "students", "student"):
        if student not in rights.needs:
            where = Location(path, line)
            yield problem(where, "W736", teacher=rights.teacher, student=student)
