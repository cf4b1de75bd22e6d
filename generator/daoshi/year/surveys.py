"""Import students' and parents' ratings of mentors from a CSV or XLSX export.

Two shapes are read (docs/appraisal.md): one row per mentor with averages (an office's
summary table, with a 有效问卷数 column), or one row per questionnaire as a questionnaire
tool exports it (no 有效问卷数 column): the rows of a mentor and respondent group are then
averaged, exactly (a mean that does not end is kept to 12 decimals, never rounded to 2).
When the table has a 学号 column, each row must rate that student's own mentor (青浦实验中学
“测评成绩为各个受导学生测评分数的平均分值”): a row rating someone else, an unknown student or
the same student twice is a bad row. A bad row refuses the whole file (``refuse``, the
default) or is reported and left out while the good rows are kept (``exclude``, the
rubric's ``survey_bad_rows``). The result replaces those mentors' rows in
``semesters/<S>/surveys.yaml``.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from daoshi.errors import Location, Problem, ProjectError
from daoshi.messages import problem
from daoshi.policy.points import rounded
from daoshi.records.filecheck import check_file
from daoshi.records.forms import Forms
from daoshi.year.tables import Row, read_table

ASPECTS = ("method", "attitude", "frequency", "effect")
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "mentor": ("导师工号", "工号", "导师", "导师编号", "mentor"),
    "respondents": ("评价人", "评价人类别", "填写人", "身份", "respondents"),
    "responses": ("有效问卷数", "问卷数", "份数", "responses"),
    "student": ("学号", "学生学号", "受导学生学号", "student"),
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
SCALES = {5: (1, 5), 100: (0, 100)}  # the lowest and top rating of each scale
BAD_ROWS = ("refuse", "exclude")
MEAN_DECIMALS = 12


@dataclass(frozen=True)
class SurveyRow:
    """One mentor's averages from one respondent group."""

    mentor: str
    respondents: str
    responses: int
    scores: Mapping[str, Fraction]
    scale: int = 5


@dataclass
class Pairings:
    """What the student column is checked against: the semester and each known student's
    mentors in it (any part of it)."""

    semester: str
    mentors: Mapping[str, Collection[str]] = field(default_factory=dict)


@dataclass
class Read:
    """The rows read, and the bad rows left out (``exclude``) with their problems."""

    rows: list[SurveyRow]
    excluded: list[Problem] = field(default_factory=list)
    unchecked: bool = False  # one row per questionnaire and no student column


def read_surveys(
    path: Path,
    teachers: set[str],
    respondents: str | None = None,
    sheet: str | None = None,
    *,
    pairings: Pairings | None = None,
    bad_rows: str = "refuse",
    scale: int = 5,
) -> Read:
    """Rows of a survey file, aggregated per mentor and group; ProjectError on a problem
    of the file, or of any row with ``bad_rows="refuse"``."""
    required = {"mentor", *ASPECTS} | (set() if respondents else {"respondents"})
    table = read_table(path, COLUMNS, required, sheet=sheet, display=str(path))
    if table.problems:
        raise ProjectError(table.problems)
    summary = "responses" in table.columns
    by_student = "student" in table.columns and pairings is not None
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Fraction]]]] = defaultdict(list)
    first_row: dict[tuple[str, ...], int] = {}
    problems: list[Problem] = []
    for row in table.rows:
        mine: list[Problem] = []
        found = _row(row, teachers, respondents, summary, scale, mine)
        if found is not None:
            key, count, scores = found
            seen = (*key, row.get("student")) if by_student else key
            if (summary or by_student) and seen in first_row:
                mine.append(_twice(row, key, seen, first_row[seen], by_student))
            if by_student and pairings is not None:
                mine += _student_problems(row, key[0], pairings)
            if not mine:
                first_row.setdefault(seen, row.location.line)
                groups[key].append((count, scores))
        problems += mine
    if problems and bad_rows == "refuse":
        raise ProjectError(problems)
    rows = []
    for (mentor, who), items in sorted(groups.items()):
        total = sum(n for n, _ in items)
        means = {
            a: sum((s[a] * n for n, s in items), Fraction(0)) / total if total else items[0][1][a]
            for a in ASPECTS
        }
        rows.append(SurveyRow(mentor, who, total, means, scale))
    unchecked = not summary and "student" not in table.columns
    return Read(rows, sorted(problems), unchecked)


def _twice(
    row: Row, key: tuple[str, str], seen: tuple[str, ...], first: int, student: bool
) -> Problem:
    who = RESPONDENT_NAMES[key[1]]
    if student:
        where = row.at("student")
        return problem(where, "I458", student=seen[2], mentor=key[0], respondents=who, row=first)
    return problem(row.at("mentor"), "I454", mentor=key[0], respondents=who, row=first)


def _student_problems(row: Row, mentor: str, pairings: Pairings) -> list[Problem]:
    """I456 for an unknown student, I457 for a row that rates someone not their mentor."""
    sid = row.get("student")
    if not sid:
        return [problem(row.at("student"), "I410", column="学号")]
    if sid not in pairings.mentors:
        return [problem(row.at("student"), "I456", student=sid)]
    own = pairings.mentors[sid]
    if mentor not in own:
        names = "、".join(sorted(own)) or "（没有导师）"
        return [
            problem(
                row.at("mentor"),
                "I457",
                student=sid,
                semester=pairings.semester,
                mentors=names,
                mentor=mentor,
            )
        ]
    return []


def _number(text: str) -> Fraction | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return Fraction(value) if value.is_finite() else None


def _row(
    row: Row,
    teachers: set[str],
    respondents: str | None,
    summary: bool,
    scale: int,
    problems: list[Problem],
) -> tuple[tuple[str, str], int, dict[str, Fraction]] | None:
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
    low, top = SCALES[scale]
    scores: dict[str, Fraction] = {}
    for aspect in ASPECTS:
        text = row.get(aspect)
        value = _number(text)
        if value is None or not low <= value <= top:
            header = COLUMNS[aspect][0]
            problems.append(
                problem(row.at(aspect), "I452", column=header, value=text, low=low, top=top)
            )
        scores[aspect] = value if value is not None else Fraction(0)
    if len(problems) > before or who is None:
        return None
    return (mentor, who), count, scores


def mean_text(value: Fraction) -> str:
    """A mean as written to surveys.yaml: exact when it ends within 12 decimals (4.375),
    else to 12 decimals (4.666666666667); a whole number keeps one decimal (5.0)."""
    text = format(rounded(value, MEAN_DECIMALS).normalize(), "f")
    return text if "." in text else f"{text}.0"


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
                **({"scale": r.scale} if r.scale != 5 else {}),
                **{a: mean_text(v) for a, v in r.scores.items()},
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
        for key in ("respondents", "responses", "scale", *ASPECTS):
            if e.get(key) is not None:
                lines.append(f"    {key}: {e[key]}")
    return "\n".join(lines) + "\n"


@dataclass
class Imported:
    """What ``import_surveys`` wrote, and what it left out."""

    target: Path
    count: int
    excluded: list[Problem] = field(default_factory=list)
    unchecked: bool = False


def import_surveys(
    root: Path,
    forms: Forms,
    semester: str,
    source: Path,
    teachers: set[str],
    respondents: str | None = None,
    sheet: str | None = None,
    *,
    pairings: Pairings | None = None,
    bad_rows: str = "refuse",
    scale: int = 5,
) -> Imported:
    """Read ``source`` and write ``semesters/<semester>/surveys.yaml``; nothing on a problem
    (but the bad rows left out with ``bad_rows="exclude"``)."""
    folder = root / "semesters" / semester
    if not (folder / "semester.yaml").is_file():
        raise ProjectError([problem(Location(source.name), "I455", semester=semester)])
    read = read_surveys(
        source, teachers, respondents, sheet, pairings=pairings, bad_rows=bad_rows, scale=scale
    )
    rel = f"semesters/{semester}/surveys.yaml"
    target = root / rel
    existing: list[Mapping[str, object]] = []
    if target.is_file():
        checked = check_file(rel, "surveys", target.read_bytes(), forms)
        if checked.problems:
            raise ProjectError(checked.problems)
        existing = list((checked.data or {}).get("results", ()))
    text = merged_text(semester, existing, read.rows)
    checked = check_file(rel, "surveys", text.encode("utf-8"), forms)
    if checked.problems:  # the file we would write must pass its own form
        raise ProjectError(checked.problems)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(text, "utf-8")
    os.replace(tmp, target)
    return Imported(target, len(read.rows), read.excluded, read.unchecked)
