"""Import students' and parents' ratings of mentors from a CSV or XLSX export.

Two shapes are read (docs/appraisal.md): one row per mentor with averages (an office's
summary table, with a 有效问卷数 column), or one row per questionnaire as a questionnaire
tool exports it (no 有效问卷数 column): the rows of a mentor and respondent group are then
averaged. The result replaces those mentors' rows in ``semesters/<S>/surveys.yaml``;
nothing is written when any row has a problem.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from daoshi.errors import Location, Problem, ProjectError
from daoshi.messages import problem
from daoshi.records.filecheck import check_file
from daoshi.records.forms import Forms
from daoshi.year.tables import Row, read_table

ASPECTS = ("method", "attitude", "frequency", "effect")
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "mentor": ("导师工号", "工号", "导师", "导师编号", "mentor"),
    "respondents": ("评价人", "评价人类别", "填写人", "身份", "respondents"),
    "responses": ("有效问卷数", "问卷数", "份数", "responses"),
    "method": ("方法", "指导方法", "理论水平", "method"),
    "attitude": ("态度", "指导态度", "工作态度", "attitude"),
    "frequency": ("频率", "指导次数", "沟通次数", "次数", "frequency"),
    "effect": ("效果", "指导效果", "育人效果", "effect"),
}
RESPONDENTS = {
    "学生": "students",
    "students": "students",
    "student": "students",
    "家长": "parents",
    "parents": "parents",
    "parent": "parents",
}
RESPONDENT_NAMES = {"students": "学生", "parents": "家长"}


@dataclass(frozen=True)
class SurveyRow:
    """One mentor's averages from one respondent group."""

    mentor: str
    respondents: str
    responses: int
    scores: Mapping[str, float]


def read_surveys(
    path: Path,
    teachers: set[str],
    respondents: str | None = None,
    sheet: str | None = None,
) -> list[SurveyRow]:
    """Rows of a survey file, aggregated per mentor and group; ProjectError on any problem."""
    required = {"mentor", *ASPECTS} | (set() if respondents else {"respondents"})
    table = read_table(path, COLUMNS, required, sheet=sheet, display=str(path))
    problems = list(table.problems)
    if problems:
        raise ProjectError(problems)
    summary = "responses" in table.columns
    groups: dict[tuple[str, str], list[tuple[Row, int, dict[str, float]]]] = defaultdict(list)
    for row in table.rows:
        found = _row(row, teachers, respondents, summary, problems)
        if found is not None:
            key, count, scores = found
            if summary and key in groups:
                first = groups[key][0][0].location.line
                who = RESPONDENT_NAMES[key[1]]
                problems.append(
                    problem(row.at("mentor"), "I454", mentor=key[0], respondents=who, row=first)
                )
                continue
            groups[key].append((row, count, scores))
    if problems:
        raise ProjectError(problems)
    rows = []
    for (mentor, who), items in sorted(groups.items()):
        total = sum(n for _, n, _ in items)
        means = {
            a: round(sum(s[a] * n for _, n, s in items) / total, 2) if total else items[0][2][a]
            for a in ASPECTS
        }
        rows.append(SurveyRow(mentor, who, total, means))
    return rows


def _row(
    row: Row, teachers: set[str], respondents: str | None, summary: bool, problems: list[Problem]
) -> tuple[tuple[str, str], int, dict[str, float]] | None:
    before = len(problems)
    mentor = row.get("mentor")
    if not mentor:
        problems.append(problem(row.at("mentor"), "I410", column="导师工号"))
    elif mentor not in teachers:
        problems.append(problem(row.at("mentor"), "I450", mentor=mentor))
    who = respondents or RESPONDENTS.get(row.get("respondents").lower())
    if who is None:
        problems.append(problem(row.at("respondents"), "I451", value=row.get("respondents")))
    count = 1
    if summary:
        text = row.get("responses")
        if not text.isdigit() or int(text) > 1000:
            problems.append(problem(row.at("responses"), "I453", value=text))
        else:
            count = int(text)
    scores: dict[str, float] = {}
    for aspect in ASPECTS:
        text = row.get(aspect)
        try:
            value = float(text)
        except ValueError:
            value = 0.0
        if not 1 <= value <= 5:
            header = COLUMNS[aspect][0]
            problems.append(problem(row.at(aspect), "I452", column=header, value=text))
        scores[aspect] = value
    if len(problems) > before or who is None:
        return None
    return (mentor, who), count, scores


def merged_text(semester: str, existing: list[Mapping[str, object]], rows: list[SurveyRow]) -> str:
    """The new surveys.yaml: imported rows replace the same mentor and group, others stay."""
    replaced = {(r.mentor, r.respondents) for r in rows}
    kept = [
        e for e in existing if (str(e.get("mentor")), str(e.get("respondents"))) not in replaced
    ]
    items: list[Mapping[str, object]] = [
        *kept,
        *(
            {
                "mentor": r.mentor,
                "respondents": r.respondents,
                "responses": r.responses,
                **r.scores,
            }
            for r in rows
        ),
    ]
    items.sort(key=lambda e: (str(e.get("mentor")), str(e.get("respondents"))))
    lines = [
        "# yaml-language-server: $schema=../../schemas/surveys.schema.json",
        f"semester: {semester}",
        "results:",
    ]
    for e in items:
        lines.append(f"  - mentor: {e['mentor']}")
        for key in ("respondents", "responses", *ASPECTS):
            if e.get(key) is not None:
                lines.append(f"    {key}: {e[key]}")
    return "\n".join(lines) + "\n"


def import_surveys(
    root: Path,
    forms: Forms,
    semester: str,
    source: Path,
    teachers: set[str],
    respondents: str | None = None,
    sheet: str | None = None,
) -> tuple[Path, int]:
    """Read ``source`` and write ``semesters/<semester>/surveys.yaml``; nothing on a problem."""
    folder = root / "semesters" / semester
    if not (folder / "semester.yaml").is_file():
        raise ProjectError([problem(Location(source.name), "I455", semester=semester)])
    rows = read_surveys(source, teachers, respondents, sheet)
    rel = f"semesters/{semester}/surveys.yaml"
    target = root / rel
    existing: list[Mapping[str, object]] = []
    if target.is_file():
        checked = check_file(rel, "surveys", target.read_bytes(), forms)
        if checked.problems:
            raise ProjectError(checked.problems)
        existing = list((checked.data or {}).get("results", ()))
    text = merged_text(semester, existing, rows)
    checked = check_file(rel, "surveys", text.encode("utf-8"), forms)
    if checked.problems:  # the file we would write must pass its own form
        raise ProjectError(checked.problems)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, target)
    return target, len(rows)
