"""The server's push log, through real pushes and a fresh auditor's ``daoshi review``.

Who pushed and when the server received it come from the log, not from the commit: a
backdated commit, a commit dated in the future and a commit pushed by someone other than
its author are flagged. An auditor with only a new clone of the server finds commits that
were dropped or changed on the server, a branch moved around the hook, and a log line
changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from daoshi.cli.main import main
from daoshi.history.pushlog import read_push_log
from daoshi.records.validate import load
from tests import test_hook
from tests.test_hook import ADMIN, OPEN, Server, git

seed, server = test_hook.seed, test_hook.server  # the hook's fixtures: a demo school's server

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the demo school's time zone
TODAY = dt.datetime.now(SHANGHAI).date().isoformat()


def log_of(server: Server) -> Path:
    return server.bare / "daoshi" / "push-log.jsonl"


def dated_commit(server: Server, message: str, when: str, who: tuple[str, str]) -> str:
    env = {
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": who[0],
        "GIT_AUTHOR_EMAIL": who[1],
        "GIT_COMMITTER_NAME": who[0],
        "GIT_COMMITTER_EMAIL": who[1],
    }
    git(server.work, "add", "-A")
    done = subprocess.run(
        ["git", "commit", "-qm", message],
        cwd=server.work,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return git(server.work, "rev-parse", "HEAD").strip()


def review(server: Server, tmp: Path) -> str:
    """``daoshi review --text`` in a fresh clone of the server (the log is found by origin)."""
    clone = tmp / "auditor"
    if clone.exists():
        git(clone, "pull", "-q", "--ff-only")
    else:
        git(tmp, "clone", "-q", str(server.bare), str(clone))
    args = ["review", "--semester", OPEN, "--records", str(clone), "--text", "--today", TODAY]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def identity(server: Server, teacher: str) -> tuple[str, str]:
    t = load(server.work, use_cache=False).teachers[teacher]
    return t.name, t.email


def test_who_and_when_come_from_the_push_log(server: Server, tmp_path: Path) -> None:
    f = server.facts
    mentor = identity(server, f.mentor)
    day = f.record.rsplit("/", 1)[1][:10]  # the record's date: a talk that day, entered
    late = server.second_name(f.record)  # ... but committed "the next day", pushed today
    server.copy(f.record, late)
    after = f"{day[:8]}{int(day[8:]) + 1:02d}" if day[8:] < "28" else day
    backdated = dated_commit(server, "补记", f"{after}T20:00:00+08:00", mentor)
    assert server.push(f.mentor)[0] == 0
    server.edit(f.record, "\n以后补充。\n")
    future = dated_commit(server, "未来", "2030-01-01T08:00:00+08:00", mentor)
    assert server.push(f.mentor)[0] == 0
    server.edit(f.record, "\n班主任冒名补充。\n")
    posed = dated_commit(server, "冒名", "2026-12-01T20:00:00+08:00", mentor)
    code, out = server.push(f.class_teacher)  # the class teacher pushes as the mentor
    assert code == 0, out

    log = read_push_log(log_of(server))
    assert log.problems == [] and len(log.pushes) == 3
    by_commit = log.by_commit()
    assert by_commit[posed][0].teacher == f.class_teacher
    assert by_commit[backdated][0].teacher == f.mentor
    out = review(server, tmp_path)
    assert "推送日志：3 次推送" in out
    ct = identity(server, f.class_teacher)[0]
    assert (
        f"推送者不是作者：作者 {mentor[0]}（{f.mentor}），推送者 {ct}（{f.class_teacher}）" in out
    )
    received = dt.datetime.fromtimestamp(by_commit[backdated][0].received, SHANGHAI).date()
    assert f"补记（提交远晚于记录日期）：记录日期 {day}，服务器接收于 {received}" in out
    assert "提交日期晚于服务器接收时间：提交注明的时间 2030-01-01 08:00" in out
    assert f"{posed[:10]} M" in out and f"推送者 {f.class_teacher}，服务器接收于" in out
    assert future[:10] in out


def test_a_fresh_auditor_finds_a_rewrite_on_the_server(server: Server, tmp_path: Path) -> None:
    f = server.facts
    server.edit(f.record, "\n第一次。\n")
    first = server.commit("第一次")
    assert server.push(f.mentor)[0] == 0
    server.edit(f.record, "\n第二次。\n")
    second = server.commit("第二次")
    assert server.push(f.mentor)[0] == 0
    out = review(server, tmp_path)
    assert "推送日志与仓库不符" not in out
    # someone with the server's files changes the second commit's text and moves the
    # branch there, around the hook (no push: the hook never runs)
    git(server.work, "reset", "-q", "--hard", first)
    server.edit(f.record, "\n改过的第二次。\n")
    changed = server.commit("第二次")
    git(server.bare, "fetch", "-q", str(server.work), "+HEAD:refs/heads/rewritten")
    git(server.bare, "update-ref", "refs/heads/main", changed)
    git(server.bare, "update-ref", "-d", "refs/heads/rewritten")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    out = review(server, fresh)
    assert f"{second[:10]} 不在当前历史中：它被删除或改动过" in out
    assert f"main 现在是 {changed[:10]}，推送日志最后记录的是 {second[:10]}" in out
    assert f"提交 {changed[:10]}在当前历史中，却没有经过任何一次推送" in out


def test_a_changed_log_line_breaks_the_chain(server: Server, tmp_path: Path) -> None:
    f = server.facts
    for n in range(2):
        server.edit(f.record, f"\n第 {n} 次。\n")
        server.commit()
        assert server.push(f.mentor)[0] == 0
    path = log_of(server)
    lines = path.read_text("utf-8").splitlines()
    entry = json.loads(lines[0])
    entry["teacher"] = ADMIN  # make the first push look like the admin's
    lines[0] = json.dumps(entry, ensure_ascii=False, sort_keys=True)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    out = review(server, tmp_path)
    assert "推送日志第 2 行的校验值不接续上一行：日志被改动过" in out
    del lines[0]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    (tmp_path / "again").mkdir()
    out = review(server, tmp_path / "again")
    assert "推送日志第 1 行的编号是 2：有行被删除或插入" in out


def test_install_keeps_what_an_auditor_needs(tmp_path: Path) -> None:
    bare = tmp_path / "r.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    done = subprocess.run(
        ["daoshi", "hook", "install", str(bare)],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert git(bare, "config", "core.logAllRefUpdates").strip() == "always"
    assert git(bare, "config", "gc.reflogExpire").strip() == "never"
    assert (bare / "daoshi" / "push-log.jsonl").is_file()


def keypair(tmp: Path, name: str) -> tuple[Path, str]:
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)])
    return key, (tmp / f"{name}.pub").read_text().strip()


def signed(server: Server, key: Path | None, *args: str) -> str:
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"] if key else []
    git(server.work, *sign, *args)
    return git(server.work, "rev-parse", "HEAD").strip()


def test_signatures_are_checked_against_the_registered_keys(server: Server, tmp_path: Path) -> None:
    f = server.facts
    keys = {t: keypair(tmp_path, t) for t in (f.mentor, f.stranger, ADMIN)}
    stray = keypair(tmp_path, "stray")
    teachers = server.work / "people" / "teachers.yaml"
    text = teachers.read_text("utf-8")
    for tid, (_, public) in keys.items():
        text = text.replace(f"  - id: {tid}\n", f"  - id: {tid}\n    signing_keys: ['{public}']\n")
    teachers.write_text(text, "utf-8")
    server.edit("school.yaml", "require_signed_commits: true\n")
    server.commit("要求签名并登记密钥")
    assert server.push(ADMIN)[0] == 0  # not yet required: the server's school.yaml says so
    before = git(server.bare, "rev-parse", "main").strip()
    server.edit(f.record)
    git(server.work, "add", "-A")
    for key, code, said in (
        (None, "W724", "这个提交没有签名"),
        (stray[0], "W724", "这个提交签名的密钥没有登记"),
        (keys[f.stranger][0], "W725", f"签名的密钥属于 {f.stranger}，不是推送者 {f.mentor} 的"),
    ):
        if key is None:
            sha = signed(server, None, "commit", "-q", "-m", "未签名")
        else:
            sha = signed(server, key, "commit", "-q", "--amend", "--no-edit", "-S")
        out = server.push(f.mentor)[1]
        assert test_hook.refused(out, code, sha[:9]) and said in out, out
        assert git(server.bare, "rev-parse", "main").strip() == before
    good = signed(server, keys[f.mentor][0], "commit", "-q", "--amend", "--no-edit", "-S")
    code, out = server.push(f.mentor)
    assert code == 0, out
    entry = read_push_log(log_of(server)).by_commit()[good][1]
    assert (entry.signature, entry.signer) == ("G", f.mentor)
    tag = f"refs/tags/close/{test_hook.CLOSED}"
    git(server.work, "tag", "-a", f"close/{test_hook.CLOSED}", "-m", "结档")
    code, out = server.push(ADMIN, "origin", tag)
    assert code != 0 and "结档标签没有由管理员登记的密钥签名" in out
    git(server.work, "tag", "-d", f"close/{test_hook.CLOSED}")
    signed(server, keys[ADMIN][0], "tag", "-s", f"close/{test_hook.CLOSED}", "-m", "结档")
    code, out = server.push(ADMIN, "origin", tag)
    assert code == 0, out
    out = review(server, tmp_path)
    assert f"签名有效（{f.mentor} 的密钥）" in out
    html = tmp_path / "review.html"  # the printable review shows the same
    args = ["review", "--semester", OPEN, "--records", str(tmp_path / "auditor"), "-o", str(html)]
    result = CliRunner().invoke(main, [*args, "--today", TODAY])
    assert result.exit_code == 0, result.output
    page = html.read_text("utf-8")
    assert f"推送者 {f.mentor}，服务器接收于 " in page and f"签名有效（{f.mentor} 的密钥）" in page
    assert "推送日志：" in page and "请抄下，下次审核时核对" in page


def test_a_push_the_log_cannot_take_is_refused(server: Server) -> None:
    f = server.facts
    path = log_of(server)
    path.unlink()
    path.mkdir()  # where the log should be, something no line can be appended to
    server.edit(f.record)
    sha = server.commit()
    before = git(server.bare, "rev-parse", "main").strip()
    code, out = server.push(f.mentor)
    assert code != 0 and test_hook.refused(out, "W723", "refs/heads/main")
    assert git(server.bare, "rev-parse", "main").strip() == before
    assert (
        subprocess.run(
            ["git", "--git-dir", str(server.bare), "cat-file", "-e", sha], check=False
        ).returncode
        != 0
    )


def test_a_push_that_never_landed_is_written_off_by_the_next(server: Server) -> None:
    """A push checked and logged whose ref update then failed (a lost race): the next push
    finds the branch where it was, writes the earlier entry off as void, and goes in."""
    f = server.facts
    main = git(server.bare, "rev-parse", "main").strip()
    ghost = {
        "n": 1,
        "received": 1,
        "user": f.mentor,
        "teacher": f.mentor,
        "admin": False,
        "pid": 999999999,  # its receive-pack is long gone
        "updates": [{"ref": "refs/heads/main", "old": main, "new": "1" * 40}],
        "commits": [
            {"id": "1" * 40, "author": "x", "author_email": "x", "author_time": 1, "commit_time": 1}
        ],
        "prev": "",
    }
    log_of(server).write_text(json.dumps(ghost) + "\n", "utf-8")
    server.edit(f.record)
    server.commit()
    code, out = server.push(f.mentor)
    assert code == 0, out
    log = read_push_log(log_of(server))
    assert log.problems == []
    assert [(p.n, p.void) for p in log.pushes] == [(1, True), (3, False)]


def test_the_log_refuses_a_push_whose_branch_moved_under_it(server: Server) -> None:
    """Two pushes at once: the one checked against a branch that has moved since is
    refused by the log (W726) rather than left to fail in git's ref update."""
    from daoshi.git import Repository
    from daoshi.write.identity import Pusher
    from daoshi.write.pushlog import record_push
    from daoshi.write.refs import RefUpdate

    repo = Repository.at(server.bare)
    main = git(server.bare, "rev-parse", "main").strip()
    stale = RefUpdate("2" * 40, main, "refs/heads/main")
    found = record_push(
        repo,
        Pusher(server.facts.mentor, server.facts.mentor, False),
        [stale],
        [],
        "refs/heads/main",
    )
    assert found is not None and found.code == "W726"
    assert "请 git pull 后再推送" in found.message
