"""The demo school's data files (``forms/files/*.yaml``) as YAML text."""

from __future__ import annotations

import datetime
import random

from . import names
from .pairing import TermPairing
from .school import DAY, Cohort, Student, Teacher, Term, reception_days
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


# 青实“各年级组……负责拟定具有年级特色的管理细则要求”: in the current semester the newest
# grade's group counts the summer home visits made before its students started (新生家访),
# 45 days before the term instead of the district's 30; no record changes, only the rule
NEW_GRADE_RULES: dict[str, YamlValue] = {"home-visit": {"window": {"before_start": 45}}}


def semester_yaml(
    term: Term, cohorts: list[Cohort], grade_leaders: dict[int, str], *, current: bool = False
) -> str:
    """A term's semester.yaml; the current term's carries the newest grade's own rules."""
    present = [c for c in cohorts if c.in_school(term)]
    data: dict[str, YamlValue] = {
        "id": term.id,
        "start": term.start,
        "end": term.end,
        "rounds": [{"number": k + 1, "start": a, "end": b} for k, (a, b) in enumerate(term.rounds)],
        "reception_days": [
            {"date": day, "time": "15:30–17:00", "place": "各导师办公室"}
            for day in reception_days(term)
        ],
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
    if current and present:
        newest = max(c.year for c in present)
        data["grade_policies"] = [
            {"cohort": newest, "policy": "district", "obligations": NEW_GRADE_RULES}
        ]
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
    grouped = study_group_mentors(pairing)
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
                "groups": study_groups(students) if mentor in grouped else None,
                "agreement": signed,
            }
        )
    c = pairing.change
    if c is not None and changed:
        items.append({"mentor": c.old, "students": [c.student], "end": c.day - DAY})
        items.append({"mentor": c.new, "students": [c.student], "start": c.day})
    return dump({"semester": term.id, "pairings": items}, modeline("pairings", 2))


def study_group_mentors(pairing: TermPairing) -> set[str]:
    """The few mentors who lead their mentees as 学习小组 (太谷“每位导师负责1—2个学习小组”):
    the first three with four mentees or more, none of the mid-year change; no pairing
    changes, the groups are only a division of the students they already have."""
    c = pairing.change
    changed = {c.old, c.new} if c is not None else set()
    able = [m for m in sorted(pairing.mentees) if len(pairing.mentees[m]) >= 4]
    return set([m for m in able if m not in changed][:3])


def study_groups(students: list[str]) -> list[YamlValue]:
    """Two study groups: the first half of the mentees, then the rest."""
    half = (len(students) + 1) // 2
    return [
        {"name": "第一学习小组", "students": list[YamlValue](students[:half])},
        {"name": "第二学习小组", "students": list[YamlValue](students[half:])},
    ]


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


# 太谷附表五“考核组评价”: what the appraisal group writes, by how diligent the mentor was
GROUP_COMMENTS = {
    "diligent": ("活动有主题有记录，谈话及时，家长反馈好。", "每轮活动都有记录，个别指导扎实。"),
    "average": ("能按要求开展活动和谈话，记录可以更具体。", "工作基本落实，家访次数偏少。"),
    "neglectful": ("个别指导次数不足，下学期需按月落实。", "活动记录不全，请及时补记。"),
}
# 枣庄“政教处、艺体办负责评价学生德育、体育、卫生、纪律等的检查，量化赋分”
OFFICE_CHECKS = (
    ("moral_office", "discipline", "受导学生所在班纪律检查"),
    ("moral_office", "hygiene", "受导学生所在班卫生检查"),
    ("arts_sports", "sports", "受导学生大课间和体育达标"),
)


def assessments_yaml(
    rng: random.Random,
    term: Term,
    pairing: TermPairing,
    teachers: dict[str, Teacher],
    leader: str,
    as_of: datetime.date,
) -> str:
    """The appraisal group's comment and its leader's sign-off for every mentor of an ended
    semester, and a few offices' scores."""
    signed_on = min(term.end + rng.randint(1, 5) * DAY, as_of)
    mentors: list[YamlValue] = [
        {
            "mentor": mentor,
            "group_comment": rng.choice(GROUP_COMMENTS[teachers[mentor].diligence]),
            "group_leader": leader,
            "signed_on": signed_on,
        }
        for mentor in sorted(pairing.mentees)
    ]
    scores: list[YamlValue] = []
    for mentor in sorted(rng.sample(sorted(pairing.mentees), min(4, len(pairing.mentees)))):
        office, aspect, note = rng.choice(OFFICE_CHECKS)
        scores.append(
            {
                "mentor": mentor,
                "office": office,
                "aspect": aspect,
                "points": rng.randint(2, 8),
                "note": note,
            }
        )
    return dump(
        {"semester": term.id, "mentors": mentors, "office_scores": scores},
        modeline("assessments", 2),
    )
