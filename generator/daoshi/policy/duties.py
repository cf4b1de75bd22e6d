"""The obligations of a policy as data: reading them from ``forms/policies/``, and the
A501/A505 checks of an obligation, a policy's ``counts`` and its ``settings``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.policy.counting import COUNT_CHOICES
from daoshi.policy.periods import ALIASES, EVERY, EVERY_LABELS
from daoshi.policy.slots import bad_slot
from daoshi.records.forms import BUNDLED_FORMS, Forms
from daoshi.records.model import MAX_BEFORE_START
from daoshi.records.staffing import STAFFING_CHOICES

# how the engine reads what the source documents leave open (docs/obligations.md)
SETTING_CHOICES: Mapping[str, tuple[str, ...]] = {
    "responsible": ("end", "longest"),  # after a dated change of mentor
    "unpaired": ("unassigned", "exempt"),  # a student with no mentor for a period
    "joint_visits": ("each", "author"),  # a home visit made by several teachers
    **STAFFING_CHOICES,  # 教师人人是导师 and 1+X, checked by the cross-file rules (X225, X226)
}
# 太谷“每位导师负责1—2个学习小组……（班主任导师可负责2—3个学习小组……）”: X253 over the cap
GROUP_CAPS = ("group_cap", "class_teacher_group_cap")
SETTING_DEFAULTS: Mapping[str, str] = {k: v[0] for k, v in SETTING_CHOICES.items()}
MAX_LAST_WEEKS = 26
OBLIGATION_KEYS = frozenset(
    {"id", "per", "kind", "also", "min", "max", "every", "due", "where", "window"}
)


@dataclass(frozen=True)
class Obligation:
    """One duty of a policy: ``min`` records of ``kind`` (or one of ``also``) per student or
    mentor, every period; ``before_start`` and ``last_weeks`` are its window."""

    policy: str
    id: str
    per: str
    kind: str
    min: int
    every: str
    due: str | None = None
    where: Mapping[str, Any] = field(default_factory=dict)
    also: tuple[str, ...] = ()
    before_start: int = 0
    last_weeks: int = 0
    grade: int = 0  # the cohort whose own rules (grade_policies) changed or added it

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every kind of record that counts for this duty."""
        return (self.kind, *self.also)

    @property
    def key(self) -> tuple[str, str, int]:
        """(policy, id, grade): one duty of one policy, or of one grade's own rules."""
        return (self.policy, self.id, self.grade)

    def describe(self, kind_labels: Mapping[str, str]) -> str:
        """每月至少 1 次谈话记录."""
        who = "每生" if self.per == "student" else "每位导师"
        kind = "或".join(kind_labels.get(k, k) for k in self.kinds)
        when = "学期末" if self.last_weeks else EVERY_LABELS[self.every]
        return f"{who}{when}至少 {self.min} 次{kind}"


def read_obligations(forms: Forms, policy_ids: Iterable[str]) -> tuple[Obligation, ...]:
    """The union of the policies' obligations; the same duty twice keeps the larger minimum."""
    merged: dict[tuple[Any, ...], Obligation] = {}
    for pid in policy_ids:
        policy = forms.policies.get(pid)
        if policy is None:
            continue
        for spec in policy.obligations:
            ob = obligation_of(pid, spec)
            if ob is None:
                continue
            key = (ob.per, ob.kind, ob.every, tuple(sorted(ob.where.items())))
            if key not in merged or merged[key].min < ob.min:
                merged[key] = ob
    return tuple(merged.values())


def policy_settings(forms: Forms, policy_ids: Iterable[str]) -> dict[str, str]:
    """The engine's settings for a semester: each from the first of its policies that sets
    it, else the default."""
    found = dict(SETTING_DEFAULTS)
    done: set[str] = set()
    for pid in policy_ids:
        policy = forms.policies.get(pid)
        for key, value in (policy.settings if policy is not None else {}).items():
            if key in SETTING_CHOICES and key not in done and value in SETTING_CHOICES[key]:
                found[key] = str(value)
                done.add(key)
    return found


def obligation_of(policy: str, spec: Mapping[str, Any]) -> Obligation | None:
    """The engine's reading of one obligation of a policy; None when it cannot read it."""
    every = ALIASES.get(str(spec.get("every")), str(spec.get("every")))
    minimum = spec.get("min", 1)
    if every not in EVERY or not isinstance(minimum, int) or spec.get("per") not in _PER:
        return None
    where = spec.get("where") or {}
    window = spec.get("window") or {}
    window = window if isinstance(window, Mapping) else {}
    also = spec.get("also") or ()
    return Obligation(
        policy=policy,
        id=str(spec.get("id", spec.get("kind"))),
        per=str(spec["per"]),
        kind=str(spec.get("kind")),
        min=minimum,
        every=every,
        due=spec.get("due"),
        where=dict(where) if isinstance(where, Mapping) else {},
        also=tuple(str(k) for k in also) if isinstance(also, list | tuple) else (),
        before_start=_days(window.get("before_start"), MAX_BEFORE_START),
        last_weeks=_days(window.get("last_weeks"), MAX_LAST_WEEKS) if every == "semester" else 0,
    )


_PER = ("student", "mentor")


def _days(value: Any, top: int) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= top
    return int(value) if ok else 0


def check_policies(forms: Forms) -> list[Problem]:
    """A501 for every obligation in forms/policies/ the engine cannot read; A505 for a bad
    ``counts`` or ``settings``."""
    problems: list[Problem] = []
    for pid, policy in sorted(forms.policies.items()):
        path = Location(_policy_path(forms, pid))
        for i, spec in enumerate(policy.obligations):
            detail = obligation_problem(spec, forms)
            if detail:
                problems.append(problem(path, "A501", policy=pid, index=i + 1, detail=detail))
        for detail in _bad_counts(policy.counts, forms) + _bad_settings(policy.settings):
            problems.append(problem(path, "A505", policy=pid, detail=detail))
    return problems


def obligation_problem(spec: Mapping[str, Any], forms: Forms) -> str:
    """What is wrong with one obligation as written (empty when nothing is)."""
    every = ALIASES.get(str(spec.get("every")), str(spec.get("every")))
    unknown = sorted(set(spec) - OBLIGATION_KEYS)
    if unknown:
        return f"未知的键 {', '.join(unknown)}，可用：{', '.join(sorted(OBLIGATION_KEYS))}"
    if spec.get("per") not in _PER:
        return "per 应为 student 或 mentor"
    also = spec.get("also") or []
    if spec.get("kind") not in forms.kinds or not isinstance(also, list):
        return f"kind 应为记录种类之一：{', '.join(sorted(forms.kinds))}"
    if any(k not in forms.kinds for k in also):
        return f"also 中的每一项应为记录种类之一：{', '.join(sorted(forms.kinds))}"
    if every not in EVERY:
        return f"every 应为 {'、'.join(EVERY)} 之一"
    minimum = spec.get("min", 1)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
        return "min 应为正整数"
    if spec.get("due") not in (None, "end"):
        return "due 只能是 end"
    if not isinstance(spec.get("where") or {}, Mapping):
        return "where 应为“字段: 值”映射"
    return _bad_window(spec.get("window"), every)


def _bad_window(window: Any, every: str) -> str:
    if window is None:
        return ""
    if not isinstance(window, Mapping) or not set(window) <= {"before_start", "last_weeks"}:
        return "window 应为 {before_start: 天数} 或 {last_weeks: 周数}"
    if "before_start" in window and not _days(window["before_start"], MAX_BEFORE_START):
        return f"window.before_start 应为 1 到 {MAX_BEFORE_START} 的整数（开学前几天起算）"
    if "last_weeks" in window:
        if every != "semester":
            return "window.last_weeks 只能用于 every: semester 的义务"
        if not _days(window["last_weeks"], MAX_LAST_WEEKS):
            return f"window.last_weeks 应为 1 到 {MAX_LAST_WEEKS} 的整数（学期最后几周）"
    return ""


def _bad_counts(counts: Mapping[str, Any], forms: Forms) -> list[str]:
    found = []
    for key, value in counts.items():
        if key == "min_body_chars":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                found.append("counts.min_body_chars 应为不小于 0 的整数")
        elif key == "require":
            found += _bad_require(value, forms)
        elif key in COUNT_CHOICES:
            if value not in COUNT_CHOICES[key]:
                found.append(f"counts.{key} 应为 {' | '.join(COUNT_CHOICES[key])}")
        else:
            found.append(
                f"counts 中未知的键 {key}，可用：min_body_chars、require、outside_semester"
            )
    return found


def _bad_require(value: Any, forms: Forms) -> list[str]:
    if not isinstance(value, Mapping):
        return ["counts.require 应为“记录种类: [字段, …]”映射"]
    found = []
    for kind, names in value.items():
        form = forms.kinds.get(kind)
        if form is None:
            found.append(f"counts.require 中的 {kind} 不是记录种类")
        elif not isinstance(names, list) or any(n not in form.fields for n in names):
            found.append(f"counts.require.{kind} 应为{form.label.zh}的字段列表")
    return found


def _bad_settings(settings: Mapping[str, Any]) -> list[str]:
    found = []
    for key, value in settings.items():
        if key == "collective_slot":
            found += [bad_slot(value)] if bad_slot(value) else []
        elif key in GROUP_CAPS:
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            found += [] if ok else [f"settings.{key} 应为正整数（学习小组个数）"]
        elif key not in SETTING_CHOICES:
            known = "、".join([*SETTING_CHOICES, "collective_slot", *GROUP_CAPS])
            found.append(f"settings 中未知的键 {key}，可用：{known}")
        elif value not in SETTING_CHOICES[key]:
            found.append(f"settings.{key} 应为 {' | '.join(SETTING_CHOICES[key])}")
    return found


def _policy_path(forms: Forms, pid: str) -> str:
    """How problems name a policy file: ours by absolute path, a school's under forms/."""
    for name in forms.paths:
        path = Path(name)
        if path.parent.name == "policies" and path.stem == pid:
            return name if BUNDLED_FORMS in path.parents else f"forms/policies/{path.name}"
    return f"forms/policies/{pid}.yaml"
