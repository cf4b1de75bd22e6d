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
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daoshi.records.formfiles import load_forms
from daoshi.records.schema import SCHEMA_DIR, schema_texts
from daoshi.year.roster import Plan, commit_message
from daoshi.year.students import _Patch

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

    students: int = 160  # in school in the first semester: three grades (under 90: one)
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


def _commit_by(
    teacher: Teacher, when: datetime.datetime, message: str, changes: dict[str, str]
) -> Commit:
    return Commit(when, teacher.name, teacher.email, message, tuple(changes.items()))


def _office_commit(
    school: DemoSchool, when: datetime.datetime, message: str, changes: dict[str, str]
) -> Commit:
    return _commit_by(school.teacher("moral_office"), when, message, changes)


def _cohort_path(cohort: Cohort) -> str:
    return f"people/cohorts/{cohort.year}.yaml"


def _imported(cohort: Cohort) -> tuple[str, Plan]:
    """An entering cohort's file as ``daoshi import roster`` writes it, and its plan."""
    patch = _Patch(None, cohort.year)
    plan = Plan("students")
    for number, klass in enumerate(cohort.classes, 1):
        patch.add_class(klass, number)
        plan.changed.append(f"新班级 {klass}（{cohort.year}级{number}班）")
    for s in cohort.students:
        fields = [("id", s.id), ("name", s.name), ("gender", s.gender), ("class", s.klass)]
        patch.add_student([*fields, *([("interests", s.interests)] if s.interests else [])], None)
        plan.added.append(f"{s.id} {s.name} {s.klass}")
    return patch.result(), plan


def _graduated(cohort: Cohort) -> str:
    """The graduating cohort's file with ``left`` added as ``daoshi new-semester`` does."""
    graduates = [s for s in cohort.students if s.left_reason == "graduated" and s.left]
    day = min(s.left for s in graduates if s.left)
    patch = _Patch(files.cohort_yaml(cohort, day - DAY), cohort.year)
    for s in graduates:
        patch.update_student(s.id, [], (day, "graduated"))
    return patch.result()


def _year_start(
    school: DemoSchool, seed: int, term: Term, imported: dict[str, str]
) -> list[Commit]:
    """A school-year start: the roster import, ``daoshi new-semester`` (graduation and the
    table carried forward), the two-way selection, ``daoshi match``, the office's edits."""
    rng = rng_for(seed, "year-start", term.id)
    pairing = school.pairings[term.index]
    selection = pairing.selection
    assert selection is not None
    admin = next(t for t in school.teachers if "admin" in t.roles)
    entering = [c for c in school.cohorts if c.year == term.year]
    leaving = [c for c in school.cohorts if c.year + GRADES == term.year]
    commits = []
    for c in entering:
        text, plan = _imported(c)
        imported[_cohort_path(c)] = text
        roster = Path(f"{c.year}级新生名单.xlsx")
        when = at(rng, term.start - 17 * DAY, 9, 11)
        commits.append(
            _commit_by(admin, when, commit_message(plan, roster), {_cohort_path(c): text})
        )
    folder = f"semesters/{term.id}"
    previous = school.terms[term.index - 1]
    carried = sum(len(v) for v in selection.carried.values())
    graduates = sum(1 for c in leaving for s in c.students if s.left_reason == "graduated")
    years = "、".join(str(c.year) for c in entering)
    lines = [f"毕业：{c.year} 级" for c in leaving] + [
        f"毕业学生 {graduates} 名",
        f"对接表延续 {carried} 人次（协议待重新签订）",
        f"没有导师的学生 {len(selection.entering)} 名（{years} 级新生，待双向选择）",
    ]
    changes = {
        f"{folder}/semester.yaml": files.semester_yaml(
            term, school.cohorts, school.grade_leaders(), current=term == school.terms[-1]
        ),
        f"{folder}/pairings.yaml": files.table_yaml(
            term, selection.carried, selection.carried_keys
        ),
        **{_cohort_path(c): _graduated(c) for c in leaving},
    }
    message = f"新学期 {term.id}（由 {previous.id} 延续）\n\n" + "\n".join(lines) + "\n"
    commits.append(_office_commit(school, at(rng, term.start - 12 * DAY, 9, 11), message, changes))
    prefs = files.preferences_yaml(term, selection.choices, selection.capacities, selection.chosen)
    message = f"导入志愿 {years}级导师志愿.xlsx（{term.id}，{len(selection.choices)} 行）"
    commits.append(
        _office_commit(
            school,
            at(rng, term.start - 8 * DAY, 14, 16),
            message,
            {f"{folder}/preferences.yaml": prefs},
        )
    )
    if selection.needs:
        message = f"导入需求问卷 {years}级需求调查.xlsx（{term.id}，{len(selection.needs)} 行）"
        commits.append(
            _office_commit(
                school,
                at(rng_for(seed, "needs", term.id), term.start - 7 * DAY, 14, 16),
                message,
                {f"{folder}/needs.yaml": files.needs_yaml(term, selection.needs)},
            )
        )
    matched = sum(len(v) for v in selection.proposal.values()) - carried
    message = f"双向选择：为 {matched} 名学生提出导师（{term.id}）"
    proposal = files.table_yaml(term, selection.proposal, selection.proposal_keys, selection.mutual)
    commits.append(
        _office_commit(
            school,
            at(rng, term.start - 6 * DAY, 10, 11),
            message,
            {f"{folder}/pairings.yaml": proposal},
        )
    )
    final = files.pairings_yaml(
        seed, term, pairing, {t.id: t for t in school.teachers}, changed=False
    )
    body = "\n".join(f"- {e}" for e in selection.edits)
    message = (
        f"手工调整对接表（{term.id}）：{len(selection.edits)} 处调整，签订导师协议\n\n{body}\n"
    )
    commits.append(
        _office_commit(
            school,
            at(rng, term.start - 4 * DAY, 15, 17),
            message,
            {f"{folder}/pairings.yaml": final},
        )
    )
    return commits


def _term_setup(
    school: DemoSchool, seed: int, term: Term, imported: dict[str, str]
) -> list[Commit]:
    rng = rng_for(seed, "setup", term.id)
    day = term.start - 3 * DAY
    pairing = school.pairings[term.index]
    teachers = {t.id: t for t in school.teachers}
    present = [s for c in school.cohorts if c.in_school(term) for s in c.students]
    present = [s for s in present if s.in_school(term)]
    folder = f"semesters/{term.id}"
    screening = files.screening_yaml(rng, term, present, school.class_teachers())
    changes = {f"{folder}/screening.yaml": screening}
    if pairing.selection is not None:
        commits = _year_start(school, seed, term, imported)
        message = f"{term.id} 学期：受导学生排查"
    else:
        commits = []
        changes = {
            f"{folder}/semester.yaml": files.semester_yaml(
                term, school.cohorts, school.grade_leaders(), current=term == school.terms[-1]
            ),
            f"{folder}/pairings.yaml": files.pairings_yaml(
                seed, term, pairing, teachers, changed=False
            ),
            **changes,
        }
        message = f"{term.id} 学期：学期安排、导师对接表、受导学生排查"
    commits.append(_office_commit(school, at(rng, day, 10, 11), message, changes))
    change = pairing.change
    if change is not None:
        text = files.pairings_yaml(seed, term, pairing, teachers)
        message = (
            f"学期中更换导师：{change.student} 自 {change.day} 起由 {change.new} 指导"
            f"（原导师 {change.old} 至 {change.day - DAY}）"
        )
        when = at(rng, change.day - DAY, 16, 17)
        commits.append(_office_commit(school, when, message, {f"{folder}/pairings.yaml": text}))
    return commits


def _leaver_commits(
    school: DemoSchool, rng: random.Random, imported: dict[str, str]
) -> list[Commit]:
    """学籍变动: transfers and drop-outs, each written into its cohort file that day."""
    leavers = sorted(
        ((s.left, s, c) for c in school.cohorts for s in c.students if s.left),
        key=lambda x: (x[0], x[1].id),
    )
    commits = []
    for day, s, c in leavers:
        if s.left_reason not in LEFT_LABELS:
            continue
        path = _cohort_path(c)
        if path in imported:  # a file the roster import wrote: edited line by line
            patch = _Patch(imported[path], c.year)
            patch.update_student(s.id, [], (day, s.left_reason or "other"))
            text = imported[path] = patch.result()
        else:
            text = files.cohort_yaml(c, day)
        message = f"学籍变动：{s.id} {LEFT_LABELS[s.left_reason]}"
        commits.append(_office_commit(school, at(rng, day, 15, 17), message, {path: text}))
    return commits


def _office_commits(school: DemoSchool, seed: int, as_of: datetime.date) -> list[Commit]:
    """What the moral-education office commits: school, people, semesters, leavers, surveys."""
    rng = rng_for(seed, "office")
    first = school.terms[0]
    when = at(rng, first.start - 7 * DAY, 10, 11)
    initial = {
        "README.md": files.readme(),
        "school.yaml": files.school_yaml(as_of),
        "people/teachers.yaml": files.teachers_yaml(school.teachers),
        **{f"{SCHEMA_DIR}/{name}": text for name, text in schema_texts(load_forms()).items()},
    }
    for c in school.cohorts:
        if c.in_school(first):
            initial[_cohort_path(c)] = files.cohort_yaml(c, when.date())
    commits = [
        _office_commit(school, when, "初始化演示学校：学校信息、教师名单、学生名单", initial)
    ]
    imported: dict[str, str] = {}
    for term in school.terms:
        commits += _term_setup(school, seed, term, imported)
        if term.end <= as_of:
            teachers = {t.id: t for t in school.teachers}
            text = files.surveys_yaml(rng, term, school.pairings[term.index], teachers)
            changes = {f"semesters/{term.id}/surveys.yaml": text}
            message = f"{term.id} 学期满意度调查汇总"
            commits.append(_office_commit(school, at(rng, term.end, 14, 16), message, changes))
            commits.append(_assessments_commit(school, seed, term, as_of))
    return commits + _leaver_commits(school, rng, imported)


def _assessments_commit(school: DemoSchool, seed: int, term: Term, as_of: datetime.date) -> Commit:
    """The appraisal group's sign-off and the offices' scores of an ended semester, from a
    random stream of their own (so nothing the office's stream made before changes)."""
    rng = rng_for(seed, "assessments", term.id)
    teachers = {t.id: t for t in school.teachers}
    leader = school.teacher("leader")
    text = files.assessments_yaml(
        rng, term, school.pairings[term.index], teachers, leader.name, as_of
    )
    changes = {f"semesters/{term.id}/assessments.yaml": text}
    message = f"{term.id} 学期考核：考核组评价和组长签署，政教处、艺体办量化赋分"
    when = at(rng, min(term.end + 5 * DAY, as_of), 9, 11)
    return _office_commit(school, when, message, changes)


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
