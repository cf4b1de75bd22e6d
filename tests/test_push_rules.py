"""A determined pusher against the hook: crafted merges and refs, with real ``git push``.

Each refusal is checked three ways: the message names the rule and the place, no ref of
the server moved, and no object of the refused push is in the server's repository (git's
quarantine dropped them), so nothing of it can become reachable later.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests import test_hook
from tests.test_hook import ADMIN, CLOSED, OPEN, Server, git, refused

seed, server = test_hook.seed, test_hook.server  # the hook's fixtures: a demo school's server


def refs_of(bare: Path) -> str:
    return git(bare, "for-each-ref", "--format=%(refname) %(objectname)")


def absent(bare: Path, *shas: str) -> bool:
    """None of these objects is in the server's repository."""
    for sha in shas:
        done = subprocess.run(
            ["git", "--git-dir", str(bare), "cat-file", "-e", sha], capture_output=True, check=False
        )
        if done.returncode == 0:
            return False
    return True


def accepted(server: Server, user: str, *args: str) -> None:
    code, out = server.push(user, *args)
    assert code == 0, out


def commit_tree(server: Server, tree: str, *parents: str, message: str = "合并") -> str:
    args = [a for p in parents for a in ("-p", p)]
    return git(server.work, "commit-tree", tree, *args, "-m", message).strip()


def new_record(server: Server, message: str) -> str:
    """The mentor adds a record of their mentee and pushes it: one more commit on main."""
    f = server.facts
    name = server.second_name(f.record)
    server.copy(f.record, name)
    server.commit(message)
    accepted(server, f.mentor)
    return name


def test_a_merge_with_an_old_commit_cannot_wipe_the_journals(server: Server) -> None:
    """The critical hole: merge main with the first commit and keep the old tree."""
    f = server.facts
    first = git(server.work, "rev-list", "--max-parents=0", "HEAD").strip()
    added = new_record(server, "新记录")
    server.edit(f.record)
    server.commit("补充")
    accepted(server, f.mentor)
    before = refs_of(server.bare)
    for parents in ((server.head(), first), (first, server.head())):  # either order
        wipe = commit_tree(server, f"{first}^{{tree}}", *parents, message="合并旧版本")
        git(server.work, "reset", "-q", "--hard", wipe)
        code, out = server.push(f.stranger)  # another teacher: nothing here is theirs
        assert code != 0
        assert refused(out, "W702", f"{wipe[:9]}:{added}")
        assert refused(out, "W705", f"{wipe[:9]}:{f.record}")
        code, out = server.push(f.mentor)
        assert code != 0
        assert refused(out, "W702", f"{wipe[:9]}:{added}")
        assert refs_of(server.bare) == before
        assert absent(server.bare, wipe)


def test_a_merge_cannot_undo_the_admin_s_pairing_change(server: Server, tmp_path: Path) -> None:
    f = server.facts
    pairings = f"semesters/{OPEN}/pairings.yaml"
    old = git(server.work, "rev-parse", "HEAD").strip()
    server.edit(pairings, "# 管理员调整\n")
    server.commit("管理员调整")
    accepted(server, ADMIN)
    undo = commit_tree(server, f"{old}^{{tree}}", server.head(), old)
    git(server.work, "reset", "-q", "--hard", undo)
    before = refs_of(server.bare)
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W701", f"{undo[:9]}:{pairings}")
    assert refs_of(server.bare) == before and absent(server.bare, undo)


def test_a_merge_that_drops_another_teacher_s_edit_is_refused(
    server: Server, tmp_path: Path
) -> None:
    """A pull whose merge keeps the old text of a record someone else changed meanwhile."""
    f = server.facts
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(server.bare), str(other))
    record = other / f.record
    record.write_text(record.read_text("utf-8") + "\n导师补充。\n", "utf-8")
    git(other, "commit", "-qam", "导师补充")
    code = subprocess.run(
        ["git", "push", "-q", "origin", "HEAD:main"],
        cwd=other,
        env={**os.environ, "GL_USER": f.mentor, "XDG_CACHE_HOME": str(server.cache)},
        capture_output=True,
        check=False,
    ).returncode
    assert code == 0
    # the stranger merges the server's branch but keeps the record as it was before
    git(server.work, "fetch", "-q", "origin")
    mine = git(server.work, "rev-parse", "HEAD").strip()
    drop = commit_tree(server, f"{mine}^{{tree}}", mine, "origin/main")
    git(server.work, "reset", "-q", "--hard", drop)
    code, out = server.push(f.stranger)
    assert code != 0
    assert refused(out, "W705", f"{drop[:9]}:{f.record}")


def test_an_octopus_merge_from_a_teacher_is_refused(server: Server) -> None:
    f = server.facts
    head = server.head()
    server.edit(f.record)
    one = server.commit("一")
    git(server.work, "reset", "-q", "--hard", head)
    server.edit(f.record, "\n另一处。\n")
    two = server.commit("二")
    octopus = commit_tree(server, f"{two}^{{tree}}", head, one, two)
    git(server.work, "reset", "-q", "--hard", octopus)
    code, out = server.push(f.mentor)
    assert code != 0 and refused(out, "W722", octopus[:9])


def test_only_the_main_branch_takes_commits(server: Server) -> None:
    f = server.facts
    server.edit(f.record)
    sha = server.commit()
    before = refs_of(server.bare)
    for user in (f.mentor, ADMIN):
        code, out = server.push(user, "origin", "HEAD:refs/heads/draft")
        assert code != 0
        assert refused(out, "W712", "refs/heads/draft") and "main" in out
    assert refs_of(server.bare) == before and absent(server.bare, sha)


def test_a_notes_push_gets_only_the_right_code(server: Server) -> None:
    f = server.facts
    git(server.work, "notes", "add", "-m", "备注", "HEAD")
    code, out = server.push(f.mentor, "origin", "refs/notes/commits")
    assert code != 0
    problems = [line for line in out.splitlines() if ": W" in line or ": F" in line]
    assert len(problems) == 1 and refused(out, "W712", "refs/notes/commits"), out


def test_no_one_pushes_replace_refs(server: Server) -> None:
    f = server.facts
    server.edit(f.record, "\n替身。\n")
    fake = server.commit("替身")
    real = git(server.work, "rev-parse", "HEAD~1").strip()
    git(server.work, "replace", real, fake)
    before = refs_of(server.bare)
    code, out = server.push(ADMIN, "origin", f"refs/replace/{real}")
    assert code != 0 and refused(out, "W713", f"refs/replace/{real}")
    assert refs_of(server.bare) == before and absent(server.bare, fake)


def test_close_tags_are_annotated_on_main_and_permanent(server: Server) -> None:
    f = server.facts
    tag = f"refs/tags/close/{CLOSED}"
    git(server.work, "tag", f"close/{CLOSED}")  # lightweight
    code, out = server.push(ADMIN, "origin", tag)
    assert code != 0 and refused(out, "W715", tag)
    git(server.work, "tag", "-d", f"close/{CLOSED}")
    server.edit(f.record)
    aside = server.commit("旁支")
    git(server.work, "tag", "-a", f"close/{CLOSED}", "-m", "结档", aside)
    code, out = server.push(ADMIN, "origin", tag)
    assert code != 0 and refused(out, "W716", tag)
    assert absent(server.bare, aside)
    git(server.work, "tag", "-d", f"close/{CLOSED}")
    git(server.work, "reset", "-q", "--hard", "HEAD~1")
    git(server.work, "tag", "-a", f"close/{CLOSED}", "-m", "结档")
    accepted(server, ADMIN, "origin", tag)
    before = refs_of(server.bare)
    for user in (ADMIN, f.mentor):
        code, out = server.push(user, "origin", "--delete", tag)
        assert code != 0 and refused(out, "W714", tag)
    assert refs_of(server.bare) == before


def test_a_stale_branch_brings_nothing_into_a_closed_semester(server: Server) -> None:
    """A branch left on the server from before the close (made there without the hook)
    does not vouch for its commits: merged into main, they are judged like new ones."""
    f = server.facts
    server.edit(f.old_record)
    stale = server.commit("学期结束前的修改")
    git(server.work, "branch", "old", stale)
    git(server.bare, "fetch", "-q", str(server.work), "old:old")  # on the server, no hook
    git(server.work, "reset", "-q", "--hard", "HEAD~1")
    git(server.work, "tag", "-a", f"close/{CLOSED}", "-m", "结档")
    accepted(server, ADMIN, "origin", f"refs/tags/close/{CLOSED}")
    server.edit(f.record)
    mine = server.commit()
    git(server.work, "merge", "-q", "--no-edit", stale)
    merge = git(server.work, "rev-parse", "HEAD").strip()
    code, out = server.push(f.mentor)
    assert code != 0
    assert refused(out, "W703", f"{stale[:9]}:{f.old_record}")
    assert absent(server.bare, mine, merge)


CRISIS = """\
---
kind: crisis-report
mentor: {mentor}
student: {student}
date: {date}
level: serious
signs: |
  近一周多次独自哭泣，饮食明显减少。
reported_to: [{admin}]
actions: |
  当天谈心，已报告校领导和心理教师。
referral: school_psych
parents_informed: true
---
已按学校应急预案处理。
"""


def test_a_class_teacher_may_not_overwrite_a_crisis_report_they_cannot_read(
    server: Server,
) -> None:
    """Write rights never exceed read rights: the class-teacher role sees no crisis report
    (forms/access.yaml), so it cannot change one, though it edits the class's talks."""
    f = server.facts
    folder, name = f.record.rsplit("/", 1)
    day = name[:10]
    report = f"{folder}/{day}-crisis-report.md"
    text = CRISIS.format(mentor=f.mentor, student=f.mentee, date=day, admin=ADMIN)
    (server.work / report).write_text(text, "utf-8")
    server.commit("危机上报")
    accepted(server, f.mentor)
    before = refs_of(server.bare)
    server.edit(report, "\n班主任改写。\n")
    sha = server.commit("班主任改写")
    code, out = server.push(f.class_teacher)
    assert code != 0
    assert refused(out, "W718", f"{sha[:9]}:{report}")
    assert "班主任看不到危机上报的全部内容（访问矩阵中为 none，需要 crisis）" in out
    assert refs_of(server.bare) == before and absent(server.bare, sha)
