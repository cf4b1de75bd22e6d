"""The rubric item types: one scoring function each, every point with its evidence.

``appraisal.py`` loads rubrics and runs them; this module holds what each item type
means (see docs/appraisal.md for the arithmetic and the settings).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from daoshi.policy.obligations import MET, UPCOMING, Check, ObligationEngine, periods
from daoshi.policy.rubric import Evidence, Inputs, ItemScore, Rubric, RubricItem
from daoshi.records.model import Record, School, Semester, SurveyResult

BAND_NAMES = ("前 1/3", "中 1/3", "后 1/3")
SURVEY_FIELDS = ("method", "attitude", "frequency", "effect")
RESPONDENTS = {"students": "学生", "parents": "家长"}


@dataclass
class Context:
    """What every item of one semester's appraisal reads, indexed once."""

    school: School
    semester: Semester
    rubric: Rubric
    inputs: Inputs
    engine: ObligationEngine | None
    on: dt.date
    mentors: list[str]
    mentees: dict[str, tuple[str, ...]]
    cohort_of: dict[str, int]
    records: dict[str, list[Record]]
    surveys: dict[tuple[str, str], SurveyResult]
    bands: dict[str, dict[str, tuple[int, int, int, float] | None]]
    team: dict[str, list[Check]] = field(default_factory=dict)  # obligation checks per mentor

    @classmethod
    def build(
        cls,
        school: School,
        semester: Semester,
        rubric: Rubric,
        inputs: Inputs,
        engine: ObligationEngine | None,
        on: dt.date | None = None,
        source: Iterable[Record] | None = None,
    ) -> Context:
        mentees = {p.mentor: p.students for p in school.pairings if p.semester == semester.id}
        cohort_of = {}
        for mentor, students in mentees.items():
            cohorts = Counter(
                school.students[s].cohort for s in students if s in school.students
            ).most_common()
            if cohorts:
                best = cohorts[0][1]
                cohort_of[mentor] = min(c for c, n in cohorts if n == best)
        kinds = {k for i in rubric.items for k in _kinds(i)}
        records: dict[str, list[Record]] = defaultdict(list)
        for r in school.records if source is None else source:
            if r.semester == semester.id and r.kind in kinds and r.mentor in mentees:
                records[r.mentor].append(r)
        for found in records.values():
            found.sort(key=lambda r: (r.date, r.path))
        surveys = {
            (s.mentor, s.respondents): s for s in school.surveys if s.semester == semester.id
        }
        if engine is None and any(i.type == "obligations" for i in rubric.items):
            engine = ObligationEngine(school, semester, records=source)
        context = cls(
            school,
            semester,
            rubric,
            inputs,
            engine,
            min(on or semester.end, semester.end),
            sorted(mentees),
            mentees,
            cohort_of,
            records,
            surveys,
            {},
        )
        for item in rubric.items:
            if item.type == "survey-rank":
                who = str(item.params.get("respondents", "students"))
                context.bands[who] = survey_bands(context, who)
        return context


def _kinds(item: RubricItem) -> list[str]:
    kinds = item.params.get("kinds") or [item.params.get("kind")]
    return [str(k) for k in kinds if k]


def counts(context: Context, r: Record, require: list[str]) -> str:
    """Why a record does not count as "recorded" (empty string when it counts)."""
    settings = context.rubric.settings
    if settings["outside_semester"] == "ignore" and not context.semester.contains(r.date):
        return "日期不在学期起止之内"
    chars = len("".join(r.body.split()))
    if chars < int(settings["min_body_chars"]):
        return f"正文只有 {chars} 字（少于 {settings['min_body_chars']} 字）"
    missing = [name for name in require if not r.get(name)]
    if missing:
        return f"缺少 {'、'.join(missing)}"
    return ""


def score_item(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """One mentor's points on one item."""
    return ITEM_TYPES[item.type](context, item, mentor)


def _result(
    item: RubricItem,
    points: float,
    text: str,
    evidence: list[Evidence],
    band: str = "",
    floor: float = 0.0,
) -> ItemScore:
    """An item's score, kept within [floor, full points]."""
    return ItemScore(
        item, round(max(floor, min(points, item.points)), 2), text, tuple(evidence), band
    )


def _ev(kind: str, text: str, points: float = 0.0, **extra: Any) -> Evidence:
    return Evidence(kind, text, round(points, 2), **extra)


def _pairing(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    students = context.mentees.get(mentor, ())
    where = f"semesters/{context.semester.id}/pairings.yaml"
    if not students:
        return _result(
            item, 0, "对接表中没有受导学生", [_ev("pairing", "对接表中没有受导学生", where=where)]
        )
    text = f"对接表已填写：{len(students)} 名受导学生"
    return _result(item, item.points, text, [_ev("pairing", text, item.points, where=where)])


def _per_round(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    rounds = periods("round", context.semester)
    share = item.points / len(rounds)
    require = [str(x) for x in item.params.get("require", [])]
    kinds = set(_kinds(item))
    evidence, met = [], 0
    for period in rounds:
        found = [
            r
            for r in context.records.get(mentor, ())
            if r.kind in kinds and period.start <= r.date <= period.end
        ]
        good = [r for r in found if not counts(context, r, require)]
        for r in found:
            why = counts(context, r, require)
            if why:
                evidence.append(_ev("record", f"{period.label}：不计（{why}）", record=r))
        if good:
            met += 1
            evidence.append(_ev("record", f"{period.label}：有记录", share, record=good[0]))
        else:
            evidence.append(
                _ev(
                    "period",
                    f"{period.label}（{period.start}–{period.end}）：没有符合要求的记录",
                    -share,
                )
            )
    text = f"{len(rounds)} 轮中 {met} 轮有集体活动，每轮 {_num(share)} 分"
    return _result(item, met * share, text, evidence)


def _per_record(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    each = float(item.params.get("each", 1))
    kinds = set(_kinds(item))
    require = [str(x) for x in item.params.get("require", [])]
    mentees = set(context.mentees.get(mentor, ()))
    evidence, points, counted = [], 0.0, 0
    for r in context.records.get(mentor, ()):
        if r.kind not in kinds:
            continue
        why = counts(context, r, require)
        if why:
            evidence.append(_ev("record", f"不计：{why}", record=r))
            continue
        for sid in r.students:
            if sid not in mentees:
                continue
            counted += 1
            gain = min(each, item.points - points)
            points += gain
            note = f"+{_num(each)}" if gain == each else f"已满 {_num(item.points)} 分，不再加分"
            evidence.append(_ev("record", note, gain, record=r, student=sid))
    text = f"{counted} 人次 × {_num(each)} 分 = {_num(counted * each)}，满分 {_num(item.points)}"
    return _result(item, points, text, evidence)


def _lost(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    each = float(item.params.get("each", 10))
    reasons = set(item.params.get("reasons", ["dropped_out"]))
    evidence = []
    for sid in context.mentees.get(mentor, ()):
        s = context.school.students.get(sid)
        if s and s.left and s.left.reason in reasons and context.semester.contains(s.left.date):
            evidence.append(_ev("student", f"{s.left.date} 流失", -each, student=sid))
    text = f"流失 {len(evidence)} 人 × {_num(each)} 分" if evidence else "无流失"
    return _result(item, item.points - each * len(evidence), text, evidence)


def survey_average(s: SurveyResult | None) -> float | None:
    """The mean of a survey row's averages (the four aspects)."""
    if s is None:
        return None
    values = [s.scores[k] for k in SURVEY_FIELDS if s.scores.get(k) is not None]
    return sum(values) / len(values) if values else None


def _survey_ev(s: SurveyResult, mean: float, points: float) -> Evidence:
    aspects = "，".join(f"{k} {s.scores[k]}" for k in SURVEY_FIELDS if k in s.scores)
    who = RESPONDENTS.get(s.respondents, s.respondents)
    text = f"{who}问卷 {s.responses} 份，平均 {mean:.2f}（{aspects}）"
    return _ev("survey", text, points, survey=s, where=f"semesters/{s.semester}/surveys.yaml")


def survey_bands(context: Context, who: str) -> dict[str, tuple[int, int, int, float] | None]:
    """Per mentor (band index, position, group size, mean) within the mentor's grade."""
    settings = context.rubric.settings
    groups: dict[int | None, list[tuple[float, str]]] = defaultdict(list)
    result: dict[str, tuple[int, int, int, float] | None] = {}
    for mentor in context.mentors:
        mean = survey_average(context.surveys.get((mentor, who)))
        if mean is None:
            result[mentor] = None
        else:
            groups[context.cohort_of.get(mentor)].append((round(mean, 6), mentor))
    for members in groups.values():
        members.sort(key=lambda m: (-m[0], m[1]))
        sizes = thirds(len(members), settings["thirds"])
        bounds = [sizes[0], sizes[0] + sizes[1]]
        first: dict[float, int] = {}
        last: dict[float, int] = {}
        for i, (mean, _) in enumerate(members):
            first.setdefault(mean, i)
            last[mean] = i
        for mean, mentor in members:
            pos = first[mean] if settings["ties"] == "shared-best" else last[mean]
            band = 0 if pos < bounds[0] else 1 if pos < bounds[1] else 2
            result[mentor] = (band, pos, len(members), mean)
    return result


def thirds(n: int, rule: str) -> tuple[int, int, int]:
    """Sizes of the top, middle and bottom thirds of ``n``; the remainder per ``rule``."""
    base, extra = divmod(n, 3)
    sizes = [base, base, base]
    order = (0, 1) if rule == "larger-top" else (2, 1)
    for i in order[:extra]:
        sizes[i] += 1
    return sizes[0], sizes[1], sizes[2]


def _survey_rank(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    who = str(item.params.get("respondents", "students"))
    bands = [float(b) for b in item.params.get("bands", [item.points, item.points, item.points])]
    place = context.bands[who].get(mentor)
    label = RESPONDENTS.get(who, who)
    if place is None:
        if context.rubric.settings["missing_survey"] == "zero":
            return _result(item, 0, f"没有{label}调查结果，记 0 分", [])
        text = f"没有{label}调查结果，按最低一档计"
        return _result(item, bands[2], text, [], BAND_NAMES[2])
    band, pos, size, mean = place
    percent = math.ceil((pos + 1) * 100 / size)
    survey = context.surveys[(mentor, who)]
    text = (
        f"全年级 {size} 位导师中位于{BAND_NAMES[band]}（前 {percent}%），得 {_num(bands[band])} 分"
    )
    return _result(
        item, bands[band], text, [_survey_ev(survey, mean, bands[band])], BAND_NAMES[band]
    )


def _survey_average(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    who = str(item.params.get("respondents", "students"))
    survey = context.surveys.get((mentor, who))
    mean = survey_average(survey)
    if survey is None or mean is None:
        return _result(item, 0, f"没有{RESPONDENTS.get(who, who)}调查结果，记 0 分", [])
    if context.rubric.settings["survey_scale"] == "linear":
        points = (mean - 1) / 4 * item.points
        text = f"({mean:.2f} − 1) ÷ 4 × {_num(item.points)} = {points:.2f}"
    else:
        points = mean / 5 * item.points
        text = f"{mean:.2f} ÷ 5 × {_num(item.points)} = {points:.2f}"
    return _result(item, points, text, [_survey_ev(survey, mean, points)])


def _input_score(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    found = context.inputs.grade_scores.get(mentor)
    if found is None:
        where = context.inputs.path or f"semesters/{context.semester.id}/assessments.yaml"
        return _result(item, 0, "年级组尚未评分，记 0 分", [_ev("input", "未评分", where=where)])
    value, where = found
    text = f"年级组评分 {_num(value)}" + (
        f"（超过满分，按 {_num(item.points)} 计）" if value > item.points else ""
    )
    return _result(item, value, text, [_ev("input", text, min(value, item.points), where=where)])


def _base(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    return _result(item, item.points, f"基数 {_num(item.points)} 分", [])


def _rank_gain(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    settings = context.rubric.settings
    ranks = [
        (sid, context.inputs.exams[sid])
        for sid in context.mentees.get(mentor, ())
        if sid in context.inputs.exams
    ]
    if not ranks:
        return _result(item, 0, "没有受导学生的考试名次，不加分", [])
    before = sum(r[0] for _, r in ranks) / len(ranks)
    after = sum(r[1] for _, r in ranks) / len(ranks)
    gain = before - after
    if settings["rounding"] == "floor":
        gain = float(math.floor(gain)) if gain >= 0 else float(math.ceil(gain))
    per = float(settings["per_place"])
    points = gain * per if gain > 0 or settings["deduct"] else 0.0
    evidence = [
        _ev("student", f"班级名次 {b} → {a}", student=sid, where=where)
        for sid, (b, a, where) in ranks
    ]
    text = f"平均名次 {before:.1f} → {after:.1f}，上升 {_num(gain)} 名 × {_num(per)} 分"
    return _result(item, points, text, evidence, floor=-item.points if settings["deduct"] else 0)


def _obligations(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    engine = context.engine
    assert engine is not None
    wanted = str(item.params.get("obligation", ""))
    if mentor not in context.team:
        wanted_ids = {str(i.params.get("obligation")) for i in context.rubric.items}
        context.team[mentor] = engine.team_checks(mentor, context.on, wanted_ids)
    checks = [c for c in context.team[mentor] if c.obligation.id == wanted and c.status != UPCOMING]
    if not checks:
        return _result(item, 0, "本学期政策中没有这项义务或没有受导学生", [])
    share = item.points / len(checks)
    evidence, met = [], 0
    for c in checks:
        if c.status == MET:
            met += 1
            evidence.append(
                _ev(
                    "record",
                    f"{c.period.label}：已完成",
                    share,
                    record=c.records[0],
                    student=c.subject,
                )
            )
        else:
            evidence.append(_ev("student", f"{c.period.label}：未完成", -share, student=c.subject))
    text = f"{len(checks)} 项中完成 {met} 项：{met} ÷ {len(checks)} × {_num(item.points)}"
    return _result(item, met * share, text, evidence)


def _num(value: float) -> str:
    return f"{value:g}" if value == round(value, 2) else f"{value:.2f}"


ITEM_TYPES: Mapping[str, Callable[[Context, RubricItem, str], ItemScore]] = {
    "pairing": _pairing,
    "per-round": _per_round,
    "per-record": _per_record,
    "lost-students": _lost,
    "survey-rank": _survey_rank,
    "survey-average": _survey_average,
    "input-score": _input_score,
    "base": _base,
    "rank-improvement": _rank_gain,
    "obligations": _obligations,
}
