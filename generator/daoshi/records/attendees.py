"""The teachers a record names besides its author: a school case meeting's attendees.

枣庄“学校每月集中组织导师进行个案分析”: the organiser writes the meeting once, in his own
folder, with every mentor who came; each of them sees it on their page and is credited
with it where the policy counts case meetings.
"""

from __future__ import annotations

from daoshi.records.model import Record

ATTENDEES = "attending"  # the field of a case meeting (not a home visit's attendees)


def attendees(r: Record) -> tuple[str, ...]:
    """The other teachers who took part (the author left out); only a teacher's own
    record (about no student) names them."""
    if r.students:  # most records: asked for every record by every audience's indexes
        return ()
    named = r.fields.get(ATTENDEES) or ()
    return tuple(dict.fromkeys(str(t) for t in named if t != r.mentor))


def concerns_teacher(r: Record, teacher: str | None) -> bool:
    """Whether the record is the teacher's own: written by them, or naming them."""
    return teacher is not None and (r.mentor == teacher or teacher in attendees(r))
