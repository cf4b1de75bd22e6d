"""One builder per record kind: the fields of ``forms/kinds/<kind>.yaml`` and a body.

Every builder returns a ``Draft``: a record's date, kind, kind fields and Markdown body,
before it has a path. Field names and enum values are exactly those of the forms.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from . import texts as tx
from .school import DAY, Student, Term
from .yamlout import YamlValue

AREAS = {"study": 40, "psych": 20, "life": 18, "thought": 15, "creativity": 7}


@dataclass(frozen=True)
class Draft:
    date: datetime.date
    kind: str
    fields: dict[str, YamlValue]
    body: str
    participants: tuple[str, ...] = ()  # group activities only
    urgent: bool = False  # committed the same day (crisis)


@dataclass(frozen=True)
class Subject:
    """What a builder needs to know about the student a record is about."""

    student: Student
    ta: str  # 他 or 她
    key: bool
    class_teacher: str
    mentor: str

    def say(self, text: str) -> str:
        return text.replace("{ta}", self.ta)


def day_between(rng: random.Random, low: datetime.date, high: datetime.date) -> datetime.date:
    """A random day in [low, high] (``low`` if the range is empty)."""
    return low + rng.randint(0, max(0, (high - low).days)) * DAY


def _near_exam(term: Term, date: datetime.date) -> bool:
    middle = term.start + (term.end - term.start) / 2
    return abs((date - middle).days) <= 10 or date >= term.end - 25 * DAY


def _occasion(rng: random.Random, term: Term, date: datetime.date, s: Student) -> str | None:
    if rng.random() < 0.15:
        return None
    if _near_exam(term, date) and rng.random() < 0.6:
        return "exam"
    if "emotional" in s.categories and rng.random() < 0.3:
        return "mood"
    if "single_parent" in s.categories and rng.random() < 0.1:
        return "family_change"
    return rng.choices(["routine", "achievement", "other"], [80, 12, 8])[0]


def talk(rng: random.Random, term: Term, sub: Subject, date: datetime.date) -> Draft:
    areas = [rng.choices(list(AREAS), list(AREAS.values()))[0]]
    if rng.random() < 0.35:
        second = rng.choices(list(AREAS), list(AREAS.values()))[0]
        if second != areas[0]:
            areas.append(second)
    parts = [rng.choice(tx.TALK_BY_AREA[areas[0]])]
    if len(areas) > 1 and rng.random() < 0.5:
        parts.append(rng.choice(tx.TALK_BY_AREA[areas[1]]))
    if rng.random() < 0.8:
        parts.append(rng.choice(tx.TALK_RESPONSE))
    if rng.random() < 0.5:
        parts.append(rng.choice(tx.TALK_CLOSE))
    fields: dict[str, YamlValue] = {
        "areas": list(areas),
        "occasion": _occasion(rng, term, date, sub.student),
        "place": rng.choice(tx.TALK_PLACES) if rng.random() < 0.8 else None,
        "minutes": 5 * rng.randint(2, 9) if rng.random() < 0.85 else None,
        "follow_up": sub.say(rng.choice(tx.TALK_FOLLOW_UP)) if rng.random() < 0.4 else None,
    }
    return Draft(date, "talk", fields, sub.say("".join(parts)))


def parent_contact(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    relations = {"mother": 50, "father": 30, "grandparent": 12, "guardian": 3}
    fields: dict[str, YamlValue] = {
        "relation": rng.choices(list(relations), list(relations.values()))[0],
        "channel": rng.choices(["phone", "message", "meeting", "video"], [45, 30, 15, 10])[0],
        "initiated_by": rng.choice(["mentor"] * 3 + ["parent"]) if rng.random() < 0.8 else None,
    }
    parts = rng.sample(tx.PARENT_CONTACT, rng.randint(1, 2))
    if rng.random() < 0.6:
        parts.append(rng.choice(tx.PARENT_CLOSE))
    return Draft(date, "parent-contact", fields, sub.say("".join(parts)))


def reception(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    """青实“家长接待日”: a parent comes to school on one of the semester's reception days."""
    fields: dict[str, YamlValue] = {
        "relation": rng.choice(["mother", "mother", "father", "grandparent"]),
        "channel": "reception_day",
        "initiated_by": "parent",
    }
    return Draft(date, "parent-contact", fields, sub.say(rng.choice(tx.RECEPTION_BODY)))


def home_visit(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    points = rng.sample(tx.HOME_VISIT_POINTS, rng.randint(2, 3))
    attendees = list(rng.choice(tx.ATTENDEES))
    if "single_parent" in sub.student.categories and "父亲" in attendees and "母亲" in attendees:
        attendees.remove("父亲")
    fields: dict[str, YamlValue] = {
        "mode": rng.choices(["in_person", "video", "at_school"], [80, 10, 10])[0],
        "theme": rng.choice(tx.HOME_VISIT_THEMES),
        "guidance_points": (
            "\n".join(f"{i}. {p}" for i, p in enumerate(points, 1)) if rng.random() < 0.8 else None
        ),
        "attendees": list[YamlValue](attendees),
        "follow_up": sub.say(rng.choice(tx.HOME_VISIT_FOLLOW_UP)) if rng.random() < 0.6 else None,
    }
    body = "".join(rng.sample(tx.HOME_VISIT_BODY, rng.randint(2, 3)))
    return Draft(date, "home-visit", fields, sub.say(body))


def growth_message(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    parts = [rng.choice(tx.GROWTH_OPEN), *rng.sample(tx.GROWTH_MIDDLE, rng.randint(1, 2))]
    interests = sub.student.interests
    if interests and rng.random() < 0.5:
        parts.append(f"你在{interests.split('、')[0]}方面的表现让老师印象深刻。")
    parts.append(rng.choice(tx.GROWTH_CLOSE))
    shared = rng.choices([True, False, None], [80, 10, 10])[0]
    return Draft(date, "growth-message", {"shared_with_parents": shared}, "".join(parts))


def student_report(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    fields: dict[str, YamlValue] = {
        "channel": rng.choices(["in_person", "written", "online"], [60, 25, 15])[0],
        "mentor_note": rng.choice(tx.REPORT_NOTE) if rng.random() < 0.7 else None,
    }
    return Draft(date, "student-report", fields, sub.say(rng.choice(tx.REPORT_BODY)))


def optional_action(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    action = rng.choices(list(tx.OPTIONAL_TITLES), [40, 30, 20, 10])[0]
    fields: dict[str, YamlValue] = {
        "action": action,
        "title": sub.say(rng.choice(tx.OPTIONAL_TITLES[action])) if rng.random() < 0.9 else None,
    }
    body = sub.say(rng.choice(tx.OPTIONAL_BODY)) if rng.random() < 0.6 else ""
    return Draft(date, "optional-action", fields, body)


def case_analysis(rng: random.Random, sub: Subject, date: datetime.date) -> Draft:
    category = sub.student.categories[0] if sub.student.categories else "learning"
    colleagues: list[YamlValue] = []
    if sub.class_teacher != sub.mentor and rng.random() < 0.6:
        colleagues.append(sub.class_teacher)
    fields: dict[str, YamlValue] = {
        "theme": tx.CASE_THEMES[category],
        "case_summary": sub.say(tx.CASE_SUMMARY[category]),
        "plan": sub.say("".join(rng.sample(tx.CASE_PLAN, 2))) if rng.random() < 0.8 else None,
        "case_meeting": rng.random() < 0.5,
        "colleagues": colleagues or None,
    }
    body = rng.choice(tx.CASE_CAUSES) + rng.choice(tx.CASE_ADVICE)
    return Draft(date, "case-analysis", fields, sub.say(body))


def _stages(
    rng: random.Random, term: Term, date: datetime.date, as_of: datetime.date
) -> list[YamlValue]:
    count = rng.choice([2, 3])
    titles = (
        tx.HELP_STAGE_TITLES[1:3]
        if count == 2
        else tx.HELP_STAGE_TITLES[:1] + tx.HELP_STAGE_TITLES[2:]
    )
    span = (term.end - date).days
    bounds = [date + (span * k // count) * DAY for k in range(count + 1)]
    stages: list[YamlValue] = []
    for k, title in enumerate(titles):
        start, end = bounds[k] + (DAY if k else 0 * DAY), bounds[k + 1]
        if end < as_of:
            status = "done" if rng.random() < 0.8 else "dropped"
        else:
            status = "in_progress" if start <= as_of else "planned"
        stages.append(
            {
                "title": title,
                "start": start,
                "end": end,
                "goal": rng.choice(tx.HELP_STAGE_GOALS),
                "measures": rng.choice(tx.HELP_STAGE_MEASURES) if rng.random() < 0.8 else None,
                "status": status,
            }
        )
    return stages


def help_plan(
    rng: random.Random, term: Term, sub: Subject, date: datetime.date, as_of: datetime.date
) -> Draft:
    fields: dict[str, YamlValue] = {
        "plan_type": "help" if sub.key else "growth",
        "long_term_goal": rng.choice(tx.HELP_GOALS),
        "stages": _stages(rng, term, date, as_of),
        "agreed_by_student": rng.random() < 0.85,
    }
    body = sub.say(rng.choice(tx.HELP_NOTE)) if rng.random() < 0.5 else ""
    return Draft(date, "help-plan", fields, body)


def group_activity(
    rng: random.Random, mentor: str, number: int, date: datetime.date, participants: list[str]
) -> Draft:
    theme = rng.choice(tx.GROUP_THEMES)
    fields: dict[str, YamlValue] = {
        "theme": theme,
        "round": number,
        "time": rng.choice(tx.GROUP_TIMES) if rng.random() < 0.7 else None,
        "place": rng.choice(tx.GROUP_PLACES) if rng.random() < 0.8 else None,
        "recorder": mentor if rng.random() < 0.3 else None,
    }
    body = f"本次活动的主题是“{theme}”。" + "".join(rng.sample(tx.GROUP_BODY, rng.randint(1, 3)))
    return Draft(date, "group-activity", fields, body, tuple(participants))


def family_meeting(rng: random.Random, date: datetime.date, participants: list[str]) -> Draft:
    """太谷二中“组织导师与学生、家长座谈活动”: the mentor, mentees and their parents."""
    fields: dict[str, YamlValue] = {
        "theme": rng.choice(tx.FAMILY_THEMES),
        "parents_present": max(1, len(participants) + rng.randint(-2, 1)),
        "place": rng.choice(tx.GROUP_PLACES) if rng.random() < 0.7 else None,
        "follow_up": rng.choice(tx.FAMILY_FOLLOW_UPS) if rng.random() < 0.6 else None,
    }
    body = "".join(rng.sample(tx.FAMILY_BODY, rng.randint(2, 3)))
    return Draft(date, "family-meeting", fields, body, tuple(participants))


def work_plan(rng: random.Random, date: datetime.date, participants: list[str]) -> Draft:
    """太谷二中、枣庄“导师工作方案”: the mentor's plan for the semester."""
    fields: dict[str, YamlValue] = {
        "goals": rng.choice(tx.PLAN_GOALS),
        "measures": rng.choice(tx.PLAN_MEASURES),
        "schedule": rng.choice(tx.PLAN_SCHEDULES) if rng.random() < 0.6 else None,
        "agreed_with_students": rng.random() < 0.5,
    }
    body = "".join(rng.sample(tx.PLAN_BODY, rng.randint(2, 3)))
    return Draft(date, "work-plan", fields, body, tuple(participants))


def training(
    rng: random.Random, date: datetime.date, session: tuple[str, str, str, float]
) -> Draft:
    """区文件“校本培训”“专题培训、案例教学”“案例研讨”: one session the teacher attended."""
    kind, topic, organiser, hours = session
    fields: dict[str, YamlValue] = {
        "type": kind,
        "topic": topic,
        "organiser": organiser,
        "hours": hours,
    }
    body = rng.choice(tx.TRAINING_NOTES) if rng.random() < 0.4 else ""
    return Draft(date, "training", fields, body)


BANDS = ("p0_10", "p10_30", "p30_50", "p50_70", "p70_100")


def progress(
    rng: random.Random, sub: Subject, date: datetime.date, exam: tuple[str, int] | None, change: str
) -> Draft:
    """枣庄成长档案袋“每月的表现及每次考试成绩”: a month's conduct, an exam as a band."""
    fields: dict[str, YamlValue] = {"conduct": sub.say(rng.choice(tx.PROGRESS_CONDUCT))}
    if exam is not None:
        fields["exam"], fields["band"] = exam[0], BANDS[exam[1]]
    if change:
        fields["change"] = change
    body = sub.say(rng.choice(tx.PROGRESS_BODY)) if rng.random() < 0.6 else ""
    return Draft(date, "progress", fields, body)


def colleague_follow_up(
    rng: random.Random, sub: Subject, date: datetime.date, colleagues: list[str]
) -> Draft:
    """太谷、青实: the mentor asks the class and subject teachers about a key student."""
    fields: dict[str, YamlValue] = {
        "colleagues": list[YamlValue](colleagues),
        "topics": list[YamlValue](sorted(rng.sample(["thought", "habits", "study", "life"], 2))),
        "intervention": rng.choice(tx.FOLLOW_UP_PLANS) if rng.random() < 0.7 else None,
    }
    body = sub.say("".join(rng.sample(tx.FOLLOW_UP_BODY, 2)))
    return Draft(date, "colleague-follow-up", fields, body)


def case_meeting(rng: random.Random, date: datetime.date, attendees: list[str]) -> Draft:
    """枣庄“学校每月集中组织导师进行个案分析”: the organiser's one record of the meeting."""
    fields: dict[str, YamlValue] = {
        "attending": list[YamlValue](attendees),
        "theme": rng.choice(tx.CASE_MEETING_THEMES),
        "cases": rng.randint(2, 4),
        "conclusions": rng.choice(tx.CASE_MEETING_CONCLUSIONS) if rng.random() < 0.7 else None,
    }
    return Draft(date, "case-meeting", fields, rng.choice(tx.CASE_MEETING_BODY))


def crisis_drafts(sub: Subject, date: datetime.date, reported_to: tuple[str, ...]) -> list[Draft]:
    """The crisis report, the follow-up talk two days later and the case analysis a week on."""
    report: dict[str, YamlValue] = {
        "level": "serious",
        "signs": sub.say(tx.CRISIS_SIGNS),
        "reported_to": list[YamlValue](reported_to),
        "actions": sub.say(tx.CRISIS_ACTIONS),
        "referral": "school_psych",
        "parents_informed": True,
    }
    follow: dict[str, YamlValue] = {
        "areas": ["psych", "life"],
        "occasion": "mood",
        "place": "心理咨询室",
        "minutes": 40,
        "follow_up": "每天放学前简短交流，心理教师每周辅导一次。",
    }
    colleagues: list[YamlValue] = [reported_to[0]]
    if sub.class_teacher not in (sub.mentor, reported_to[0]):
        colleagues.append(sub.class_teacher)
    case: dict[str, YamlValue] = {
        "theme": "危机个案的跟进与转介",
        "case_summary": sub.say(tx.CRISIS_CASE_SUMMARY),
        "plan": tx.CRISIS_CASE_PLAN,
        "case_meeting": True,
        "colleagues": colleagues,
    }
    followed: dict[str, YamlValue] = {
        "status": "followed_up",
        "handled_by": [reported_to[0]],
        "actions": sub.say(tx.CRISIS_FOLLOW),
    }
    closed: dict[str, YamlValue] = {
        "status": "closed",
        "handled_by": [reported_to[0]],
        "actions": sub.say(tx.CRISIS_CLOSE),
    }
    return [
        Draft(date, "crisis-report", report, sub.say(tx.CRISIS_BODY), urgent=True),
        Draft(date + 2 * DAY, "talk", follow, sub.say(tx.CRISIS_TALK)),
        Draft(date + 7 * DAY, "case-analysis", case, sub.say(tx.CRISIS_CASE_BODY)),
        Draft(date + 9 * DAY, "crisis-follow-up", followed, ""),
        Draft(date + 19 * DAY, "crisis-follow-up", closed, ""),
    ]


def attention_drafts(
    sub: Subject, date: datetime.date, reported_to: tuple[str, ...]
) -> list[Draft]:
    """A lighter case in the running semester: reported, followed up once, still open."""
    report: dict[str, YamlValue] = {
        "level": "attention",
        "signs": sub.say(tx.ATTENTION_SIGNS),
        "reported_to": list[YamlValue](reported_to),
        "actions": sub.say(tx.ATTENTION_ACTIONS),
        "referral": "school_psych",
        "parents_informed": True,
    }
    followed: dict[str, YamlValue] = {
        "status": "followed_up",
        "handled_by": [reported_to[0]],
        "actions": sub.say(tx.ATTENTION_FOLLOW),
    }
    return [
        Draft(date, "crisis-report", report, "", urgent=True),
        Draft(date + 4 * DAY, "crisis-follow-up", followed, ""),
    ]
