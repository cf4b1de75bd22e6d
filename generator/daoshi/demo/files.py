"""The demo school's data files (``forms/files/*.yaml``) as YAML text."""

from __future__ import annotations

import datetime
import random

from . import names
from .pairing import TermPairing
from .school import DAY, Cohort, Student, Teacher, Term
from .yamlout import YamlValue, dump, modeline

SCHOOL_ID = "demo-school"
SCHOOL_NAME = "示例市第一初级中学（演示）"
DEMO_NOTE = "演示数据，姓名均为随机生成"
SURVEY_BASE = {"diligent": 4.5, "average": 4.0, "neglectful": 3.3}


def readme() -> str:
    return (
        f"# {SCHOOL_NAME}\n\n"
        f"{DEMO_NOTE}，如有雷同，纯属巧合。本仓库由 `daoshi demo` 生成，"
        "用来演示全员导师制记录仓库的结构（见 daoshi 的 docs/records.md）。\n"
    )


def school_yaml(as_of: datetime.date | None = None) -> str:
    school: dict[str, YamlValue] = {
        "id": SCHOOL_ID,
        "name": SCHOOL_NAME,
        "stage": "junior",
        "timezone": "Asia/Shanghai",
        "policies": ["district"],
        "exam_ranking": False,
    }
    if as_of is not None:  # the demo stays the school it was on that day, whatever today is
        school["as_of"] = as_of
    return dump(school, modeline("school", 0), DEMO_NOTE)


def teachers_yaml(teachers: list[Teacher]) -> str:
    items: list[YamlValue] = [
        {
            "id": t.id,
            "name": t.name,
            "gender": t.gender,
            "subjects": list[YamlValue](t.subjects),
            "email": t.email,
            "roles": list[YamlValue](t.roles) or None,
            "tags": list[YamlValue](t.tags) or None,
        }
        for t in teachers
    ]
    return dump({"teachers": items}, modeline("teachers", 1), DEMO_NOTE)


def _student_item(s: Student, known: datetime.date) -> dict[str, YamlValue]:
    item: dict[str, YamlValue] = {
        "id": s.id,
        "name": s.name,
        "gender": s.gender,
        "class": s.klass,
        "interests": s.interests,
        "family": s.family,
        "health": s.health,
    }
    if s.left is not None and s.left_reason is not None and s.left <= known:
        item["left"] = {"date": s.left, "reason": s.left_reason}
    return item


def cohort_yaml(cohort: Cohort, known: datetime.date) -> str:
    """The cohort file as the school knew it on ``known`` (leavers up to that day)."""
    data: dict[str, YamlValue] = {
        "cohort": cohort.year,
        "classes": [{"id": c, "number": k + 1} for k, c in enumerate(cohort.classes)],
        "students": [_student_item(s, known) for s in cohort.students],
    }
    return dump(data, modeline("cohort", 2), DEMO_NOTE)


def semester_yaml(term: Term, cohorts: list[Cohort], grade_leaders: dict[int, str]) -> str:
    present = [c for c in cohorts if c.in_school(term)]
    data: dict[str, YamlValue] = {
        "id": term.id,
        "start": term.start,
        "end": term.end,
        "rounds": [{"number": k + 1, "start": a, "end": b} for k, (a, b) in enumerate(term.rounds)],
        # the demo school keeps a fixed collective-guidance time, as Taigu's plan sets it
        "collective_slot": {"week": 3, "weekday": 3, "period": "下午最后一节自习"},
        "classes": [
            {"class": klass, "class_teacher": c.class_teachers[klass]}
            for c in sorted(present, key=lambda c: c.year)
            for klass in c.classes
        ],
        "grade_leaders": [
            {"cohort": c.year, "teacher": grade_leaders[c.team]}
            for c in sorted(present, key=lambda c: c.year)
        ],
    }
    return dump(data, modeline("semester", 2))


def pairings_yaml(
    seed: int,
    term: Term,
    pairing: TermPairing,
    teachers: dict[str, Teacher],
    *,
    changed: bool = True,
) -> str:
    """The semester's table; with ``changed`` the mid-year change is in it as two dated
    items (the old mentor's last day, the new mentor's first)."""
    items: list[YamlValue] = []
    for mentor, students in pairing.mentees.items():
        rng = random.Random(f"{seed}:agreement:{term.id}:{mentor}")
        signed = teachers[mentor].diligence != "neglectful" or rng.random() < 0.6
        c = pairing.change  # before it is made, the student is still the old mentor's
        if c is not None and (mentor == c.new or (changed and mentor == c.old)):
            students = [s for s in students if s != c.student]
        chose = pairing.selection.mutual.get(mentor, []) if pairing.selection else []
        mutual = list[YamlValue](s for s in chose if s in students)
        items.append(
            {
                "mentor": mentor,
                "students": list[YamlValue](students),
                "key_student": pairing.key[mentor],
                "mutual": mutual or None,
                "agreement": signed,
            }
        )
    c = pairing.change
    if c is not None and changed:
        items.append({"mentor": c.old, "students": [c.student], "end": c.day - DAY})
        items.append({"mentor": c.new, "students": [c.student], "start": c.day})
    return dump({"semester": term.id, "pairings": items}, modeline("pairings", 2))


def table_yaml(
    term: Term,
    table: dict[str, list[str]],
    keys: dict[str, str],
    mutual: dict[str, list[str]] | None = None,
) -> str:
    """A pairing table as ``daoshi new-semester`` or ``daoshi match`` leaves it: no
    agreements yet (they are signed anew each school year)."""
    items: list[YamlValue] = []
    for mentor in sorted(table):
        item: dict[str, YamlValue] = {"mentor": mentor, "students": list[YamlValue](table[mentor])}
        if mentor in keys:
            item["key_student"] = keys[mentor]
        both = [s for s in (mutual or {}).get(mentor, ()) if s in table[mentor]]
        if both:
            item["mutual"] = list[YamlValue](both)
        items.append(item)
    return dump({"semester": term.id, "pairings": items}, modeline("pairings", 2))


def preferences_yaml(
    term: Term,
    choices: dict[str, list[str]],
    capacities: dict[str, int],
    chosen: dict[str, list[str]] | None = None,
) -> str:
    """What ``daoshi import preferences`` keeps of the questionnaire, the capacities and
    the students the mentors chose."""
    chosen = chosen or {}
    data: dict[str, YamlValue] = {
        "semester": term.id,
        "students": [
            {"student": sid, "choices": list[YamlValue](choices[sid])} for sid in sorted(choices)
        ],
        "mentors": [
            {"mentor": m, "capacity": capacities[m], "students": list[YamlValue](chosen[m])}
            if m in chosen
            else {"mentor": m, "capacity": capacities[m]}
            for m in sorted(capacities)
        ],
    }
    return dump(data, modeline("preferences", 2))


def needs_yaml(term: Term, needs: dict[str, tuple[list[str], list[str]]]) -> str:
    """What ``daoshi import preferences --kind needs`` keeps of the needs questionnaire."""
    items: list[YamlValue] = []
    for sid in sorted(needs):
        areas, subjects = needs[sid]
        items.append(
            {
                "student": sid,
                "areas": list[YamlValue](areas) or None,
                "subjects": list[YamlValue](subjects) or None,
            }
        )
    return dump({"semester": term.id, "students": items}, modeline("needs", 2))


def screening_yaml(
    rng: random.Random, term: Term, students: list[Student], class_teachers: dict[str, str]
) -> str:
    """Students proposed by their class teacher; the grade group decides (保密)."""
    items: list[YamlValue] = []
    for s in students:
        if not s.categories or term.index < s.screened_from:
            continue
        note = rng.choice(names.SCREENING_NOTES[s.categories[0]]) if rng.random() < 0.8 else None
        items.append(
            {
                "student": s.id,
                "categories": list[YamlValue](s.categories),
                "proposed_by": class_teachers[s.klass],
                "decided": s.is_key(term.index),
                "note": note,
            }
        )
    return dump({"semester": term.id, "students": items}, modeline("screening", 2))


def _score(rng: random.Random, base: float) -> float:
    return round(min(5.0, max(1.0, base + rng.gauss(0, 0.25))), 1)


def surveys_yaml(
    rng: random.Random, term: Term, pairing: TermPairing, teachers: dict[str, Teacher]
) -> str:
    """Average ratings per mentor; diligent mentors tend to be rated higher."""
    items: list[YamlValue] = []
    for mentor, students in pairing.mentees.items():
        base = SURVEY_BASE[teachers[mentor].diligence] + rng.gauss(0, 0.2)
        count = len(students)
        for respondents in ("students", "parents"):
            share = 1.0 if respondents == "students" else rng.uniform(0.6, 0.95)
            responses = max(0, round(count * share) - rng.randint(0, 1))
            item: dict[str, YamlValue] = {
                "mentor": mentor,
                "respondents": respondents,
                "responses": responses,
            }
            for dimension in ("method", "attitude", "frequency", "effect"):
                item[dimension] = _score(rng, base)
            items.append(item)
    return dump({"semester": term.id, "results": items}, modeline("surveys", 2))
