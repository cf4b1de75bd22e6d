"""The roster's teachers: ``people/teachers.yaml`` planned from the office's sheet (工号,
姓名, 任教学科, 任教班级, 职务, 身份, 邮箱), roles read from the school's own words.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.records.forms import Forms
from daoshi.records.model import School
from daoshi.year.roster import (
    _TEACHER_LABELS,
    IGNORED_WORDS,
    TAG_WORDS,
    Plan,
    Settings,
    _read,
    _Reader,
    _split,
    parse_class,
)
from daoshi.year.tables import Row
from daoshi.year.yamldoc import (
    dump_yaml,
    flow_list,
    load_yaml,
    new_document,
    text_value,
)


def _role_words(forms: Forms) -> dict[str, tuple[str, str]]:
    """Chinese (and code) words for roles and tags -> (field, code)."""
    words: dict[str, tuple[str, str]] = {}
    form = forms.files.get("teachers")
    items = form.fields["teachers"].items if form is not None else None
    if items is not None:
        for name in ("roles", "tags"):
            spec = items.fields.get(name)
            if spec is not None and spec.items is not None:
                for code, label in spec.items.values.items():
                    words[code] = (name, code)
                    words[label.zh] = (name, code)
    for word, code in TAG_WORDS.items():
        words[word] = ("tags", code)
    return words


def plan_teachers(
    root: Path,
    path: Path,
    school: School,
    settings: Settings,
    *,
    school_year: int,
    left_date: dt.date,
) -> Plan:
    """Check the teachers' roster and work out the new teachers.yaml; nothing is written."""
    plan = Plan("teachers")
    rows, plan.problems, columns = _read(path, "teachers", settings)
    reader = _Reader(plan.problems)
    words = _role_words(school.forms)
    seen: dict[str, int] = {}
    parsed: list[tuple[Row, str, str, dict[str, Any]]] = []
    for row in rows:
        tid = reader.ident(row, settings.teacher_id_width, settings.teacher_id_prefix)
        name = reader.name(row)
        values: dict[str, Any] = {}
        gender = reader.gender(row)
        if gender:
            values["gender"] = gender
        if "subjects" in columns:
            values["subjects"] = _split(row.get("subjects"))
        if "classes" in columns:
            classes = []
            for part in _split(row.get("classes")):
                klass = parse_class(part, school_year)
                found = f"C{klass[0]}-{klass[1]:02d}" if klass is not None and klass[0] else None
                if found is None or found not in school.classes:
                    reader.add(row.at("classes"), "I421", value=part)
                elif found not in classes:
                    classes.append(found)
            values["classes"] = classes
        for column in ("roles", "tags"):
            if column not in columns:
                continue
            for word in _split(row.get(column)):
                if word in IGNORED_WORDS:
                    continue
                hit = words.get(word)
                if hit is None:
                    known = "、".join(w for w in words if not w.isascii())
                    reader.add(row.at(column), "I418", value=word, known=known)
                    continue
                values.setdefault(hit[0], [])
                if hit[1] not in values[hit[0]]:
                    values[hit[0]].append(hit[1])
        if "roles" in columns or "tags" in columns:
            values.setdefault("roles", [])
            values.setdefault("tags", [])
        email = row.get("email").replace(" ", "")
        if email:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+", email):
                reader.add(row.at("email"), "I419", value=email)
            values["email"] = email
        elif tid is not None and tid not in school.teachers:
            reader.add(row.at("email") if "email" in columns else row.location, "I423", id=tid)
        if tid is not None:
            if tid in seen:
                reader.add(row.at("id"), "I411", id=tid, row=seen[tid])
                continue
            if reader.case_clash(row, tid, school.teachers):
                continue
            seen[tid] = row.location.line
        if tid and name:
            parsed.append((row, tid, name, values))
    if plan.problems:
        return plan
    rel = "people/teachers.yaml"
    target = root / rel
    doc = load_yaml(target) if target.exists() else new_document("teachers", 2)
    before = dump_yaml(doc) if target.exists() else None
    if "teachers" not in doc:
        doc["teachers"] = CommentedSeq()
    items = {str(t.get("id")): t for t in doc["teachers"]}
    order = ("id", "name", "gender", "subjects", "email", "roles", "tags", "classes")
    listed: set[str] = set()
    for _, tid, name, values in parsed:
        listed.add(tid)
        item = items.get(tid)
        if item is None:
            item = CommentedMap()
            item["id"] = text_value(tid)
            item["name"] = text_value(name)
            for key in order[2:]:
                value = values.get(key)
                if isinstance(value, list) and value:
                    item[key] = flow_list(value)
                elif isinstance(value, str):
                    item[key] = text_value(value)
            doc["teachers"].append(item)
            plan.added.append(f"{tid} {name}")
            continue
        notes = []
        if str(item.get("name")) != name:
            notes.append(f"姓名 {item.get('name')} → {name}")
            item["name"] = text_value(name)
        for key, value in values.items():
            old = item.get(key)
            if isinstance(value, list):
                if list(old or ()) != value:
                    notes.append(f"{_TEACHER_LABELS[key]} → {'、'.join(value) or '（无）'}")
                    if value:
                        item[key] = flow_list(value)
                    elif key in item:
                        del item[key]
            elif old != value:
                notes.append(f"{_TEACHER_LABELS[key]} → {value}")
                item[key] = text_value(value)
        if item.get("left"):
            del item["left"]
            notes.append("恢复在职")
        if notes:
            plan.changed.append(f"{tid} {name}：" + "；".join(notes))
    for tid, item in items.items():
        if tid not in listed and not item.get("left"):
            left = CommentedMap()
            left["date"] = left_date
            item["left"] = left
            plan.left.append(f"{tid} {item.get('name')}（{left_date}）")
    text = dump_yaml(doc)
    if text != before:
        plan.files[rel] = text
    return plan
