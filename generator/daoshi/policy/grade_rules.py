"""A grade's own detailed rules (青实：“各年级组成立……工作小组，负责拟定具有年级特色的管理细则
要求”): semester.yaml ``grade_policies`` gives a grade (cohort) a policy and, by obligation
ID, the fields of that policy's per-student obligations the grade changes, or new ones it
adds. The changed obligation is checked as any policy's obligation is (duties.py, the same
schema); the mentors' own obligations stay school-wide. Pure functions of the forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from daoshi.messages import language
from daoshi.policy.duties import (
    OBLIGATION_KEYS,
    Obligation,
    obligation_of,
    obligation_problem,
)
from daoshi.policy.periods import EVERY_LABELS
from daoshi.records.forms import Forms
from daoshi.records.model import GradePolicy

# what a grade may set: every key of a policy's obligation but its ID (the key it is under)
CHANGEABLE = tuple(sorted(OBLIGATION_KEYS - {"id"}))
# what a new obligation needs besides its ID
NEW_NEEDS = ("per", "kind", "every")


@dataclass(frozen=True)
class RuleProblem:
    """One problem of a grade's rules: where under the entry's ``obligations`` (the
    obligation ID, then the field), its code and the message's arguments."""

    key: tuple[str, ...]
    code: str
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleChange:
    """One rule a grade changed or added, for people: the policy's rule (empty when the
    grade added it) and the grade's."""

    before: str
    after: str


def _ident(spec: Mapping[str, Any]) -> str:
    return str(spec.get("id", spec.get("kind")))


def amended(forms: Forms, grade: GradePolicy) -> list[tuple[Mapping[str, Any], bool]]:
    """The grade's obligations as written: its policy's with the grade's changes applied,
    then the ones it adds; each with whether the grade's rules touched it."""
    policy = forms.policies.get(grade.policy)
    if policy is None:
        return []
    found = []
    for spec in policy.obligations:
        change = grade.changes.get(_ident(spec))
        found.append(({**spec, **change}, True) if change else (spec, False))
    known = {_ident(spec) for spec in policy.obligations}
    found += [({**change, "id": i}, True) for i, change in grade.changes.items() if i not in known]
    return found


def grade_obligations(forms: Forms, cohort: int, grade: GradePolicy) -> tuple[Obligation, ...]:
    """The per-student obligations the grade's students owe; those its own rules changed
    or added carry the cohort (their periods are the grade's, not the policy's)."""
    found = []
    for spec, touched in amended(forms, grade):
        ob = obligation_of(grade.policy, spec)
        if ob is not None and ob.per == "student":
            found.append(replace(ob, grade=cohort) if touched else ob)
    return tuple(found)


def rule_problems(forms: Forms, grade: GradePolicy) -> list[RuleProblem]:
    """X255 a change to an obligation the policy does not have (and too little to add one),
    X256 a change to a per-mentor obligation, X257 a field a policy's obligation cannot
    have, X258 an obligation that the changes leave wrong (the policy schema's check)."""
    policy = forms.policies.get(grade.policy)
    if policy is None:
        return []  # X205, reported with every reference
    specs = {_ident(spec): spec for spec in policy.obligations}
    found: list[RuleProblem] = []
    for oid, change in grade.changes.items():
        found += _change_problems(forms, grade.policy, specs, oid, change)
    return found


def _change_problems(
    forms: Forms,
    pid: str,
    specs: Mapping[str, Mapping[str, Any]],
    oid: str,
    change: Any,
) -> list[RuleProblem]:
    if not isinstance(change, Mapping):
        detail = "应为“项: 值”映射，如 {min: 2}"
        return [RuleProblem((oid,), "X258", {"id": oid, "detail": detail})]
    allowed = _listed(CHANGEABLE)
    unknown = [
        RuleProblem((oid, name), "X257", {"id": oid, "field": name, "allowed": allowed})
        for name in change
        if name not in CHANGEABLE
    ]
    if unknown:
        return unknown
    base = specs.get(oid)
    if base is None and not set(NEW_NEEDS) <= set(change):
        known = _listed([i for i, s in specs.items() if s.get("per") == "student"])
        return [RuleProblem((oid,), "X255", {"id": oid, "policy": pid, "known": known})]
    merged = {**(base or {}), **change, "id": oid}
    if merged.get("per") == "mentor" or (base is not None and base.get("per") == "mentor"):
        return [RuleProblem((oid,), "X256", {"id": oid, "policy": pid})]
    detail = obligation_problem(merged, forms)
    return [RuleProblem((oid,), "X258", {"id": oid, "detail": detail})] if detail else []


def _listed(names: list[str] | tuple[str, ...]) -> str:
    """Names for a message, in its language: a、b or a, b (无 / none for no names)."""
    if language() == "en":
        return ", ".join(names) or "none"
    return "、".join(names) or "无"


def rule_changes(forms: Forms, grade: GradePolicy) -> list[RuleChange]:
    """The rules the grade changed or added, in Chinese (for pages and reports)."""
    labels = {k: f.label.zh for k, f in forms.kinds.items()}
    policy = forms.policies.get(grade.policy)
    if policy is None:
        return []
    before = {_ident(s): obligation_of(grade.policy, s) for s in policy.obligations}
    found = []
    for spec, touched in amended(forms, grade):
        ob = obligation_of(grade.policy, spec)
        if touched and ob is not None and ob.per == "student":
            old = before.get(ob.id)
            found.append(RuleChange(rule_text(old, labels) if old else "", rule_text(ob, labels)))
    return found


def change_text(change: RuleChange) -> str:
    """改为 每生每月至少 2 次谈话记录（政策原为 每生每学期至少 1 次谈话记录）."""
    if not change.before:
        return f"新增 {change.after}"
    return f"改为 {change.after}（政策原为 {change.before}）"


def rule_text(ob: Obligation, kind_labels: Mapping[str, str]) -> str:
    """每生每学期至少 1 次家访记录，开学前 30 天内的也算."""
    kinds = "或".join(kind_labels.get(k, k) for k in ob.kinds)
    when = f"每学期最后 {ob.last_weeks} 周" if ob.last_weeks else EVERY_LABELS[ob.every]
    notes = []
    if ob.before_start:
        notes.append(f"开学前 {ob.before_start} 天内的也算")
    if ob.where:
        notes.append("只算符合条件的记录")
    return "，".join([f"每生{when}至少 {ob.min} 次{kinds}", *notes])
