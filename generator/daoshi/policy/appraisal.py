"""Appraisal (考核): score every mentor of a semester with a rubric from ``forms/rubrics/``.

A rubric is data: items of a few types (pairing, per-round, per-record, lost-students,
survey-rank, survey-average, input-score, base, rank-improvement, obligations) with
points and settings. Every point carries its evidence: the records, survey rows, pairing
or judged inputs that earned or lost it. Pure functions of the model and the judged
inputs (``semesters/<S>/assessments.yaml``); see docs/appraisal.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from daoshi.errors import Location, Problem, ProjectError
from daoshi.memo import paused_gc
from daoshi.messages import problem
from daoshi.policy.inputs import read_inputs
from daoshi.policy.obligations import ObligationEngine
from daoshi.policy.points import rounded
from daoshi.policy.points import text as number_text
from daoshi.policy.rubric import (
    DEFAULT_SETTINGS,
    MOVED_SETTINGS,
    NO_INPUTS,
    SETTING_CHOICES,
    Appraisal,
    Evidence,
    Inputs,
    MentorScore,
    Rubric,
    RubricItem,
)
from daoshi.policy.rubric_items import ITEM_TYPES, Context, office_evidence, score_item
from daoshi.records.forms import BUNDLED_FORMS, Forms, plain
from daoshi.records.model import Record, School, Semester
from daoshi.records.sources import parse_bytes

__all__ = [
    "appraise",
    "appraise_all",
    "by_cohort",
    "grade_counts",
    "load_rubrics",
    "read_inputs",
    "refused",
    "rubric_files",
    "rubrics_for",
    "unsigned",
]


def rubric_files(forms: Forms) -> list[tuple[Path, str]]:
    """The rubric files in effect (a records repository's forms/rubrics/ overrides ours)."""
    files = []
    for name in forms.paths:
        path = Path(name)
        if path.parent.name == "rubrics" and path.suffix == ".yaml":
            under = BUNDLED_FORMS in path.parents
            files.append((path, str(path) if under else f"forms/rubrics/{path.name}"))
    return sorted(files, key=lambda f: f[1])


def load_rubrics(forms: Forms) -> dict[str, Rubric]:
    """Every rubric, checked; ProjectError (A502) on a bad definition."""
    rubrics: dict[str, Rubric] = {}
    problems: list[Problem] = []
    for path, label in rubric_files(forms):
        parsed = parse_bytes(path.read_bytes(), label, markdown=False)
        problems += parsed.problems
        if parsed.data is not None:
            rubric = _rubric(label, parsed.data, problems)
            if rubric is not None:
                rubrics[rubric.id] = rubric
    if problems:
        raise ProjectError(problems)
    return rubrics


def _rubric(label: str, node: Any, problems: list[Problem]) -> Rubric | None:
    spec = node.value if isinstance(node.value, dict) else {}

    def fail(at: Any, detail: str) -> None:
        problems.append(problem(Location(label, at.line, at.col), "A502", detail=detail))

    ident, items_node = plain(spec.get("id")), spec.get("items")
    if not isinstance(ident, str) or items_node is None or not isinstance(items_node.value, list):
        fail(node, "考核表需要 id 和 items 列表")
        return None
    settings = dict(DEFAULT_SETTINGS)
    snode = spec.get("settings")
    for key, value in (
        snode.value if snode is not None and isinstance(snode.value, dict) else {}
    ).items():
        if key in MOVED_SETTINGS:
            fail(value, f"设置 {key} 已移到政策文件的 counts 中（义务和考核共用同一个定义）")
        elif key not in DEFAULT_SETTINGS:
            fail(value, f"未知的设置 {key}，可用：{', '.join(sorted(DEFAULT_SETTINGS))}")
        elif key in SETTING_CHOICES and value.value not in SETTING_CHOICES[key]:
            fail(value, f"设置 {key} 应为 {' | '.join(map(str, SETTING_CHOICES[key]))}")
        else:
            settings[key] = value.value
    items = []
    for inode in items_node.value:
        item = plain(inode)
        if not isinstance(item, dict) or item.get("type") not in ITEM_TYPES:
            fail(inode, f"每一项需要 type：{', '.join(sorted(ITEM_TYPES))}")
            continue
        points = item.get("points")
        if isinstance(points, bool) or not isinstance(points, int | float) or points < 0:
            fail(inode, "每一项需要非负的 points")
            continue
        if "require" in item:
            fail(inode, "require 已移到政策文件的 counts.require 中（义务和考核共用同一个定义）")
            continue
        if item["type"] in ("per-round", "obligations") and not item.get("obligation"):
            fail(inode, f"{item['type']} 项需要 obligation：政策中义务的 id")
            continue
        params = {
            k: v for k, v in item.items() if k not in ("id", "type", "label", "points", "help")
        }
        items.append(
            RubricItem(
                str(item.get("id", item["type"])),
                str(item["type"]),
                str(item.get("label", item["type"])),
                float(points),
                str(item.get("help", "")),
                params,
            )
        )
    excellent = plain(spec.get("excellent")) or {}
    policies = plain(spec.get("policies")) or []
    return Rubric(
        id=ident,
        label=_zh(plain(spec.get("label"))) or ident,
        source=str(plain(spec.get("source")) or ""),
        path=label,
        policies=tuple(str(p) for p in policies) if isinstance(policies, list) else (),
        items=tuple(items),
        settings=settings,
        excellent_top=int(excellent.get("top", 0)) if isinstance(excellent, dict) else 0,
        excellent_label=str(excellent.get("label", "优秀导师"))
        if isinstance(excellent, dict)
        else "优秀导师",
        requires_exam_ranking=plain(spec.get("requires_exam_ranking")) is True,
    )


def _zh(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("zh", ""))
    return str(value or "")


def rubrics_for(school: School, semester: Semester, rubrics: Mapping[str, Rubric]) -> list[Rubric]:
    """The rubrics a semester is appraised with: those of its policies, in policy order."""
    chosen = []
    for pid in semester.policies:
        for rubric in rubrics.values():
            if pid in rubric.policies and rubric not in chosen:
                chosen.append(rubric)
    return chosen


def refused(school: School, rubric: Rubric) -> Problem | None:
    """A503 when a rank-based rubric is used without ``exam_ranking: true``."""
    if rubric.requires_exam_ranking and not school.exam_ranking:
        return problem(Location("school.yaml"), "A503", rubric=rubric.id)
    return None


def appraise(
    school: School,
    semester: Semester,
    rubric: Rubric,
    inputs: Inputs = NO_INPUTS,
    engine: ObligationEngine | None = None,
    on: dt.date | None = None,
    records: Sequence[Record] | None = None,
) -> Appraisal:
    """Score every mentor paired in the semester as of ``on`` (default: its last day).

    Raises ProjectError (A503) when the rubric is not allowed for this school.
    """
    refusal = refused(school, rubric)
    if refusal is not None:
        raise ProjectError([refusal])
    context = Context.build(school, semester, rubric, inputs, engine, on, records)
    decimals = int(rubric.settings["total_decimals"])
    mode = str(rubric.settings["total_rounding"])
    scores = []
    for mentor in context.mentors:
        items = tuple(score_item(context, item, mentor) for item in rubric.items)
        zeroed = _zero_reasons(context, mentor)
        exact = Fraction(0) if zeroed else sum((i.exact for i in items), Fraction(0))
        total = rounded(exact, decimals, mode)
        praise = [c for c in inputs.commendations if c.mentor == mentor]
        scores.append(
            MentorScore(
                mentor,
                context.cohort_of.get(mentor),
                items,
                float(total),
                zeroed,
                "；".join(_praise_text(c) for c in praise),
                total_text=number_text(total),
                exact=exact,
                notes=_notes(context, mentor),
                review=inputs.reviews.get(mentor),
                offices=_uncounted_offices(context, mentor),
            )
        )
    return Appraisal(rubric, semester, _mark_excellent(scores, rubric))


def _praise_text(c: Any) -> str:
    who = f"（受导学生 {c.student}）" if c.student else ""
    kind = f"{c.kind}：" if c.kind else ""
    return f"{kind}{c.reason}{who}"


def _zero_reasons(context: Context, mentor: str) -> tuple[Evidence, ...]:
    """Qingpu-exp: zero for neglected duties or a mentee's serious violation (严重违纪)."""
    settings, inputs = context.rubric.settings, context.inputs
    reasons = []
    finding = inputs.neglect.get(mentor)
    if settings["zero_for_neglect"] and finding is not None:
        by = finding.by or "年级组"
        when = f"于 {finding.date} " if finding.date else ""
        note = f"：{finding.note}" if finding.note else ""
        text = f"{by}{when}认定不履行导师职责{note}"
        reasons.append(Evidence("input", text, where=finding.where))
    if settings["zero_for_violations"]:
        for v in _mentee_incidents(context, mentor, "serious"):
            text = f"受导学生 {v.student} {v.date} 严重违纪"
            reasons.append(Evidence("input", text, student=v.student, where=v.where))
    return tuple(reasons)


def _mentee_incidents(context: Context, mentor: str, severity: str) -> list[Any]:
    mentees = set(context.mentees.get(mentor, ()))
    return [
        v
        for v in context.inputs.violations
        if v.severity == severity and v.student in mentees and context.semester.contains(v.date)
    ]


def _notes(context: Context, mentor: str) -> tuple[Evidence, ...]:
    """What is shown beside the score but never scored: minor incidents (一般违纪)."""
    return tuple(
        Evidence(
            "input",
            f"受导学生 {v.student} {v.date} 一般违纪（不影响得分）",
            student=v.student,
            where=v.where,
        )
        for v in _mentee_incidents(context, mentor, "minor")
    )


def _uncounted_offices(context: Context, mentor: str) -> tuple[Evidence, ...]:
    """Other offices' scores a rubric has no item for: listed beside the score, not added."""
    if any(i.type == "office-scores" for i in context.rubric.items):
        return ()
    found = context.inputs.office_scores
    return tuple(office_evidence(o, Fraction(0)) for o in found if o.mentor == mentor)


def unsigned(appraisal: Appraisal) -> list[str]:
    """The mentors whose score the appraisal group has not signed, where the rubric asks
    for a sign-off (``group_sign_off: required``, 太谷附表五“考核组组长”)."""
    if appraisal.rubric.settings["group_sign_off"] != "required":
        return []
    return [s.mentor for s in appraisal.scores if s.review is None or not s.review.signed]


def _mark_excellent(scores: list[MentorScore], rubric: Rubric) -> tuple[MentorScore, ...]:
    """The top N by total are 优秀导师; a tie at the N-th place follows ``excellent_ties``."""
    top = rubric.excellent_top
    if top <= 0 or not scores:
        return tuple(scores)
    ordered = sorted((s.total for s in scores), reverse=True)
    if len(ordered) <= top:
        cut = ordered[-1]
    else:
        cut = ordered[top - 1]
        if rubric.settings["excellent_ties"] == "exclude" and ordered[top] == cut:
            cut = math.nextafter(cut, math.inf)
    return tuple(
        MentorScore(**{**s.__dict__, "excellent": s.total >= cut and s.total > 0}) for s in scores
    )


def appraise_all(
    school: School,
    rubrics: Mapping[str, Rubric],
    inputs: Mapping[str, Inputs],
    semesters: Iterable[Semester] | None = None,
    on: dt.date | None = None,
) -> tuple[list[Appraisal], list[Problem]]:
    """Every semester with every rubric of its policies; refused rubrics become problems."""
    with paused_gc():
        return _appraise_all(school, rubrics, inputs, semesters, on)


def _appraise_all(
    school: School,
    rubrics: Mapping[str, Rubric],
    inputs: Mapping[str, Inputs],
    semesters: Iterable[Semester] | None,
    on: dt.date | None,
) -> tuple[list[Appraisal], list[Problem]]:
    done: list[Appraisal] = []
    problems: list[Problem] = []
    by_semester: dict[str, list[Record]] = defaultdict(list)  # one pass over the records
    for r in school.records:
        by_semester[r.semester].append(r)
    for semester in semesters if semesters is not None else school.semesters:
        records = by_semester[semester.id]
        engine: ObligationEngine | None = None
        for rubric in rubrics_for(school, semester, rubrics):
            refusal = refused(school, rubric)
            if refusal is not None:
                problems.append(refusal)
                continue
            if engine is None and any(i.type == "obligations" for i in rubric.items):
                engine = ObligationEngine(school, semester, records=records)
            found = inputs.get(semester.id, NO_INPUTS)
            done.append(appraise(school, semester, rubric, found, engine, on, records))
    return done, sorted(set(problems))


def grade_counts(scores: Iterable[MentorScore]) -> Counter[int | None]:
    """How many appraised mentors each grade has."""
    return Counter(s.cohort for s in scores)


def by_cohort(appraisal: Appraisal) -> dict[int | None, list[MentorScore]]:
    """The scores grouped by the mentor's grade, best first."""
    groups: dict[int | None, list[MentorScore]] = defaultdict(list)
    for s in sorted(appraisal.scores, key=lambda s: (-s.total, s.mentor)):
        groups[s.cohort].append(s)
    return dict(groups)
