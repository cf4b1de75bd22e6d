"""Hook rules that a plausible change to the pre-receive hook would break, through real pushes.

Kept apart from test_hook.py (whose ref rules change with issue 17's git half) so the two
merge easily; the fixtures are test_hook's. Each test names the wrong version it catches
(applied to daoshi/write/hook.py, the test failed, reverted): the class teacher's edit of a
closed semester allowed; a non-administrator pushing a tag other than ``close/*``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from daoshi.records.layout import record_path
from daoshi.records.validate import load
from tests import test_hook
from tests.test_hook import ADMIN, CLOSED, Facts, Server, git, refused

seed = test_hook.seed  # test_hook's fixtures: the demo school, its bare repository and clone
server = test_hook.server


@pytest.fixture(scope="module")
def closed_class_record(seed: tuple[Path, Facts]) -> tuple[str, str]:
    """A record of the closed semester, and the class teacher of its student then, who is
    neither its mentor nor an admin (the demo's T001 is one, besides the seed's T003)."""
    src, _ = seed
    school = load(src, use_cache=False)
    semester = school.semester(CLOSED)
    teacher_of = {c.class_id: c.class_teacher for c in semester.classes}
    for r in school.records:
        rp = record_path(r.path)
        if r.semester != CLOSED or rp is None or rp.subject == "group":
            continue
        ct = teacher_of.get(school.students[r.students[0]].class_id)
        if ct is not None and ct != r.mentor and "admin" not in school.teachers[ct].roles:
            return r.path, ct
    raise AssertionError("no record of a class teacher's student in the closed semester")


def test_a_class_teacher_may_not_edit_a_closed_semester(
    server: Server, closed_class_record: tuple[str, str]
) -> None:
    """Wrong version: the closed-semester rule checked only for the record's own mentor
    (a class teacher's edit of their class's record passed).

    Before the close tag the class teacher's edit is accepted (the rule that lets them in
    is the class-teacher rule); after it, the same kind of edit is refused with W703."""
    record, class_teacher = closed_class_record
    server.edit(record)
    server.commit("班主任补充")
    code, out = server.push(class_teacher)
    assert code == 0, out
    git(server.work, "tag", "-a", f"close/{CLOSED}", "-m", "学期结束")
    code, out = server.push(ADMIN, "origin", f"refs/tags/close/{CLOSED}")
    assert code == 0, out
    before = server.head()
    server.edit(record, "\n结档后又补充一句。\n")
    server.commit("班主任结档后修改")
    code, out = server.push(class_teacher)
    assert code != 0
    assert refused(out, "W703", record)
    assert f"{CLOSED} 学期已结束" in out
    assert server.head() == before


@pytest.mark.parametrize("tag", ["v1", "release/2026", "closed/2025-2026-2"])
@pytest.mark.parametrize("annotated", [True, False], ids=["annotated", "lightweight"])
def test_a_teacher_may_not_push_any_tag(server: Server, tag: str, annotated: bool) -> None:
    """Wrong version: only ``close/*`` tags were kept for the admin, so a mentor could push
    any other tag (``v1``, and ``closed/…``, one letter from a close tag)."""
    mentor = server.facts.mentor
    git(server.work, "tag", *(["-a", "-m", "标记"] if annotated else []), tag)
    code, out = server.push(mentor, "origin", f"refs/tags/{tag}")
    assert code != 0
    assert any(f"refs/tags/{tag}" in line and " W7" in line for line in out.splitlines()), out
    assert git(server.bare, "tag", "--list") == ""
    code, out = server.push(ADMIN, "origin", f"refs/tags/{tag}")
    assert code == 0, out  # the admin may: the refusal above is about who pushes
