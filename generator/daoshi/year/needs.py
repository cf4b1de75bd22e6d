"""``daoshi import preferences --kind needs``: the needs questionnaire before pairing.

枣庄：“通过简单的调查咨询卷理解学生的需要”. One row per student as a questionnaire tool
exports it: 学号, the areas they want help in (several, 、 or 问卷星's ┋ between them), the
subjects they most need help with, and a free answer. Each row is checked against the
student column (known, at school, once) and each area against the form's choices, every
problem at its cell; the answers replace those students' items in
``semesters/<S>/needs.yaml``, a confidential file (forms/files/needs.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from daoshi.errors import Location
from daoshi.messages import problem
from daoshi.records.model import School, Semester
from daoshi.year.preferences import PreferencesPlan, row_student, semester_document
from daoshi.year.roster import Settings
from daoshi.year.tables import Row, read_table
from daoshi.year.yamldoc import dump_yaml, flow_list, text_value

COLUMNS: dict[str, tuple[str, ...]] = {
    "student": ("学号", "学生学号", "学籍号"),
    "name": ("姓名", "学生姓名"),
    "areas": ("需要帮助的方面", "希望导师帮助的方面", "你最希望导师在哪些方面帮助你？", "需求"),
    "subjects": ("需要辅导的学科", "最需要辅导的学科", "你最需要辅导的学科是？", "学科"),
    "note": ("想对导师说的话", "其他", "你还想对导师说什么？", "留言"),
}
# what students write for an area besides the form's own labels
AREA_WORDS = {
    "学习": "study",
    "学业": "study",
    "学习方法": "study",
    "情绪": "emotion",
    "心理": "emotion",
    "人际": "relationships",
    "人际交往": "relationships",
    "同学关系": "relationships",
    "师生关系": "relationships",
    "家庭": "family",
    "习惯": "habits",
    "行为习惯": "habits",
    "生活": "habits",
    "理想": "future",
    "生涯规划": "future",
    "升学": "future",
}
_SPLIT = re.compile(r"[、,，;；┋|/\s]+")


def area_words(school: School) -> dict[str, str]:
    """Every word read as an area: the form's codes and labels, and the usual short words."""
    form = school.forms.files["needs"].fields["students"].items
    areas = form.fields["areas"].items if form is not None else None
    words = dict(AREA_WORDS)
    for code, label in areas.values.items() if areas is not None else ():
        words[code] = code
        words[label.zh] = code
    return words


def plan_needs(
    root: Path, path: Path, school: School, semester: Semester, settings: Settings
) -> PreferencesPlan:
    """Check a needs questionnaire and work out the new needs.yaml."""
    plan = PreferencesPlan("needs", semester.id)
    mapping = {h: f for h, f in settings.mapping.items() if f in COLUMNS}
    table = read_table(path, COLUMNS, {"student"}, mapping=mapping, sheet=settings.sheet)
    plan.problems = table.problems
    words = area_words(school)
    entries: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}

    def add(location: Location, code: str, **args: Any) -> None:
        plan.problems.append(problem(location, code, **args))

    for row in table.rows:
        plan.rows += 1
        _row(row, school, semester, settings, words, add, seen, entries)
    if plan.problems:
        return plan
    rel = f"semesters/{semester.id}/needs.yaml"
    doc, before = semester_document(root / rel, "needs", semester.id)
    if doc.get("students") is None:
        doc["students"] = CommentedSeq()
    items = {str(item.get("student")): item for item in doc["students"]}
    for sid, answers in entries.items():
        item = items.get(sid)
        if item is None:
            item = CommentedMap()
            doc["students"].append(item)
        else:
            plan.replaced += 1
            item.clear()
        item["student"] = text_value(sid)
        for key in ("areas", "subjects"):
            if answers[key]:
                item[key] = flow_list(answers[key])
        if answers["note"]:
            item["note"] = answers["note"]
    text = dump_yaml(doc)
    if text != before:
        plan.files[rel] = text
    return plan


def _row(
    row: Row,
    school: School,
    semester: Semester,
    settings: Settings,
    words: Mapping[str, str],
    add: Callable[..., None],
    seen: dict[str, int],
    entries: dict[str, dict[str, Any]],
) -> None:
    found = row_student(row, school, semester, settings, add, seen, "I446")
    if found is None:
        return
    sid, ok = found
    areas: list[str] = []
    for word in _SPLIT.split(row.get("areas")):
        if not word:
            continue
        code = words.get(word)
        if code is None:
            known = "、".join(w for w, c in words.items() if not w.isascii())
            add(row.at("areas"), "I449", value=word, known=known)
            ok = False
        elif code not in areas:
            areas.append(code)
    subjects = list(dict.fromkeys(w for w in _SPLIT.split(row.get("subjects")) if w))
    if ok:
        entries[sid] = {"areas": areas, "subjects": subjects[:3], "note": row.get("note")}
