"""What every rubric item of one semester's appraisal reads (indexed once), and the
helpers that make an item's score and its evidence."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from daoshi.policy.counting import Counting, counting_of, credited, why_not_counted
from daoshi.policy.obligations import Check, ObligationEngine
from daoshi.policy.points import exact, shown
from daoshi.policy.points import text as num_text
from daoshi.policy.rubric import Evidence, Inputs, ItemScore, Rubric, RubricItem
from daoshi.records.model import Record, School, Semester, Span, SurveyResult, record_window

RESPONDENTS = {"students": "学生", "parents": "家长"}
Band = tuple[int, int, int, Fraction]  # band index, position, group size, mean share


@dataclass
class Context:
    """What every item of one semester's appraisal reads, indexed once."""

    school: School
    semester: Semester
    rubric: Rubric
    inputs: Inputs
    engine: ObligationEngine
    on: dt.date
    mentors: list[str]
    mentees: dict[str, tuple[str, ...]]
    cohort_of: dict[str, int]
    records: dict[str, list[Record]]
    surveys: dict[tuple[str, str], SurveyResult]
    counting: Counting
    bands: dict[str, dict[str, Band | None]] = field(default_factory=dict)
    team: dict[str, list[Check]] = field(default_factory=dict)  # obligation checks per mentor
    agreements: dict[str, bool | None] = field(default_factory=dict)
    windows: dict[str, Span] = field(default_factory=dict)  # record_window by kind

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
        mentees: dict[str, tuple[str, ...]] = {}
        agreements: dict[str, bool | None] = {}
        for p in school.pairings:
            if p.semester == semester.id:
                mentees[p.mentor] = p.students
                agreements[p.mentor] = p.agreement
        cohort_of = {}
        for mentor, students in mentees.items():
            cohorts = Counter(
                school.students[s].cohort for s in students if s in school.students
            ).most_common()
            if cohorts:
                best = cohorts[0][1]
                cohort_of[mentor] = min(c for c, n in cohorts if n == best)
        kinds = {k for i in rubric.items for k in item_kinds(i)}
        engine = engine or ObligationEngine(school, semester, records=source)
        joint = engine.settings["joint_visits"]
        records: dict[str, list[Record]] = defaultdict(list)
        for r in school.records if source is None else source:
            if r.semester == semester.id and r.kind in kinds:
                for teacher in credited(r, joint):
                    if teacher in mentees:
                        records[teacher].append(r)
        for found in records.values():
            found.sort(key=lambda r: (r.date, r.path))
        surveys = {
            (s.mentor, s.respondents): s for s in school.surveys if s.semester == semester.id
        }
        policies = [p for p in semester.policies if p in rubric.policies] or rubric.policies
        return cls(
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
            counting_of(school.forms, policies),
            agreements=agreements,
        )

    def reason(self, r: Record) -> str:
        """Why a record does not count (empty when it does): the policy's one definition."""
        if r.kind not in self.windows:
            self.windows[r.kind] = record_window(self.school.forms, self.semester, r.kind)
        return why_not_counted(r, self.counting, self.windows[r.kind], self.school.forms)


def item_kinds(item: RubricItem) -> list[str]:
    """The record kinds an item reads."""
    kinds = item.params.get("kinds") or [item.params.get("kind")]
    return [str(k) for k in kinds if k]


def result(
    item: RubricItem,
    points: Fraction | float | int,
    text: str,
    evidence: list[Evidence],
    band: str = "",
    floor: Fraction | float | int = 0,
) -> ItemScore:
    """An item's score, kept within [floor, full points], exact and as shown."""
    value = max(exact(floor), min(exact(points), exact(item.points)))
    return ItemScore(item, shown(value), text, tuple(evidence), band, value)


def ev(kind: str, text: str, points: Fraction | float | int = 0, **extra: Any) -> Evidence:
    """One line of evidence, its points as shown."""
    return Evidence(kind, text, shown(exact(points)), **extra)


def num(value: Fraction | float | int) -> str:
    """A number in an explanation: 6, 7.5, 6.67."""
    return num_text(exact(value))
