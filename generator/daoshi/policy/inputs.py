"""The judged inputs of an appraisal: ``semesters/<S>/assessments.yaml`` read into
``Inputs`` (grade-group scores, neglect findings with their date and deciding body,
serious and minor incidents, commendations with student and reason, exam ranks)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from daoshi.errors import Problem, ProjectError
from daoshi.messages import problem
from daoshi.policy.rubric import Commendation, Inputs, Neglect, Violation
from daoshi.records.check import Checked
from daoshi.records.filecheck import check_file
from daoshi.records.model import School

ASSESSMENTS = "assessments"


def read_inputs(root: Path, school: School) -> dict[str, Inputs]:
    """Every semester's assessments.yaml under ``root``; ProjectError when one is bad."""
    found: dict[str, Inputs] = {}
    problems: list[Problem] = []
    for semester in school.semesters:
        rel = f"semesters/{semester.id}/assessments.yaml"
        file = root / rel
        if not file.is_file():
            continue
        checked = check_file(rel, ASSESSMENTS, file.read_bytes(), school.forms)
        problems += checked.problems
        found[semester.id] = inputs_of(checked, school, problems)
    if problems:
        raise ProjectError(problems)
    return found


def inputs_of(checked: Checked, school: School, problems: list[Problem]) -> Inputs:
    """One checked assessments.yaml as ``Inputs``; A503 and A506 added to ``problems``."""
    data = checked.data or {}
    where = partial(_where, checked)
    labels = _labels(school)
    grade: dict[str, tuple[float, str]] = {}
    neglect: dict[str, Neglect] = {}
    praise: list[Commendation] = []
    for i, m in enumerate(data.get("mentors", ())):
        mentor = m["mentor"]
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
    return Inputs(checked.path, grade, neglect, tuple(praise), violations, exams)


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
    praise = form.fields.get("commendations")
    if praise is not None and praise.items is not None and "kind" in praise.items.fields:
        out["commendation_kind"] = {k: v.zh for k, v in praise.items.fields["kind"].values.items()}
    return out
