"""What counts as a record: one definition, asked by the obligations engine and by the
appraisal alike, so that the two never disagree about the same record.

A policy says it in its ``counts`` (``forms/policies/*.yaml``): the fewest characters of
text, the fields a kind must have filled (太谷附表五“有记录有主题”: a group activity needs a
theme, and a theme of only spaces is no theme), and whether records dated outside the
semester count. Its ``settings`` say who is credited with a joint home visit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from daoshi.records.attendees import attendees
from daoshi.records.forms import Forms
from daoshi.records.model import Record, Span

COUNT_CHOICES: Mapping[str, tuple[str, ...]] = {"outside_semester": ("ignore", "count")}
JOINT_FIELD = "teachers"  # a home visit's other attending teachers (共同家访的教师)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_NONE: Mapping[str, tuple[str, ...]] = MappingProxyType({})


@dataclass(frozen=True)
class Counting:
    """A policy's ``counts``: what a record needs before it counts for anything."""

    min_body_chars: int = 0
    require: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: _NONE)
    outside_semester: str = "ignore"


NO_RULES = Counting()


def counting_of(forms: Forms, policy_ids: Iterable[str]) -> Counting:
    """The ``counts`` of the first of these policies that has any (a bad one is A505)."""
    for pid in policy_ids:
        policy = forms.policies.get(pid)
        spec = policy.counts if policy is not None else {}
        if spec:
            return _counting(spec)
    return NO_RULES


def _counting(spec: Mapping[str, Any]) -> Counting:
    chars = spec.get("min_body_chars", 0)
    require = spec.get("require") or {}
    outside = spec.get("outside_semester", "ignore")
    return Counting(
        chars if isinstance(chars, int) and not isinstance(chars, bool) else 0,
        MappingProxyType(
            {
                str(kind): tuple(str(n) for n in names)
                for kind, names in (require.items() if isinstance(require, Mapping) else ())
                if isinstance(names, list | tuple)
            }
        ),
        outside if outside in COUNT_CHOICES["outside_semester"] else "ignore",
    )


def filled(value: Any) -> bool:
    """Whether a field holds something: text of only spaces is blank, so is an empty list."""
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return any(filled(v) for v in value)
    return True


def body_chars(record: Record) -> int:
    """The record's text length, spaces and ``<!-- -->`` hints not counted."""
    return len("".join(_HTML_COMMENT.sub("", record.body).split()))


def why_not_counted(
    record: Record, rules: Counting, window: Span, forms: Forms | None = None
) -> str:
    """Why the record does not count (an empty string when it does).

    ``window`` holds the days a record of its kind may carry (the semester, or earlier for
    a home visit made 开学前); ``outside_semester: count`` counts the others too.
    """
    if rules.outside_semester == "ignore" and not window[0] <= record.date <= window[1]:
        return "日期不在学期起止之内"
    chars = body_chars(record)
    if chars < rules.min_body_chars:
        return f"正文只有 {chars} 字（少于 {rules.min_body_chars} 字）"
    missing = [n for n in rules.require.get(record.kind, ()) if not filled(record.get(n))]
    if missing:
        return "缺少" + "、".join(_label(forms, record.kind, n) for n in missing)
    return ""


def _label(forms: Forms | None, kind: str, name: str) -> str:
    form = forms.kinds.get(kind) if forms is not None else None
    spec = form.fields.get(name) if form is not None else None
    return f"{spec.label.zh}（{name}）" if spec is not None else name


def credited(record: Record, joint_visits: str) -> tuple[str, ...]:
    """The teachers a record counts for: its author, and with ``joint_visits: each`` every
    other teacher who attended (区文件：“由班主任指导或联合导师共同开展一次学生家访”)."""
    others = record.fields.get(JOINT_FIELD) if joint_visits == "each" else None
    # a school case meeting (枣庄“学校每月集中组织导师进行个案分析”) counts for each attendee
    others = [*(others or ()), *attendees(record)]
    if not others:
        return (record.mentor,)
    return tuple(dict.fromkeys((record.mentor, *(str(t) for t in others))))
