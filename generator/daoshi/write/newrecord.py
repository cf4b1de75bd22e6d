"""``daoshi new``: a new record file from its form, ready for the teacher to fill in.

Written with ruamel.yaml's round-trip dumper so that every field carries a Chinese comment
(label, required or not, help, the allowed values) above it.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.access import class_teacher_of
from daoshi.records.forms import FieldForm, KindForm
from daoshi.records.layout import GROUP, SELF, TEACHER
from daoshi.records.model import School
from daoshi.records.rules.kinds import CLASS_TEACHER_WRITES
from daoshi.records.schema import modeline

_BASE_FIELDS = ("kind", "mentor", "student", "participants", "date")


class NewRecordError(ValueError):
    """A ``daoshi new`` request that cannot be met; the message is for the teacher."""


@dataclass(frozen=True)
class NewRecord:
    """Where the new record goes and what it says."""

    path: str
    text: str


def _comment(field: FieldForm) -> str:
    need = "必填" if field.required else "选填"
    line = f"{field.label.zh}（{need}）：{field.help.zh}"
    options = field.values or (field.items.values if field.items is not None else {})
    if options:
        line += " 可选：" + "，".join(f"{k}={v.zh}" for k, v in options.items())
    return line


def _placeholder(field: FieldForm) -> Any:
    if field.type == "list":
        seq = CommentedSeq()
        seq.fa.set_flow_style()
        return seq
    if field.type == "boolean":
        return False if field.required else None
    return None


def _mentor_for(
    school: School, student: str, semester: str, mentor: str | None, kind: str = ""
) -> str:
    mentors = school.mentors_of(student, semester)
    if mentor is not None:
        if mentor not in school.teachers:
            raise NewRecordError(f"未知的教师工号 {mentor}")
        as_class_teacher = class_teacher_of(school, semester, student) == mentor
        if mentor not in mentors and not (kind in CLASS_TEACHER_WRITES and as_class_teacher):
            raise NewRecordError(f"{student} 在 {semester} 学期不是 {mentor} 的受导学生")
        return mentor
    if len(mentors) != 1:
        names = "、".join(mentors) or "无"
        raise NewRecordError(f"{student} 在 {semester} 学期的导师是 {names}，请用 --mentor 指定")
    return mentors[0]


def _semester_of(school: School, day: dt.date) -> str:
    for semester in school.semesters:
        if semester.contains(day):
            return semester.id
    raise NewRecordError(f"{day} 不在任何学期内")


def _free_name(root: Path, folder: str, day: dt.date, kind: str) -> str:
    n = 1
    while True:
        name = f"{folder}/{day.isoformat()}-{kind}{'' if n == 1 else f'-{n}'}.md"
        if not (root / name).exists():
            return name
        n += 1


def render(form: KindForm, values: dict[str, Any], depth: int, body_hint: str) -> str:
    """The file's text: modeline, commented front matter, body placeholder."""
    data = CommentedMap()
    for name, field in form.fields.items():
        data[name] = values[name] if name in values else _placeholder(field)
        if name not in _BASE_FIELDS:
            data.yaml_set_comment_before_after_key(name, before=_comment(field))
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = 200
    stream = io.StringIO()
    yaml.dump(data, stream)
    front = stream.getvalue().replace(": null\n", ":\n")
    return f"---\n{modeline(form.kind, depth)}\n{front}---\n{body_hint}\n"


def new_record(
    root: Path,
    school: School,
    kind: str,
    students: list[str],
    day: dt.date,
    mentor: str | None = None,
) -> NewRecord:
    """Plan a new record of ``kind`` about ``students`` (several for a group activity)."""
    form = school.forms.kinds.get(kind)
    if form is None:
        raise NewRecordError(
            f"未知的记录种类 {kind}，可用：{', '.join(sorted(school.forms.kinds))}"
        )
    if form.base == TEACHER:
        return _own_record(root, school, form, students, day, mentor)
    if not students:
        raise NewRecordError("请用 --student 指定学生学号")
    for sid in students:
        if sid not in school.students:
            raise NewRecordError(f"未知的学生学号 {sid}")
    semester = _semester_of(school, day)
    group = form.base == GROUP
    if not group and len(students) != 1:
        raise NewRecordError(f"{form.label.zh}只关于一名学生")
    chosen = _mentor_for(school, students[0], semester, mentor, kind)
    for sid in students[1:]:
        _mentor_for(school, sid, semester, chosen)
    folder = f"semesters/{semester}/journal/{chosen}/{GROUP if group else students[0]}"
    values: dict[str, Any] = {"kind": kind, "mentor": chosen, "date": day}
    if group:
        seq = CommentedSeq(students)
        seq.fa.set_flow_style()
        values["participants"] = seq
    else:
        values["student"] = students[0]
    need = "（必填）" if form.body.required else ""
    hint = f"<!-- {form.body.label.zh}{need}：{form.body.help.zh} -->"
    text = render(form, values, folder.count("/") + 1, hint)
    return NewRecord(_free_name(root, folder, day, kind), text)


def _own_record(
    root: Path,
    school: School,
    form: KindForm,
    students: list[str],
    day: dt.date,
    teacher: str | None,
) -> NewRecord:
    """A teacher's own record (training): about no student, in ``journal/<teacher>/self/``."""
    if students:
        raise NewRecordError(f"{form.label.zh}是教师本人的记录，不写学生（去掉 --student）")
    if teacher is None or teacher not in school.teachers:
        raise NewRecordError("请用 --mentor 指定本人的工号")
    semester = _semester_of(school, day)
    folder = f"semesters/{semester}/journal/{teacher}/{SELF}"
    values: dict[str, Any] = {"kind": form.kind, "mentor": teacher, "date": day}
    need = "（必填）" if form.body.required else ""
    hint = f"<!-- {form.body.label.zh}{need}：{form.body.help.zh} -->"
    text = render(form, values, folder.count("/") + 1, hint)
    return NewRecord(_free_name(root, folder, day, form.kind), text)
