"""The judged inputs of an appraisal: ``semesters/<S>/assessments.yaml`` read into
``Inputs`` (grade-group scores, neglect findings with their date and deciding body,
serious and minor incidents, commendations with student and reason, exam ranks)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from daoshi.errors import Problem, ProjectError
from daoshi.memo import IdentityMemo
from daoshi.messages import problem
from daoshi.policy.points import exact
from daoshi.policy.rubric import (
    Commendation,
    GroupReview,
    Inputs,
    Neglect,
    OfficeScore,
    Violation,
)
from daoshi.records.check import Checked
from daoshi.records.filecheck import check_file
from daoshi.records.model import School

ASSESSMENTS = "assessments"


# the inputs read last, by the files' bytes and what they were checked against: every
# audience of a build, and every update whose commits left them alone, reads them once
_READ: IdentityMemo[dict[str, Inputs]] = IdentityMemo(1)


def read_inputs(root: Path, school: School) -> dict[str, Inputs]:
    """Every semester's assessments.yaml under ``root``; ProjectError when one is bad."""
    files = []
    for semester in school.semesters:
        rel = f"semesters/{semester.id}/assessments.yaml"
        file = root / rel
        if file.is_file():
            files.append((semester, rel, file.read_bytes()))

    def read() -> dict[str, Inputs]:
        found: dict[str, Inputs] = {}
        problems: list[Problem] = []
        for semester, rel, data in files:
            checked = check_file(rel, ASSESSMENTS, data, school.forms)
            problems += checked.problems
            found[semester.id] = inputs_of(checked, school, problems, semester.start)
        if problems:
            raise ProjectError(problems)
        return found

    held = (school.forms, school.students, school.teachers)
    plain = (root, school.exam_ranking, *((s.id, s.start, b) for s, _, b in files))
    return dict(_READ.get(held, read, plain))


def inputs_of(
    checked: Checked, school: School, problems: list[Problem], start: Any = None
) -> Inputs:
    """One checked assessments.yaml as ``Inputs``; A503, A506, A510 and A511 added to
    ``problems`` (``start``: the semester's first day, which no sign-off precedes)."""
    data = checked.data or {}
    where = partial(_where, checked)
    labels = _labels(school)
    grade: dict[str, tuple[float, str]] = {}
    neglect: dict[str, Neglect] = {}
    praise: list[Commendation] = []
    reviews: dict[str, GroupReview] = {}
    for i, m in enumerate(data.get("mentors", ())):
        mentor = m["mentor"]
        review = _review(checked, i, m, start, problems)
        if review is not None:
            reviews[mentor] = review
        if "grade_score" in m:
            grade[mentor] = (float(m["grade_score"]), where("mentors", i, "grade_score"))
        if m.get("neglect"):
            if "neglect_date" not in m or "neglect_by" not in m:
                problems.append(problem(checked.loc("mentors", i, "neglect"), "A506"))
            by = labels.get("neglect_by", {}).get(m.get("neglect_by", ""), "")
            neglect[mentor] = Neglect(
                mentor,
                where("mentors", i, "neglect"),
                m.get("neglect_date"),
                by,
                str(m.get("neglect_note", "")),
            )
        if m.get("commendation"):
            praise.append(
                Commendation(mentor, str(m["commendation"]), where("mentors", i, "commendation"))
            )
    for i, c in enumerate(data.get("commendations", ())):
        kind = labels.get("commendation_kind", {}).get(c.get("kind", ""), "")
        praise.append(
            Commendation(
                c["mentor"], str(c["reason"]), where("commendations", i), c.get("student"), kind
            )
        )
    exams = {
        e["student"]: (e["before"], e["after"], where("exams", i, "student"))
        for i, e in enumerate(data.get("exams", ()))
    }
    if exams and not school.exam_ranking:
        problems.append(problem(checked.loc("exams"), "A503", rubric="assessments.yaml"))
    violations = tuple(
        Violation(
            v["student"],
            v["date"],
            v["kind"],
            where("violations", i, "student"),
            str(v.get("severity", "serious")),
        )
        for i, v in enumerate(data.get("violations", ()))
    )
    offices = tuple(
        OfficeScore(
            o["mentor"],
            labels.get("office", {}).get(o["office"], o["office"]),
            labels.get("aspect", {}).get(o["aspect"], o["aspect"]),
            exact(o["points"]),
            where("office_scores", i, "points"),
            str(o.get("note", "")),
        )
        for i, o in enumerate(data.get("office_scores", ()))
    )
    return Inputs(checked.path, grade, neglect, tuple(praise), violations, exams, reviews, offices)


def _review(
    checked: Checked, i: int, m: Mapping[str, Any], start: Any, problems: list[Problem]
) -> GroupReview | None:
    """太谷附表五“考核组评价”“考核组组长”: the comment and the leader's dated sign-off.
    A510 when only one of leader and date is written, A511 when signed before the term."""
    leader, signed = m.get("group_leader"), m.get("signed_on")
    if not m.get("group_comment") and leader is None and signed is None:
        return None
    if (leader is None) != (signed is None):
        given = "group_leader" if leader is not None else "signed_on"
        problems.append(problem(checked.loc("mentors", i, given), "A510"))
    if signed is not None and start is not None and signed < start:
        problems.append(
            problem(checked.loc("mentors", i, "signed_on"), "A511", date=signed, start=start)
        )
    return GroupReview(
        m["mentor"],
        _where(checked, "mentors", i),
        str(m.get("group_comment", "")),
        str(leader or ""),
        signed,
    )


def _where(checked: Checked, *keys: str | int) -> str:
    return str(checked.loc(*keys))


def _labels(school: School) -> dict[str, Mapping[str, str]]:
    """Chinese labels of the enum fields the evidence names (the deciding body …)."""
    form = school.forms.files.get(ASSESSMENTS)
    out: dict[str, Mapping[str, str]] = {}
    if form is None:
        return out
    fields: Mapping[str, Any] = {}
    mentors = form.fields.get("mentors")
    if mentors is not None and mentors.items is not None:
        fields = mentors.items.fields
    if "neglect_by" in fields:
        out["neglect_by"] = {k: v.zh for k, v in fields["neglect_by"].values.items()}
    offices = form.fields.get("office_scores")
    if offices is not None and offices.items is not None:
        for key in ("office", "aspect"):
            if key in offices.items.fields:
                out[key] = {k: v.zh for k, v in offices.items.fields[key].values.items()}
    praise = form.fields.get("commendations")
    if praise is not None and praise.items is not None and "kind" in praise.items.fields:
        out["commendation_kind"] = {k: v.zh for k, v in praise.items.fields["kind"].values.items()}
    return out
