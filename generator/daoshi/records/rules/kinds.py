"""Rules one kind of record adds to its form's: what a form's types cannot say.

A pure function of one record's checked values and the school's settings; the record
layer reports what it returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from daoshi.errors import Location
from daoshi.records.attendees import ATTENDEES
from daoshi.records.check import Checked
from daoshi.records.model import Semester

KindProblem = tuple[Location, str, dict[str, Any]]
FOLLOW_UP = "colleague-follow-up"  # 太谷、青实: with the class and subject teachers
# 区“原则上限定由班主任和导师开展学生家访和家校沟通工作”: the kinds a student's class
# teacher writes of his own, though not the student's mentor
CLASS_TEACHER_WRITES = frozenset({"parent-contact", "home-visit"})
RECEPTION = "reception_day"  # a parent contact's channel: the semester's reception day
RESULTS = ("band", "class_rank")  # a progress record's exam result: a band, or a rank


def kind_problems(
    checked: Checked,
    data: Mapping[str, Any],
    *,
    exam_ranking: bool,
    semester: Semester | None = None,
) -> Iterator[KindProblem]:
    """The problems of this record's kind (none for most kinds)."""
    if data.get("channel") == RECEPTION and semester is not None and "date" in data:
        # 青实“建立定期受导学生家长接待日”: a reception-day talk on one of the semester's days
        days = {d.date for d in semester.reception_days}
        if data["date"] not in days:
            listed = "、".join(str(d) for d in sorted(days)) or "无"
            yield checked.loc("channel"), "X238", {"date": data["date"], "days": listed}
    if checked.kind == "progress":
        yield from _progress(checked, data, exam_ranking)
    elif checked.kind == FOLLOW_UP:
        yield from _follow_up(checked, data)
    seen: set[str] = set()  # a case meeting's attendees: each once
    for i, teacher in enumerate(data.get(ATTENDEES) or ()):
        if teacher in seen:
            yield checked.loc(ATTENDEES, i), "X217", {"id": teacher}
        seen.add(teacher)


def _progress(
    checked: Checked, data: Mapping[str, Any], exam_ranking: bool
) -> Iterator[KindProblem]:
    # 区文件“初、高中学校不得对考试、测验成绩进行排名，可采用百分比区间等形式”
    if "class_rank" in data and not exam_ranking:
        yield checked.loc("class_rank"), "X235", {}
    # 枣庄“每次考试成绩逐一记录”: an exam is written with its result, a result with its exam
    results = [name for name in RESULTS if name in data]
    if "exam" in data and not results:
        yield checked.loc("exam"), "X236", {}
    elif results and "exam" not in data:
        yield checked.loc(results[0]), "X236", {}


def _follow_up(checked: Checked, data: Mapping[str, Any]) -> Iterator[KindProblem]:
    # 青实“导师应主动与受导对象的班主任及科任老师沟通交流”: the colleagues are others
    for i, teacher in enumerate(data.get("colleagues", ())):
        if teacher == data.get("mentor"):
            yield checked.loc("colleagues", i), "X237", {"teacher": teacher}
