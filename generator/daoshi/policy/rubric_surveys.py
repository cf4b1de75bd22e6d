"""The survey items: a rank within the grade (太谷附表五“问卷调查全年级前1/3”) and an average
scaled to the item's points (青浦实验中学“测评成绩为各个受导学生测评分数的平均分值”).

Survey means are read exactly as written (``surveys.yaml``), on their own scale (1–5, or
0–100 when the row says ``scale: 100``); nothing is rounded before the total.
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

from daoshi.policy.points import exact
from daoshi.policy.rubric import Evidence, ItemScore, RubricItem
from daoshi.policy.scoring import RESPONDENTS, Band, Context, ev, num, result
from daoshi.records.model import SurveyResult

BAND_NAMES = ("前 1/3", "中 1/3", "后 1/3")
SURVEY_FIELDS = ("method", "attitude", "frequency", "effect")


def survey_average(s: SurveyResult | None) -> Fraction | None:
    """The exact mean of a survey row's aspect averages, on the row's own scale."""
    if s is None:
        return None
    values = [exact(s.scores[k]) for k in SURVEY_FIELDS if s.scores.get(k) is not None]
    return sum(values, Fraction(0)) / len(values) if values else None


def lowest(scale: int) -> int:
    """The lowest rating of a scale: 1 on the 1–5 scale, 0 on 0–100."""
    return 1 if scale == 5 else 0


def survey_share(s: SurveyResult | None, how: str = "ratio") -> Fraction | None:
    """The mean as a share of the scale: ``ratio`` mean ÷ top, ``linear`` (mean − lowest) ÷
    (top − lowest); comparable across rows on different scales."""
    mean = survey_average(s)
    if s is None or mean is None:
        return None
    if how == "linear":
        low = lowest(s.scale)
        return (mean - low) / (s.scale - low)
    return mean / s.scale


def survey_bands(context: Context, who: str) -> dict[str, Band | None]:
    """Per mentor (band index, position, group size, mean share) within the mentor's grade."""
    settings = context.rubric.settings
    groups: dict[int | None, list[tuple[Fraction, str]]] = defaultdict(list)
    out: dict[str, Band | None] = {}
    for mentor in context.mentors:
        share = survey_share(context.surveys.get((mentor, who)))
        if share is None:
            out[mentor] = None
        else:
            groups[context.cohort_of.get(mentor)].append((share, mentor))
    for members in groups.values():
        members.sort(key=lambda m: (-m[0], m[1]))
        sizes = thirds(len(members), settings["thirds"])
        bounds = [sizes[0], sizes[0] + sizes[1]]
        first: dict[Fraction, int] = {}
        last: dict[Fraction, int] = {}
        for i, (share, _) in enumerate(members):
            first.setdefault(share, i)
            last[share] = i
        for share, mentor in members:
            pos = first[share] if settings["ties"] == "shared-best" else last[share]
            band = 0 if pos < bounds[0] else 1 if pos < bounds[1] else 2
            out[mentor] = (band, pos, len(members), share)
    return out


def thirds(n: int, rule: str) -> tuple[int, int, int]:
    """Sizes of the top, middle and bottom thirds of ``n``; the remainder per ``rule``."""
    base, extra = divmod(n, 3)
    sizes = [base, base, base]
    order = (0, 1) if rule == "larger-top" else (2, 1)
    for i in order[:extra]:
        sizes[i] += 1
    return sizes[0], sizes[1], sizes[2]


def _survey_ev(s: SurveyResult, mean: Fraction, points: Fraction) -> Evidence:
    aspects = "，".join(f"{k} {num(s.scores[k])}" for k in SURVEY_FIELDS if k in s.scores)
    who = RESPONDENTS.get(s.respondents, s.respondents)
    scale = f"（满分 {s.scale}）" if s.scale != 5 else ""
    text = f"{who}问卷 {s.responses} 份，平均 {num(mean)}{scale}（{aspects}）"
    return ev("survey", text, points, survey=s, where=f"semesters/{s.semester}/surveys.yaml")


def survey_rank(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """A band by the mentor's place among the grade's mentors (top, middle, bottom third)."""
    who = str(item.params.get("respondents", "students"))
    bands = [exact(b) for b in item.params.get("bands", [item.points] * 3)]
    if who not in context.bands:
        context.bands[who] = survey_bands(context, who)
    place = context.bands[who].get(mentor)
    label = RESPONDENTS.get(who, who)
    if place is None:
        if context.rubric.settings["missing_survey"] == "zero":
            return result(item, 0, f"没有{label}调查结果，记 0 分", [])
        text = f"没有{label}调查结果，按最低一档计"
        return result(item, bands[2], text, [], BAND_NAMES[2])
    band, pos, size, _ = place
    percent = math.ceil((pos + 1) * 100 / size)
    survey = context.surveys[(mentor, who)]
    mean = survey_average(survey) or Fraction(0)
    text = (
        f"全年级 {size} 位导师中位于{BAND_NAMES[band]}（前 {percent}%），得 {num(bands[band])} 分"
    )
    evidence = [_survey_ev(survey, mean, bands[band])]
    return result(item, bands[band], text, evidence, BAND_NAMES[band])


def survey_points(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """The mean scaled to the item's points: mean ÷ top × points (``survey_scale: ratio``)
    or (mean − lowest) ÷ (top − lowest) × points (``linear``), exact."""
    who = str(item.params.get("respondents", "students"))
    survey = context.surveys.get((mentor, who))
    mean = survey_average(survey)
    if survey is None or mean is None:
        return result(item, 0, f"没有{RESPONDENTS.get(who, who)}调查结果，记 0 分", [])
    how = context.rubric.settings["survey_scale"]
    full = exact(item.points)
    points = (survey_share(survey, how) or Fraction(0)) * full
    if how == "linear":
        low = lowest(survey.scale)
        text = f"({num(mean)} − {low}) ÷ {survey.scale - low} × {num(full)} = {num(points)}"
    else:
        text = f"{num(mean)} ÷ {survey.scale} × {num(full)} = {num(points)}"
    return result(item, points, text, [_survey_ev(survey, mean, points)])
