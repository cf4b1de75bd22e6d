"""A rubric as data: its items and settings, the judged inputs, and the scores it gives.

Read from ``forms/rubrics/`` by ``daoshi.policy.appraisal``; each item type's meaning is in
``daoshi.policy.rubric_items``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from daoshi.policy.points import ROUNDING
from daoshi.records.model import Record, Semester, SurveyResult

DEFAULT_SETTINGS: Mapping[str, Any] = {
    "ties": "shared-best",
    "thirds": "larger-top",
    "missing_survey": "lowest-band",
    "missing_input": "zero",
    "excellent_ties": "include",
    "survey_scale": "ratio",
    "survey_bad_rows": "refuse",
    "zero_for_neglect": False,
    "zero_for_violations": False,
    "per_place": 1,
    "deduct": False,
    "rounding": "floor",
    "rounds_scoring": "share",
    "pairing_points": "listed",
    "total_decimals": 2,
    "total_rounding": "half-up",
    "group_sign_off": "optional",
}
SETTING_CHOICES: Mapping[str, tuple[Any, ...]] = {
    "ties": ("shared-best", "shared-worst"),
    "thirds": ("larger-top", "larger-bottom"),
    "missing_survey": ("lowest-band", "zero"),
    "missing_input": ("zero",),
    "excellent_ties": ("include", "exclude"),
    "survey_scale": ("ratio", "linear"),
    "survey_bad_rows": ("refuse", "exclude"),
    "rounding": ("floor", "none"),
    "rounds_scoring": ("share", "all"),
    "pairing_points": ("listed", "agreement"),
    "total_decimals": (0, 1, 2, 3, 4),
    "total_rounding": ROUNDING,
    "group_sign_off": ("optional", "required"),
}
# settings that moved to the policy's ``counts`` (one definition of what counts, for the
# obligations and the appraisal alike): a rubric that still has one is told where (A502)
MOVED_SETTINGS = frozenset({"min_body_chars", "outside_semester"})


@dataclass(frozen=True)
class Rubric:
    """A rubric from ``forms/rubrics/``; applies to semesters using one of its policies."""

    id: str
    label: str
    source: str
    path: str
    policies: tuple[str, ...]
    items: tuple[RubricItem, ...]
    settings: Mapping[str, Any]
    excellent_top: int = 0
    excellent_label: str = "优秀导师"
    requires_exam_ranking: bool = False

    @property
    def total(self) -> float:
        """Full marks: the sum of the items' points."""
        return sum(i.points for i in self.items)


@dataclass(frozen=True)
class MentorScore:
    """A mentor's appraisal in one semester under one rubric."""

    mentor: str
    cohort: int | None
    items: tuple[ItemScore, ...]
    total: float
    zeroed: tuple[Evidence, ...] = ()
    commendation: str = ""
    excellent: bool = False
    total_text: str = ""  # the rounded total as printed: 87.3
    exact: Fraction = Fraction(0)  # the items' exact sum, before the one rounding
    notes: tuple[Evidence, ...] = ()  # minor incidents, commendations: shown, not scored
    review: GroupReview | None = None  # 考核组评价 and the group leader's sign-off
    offices: tuple[Evidence, ...] = ()  # other offices' scores a rubric does not count


@dataclass(frozen=True)
class Appraisal:
    """Every mentor of a semester scored with one rubric."""

    rubric: Rubric
    semester: Semester
    scores: tuple[MentorScore, ...]

    def of(self, mentor: str) -> MentorScore | None:
        """One mentor's score, if appraised."""
        return next((s for s in self.scores if s.mentor == mentor), None)


@dataclass(frozen=True)
class Violation:
    """A mentee's violation from assessments.yaml: ``serious`` (严重违纪, zeroes the mentor
    under 青浦实验中学) or ``minor`` (一般违纪: listed, never scored)."""

    student: str
    date: Any
    kind: str
    where: str
    severity: str = "serious"


@dataclass(frozen=True)
class Neglect:
    """A finding that a mentor neglected the duties (不履行导师职责): when, by whom."""

    mentor: str
    where: str
    date: dt.date | None = None
    by: str = ""  # the deciding body's label: 年级组、领导小组 …
    note: str = ""


@dataclass(frozen=True)
class Commendation:
    """A special commendation (特别嘉奖): a mentee's striking progress or an innovation."""

    mentor: str
    reason: str
    where: str
    student: str | None = None
    kind: str = ""  # 进步特别明显 | 创新做法 (its label)


@dataclass(frozen=True)
class GroupReview:
    """The appraisal group's comment and its leader's sign-off (太谷附表五“考核组评价”
    “考核组组长”); signed when both the leader and the date are given."""

    mentor: str
    where: str
    comment: str = ""
    leader: str = ""
    signed_on: dt.date | None = None

    @property
    def signed(self) -> bool:
        """Whether the group leader signed the result."""
        return bool(self.leader) and self.signed_on is not None


@dataclass(frozen=True)
class OfficeScore:
    """Another office's quantified score of a mentor (枣庄“政教处、艺体办……量化赋分”)."""

    mentor: str
    office: str  # its label: 政教处 | 艺体办
    aspect: str  # its label: 德育 | 体育 | 卫生 | 纪律
    points: Fraction
    where: str
    note: str = ""


@dataclass(frozen=True)
class Inputs:
    """The judged parts of one semester's appraisal (``semesters/<S>/assessments.yaml``)."""

    path: str = ""
    grade_scores: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    neglect: Mapping[str, Neglect] = field(default_factory=dict)
    commendations: tuple[Commendation, ...] = ()
    violations: tuple[Violation, ...] = ()
    exams: Mapping[str, tuple[int, int, str]] = field(default_factory=dict)
    reviews: Mapping[str, GroupReview] = field(default_factory=dict)
    office_scores: tuple[OfficeScore, ...] = ()


NO_INPUTS = Inputs()


@dataclass(frozen=True)
class RubricItem:
    """One line of a rubric: its type, label, full points and parameters."""

    id: str
    type: str
    label: str
    points: float
    help: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


class Evidence(NamedTuple):
    """What earned or lost points: a record, a survey row, a student, a judged input.

    A named tuple, not a dataclass: an appraisal makes one per record and check.
    """

    kind: str  # record | survey | student | pairing | input | period | office
    text: str
    points: float = 0.0
    record: Record | None = None
    student: str | None = None
    survey: SurveyResult | None = None
    where: str = ""


@dataclass(frozen=True)
class ItemScore:
    """A mentor's points on one rubric item, how they were reached, and the evidence."""

    item: RubricItem
    points: float  # as shown: two decimals, half up
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    band: str = ""
    exact: Fraction = Fraction(0)  # what the total sums
