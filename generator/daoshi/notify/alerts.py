"""Which records of a push call for an alert, who gets it, and what it says.

A record calls for an alert when its kind is marked ``urgent: true`` in ``forms/kinds/``
(the crisis report ships so) and the push added it to the school's branch. It goes to
every teacher whose audience reads that record in full — their level for it, asked of
``daoshi.access`` like every page, reaches the sensitivity of the record's kind — so with
the shipped matrix: the leaders, the psychological teacher and the student's mentors;
never a class teacher or a grade leader, whose cell is ``none``. A group robot gets it
only when every member of its group is such a reader. The alert names the class, the
kind and the time, with a link behind the sign-in: no student's name, no field, no text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from daoshi.access import Access, audience_for_teacher
from daoshi.git import Repository
from daoshi.notify.config import NotifyConfig
from daoshi.notify.store import Delivery
from daoshi.records.model import Record, School
from daoshi.site.core import cndate, record_anchor
from daoshi.write.postreceive import Push
from daoshi.write.refs import ZERO

ALERT_PATH = "/_daoshi/alert/"
SIGNATURE = "导师工作提醒"  # also the keyword a 钉钉 robot's security setting may ask for


@dataclass(frozen=True)
class Alert:
    """One urgent record of one push, and the teachers who may read it."""

    id: str
    record: Record
    student: str
    class_label: str
    kind_label: str
    pushed: dt.datetime
    readers: tuple[str, ...]


def added_paths(git: Repository, push: Push, branch: str) -> list[str]:
    """The files the push added to the school's branch (a new branch alerts nothing:
    it is an import of old records, not a report made now)."""
    found: list[str] = []
    for update in push.updates:
        if update.ref != f"refs/heads/{branch}" or ZERO in (update.old, update.new):
            continue
        out = git.run(
            "diff-tree", "-r", "--no-commit-id", "--name-only", "--diff-filter=A", "-z",
            update.old, update.new, check=False,
        )  # fmt: skip
        found.extend(p for p in out.split("\0") if p)
    return list(dict.fromkeys(found))


def readers(school: School, record: Record) -> tuple[str, ...]:
    """Teachers (still at the school) whose audience reads ``record`` in full."""
    about = set(record.students)
    # the access of one record depends only on the records about its own students
    # (who wrote about them, who reported a crisis): the rest of the school is left out
    small = dataclasses.replace(
        school, records=tuple(r for r in school.records if about & set(r.students))
    )
    level = school.forms.kinds[record.kind].sensitivity
    found = []
    for tid, teacher in sorted(school.teachers.items()):
        if teacher.left is not None:
            continue
        access = Access(small, audience_for_teacher(small, tid))
        if access.record_rank(record) >= access.rank_of[level]:
            found.append(tid)
    return tuple(found)


def alert_id(push: Push, path: str) -> str:
    """The alert's id in its link: the same for the same push and file (a re-read push
    makes no second alert), not guessable from the record."""
    return hashlib.sha256(f"{push.id}\0{path}".encode()).hexdigest()[:24]


def alerts_for(school: School, push: Push, paths: list[str]) -> list[Alert]:
    """The alerts the added ``paths`` call for."""
    by_path = {r.path: r for r in school.records}
    try:  # the time as the school reads it, whatever the server's own zone
        pushed = dt.datetime.fromisoformat(push.time).astimezone(ZoneInfo(school.timezone))
    except (ValueError, KeyError):
        pushed = dt.datetime.fromisoformat(push.time)
    found = []
    for path in paths:
        record = by_path.get(path)
        if record is None or not record.students:
            continue
        form = school.forms.kinds.get(record.kind)
        if form is None or not form.urgent:
            continue
        student = school.students.get(record.students[0])
        klass = school.classes.get(student.class_id) if student else None
        label = f"{klass.cohort}级{klass.number}班" if klass else "（班级未知）"
        found.append(
            Alert(
                alert_id(push, path),
                record,
                record.students[0],
                label,
                form.label.zh,
                pushed,
                readers(school, record),
            )
        )
    return found


def alert_text(alert: Alert, config: NotifyConfig) -> tuple[str, str]:
    """Subject and text: class, kind, time and the link; nothing about the student."""
    when = alert.pushed.strftime("%Y-%m-%d %H:%M")
    subject = f"【{SIGNATURE}】{alert.class_label}有一份新的{alert.kind_label}"
    text = (
        f"{alert.class_label}有一份新的{alert.kind_label}，"
        f"记录日期 {cndate(alert.record.date)}，{when} 提交。\n"
        f"请登录后查看：{config.site_url}{ALERT_PATH}{alert.id}\n"
        f"——{SIGNATURE}（不含学生姓名和记录内容；请勿转发）"
    )
    return subject, text


def deliveries(alert: Alert, school: School, config: NotifyConfig) -> list[Delivery]:
    """One e-mail per reader with an address; one message per group whose every member
    is a reader (a group with anyone else in it is never told)."""
    subject, text = alert_text(alert, config)
    found = []
    if config.smtp is not None:
        for tid in alert.readers:
            email = school.teachers[tid].email
            if email:
                found.append(Delivery(alert.id, "email", email, subject, text))
    allowed = set(alert.readers)
    for hook in config.webhooks:
        if hook.members <= allowed:
            found.append(Delivery(alert.id, f"webhook:{hook.name}", hook.name, subject, text))
    return found


def anchor_of(record: Record) -> str:
    return record_anchor(record)
