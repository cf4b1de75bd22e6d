"""The rubric item types: one scoring function each, every point with its evidence.

``appraisal.py`` loads rubrics and runs them; this module holds what each item type means
(see docs/appraisal.md for the arithmetic and the settings); the survey items are in
``rubric_surveys``. Points are exact fractions until the total is rounded (``points``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction

from daoshi.policy.obligations import MET, UPCOMING, Check
from daoshi.policy.points import exact, shown
from daoshi.policy.rubric import Evidence, ItemScore, OfficeScore, RubricItem
from daoshi.policy.rubric_surveys import (
    BAND_NAMES,
    SURVEY_FIELDS,
    survey_average,
    survey_bands,
    survey_points,
    survey_rank,
    thirds,
)
from daoshi.policy.scoring import Context, ev, item_kinds, num, result

__all__ = [
    "BAND_NAMES",
    "ITEM_TYPES",
    "SURVEY_FIELDS",
    "Context",
    "office_evidence",
    "score_item",
    "survey_average",
    "survey_bands",
    "thirds",
]


def score_item(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """One mentor's points on one item."""
    return ITEM_TYPES[item.type](context, item, mentor)


def _pairing(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    students = context.mentees.get(mentor, ())
    where = f"semesters/{context.semester.id}/pairings.yaml"
    if not students:
        text = "对接表中没有受导学生"
        return result(item, 0, text, [ev("pairing", text, where=where)])
    agreement = context.agreements.get(mentor)
    if context.rubric.settings["pairing_points"] == "agreement" and agreement is not True:
        said = "未签订" if agreement is False else "未填写是否已签"
        text = f"对接表中有 {len(students)} 名受导学生，但导师协议{said}"
        return result(item, 0, text, [ev("pairing", text, -exact(item.points), where=where)])
    text = f"对接表已填写：{len(students)} 名受导学生" + ("，已签协议" if agreement is True else "")
    return result(item, item.points, text, [ev("pairing", text, item.points, where=where)])


def _team(context: Context, item: RubricItem, mentor: str) -> list[Check]:
    """The mentor's checks of the item's obligation (periods not yet begun left out)."""
    wanted = str(item.params.get("obligation", ""))
    if mentor not in context.team:
        ids = {str(i.params.get("obligation")) for i in context.rubric.items}
        context.team[mentor] = context.engine.team_checks(mentor, context.on, ids)
    return [c for c in context.team[mentor] if c.obligation.id == wanted and c.status != UPCOMING]


def _per_round(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """附表五“每轮至少一次集体活动，有记录有主题”: the engine's own group-activity checks,
    so that the obligation and the points judge every record alike."""
    checks = [c for c in _team(context, item, mentor) if c.subject == mentor]
    if not checks:
        return result(item, 0, "本学期政策中没有这项义务，或导师没有受导学生", [])
    whole = context.rubric.settings["rounds_scoring"] == "all"
    share = exact(item.points) / len(checks)
    evidence, met = [], 0
    for c in checks:
        for r in context.records.get(mentor, ()):
            if r.kind in c.obligation.kinds and c.period.start <= r.date <= c.period.end:
                why = context.engine.reason(r, c.obligation)
                if why:
                    evidence.append(ev("record", f"{c.period.label}：不计（{why}）", record=r))
        if c.status == MET:
            met += 1
            gain = 0 if whole else share
            evidence.append(ev("record", f"{c.period.label}：有记录", gain, record=c.records[0]))
        else:
            text = f"{c.period.label}（{c.period.start}–{c.period.end}）：没有符合要求的记录"
            evidence.append(ev("period", text, 0 if whole else -share))
    if whole:
        points = exact(item.points) if met == len(checks) else Fraction(0)
        text = f"{len(checks)} 轮中 {met} 轮有集体活动；每轮都有才得 {num(item.points)} 分"
        return result(item, points, text, evidence)
    text = f"{len(checks)} 轮中 {met} 轮有集体活动，每轮 {num(share)} 分"
    return result(item, met * share, text, evidence)


def _per_record(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    each = exact(item.params.get("each", 1))
    full = exact(item.points)
    kinds = set(item_kinds(item))
    mentees = set(context.mentees.get(mentor, ()))
    plus, done = f"+{num(each)}", f"已满 {num(full)} 分，不再加分"  # made once, used often
    evidence, points, counted = [], Fraction(0), 0
    for r in context.records.get(mentor, ()):
        if r.kind not in kinds:
            continue
        why = context.reason(r)
        if why:
            evidence.append(ev("record", f"不计：{why}", record=r))
            continue
        for sid in r.students:
            if sid not in mentees:
                continue
            counted += 1
            gain = min(each, full - points)
            points += gain
            note = plus if gain == each else done
            evidence.append(ev("record", note, gain, record=r, student=sid))
    text = f"{counted} 人次 × {num(each)} 分 = {num(counted * each)}，满分 {num(full)}"
    return result(item, points, text, evidence)


def _lost(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    each = exact(item.params.get("each", 10))
    reasons = set(item.params.get("reasons", ["dropped_out"]))
    evidence = []
    for sid in context.mentees.get(mentor, ()):
        s = context.school.students.get(sid)
        if s and s.left and s.left.reason in reasons and context.semester.contains(s.left.date):
            evidence.append(ev("student", f"{s.left.date} 流失", -each, student=sid))
    text = f"流失 {len(evidence)} 人 × {num(each)} 分" if evidence else "无流失"
    return result(item, exact(item.points) - each * len(evidence), text, evidence)


def _input_score(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    found = context.inputs.grade_scores.get(mentor)
    if found is None:
        where = context.inputs.path or f"semesters/{context.semester.id}/assessments.yaml"
        return result(item, 0, "年级组尚未评分，记 0 分", [ev("input", "未评分", where=where)])
    value, where = found
    text = f"年级组评分 {num(value)}" + (
        f"（超过满分，按 {num(item.points)} 计）" if value > item.points else ""
    )
    return result(item, value, text, [ev("input", text, min(value, item.points), where=where)])


def _base(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    return result(item, item.points, f"基数 {num(item.points)} 分", [])


def _rank_gain(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    settings = context.rubric.settings
    ranks = [
        (sid, context.inputs.exams[sid])
        for sid in context.mentees.get(mentor, ())
        if sid in context.inputs.exams
    ]
    if not ranks:
        return result(item, 0, "没有受导学生的考试名次，不加分", [])
    before = Fraction(sum(r[0] for _, r in ranks), len(ranks))
    after = Fraction(sum(r[1] for _, r in ranks), len(ranks))
    gain = before - after
    if settings["rounding"] == "floor":
        gain = Fraction(math.floor(gain) if gain >= 0 else math.ceil(gain))
    per = exact(settings["per_place"])
    points = gain * per if gain > 0 or settings["deduct"] else Fraction(0)
    evidence = [
        ev("student", f"班级名次 {b} → {a}", student=sid, where=where)
        for sid, (b, a, where) in ranks
    ]
    text = f"平均名次 {float(before):.1f} → {float(after):.1f}，上升 {num(gain)} 名 × {num(per)} 分"
    floor = -exact(item.points) if settings["deduct"] else 0
    return result(item, points, text, evidence, floor=floor)


def _obligations(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    checks = _team(context, item, mentor)
    if not checks:
        return result(item, 0, "本学期政策中没有这项义务或没有受导学生", [])
    share = exact(item.points) / len(checks)
    gain = shown(share)  # one share as shown, made once: a full school has many checks
    evidence, met = [], 0
    for c in checks:
        if c.status == MET:
            met += 1
            text = f"{c.period.label}：已完成"
            evidence.append(Evidence("record", text, gain, c.records[0], c.subject))
        else:
            evidence.append(
                Evidence("student", f"{c.period.label}：未完成", -gain, None, c.subject)
            )
    text = f"{len(checks)} 项中完成 {met} 项：{met} ÷ {len(checks)} × {num(item.points)}"
    return result(item, met * share, text, evidence)


def office_evidence(o: OfficeScore, points: Fraction | None = None) -> Evidence:
    """One office's score as evidence: 政教处 · 纪律检查 +2（说明）."""
    note = f"（{o.note}）" if o.note else ""
    sign = "+" if o.points >= 0 else ""
    text = f"{o.office} · {o.aspect}检查 {sign}{num(o.points)} 分{note}"
    return ev("office", text, o.points if points is None else points, where=o.where)


def _offices(context: Context, item: RubricItem, mentor: str) -> ItemScore:
    """枣庄“政教处、艺体办负责评价学生德育、体育、卫生、纪律等的检查，量化赋分，纳入班级及
    老师考核”: the offices' scores of the mentor added up, between 0 and the item's points."""
    found = [o for o in context.inputs.office_scores if o.mentor == mentor]
    if not found:
        return result(item, 0, "政教处、艺体办尚未赋分，记 0 分", [])
    total = sum((o.points for o in found), Fraction(0))
    evidence = [office_evidence(o) for o in found]
    text = f"{len(found)} 项科室赋分合计 {num(total)}"
    if total > exact(item.points):
        text += f"（超过满分，按 {num(item.points)} 计）"
    return result(item, total, text, evidence)


ITEM_TYPES: Mapping[str, Callable[[Context, RubricItem, str], ItemScore]] = {
    "pairing": _pairing,
    "per-round": _per_round,
    "per-record": _per_record,
    "lost-students": _lost,
    "survey-rank": survey_rank,
    "survey-average": survey_points,
    "input-score": _input_score,
    "base": _base,
    "rank-improvement": _rank_gain,
    "obligations": _obligations,
    "office-scores": _offices,
}
