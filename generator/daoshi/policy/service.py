"""A mentor's service over the years (区文件“将导师的工作经历及成效作为教师职称晋升、创先评优等
的重要参考”): every semester the mentor served, the mentees, the records by kind and each
rubric's score. Pure: the caller passes the records an audience may see."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from daoshi.policy.rubric import Appraisal
from daoshi.records.model import Record, School, Semester


@dataclass(frozen=True)
class TermScore:
    """One rubric's result for the mentor in one semester."""

    rubric: str  # its label
    total: str  # as printed: 87.3
    full: float
    excellent: str = ""  # the rubric's label for its best (优秀导师), when earned
    provisional: bool = False


@dataclass(frozen=True)
class ServiceTerm:
    """One semester of a mentor's service."""

    semester: Semester
    mentees: int
    records: tuple[tuple[str, int], ...]  # (kind, how many), in the forms' order
    scores: tuple[TermScore, ...]


def service(
    school: School,
    mentor: str,
    records: Iterable[Record],
    appraisals: Sequence[Appraisal],
    today: dt.date | None = None,
) -> list[ServiceTerm]:
    """The semesters the mentor had mentees or wrote records in, oldest first.

    ``records``: the mentor's records (only those the reader may see); ``today`` marks a
    running semester's scores provisional."""
    by_term: dict[str, Counter[str]] = {}
    for r in records:
        if r.mentor == mentor:
            by_term.setdefault(r.semester, Counter())[r.kind] += 1
    mentees: Counter[str] = Counter()
    for p in school.pairings:
        if p.mentor == mentor:
            mentees[p.semester] += len(p.students)
    order = list(school.forms.kinds)
    terms = []
    for semester in school.semesters:
        if semester.id not in by_term and not mentees[semester.id]:
            continue
        counts = by_term.get(semester.id, Counter())
        kinds = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
        scores = []
        for a in appraisals:
            score = a.of(mentor) if a.semester.id == semester.id else None
            if score is None:
                continue
            scores.append(
                TermScore(
                    a.rubric.label,
                    score.total_text or f"{score.total:g}",
                    a.rubric.total,
                    a.rubric.excellent_label if score.excellent else "",
                    today is not None and today < semester.end,
                )
            )
        terms.append(
            ServiceTerm(
                semester,
                mentees[semester.id],
                tuple((k, counts[k]) for k in kinds),
                tuple(scores),
            )
        )
    return terms
