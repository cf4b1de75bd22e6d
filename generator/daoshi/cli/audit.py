"""``daoshi close-semester`` and ``daoshi review``: the supervision group's two commands.

Closing a semester validates the records, checks obligations, commits a summary
(``semesters/<S>/close.yaml``) and tags that commit ``close/<S>`` (annotated, signed when
asked or configured). Every later change to that semester's records is flagged. The review
lists per mentor what was added, changed and deleted between two commits, field by field.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from daoshi.errors import ProjectError
from daoshi.history.audit import build_audit
from daoshi.history.gitlog import HistoryError, git, head_commit
from daoshi.history.provenance import provenance_text, push_log_text
from daoshi.history.review import (
    ADDED,
    STATUS_TITLES,
    Review,
    ReviewEntry,
    flag_counts,
    obligation_status,
    review,
)
from daoshi.history.trail import FLAG_LABELS, Audit, read_settings
from daoshi.messages import verdict
from daoshi.policy.appraisal import (
    appraise_all,
    load_rubrics,
    read_inputs,
    rubrics_for,
    unsigned,
)
from daoshi.policy.rubric import NO_INPUTS
from daoshi.records.model import School
from daoshi.records.validate import credited, school_today, validate
from daoshi.site.history import TIME_FORMAT, body_lines


class CloseError(Exception):
    """The semester cannot be closed; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Closed:
    """What ``close_semester`` did."""

    tag: str
    commit: str
    summary_path: str
    summary: str
    obligations_checked: bool


def _records_root() -> str:
    return os.environ.get("DAOSHI_RECORDS", "records")


def _dirty(root: Path) -> list[str]:
    out = git(root, "status", "--porcelain", "-z", "--untracked-files=all").decode()
    return [entry[3:] for entry in out.split("\0") if entry]


def _identity(root: Path) -> str:
    name = git(root, "config", "user.name", check=False).decode().strip()
    email = git(root, "config", "user.email", check=False).decode().strip()
    if not name or not email:
        raise CloseError("请先设置 git 身份：git config user.name 和 git config user.email")
    return f"{name} <{email}>"


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def close_summary(
    school: School, audit: Audit, semester_id: str, on: dt.date, closed_by: str
) -> tuple[str, str, bool]:
    """(close.yaml text, the tag message, whether obligations were checked)."""
    semester = school.semester(semester_id)
    records = [r for r in school.records if r.semester == semester_id]
    by_mentor: dict[str, int] = {}
    for r in records:
        by_mentor[r.mentor] = by_mentor.get(r.mentor, 0) + 1
    status = obligation_status(school, semester_id, max(on, semester.end + dt.timedelta(days=1)))
    counts = flag_counts(audit.flags(semester_id))
    lines = [
        f"semester: {semester_id}",
        f"closed_on: {on.isoformat()}",
        f"closed_by: {_yaml_text(closed_by)}",
        f"records: {len(records)}",
        f"obligations_checked: {'true' if status is not None else 'false'}",
    ]
    mentors = sorted(set(by_mentor) | set(status or {}))
    message = [
        f"结档：{semester.name}（{semester_id}）",
        "",
        f"记录 {len(records)} 份，导师 {len(mentors)} 名；结档人 {closed_by}，{on.isoformat()}。",
    ]
    if mentors:
        lines.append("mentors:")
    for mentor in mentors:
        tally = status[mentor][0] if status and mentor in status else None
        lines += [f"  - mentor: {mentor}", f"    records: {by_mentor.get(mentor, 0)}"]
        name = school.teachers[mentor].name if mentor in school.teachers else mentor
        line = f"{mentor} {name}：记录 {by_mentor.get(mentor, 0)} 份"
        if tally is not None:
            lines += [f"    met: {tally.get('met', 0)}", f"    unmet: {tally.get('unmet', 0)}"]
            line += f"，义务已完成 {tally.get('met', 0)} 项、未完成 {tally.get('unmet', 0)} 项"
        message.append(line)
    if counts:
        lines.append("flags:")
        lines += [f"  - kind: {k}\n    count: {n}" for k, n in counts.items()]
        message.append("审计标记：" + "，".join(f"{FLAG_LABELS[k]} {n}" for k, n in counts.items()))
    if status is None:
        message.append("未检查义务完成情况（没有义务引擎 daoshi/policy/obligations.py）。")
    return "\n".join(lines) + "\n", "\n".join(message) + "\n", status is not None


def close_semester(
    root: Path, semester_id: str, *, sign: bool = False, today: dt.date | None = None
) -> Closed:
    """Validate, write and commit the summary, tag the commit. Raises ``CloseError``.

    ``ProjectError`` carries the validation problems when the records are not valid.
    """
    head_commit(root)  # a clear message when root is not a git repository
    dirty = _dirty(root)
    if dirty:
        listed = "、".join(dirty[:5]) + ("……" if len(dirty) > 5 else "")
        raise CloseError(f"工作区有未提交的修改或新文件（{listed}）：请先提交或移走，再结档")
    result = validate(root, today=today, need_school=True)
    if result.problems or result.school is None:
        raise ProjectError(result.problems)
    school = result.school
    if semester_id not in {s.id for s in school.semesters}:
        known = "、".join(s.id for s in school.semesters)
        raise CloseError(f"没有学期 {semester_id}（已有：{known}）")
    settings = read_settings(root, school)
    tag = settings.tag_for(semester_id)
    if git(root, "tag", "--list", tag).strip():
        raise CloseError(f"学期 {semester_id} 已结档（标签 {tag} 已存在）；结档后的修改会被标记")
    on = today or school_today(root)
    signed = _signed_off(root, school, semester_id, on)
    closed_by = _identity(root)
    audit = build_audit(root, school)
    text, message, checked = close_summary(school, audit, semester_id, on, closed_by)
    if signed:
        message += f"考核组已签署 {signed} 名导师的考核（考核组评价、考核组组长）。\n"
    rel = f"semesters/{semester_id}/close.yaml"
    previous = (root / rel).read_bytes() if (root / rel).is_file() else None  # as committed
    (root / rel).write_text(text, encoding="utf-8")
    sign = sign or settings.sign_close_tag or settings.require_signed
    before = head_commit(root)
    commit_args = ["commit", "-q", "-m", message.split("\n", 1)[0] + "\n\n" + message]
    try:
        git(root, "add", "--", rel)
        git(root, *commit_args, *(["-S"] if sign else []))
        git(root, "tag", "-s" if sign else "-a", tag, "-m", message)
    except HistoryError as exc:  # a pre-commit hook, a signer that fails: nothing half done
        _undo_close(root, rel, before, previous)
        raise CloseError(f"结档没有完成，已撤销（close.yaml 未提交，没有打标签）：{exc}") from exc
    commit = git(root, "rev-parse", "HEAD").decode().strip()
    return Closed(tag, commit, rel, message, checked)


def _signed_off(root: Path, school: School, semester_id: str, on: dt.date) -> int:
    """How many mentors' scores the appraisal group signed; CloseError naming those not
    signed where the semester's rubric asks for it (太谷附表五“考核组评价”“考核组组长”)."""
    semester = school.semester(semester_id)
    rubrics = load_rubrics(school.forms)
    inputs = read_inputs(root, school)
    reviews = inputs.get(semester_id, NO_INPUTS).reviews
    chosen = rubrics_for(school, semester, rubrics)
    if all(r.settings["group_sign_off"] != "required" for r in chosen):  # nothing to score
        return sum(1 for r in reviews.values() if r.signed)
    done, _refused = appraise_all(school, rubrics, inputs, [semester], on=on)
    missing = sorted({m for a in done for m in unsigned(a)})
    if missing:
        names = [f"{m} {school.teachers[m].name}" if m in school.teachers else m for m in missing]
        listed = "、".join(names[:10]) + (f"等 {len(names)} 名" if len(names) > 10 else "")
        raise CloseError(
            f"考核表要求考核组组长签署，这些导师的考核还没有签署：{listed}。"
            f"请在 semesters/{semester_id}/assessments.yaml 中为每位导师写上"
            " group_leader（考核组组长）和 signed_on（签署日期）后再结档"
        )
    return len({s.mentor for a in done for s in a.scores if s.review and s.review.signed})


def _undo_close(root: Path, rel: str, before: str | None, previous: bytes | None) -> None:
    """Back to the clean tree ``close_semester`` started from: the commit made (if the tag
    failed after it) is dropped, close.yaml's index entry and file are as they were."""
    if before is not None and head_commit(root) != before:
        git(root, "reset", "-q", "--soft", before, check=False)
    if before is not None:
        git(root, "reset", "-q", "--", rel, check=False)
    else:
        git(root, "rm", "-q", "--cached", "--ignore-unmatch", "--", rel, check=False)
    if previous is None:
        (root / rel).unlink(missing_ok=True)
    else:
        (root / rel).write_bytes(previous)


# -- the review as plain text ---------------------------------------------------------------


def review_text(rv: Review, school: School, zone: str) -> str:
    """The review as plain text, for printing or mail."""
    semester = school.semester(rv.semester)
    counts = rv.counts()
    start = f"提交 {rv.from_commit[:10]} 之后" if rv.from_commit else "从第一次提交起"
    out = [
        f"审核报告：{semester.name}（{rv.semester}）",
        f"范围：{start}，到提交 {rv.to_commit[:10]}；时间均为学校时区（{zone}）。",
        f"新增 {counts['added']} 份，修改 {counts['changed']} 份，删除 {counts['deleted']} 份。",
    ]
    if rv.close is not None:
        out.append(f"已结档：标签 {rv.close.tag}（提交 {rv.close.commit[:10]}）。")
    else:
        out.append("尚未结档。")
    if not rv.obligations_checked:
        out.append("未检查义务完成情况（没有义务引擎）。")
    out.append(push_log_text(rv.push_log))
    out += [f"！{f.label}：{f.detail}" for f in rv.general]
    for m in rv.mentors:
        teacher = school.teachers.get(m.mentor)
        out += ["", "=" * 60, f"导师 {m.mentor} {teacher.name if teacher else ''}".rstrip()]
        summary = "，".join(f"{t} {len(m.of(s))} 份" for s, t in STATUS_TITLES.items())
        out.append(summary)
        if m.obligations is not None:
            met, unmet = m.obligations.get("met", 0), m.obligations.get("unmet", 0)
            out.append(f"义务：已完成 {met} 项，未完成 {unmet} 项")
            out += [f"  {line}" for line in m.behind]
        if m.flag_counts:
            out.append(
                "标记：" + "，".join(f"{FLAG_LABELS[k]} {n}" for k, n in m.flag_counts.items())
            )
        for status, title in STATUS_TITLES.items():
            entries = m.of(status)
            if status == ADDED:  # on time and unflagged: counted, not listed
                entries = [e for e in entries if e.flags]
            for e in entries:
                out += _entry_text(e, title, school)
    return "\n".join(out) + "\n"


def _entry_text(e: ReviewEntry, title: str, school: School) -> list[str]:
    r = e.record
    who = "、".join(r.students) or "—"
    kind = school.forms.kinds[r.kind].label.zh if r.kind in school.forms.kinds else r.kind
    levels = {lv.id: lv.label.zh for lv in school.forms.levels}
    out = ["", f"[{title}] {r.path}", f"  记录日期 {r.date or '—'} · {kind} · 学生 {who}"]
    for v in e.versions:
        times = (v.author_time.strftime(TIME_FORMAT), v.commit_time.strftime(TIME_FORMAT))
        out.append(
            f"  {v.commit[:10]} {v.change} {v.author} <{v.author_email}> "
            f"作者时间 {times[0]} 提交时间 {times[1]}"
        )
        out.append(f"    提交说明：{v.message.split(chr(10), 1)[0]}")
        if v.pusher or v.signature:
            out.append(f"    {provenance_text(v)}")
        if v.old_path and v.change == "R":
            out.append(f"    原路径：{v.old_path}")
        for c in v.changes:
            if c.field == "正文":
                out.append(f"    {c.label}（{levels.get(c.level, c.level)}）：")
                out += [f"      {op} {text}" for op, text in body_lines(c.old or "", c.new or "")]
            else:
                out.append(
                    f"    {c.label}（{c.level}）：{c.old or '（无）'} → {c.new or '（删去）'}"
                )
    out += [f"  ！{f.label}：{f.detail}" for f in e.flags]
    return out


# -- click commands -------------------------------------------------------------------------


def _problems(exc: ProjectError, root: Path) -> None:
    for p in exc.problems:
        click.echo(p.format(str(root)))
    click.echo(verdict(len(exc.problems)), err=True)
    sys.exit(1)


@click.command("close-semester")
@click.argument("semester")
@click.option(
    "--records",
    "root",
    default=_records_root,
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录（默认：环境变量 DAOSHI_RECORDS 或 records/）。",
)
@click.option("--sign", is_flag=True, help="签名结档提交和标签（GPG 或 SSH，按 git 配置）。")
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD）。")
def close_semester_command(semester: str, root: Path, sign: bool, today: str | None) -> None:
    """结档学期 SEMESTER（如 2025-2026-1）：校验、检查义务、提交摘要并打标签 close/SEMESTER。

    结档之后对该学期记录的任何修改都会在审核报告中标为“结档后修改”。
    """
    day = dt.date.fromisoformat(today) if today else None
    try:
        closed = close_semester(root, semester, sign=sign, today=day)
    except ProjectError as exc:
        click.echo("记录有问题，不能结档：", err=True)
        _problems(exc, root)
        return
    except (CloseError, HistoryError) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    click.echo(closed.summary.rstrip())
    click.echo(f"已写出 {closed.summary_path} 并提交（{closed.commit[:10]}），标签 {closed.tag}。")
    click.echo(f"请推送：git push origin HEAD {closed.tag}")


def _resolve(root: Path, rev: str) -> str:
    out = git(root, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False).strip()
    if not out:
        raise click.BadParameter(f"找不到提交或标签 {rev!r}")
    return out.decode()


@click.command("review")
@click.option("--semester", "semester_id", required=True, help="学期，例如 2025-2026-1。")
@click.option("--from", "from_rev", help="从这个标签或提交之后开始（默认：从第一次提交起）。")
@click.option("--to", "to_rev", default="HEAD", show_default=True, help="到这个提交为止。")
@click.option(
    "--records",
    "root",
    default=_records_root,
    type=click.Path(file_okay=False, path_type=Path),
    help="记录仓库目录（默认：环境变量 DAOSHI_RECORDS 或 records/）。",
)
@click.option("--text", "as_text", is_flag=True, help="输出纯文本（默认写出可打印的 HTML）。")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML 输出文件（默认 review-学期.html）。",
)
@click.option("--today", help="把这一天当作今天（YYYY-MM-DD），用于义务状态。")
def review_command(
    semester_id: str,
    from_rev: str | None,
    to_rev: str,
    root: Path,
    as_text: bool,
    output: Path | None,
    today: str | None,
) -> None:
    """审核报告：某学期各导师新增、修改、删除的记录，逐字段的修改内容和审计标记。"""
    day = dt.date.fromisoformat(today) if today else school_today(root)
    try:
        result = validate(root, today=day, need_school=True)
        if result.school is None:
            raise ProjectError(result.problems)
        school = result.school
        if semester_id not in {s.id for s in school.semesters}:
            raise click.BadParameter(f"没有学期 {semester_id}", param_hint="--semester")
        audit = build_audit(root, school)
        to_commit = _resolve(root, to_rev)
        from_commit = _resolve(root, from_rev) if from_rev else None
        if to_commit not in audit.index.commits:
            raise click.BadParameter(f"{to_rev} 不在当前分支的历史中", param_hint="--to")
        semester = school.semester(semester_id)
        on = min(day, semester.end + dt.timedelta(days=1))
        # obligations credit only records that validate (a rejected record is listed, not
        # counted)
        rv = review(audit, credited(result) or school, semester_id, to_commit, from_commit, on)
    except ProjectError as exc:
        click.echo("记录有问题，请先修正：", err=True)
        _problems(exc, root)
        return
    except HistoryError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    if result.problems:
        click.echo(
            f"注意：记录仓库有 {len(result.problems)} 个问题（daoshi validate 查看）。", err=True
        )
    if as_text:
        click.echo(review_text(rv, school, audit.timezone.key), nl=False)
        return
    from daoshi.site.history import review_document

    target = output or Path(f"review-{semester_id}.html")
    target.write_text(review_document(school, day, audit, rv), encoding="utf-8")
    click.echo(f"审核报告已写出：{target}（浏览器打开后可直接打印）")
