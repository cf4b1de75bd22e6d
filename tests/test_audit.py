"""Audit flags, semester close, review and history pages over real repositories."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from daoshi.access import Access, leader_audience, parse_audience
from daoshi.cli.audit import CloseError, close_semester, review_text
from daoshi.cli.main import main
from daoshi.errors import ProjectError
from daoshi.history.audit import build_audit
from daoshi.history.content import Change
from daoshi.history.review import review
from daoshi.records.validate import load
from daoshi.site.core import Site
from daoshi.site.history import flag_summary, history_pages, student_history_page
from tests.conftest import MINIMAL, SEMESTER, TALK
from tests.test_history import LI, ZHANG, Repo

WANG = ("王老师", "t003@example.edu.cn")
STRANGER = ("临时工", "temp@example.com")
LATE_TALK = f"{SEMESTER}/journal/T001/S250002/2025-09-20-talk.md"
DUPLICATE = f"{SEMESTER}/journal/T001/S250001/2025-10-12-talk-2.md"
TYPO = f"{SEMESTER}/journal/T001/S250002/2025-10-05-talk.md"
FIXED = f"{SEMESTER}/journal/T001/S250002/2025-10-15-talk.md"
TODAY = dt.date(2026, 1, 25)


def talk(student: str, date: str, body: str, occasion: str = "exam", areas: str = "study") -> str:
    return (
        f"---\nkind: talk\nmentor: T001\nstudent: {student}\ndate: {date}\n"
        f"areas: [{areas}]\noccasion: {occasion}\n---\n{body}"
    )


TALK_BODY = "期中考试后谈心，学生对数学成绩不满意。\n约定每周一起订正错题。\n"
LONG_BODY = "和学生聊了开学以来的适应情况，他说住校后想家。\n" * 3


def _at(day: str, hour: int = 20) -> str:
    return f"{day}T{hour:02d}:00:00+08:00"


class School:
    """The minimal school of conftest as a git history with the cases the audit flags."""

    def __init__(self, root: Path) -> None:
        self.repo = Repo(root)
        self.root = root
        self.commits: dict[str, str] = {}
        files: dict[str, str | None] = {k: v for k, v in MINIMAL.items() if k != TALK}
        files["people/teachers.yaml"] = MINIMAL["people/teachers.yaml"].replace(
            "    email: t003@example.edu.cn\n",
            "    email: t003@example.edu.cn\n    roles: [reviewer]\n",
        )
        self.step("setup", files, "学期安排", WANG, "2025-08-25")
        self.step(
            "talk",
            {TALK: talk("S250001", "2025-10-12", TALK_BODY)},
            "T001 记录",
            ZHANG,
            "2025-10-13",
        )
        self.step(
            "typo",
            {TYPO: talk("S250002", "2025-10-05", LONG_BODY)},
            "T001 记录",
            ZHANG,
            "2025-10-16",
        )
        self.repo.move(TYPO, FIXED)
        fixed = talk("S250002", "2025-10-15", LONG_BODY)
        self.step("rename", {FIXED: fixed}, "T001 更正日期", ZHANG, "2025-10-17")
        edited = talk(
            "S250001", "2025-10-12", TALK_BODY + "班主任补充：家长已知情。\n", "mood", "study, life"
        )
        self.step("edit", {TALK: edited}, "T002 补充", LI, "2025-10-20")
        self.step(
            "dup",
            {DUPLICATE: talk("S250001", "2025-10-12", "重复\n")},
            "T001 记录",
            ZHANG,
            "2025-10-21",
        )
        self.step("delete", {DUPLICATE: None}, "T001 删除重复", ZHANG, "2025-10-22")
        late = talk("S250002", "2025-09-20", LONG_BODY)
        self.step("backdated", {LATE_TALK: late}, "T001 补记", ZHANG, "2025-11-30")
        self.repo.git("config", "user.name", WANG[0])
        self.repo.git("config", "user.email", WANG[1])

    def step(
        self, name: str, files: dict[str, str | None], message: str, who: tuple[str, str], day: str
    ) -> None:
        self.commits[name] = self.repo.commit(files, message, author=who, when=_at(day))

    def after_close(self) -> None:
        late = talk("S250002", "2025-09-20", LONG_BODY + "结档后补写。\n")
        self.step("late", {LATE_TALK: late}, "T001 结档后补写", ZHANG, "2026-02-01")
        outsider = (self.root / TALK).read_text() + "外人改的。\n"
        self.step("outsider", {TALK: outsider}, "改一下", STRANGER, "2026-02-02")


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> School:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DAOSHI_RECORDS", raising=False)
    return School(tmp_path / "records")


def _flags(root: Path) -> list[tuple[str, str, str, str]]:
    audit = build_audit(root, load(root, today=TODAY))
    return [
        (f.kind, f.path.rsplit("/", 2)[-2] + "/" + f.path.rsplit("/", 1)[-1], f.who, f.detail)
        for f in audit.flags()
    ]


def test_history_and_flags_before_close(school: School) -> None:
    model = load(school.root, today=TODAY)
    audit = build_audit(school.root, model)
    c = school.commits
    history = audit.records[TALK]
    assert [(v.commit, v.change, v.author_teacher) for v in history.versions] == [
        (c["talk"], "A", "T001"),
        (c["edit"], "M", "T002"),
    ]
    assert history.date == dt.date(2025, 10, 12)  # the record's own date
    first = history.first
    assert first.author_time.isoformat() == "2025-10-13T20:00:00+08:00"  # school time zone
    assert first.commit_time == first.author_time
    assert history.versions[1].changes == (
        Change("areas", "指导方面", "学业辅导", "学业辅导、生活指导", "staff"),
        Change("occasion", "谈话时机", "重大考试前后", "情绪波动", "mentor_team"),
        Change("正文", "正文", TALK_BODY, TALK_BODY + "班主任补充：家长已知情。\n", "confidential"),
    )
    renamed = audit.records[FIXED]
    assert [(v.change, v.path, v.old_path) for v in renamed.versions] == [
        ("A", TYPO, None),
        ("R", FIXED, TYPO),
    ]
    assert renamed.versions[1].changes == (
        Change("date", "日期", "2025-10-05", "2025-10-15", "staff"),
    )
    gone = audit.records[DUPLICATE]
    assert gone.deleted and gone.students == ("S250001",) and gone.date == dt.date(2025, 10, 12)
    assert _flags(school.root) == [
        (
            "deleted",
            "S250001/2025-10-12-talk-2.md",
            "张老师（T001）",
            "最后内容由 张老师（T001） 提交（作者时间 2025-10-21 20:00），"
            "张老师（T001） 于 2025-10-22 20:00 删除",
        ),
        (
            "other_editor",
            "S250001/2025-10-12-talk.md",
            "李老师（T002）",
            "李老师（T002）修改了张老师（T001）的记录",
        ),
        (
            "backdated",
            "S250002/2025-09-20-talk.md",
            "张老师（T001）",
            "记录日期 2025-09-20，首次提交于 2025-11-30，晚 71 天",
        ),
    ]


def test_close_then_late_edits_and_unknown_author(school: School) -> None:
    closed = close_semester(school.root, "2025-2026-1", today=TODAY)
    assert closed.tag == "close/2025-2026-1" and closed.obligations_checked
    assert school.repo.git("tag", "--list").split() == ["close/2025-2026-1"]
    assert school.repo.git("cat-file", "-t", "close/2025-2026-1").strip() == "tag"  # annotated
    summary = (school.root / f"{SEMESTER}/close.yaml").read_text()
    assert summary.startswith(
        "semester: 2025-2026-1\nclosed_on: 2026-01-25\n"
        'closed_by: "王老师 <t003@example.edu.cn>"\nrecords: 3\nobligations_checked: true\n'
    )
    assert "  - kind: backdated\n    count: 1\n" in summary
    assert load(school.root, today=TODAY).semesters  # the summary passes its own form
    with pytest.raises(CloseError, match="已结档"):
        close_semester(school.root, "2025-2026-1", today=TODAY)
    school.after_close()
    late = [f for f in _flags(school.root) if f[0] in ("late_edit", "unknown_author")]
    assert late == [
        (
            "late_edit",
            "S250001/2025-10-12-talk.md",
            "临时工 <temp@example.com>",
            "修改于 2026-02-02 20:00，在 close/2025-2026-1 结档之后",
        ),
        (
            "unknown_author",
            "S250001/2025-10-12-talk.md",
            "临时工 <temp@example.com>",
            "修改者 临时工 <temp@example.com> 不在教师名单中",
        ),
        (
            "late_edit",
            "S250002/2025-09-20-talk.md",
            "张老师（T001）",
            "修改于 2026-02-01 20:00，在 close/2025-2026-1 结档之后",
        ),
    ]


def test_close_refuses_a_dirty_tree_and_invalid_records(school: School) -> None:
    (school.root / "stray.txt").write_text("x")
    with pytest.raises(CloseError, match=r"stray\.txt"):
        close_semester(school.root, "2025-2026-1", today=TODAY)
    school.repo.commit({"stray.txt": "x"}, "oops")
    with pytest.raises(ProjectError) as caught:
        close_semester(school.root, "2025-2026-1", today=TODAY)
    assert [p.code for p in caught.value.problems] == ["F016"]
    with pytest.raises(CloseError, match="没有学期 2030-2031-1"):
        school.repo.commit({"stray.txt": None}, "fix")
        close_semester(school.root, "2030-2031-1", today=TODAY)
    assert school.repo.git("tag", "--list") == ""


def test_review_between_close_and_head(school: School) -> None:
    close_semester(school.root, "2025-2026-1", today=TODAY)
    school.after_close()
    model = load(school.root, today=TODAY)
    audit = build_audit(school.root, model)
    close = audit.closes["2025-2026-1"]
    rv = review(audit, model, "2025-2026-1", audit.index.head or "", close.commit, TODAY)
    t001 = next(m for m in rv.mentors if m.mentor == "T001")
    assert [(e.status, e.record.path) for e in t001.entries] == [
        ("changed", LATE_TALK),
        ("changed", TALK),
    ]
    assert dict(t001.flag_counts) == {"late_edit": 2, "unknown_author": 1}
    assert rv.counts() == {"added": 0, "changed": 2, "deleted": 0}
    whole = review(audit, model, "2025-2026-1", audit.index.head or "", None, TODAY)
    statuses = {e.record.path: e.status for m in whole.mentors for e in m.entries}
    assert statuses == {
        TALK: "changed",
        FIXED: "changed",
        DUPLICATE: "deleted",
        LATE_TALK: "changed",
    }
    text = review_text(rv, model, "Asia/Shanghai")
    assert "导师 T001 张老师\n新增 0 份，修改 2 份，删除 0 份\n" in text
    assert "      + 结档后补写。\n" in text
    assert "  ！结档后修改：修改于 2026-02-01 20:00，在 close/2025-2026-1 结档之后\n" in text


def test_review_and_close_commands(school: School) -> None:
    runner = CliRunner()
    root = str(school.root)
    result = runner.invoke(
        main, ["close-semester", "2025-2026-1", "--records", root, "--today", "2026-01-25"]
    )
    assert result.exit_code == 0, result.output
    assert "标签 close/2025-2026-1" in result.output
    school.after_close()
    args = ["review", "--semester", "2025-2026-1", "--from", "close/2025-2026-1", "--records", root]
    result = runner.invoke(main, [*args, "--text", "--today", "2026-02-10"])
    assert result.exit_code == 0, result.output
    assert "范围：提交" in result.output and "+ 外人改的。" in result.output
    out = school.root.parent / "review.html"
    result = runner.invoke(main, [*args, "-o", str(out), "--today", "2026-02-10"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!doctype html>") and "结档后修改" in html and "<script" not in html
    result = runner.invoke(
        main, ["review", "--semester", "2025-2026-1", "--from", "nope", "--records", root]
    )
    assert result.exit_code != 0 and "找不到提交或标签" in result.output


def test_pages_filter_fields_by_audience(school: School) -> None:
    model = load(school.root, today=TODAY)
    audit = build_audit(school.root, model)
    leader = Site(model, TODAY, Access(model, leader_audience(model)))
    page = student_history_page(leader, audit, "S250001")
    assert page.path == "students/S250001/history.md"
    assert "班主任补充：家长已知情。" in page.content
    assert "作者时间 2025年10月20日 20:00" in page.content and "记录日期" in page.content
    assert "已删除的记录" in page.content
    reviewer = Site(model, TODAY, Access(model, parse_audience(model, "reviewer:T003")))
    page = student_history_page(reviewer, audit, "S250001")
    assert "班主任补充" not in page.content and TALK_BODY.split("\n")[0] not in page.content
    assert "已修改（内容不在本版本中显示）" in page.content
    assert "情绪波动" in page.content  # occasion is mentor_team: the reviewer sees it
    mentor = Site(model, TODAY, Access(model, parse_audience(model, "mentor:T002")))
    paths = [p.path for p in history_pages(mentor, audit)]
    assert "students/S250001/history.md" not in paths and not any(
        p.startswith("review/") for p in paths
    )
    paths = [p.path for p in history_pages(leader, audit)]
    assert "review/2025-2026-1.md" in paths and "students/S250002/history.md" in paths


def test_flag_summary_for_mentor_and_class(school: School) -> None:
    audit = build_audit(school.root, load(school.root, today=TODAY))
    summary = flag_summary(audit, "2025-2026-1", mentor="T001")
    assert summary["total"] == 3
    assert summary["counts"] == [
        ("补记（提交远晚于记录日期）", 1),
        ("非本人导师提交或修改", 1),
        ("已删除", 1),
    ]
    assert flag_summary(audit, "2025-2026-1", students=["S250002"])["total"] == 1
    assert flag_summary(None, "2025-2026-1")["total"] == 0


def test_unsigned_commits_when_signing_is_required(school: School, tmp_path: Path) -> None:
    key = tmp_path / "t001_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    signers = tmp_path / "allowed_signers"
    signers.write_text(f"{ZHANG[1]} {(tmp_path / 't001_key.pub').read_text()}")
    repo = school.repo
    for name, value in (
        ("gpg.format", "ssh"),
        ("user.signingkey", str(key)),
        ("gpg.ssh.allowedSignersFile", str(signers)),
    ):
        repo.git("config", name, value)
    school_yaml = (
        MINIMAL["school.yaml"] + "require_signed_commits: true\naudit:\n  backdate_days: 100\n"
    )
    repo.commit({"school.yaml": school_yaml}, "要求签名", author=WANG, when=_at("2025-12-01"))
    text = talk("S250001", "2025-12-02", "签名的记录。\n")
    signed = repo.commit(
        {f"{SEMESTER}/journal/T001/S250001/2025-12-02-talk.md": text},
        "T001 记录",
        when=_at("2025-12-03"),
        sign=True,
    )
    audit = build_audit(school.root, load(school.root, today=TODAY))
    assert audit.settings.require_signed and audit.settings.backdate_days == 100
    unsigned = [
        (f.path.rsplit("/", 1)[-1], f.commit) for f in audit.flags() if f.kind == "unsigned"
    ]
    assert signed not in {c for _, c in unsigned}
    assert sorted(unsigned) == sorted(
        [
            ("2025-09-20-talk.md", school.commits["backdated"]),
            ("2025-10-12-talk-2.md", school.commits["dup"]),
            ("2025-10-12-talk-2.md", school.commits["delete"]),
            ("2025-10-12-talk.md", school.commits["talk"]),
            ("2025-10-12-talk.md", school.commits["edit"]),
            ("2025-10-15-talk.md", school.commits["typo"]),
            ("2025-10-15-talk.md", school.commits["rename"]),
        ]
    )
    assert not [f for f in audit.flags() if f.kind == "backdated"]  # threshold 100 days


def test_a_refreshed_audit_looks_up_as_one_built_whole(school: School) -> None:
    """After new commits the audit's lookups (records by student, flags in order) are the
    old ones with only the touched records' students looked up again: the same as made
    from scratch, for an edited, a new (flagged), a deleted and an untouched record."""
    from daoshi.history.audit import refreshed_audit
    from daoshi.history.trail import _Lookups

    old = build_audit(school.root, load(school.root, today=TODAY))
    assert old.of_student("S250001") and old.flags()  # the lookups are made
    school.after_close()  # an edit by an unknown author, a late edit
    school.step("gone", {FIXED: None}, "T001 删除", ZHANG, "2026-02-03")
    extra = f"{SEMESTER}/journal/T001/S250002/2025-11-02-talk.md"
    school.step(
        "new", {extra: talk("S250002", "2025-11-02", "补一次谈话。\n")}, "补记", ZHANG, "2026-02-04"
    )
    new = refreshed_audit(old, school.root, load(school.root, today=TODAY))
    assert new._lookups is not None  # carried, not made again
    carried, whole = new._lookups[1], _Lookups(new)
    assert carried.by_student == whole.by_student
    assert carried.all_flags == whole.all_flags
    assert [f.kind for f in new.flags()] != [f.kind for f in old.flags()]  # the commits show
    assert [h.path for h in new.of_student("S250002")] == [
        h.path for h in whole.by_student["S250002"]
    ]
