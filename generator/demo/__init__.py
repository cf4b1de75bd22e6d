"""A synthetic demo school (演示学校): a records repository with a believable git history.

``write_demo`` writes the school as a git repository whose history looks like a real one:
the moral-education office sets up each semester, mentors commit their records in the
evening, some late and some in a batch at the end. ``write_snapshot`` writes the same final
files without git (for the ``records/`` folder of the daoshi repository). Both build the
whole history in memory first, so the two agree. Everything is drawn from random generators
seeded by ``DemoOptions.seed`` and dated by ``DemoOptions.as_of``: the same options give
byte-identical files and identical commit hashes. 演示数据，姓名均为随机生成。
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..forms import load_forms
from ..schema import SCHEMA_DIR, schema_texts
from . import files
from .history import Amender, Commit, at, fast_import, final_files, record_commits, write_files
from .journal import Journal
from .pairing import Crisis, TermPairing, make_pairings
from .school import (
    DAY,
    GRADES,
    Cohort,
    Teacher,
    Term,
    add_graduations,
    add_leavers,
    assign_class_teams,
    cohort_sizes,
    cohort_years,
    make_cohort,
    make_teachers,
    make_terms,
    rng_for,
    teacher_count,
    team_count,
)

Progress = Callable[[str], None]
LEFT_LABELS = {"transferred": "转学", "dropped_out": "流失", "other": "离校"}


@dataclass(frozen=True)
class DemoOptions:
    """What demo school to make."""

    students: int = 160  # students in school in the first semester: about one grade
    semesters: int = 2
    seed: int = 1
    as_of: datetime.date = datetime.date(2026, 11, 20)  # the demo's "today"


@dataclass(frozen=True)
class DemoSummary:
    """What was written."""

    teachers: int
    students: int
    semesters: int
    record_files: int
    commits: int
    files: int


@dataclass(frozen=True)
class DemoSchool:
    """The people and calendar the history is made of."""

    terms: list[Term]
    teachers: list[Teacher]
    cohorts: list[Cohort]
    pairings: list[TermPairing]
    crisis: Crisis | None

    def teacher(self, role: str) -> Teacher:
        return next(t for t in self.teachers if role in t.roles)

    def grade_leaders(self) -> dict[int, str]:
        return {t.team: t.id for t in self.teachers if "grade_leader" in t.roles}

    def class_teachers(self) -> dict[str, str]:
        return {k: t for c in self.cohorts for k, t in c.class_teachers.items()}


def build_school(options: DemoOptions) -> DemoSchool:
    """Semesters, teachers, cohorts with their leavers, pairings and the crisis case."""
    if not 1 <= options.students <= 20000:
        raise ValueError("学生人数应在 1 到 20000 之间")
    if not 1 <= options.semesters <= 20:
        raise ValueError("学期数应在 1 到 20 之间")
    seed = options.seed
    terms = make_terms(options.as_of, options.semesters)
    teams = team_count(options.students)
    teachers = make_teachers(seed, teacher_count(options.students), teams)
    years = cohort_years(terms, teams)
    sizes = cohort_sizes(years, options.students, terms[0].year)
    cohorts = []
    for year in years:
        first = next(t.index for t in terms if year <= t.year < year + GRADES)
        cohort = make_cohort(seed, year, sizes[year], (year - terms[0].year) % teams, first)
        assign_class_teams(seed, cohort, teachers)
        cohorts.append(cohort)
    add_leavers(seed, terms, cohorts, options.as_of)
    add_graduations(terms, cohorts)
    pairings, crisis = make_pairings(seed, terms, cohorts, teachers, options.as_of)
    return DemoSchool(terms, teachers, cohorts, pairings, crisis)


def _office_commit(
    school: DemoSchool, when: datetime.datetime, message: str, changes: dict[str, str]
) -> Commit:
    office = school.teacher("moral_office")
    return Commit(when, office.name, office.email, message, tuple(changes.items()))


def _cohort_path(cohort: Cohort) -> str:
    return f"people/cohorts/{cohort.year}.yaml"


def _new_year(school: DemoSchool, term: Term, when: datetime.datetime) -> list[Commit]:
    """A new school year: the oldest cohort graduates, a new one enters."""
    entering = [c for c in school.cohorts if c.year == term.year]
    leaving = [c for c in school.cohorts if c.year + GRADES == term.year]
    if term.index == 0 or term.number != 1 or not (entering or leaving):
        return []
    known = when.date()
    changes = {_cohort_path(c): files.cohort_yaml(c, known) for c in leaving + entering}
    parts = [f"{c.year} 级入学" for c in entering] + [f"{c.year} 级毕业" for c in leaving]
    message = f"新学年 {term.year}-{term.year + 1}：" + "，".join(parts)
    return [_office_commit(school, when, message, changes)]


def _term_setup(school: DemoSchool, seed: int, term: Term) -> list[Commit]:
    rng = rng_for(seed, "setup", term.id)
    day = term.start - 3 * DAY
    commits = _new_year(school, term, at(rng, day, 9, 9))
    pairing = school.pairings[term.index]
    teachers = {t.id: t for t in school.teachers}
    present = [s for c in school.cohorts if c.in_school(term) for s in c.students]
    present = [s for s in present if s.in_school(term)]
    folder = f"semesters/{term.id}"
    changes = {
        f"{folder}/semester.yaml": files.semester_yaml(
            term, school.cohorts, school.grade_leaders()
        ),
        f"{folder}/pairings.yaml": files.pairings_yaml(rng, term, pairing, teachers),
        f"{folder}/screening.yaml": files.screening_yaml(
            rng, term, present, school.class_teachers()
        ),
    }
    message = f"{term.id} 学期：学期安排、导师对接表、受导学生排查"
    commits.append(_office_commit(school, at(rng, day, 10, 11), message, changes))
    return commits


def _office_commits(school: DemoSchool, seed: int, as_of: datetime.date) -> list[Commit]:
    """What the moral-education office commits: school, people, semesters, leavers, surveys."""
    rng = rng_for(seed, "office")
    first = school.terms[0]
    when = at(rng, first.start - 7 * DAY, 10, 11)
    initial = {
        "README.md": files.readme(),
        "school.yaml": files.school_yaml(),
        "people/teachers.yaml": files.teachers_yaml(school.teachers),
        **{f"{SCHEMA_DIR}/{name}": text for name, text in schema_texts(load_forms()).items()},
    }
    for c in school.cohorts:
        if c.in_school(first):
            initial[_cohort_path(c)] = files.cohort_yaml(c, when.date())
    commits = [
        _office_commit(school, when, "初始化演示学校：学校信息、教师名单、学生名单", initial)
    ]
    for term in school.terms:
        commits += _term_setup(school, seed, term)
        if term.end <= as_of:
            teachers = {t.id: t for t in school.teachers}
            text = files.surveys_yaml(rng, term, school.pairings[term.index], teachers)
            changes = {f"semesters/{term.id}/surveys.yaml": text}
            message = f"{term.id} 学期满意度调查汇总"
            commits.append(_office_commit(school, at(rng, term.end, 14, 16), message, changes))
    for c in school.cohorts:
        for s in c.students:
            if s.left is not None and s.left_reason in LEFT_LABELS:
                text = files.cohort_yaml(c, s.left)
                message = f"学籍变动：{s.id} {LEFT_LABELS[s.left_reason]}"
                when = at(rng, s.left, 15, 17)
                commits.append(_office_commit(school, when, message, {_cohort_path(c): text}))
    return commits


def build_history(options: DemoOptions, progress: Progress | None = None) -> list[Commit]:
    """Every commit of the demo school, oldest first."""
    say = progress or (lambda _: None)
    say("生成学校、教师和学生名单…")
    school = build_school(options)
    class_teachers = school.class_teachers()
    students = {s.id: s for c in school.cohorts for s in c.students}
    teachers = {t.id: t for t in school.teachers}
    journal = Journal(
        options.seed, options.as_of, students, teachers, class_teachers, school.crisis
    )
    mentor_commits: list[Commit] = []
    for term, pairing in zip(school.terms, school.pairings, strict=True):
        say(f"生成第 {term.id} 学期记录…")
        records = journal.term_records(term, pairing)
        mentor_commits += record_commits(options.seed, term, records, teachers, options.as_of)
    class_teacher_of = {sid: class_teachers[s.klass] for sid, s in students.items()}
    amender = Amender(options.seed, options.as_of, teachers, class_teacher_of)
    commits = _office_commits(school, options.seed, options.as_of) + amender.apply(mentor_commits)
    commits.sort(key=lambda c: c.when)
    return commits


def _prepare(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ValueError(f"目标 {path} 已存在且不是空目录，请指定新的目录或先清空它")
    path.mkdir(parents=True, exist_ok=True)


def _summary(options: DemoOptions, tree: dict[str, str], commits: int) -> DemoSummary:
    school_files = [p for p in tree if p.startswith("people/cohorts/")]
    students = sum(tree[p].count("\n  - id: S") for p in school_files)
    teachers = tree["people/teachers.yaml"].count("\n  - id: T")
    records = sum(1 for p in tree if "/journal/" in p)
    return DemoSummary(teachers, students, options.semesters, records, commits, len(tree))


def write_demo(path: Path, options: DemoOptions, progress: Progress | None = None) -> DemoSummary:
    """Write the demo school at ``path`` as a git repository (branch ``main``) with history.

    ``path`` must not exist or must be an empty directory.
    """
    _prepare(path)
    commits = build_history(options, progress)
    if progress:
        progress(f"写入 git 历史：{len(commits)} 次提交…")
    fast_import(path, commits)
    return _summary(options, final_files(commits), len(commits))


def write_snapshot(
    path: Path, options: DemoOptions, progress: Progress | None = None
) -> DemoSummary:
    """Write only the demo school's final files at ``path`` (no git); same files as
    ``write_demo`` checks out. ``path`` must not exist or must be an empty directory."""
    _prepare(path)
    tree = final_files(build_history(options, progress))
    if progress:
        progress(f"写入 {len(tree)} 个文件…")
    write_files(path, tree)
    return _summary(options, tree, 0)
