"""After a push: the post-receive hook's spool, the editor's delegate, and the alerts.

Real parts: a bare repository with daoshi's hooks (pushes through ``git push``, the pusher
named in ``GL_USER`` as gitolite would), ``daoshi notify`` run as a command, an aiosmtpd
server and an HTTP receiver for the group robot (``tests/test_school_server.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from daoshi.write.install import install

from .serving import free_port
from .test_editor import make_repo
from .test_school_server import SmtpSink, WebhookSink, text_of, wait_for

pytest.importorskip("aiosmtpd.controller")

CRISIS = "semesters/2025-2026-1/journal/T001/S250001/2025-10-15-crisis-report.md"
CRISIS_TEXT = """\
---
kind: crisis-report
mentor: T001
student: S250001
date: 2025-10-15
level: serious
signs: 哨兵迹象：午休时独自哭泣
reported_to: [T002]
actions: 哨兵措施：已陪同到心理室
parents_informed: true
---
哨兵正文：已约家长面谈。
"""


def git(cwd: Path, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GL_USER"}
    if user:
        env["GL_USER"] = user
    return subprocess.run(
        ["git", "-c", "user.name=张老师", "-c", "user.email=t001@example.edu.cn", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def daoshi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daoshi", *args], capture_output=True, text=True, check=False
    )


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The minimal school (conftest) in a bare repository with daoshi's hooks; a clone."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "records").mkdir()
    make_repo(tmp_path / "records")
    bare = tmp_path / "school.git"
    assert git(tmp_path, "clone", "-q", "--bare", "records", str(bare)).returncode == 0
    work = tmp_path / "work"
    assert git(tmp_path, "clone", "-q", str(bare), str(work)).returncode == 0
    return bare, work


def spooled(bare: Path) -> list[Path]:
    return sorted((bare / "daoshi-spool").glob("*.json"))


def test_post_receive_spools_the_push_and_does_not_wait(school, tmp_path: Path) -> None:
    """The after-push command cannot finish before the test lets it: the push returned
    while it was still running, so nothing it does (mail, builds) holds a push."""
    bare, work = school
    release, marker = tmp_path / "release", tmp_path / "finished"
    waiting = f"while [ ! -e {release} ]; do sleep 0.05; done; echo done > {marker}"
    install(bare, None, ["T003"], False, after_push=[waiting])
    (work / CRISIS).parent.mkdir(parents=True, exist_ok=True)
    (work / CRISIS).write_text(CRISIS_TEXT, "utf-8")
    assert git(work, "add", "-A").returncode == 0
    assert git(work, "commit", "-qm", "危机上报").returncode == 0
    pushed = git(work, "push", "-q", "origin", "HEAD:main", user="T001")
    assert pushed.returncode == 0, pushed.stderr
    assert not marker.exists()  # still waiting for the release: the push did not
    (entry,) = spooled(bare)
    data = entry.read_text("utf-8")
    assert '"user": "T001"' in data and "refs/heads/main" in data
    assert waiting in (bare / "daoshi-spool" / "after-push.log").read_text("utf-8")
    release.touch()
    wait_for("the after-push command", marker.exists, seconds=60)


def test_only_a_delegate_may_name_the_teacher(school) -> None:
    bare, work = school
    install(bare, None, ["T003"], False, delegates=["daoshi-editor"])
    talk = work / "semesters/2025-2026-1/journal/T001/S250001/2025-10-12-talk.md"
    talk.write_text(talk.read_text("utf-8") + "\n补充。\n", "utf-8")
    assert git(work, "commit", "-qam", "补充").returncode == 0

    def push(user: str, teacher: str) -> subprocess.CompletedProcess[str]:
        option = f"--push-option=daoshi.teacher={teacher}"
        return git(work, "push", option, "origin", "HEAD:main", user=user)

    as_t002 = push("daoshi-editor", "T002")  # the editor saving for T002: T002's rights
    assert as_t002.returncode != 0 and "推送者 T002" in as_t002.stderr
    forged = push("T002", "T001")  # a teacher naming another: ignored, judged as T002
    assert forged.returncode != 0 and "推送者 T002" in forged.stderr
    accepted = push("daoshi-editor", "T001")
    assert accepted.returncode == 0, accepted.stderr
    (entry,) = spooled(bare)
    data = entry.read_text("utf-8")
    assert '"user": "T001"' in data and '"delegate": "daoshi-editor"' in data


def notify_yaml(
    tmp_path: Path, bare: Path, smtp_port: int, robot_url: str, extra: str = ""
) -> Path:
    config = tmp_path / "notify.yaml"
    config.write_text(
        f"site_url: https://daoshi.test.invalid\nrepository: {bare}\nstate: state\n"
        f"smtp: {{host: 127.0.0.1, port: {smtp_port}, security: none,"
        " from: 提醒 <d@test.invalid>}\n"
        "webhooks:\n"
        f"  - {{name: 导师本人, kind: dingtalk, url: '{robot_url}', members: [T001]}}\n"
        f"  - {{name: 全体导师, kind: wecom, url: '{robot_url}', members: [T001, T002]}}\n" + extra,
        "utf-8",
    )
    return config


def test_alerts_reach_the_readers_once_and_a_failed_one_is_retried(school, tmp_path) -> None:
    bare, work = school
    install(bare, None, ["T003"], False)
    (work / CRISIS).parent.mkdir(parents=True, exist_ok=True)
    (work / CRISIS).write_text(CRISIS_TEXT, "utf-8")
    assert git(work, "add", "-A").returncode == 0
    assert git(work, "commit", "-qm", "危机上报").returncode == 0
    assert git(work, "push", "-q", "origin", "HEAD:main", user="T001").returncode == 0
    robot, smtp = WebhookSink(), None
    port = free_port()  # nothing listens there yet: the mail server is down
    config = notify_yaml(tmp_path, bare, port, robot.url)
    try:
        first = daoshi("notify", "send", "--config", str(config))
        assert first.returncode == 0, first.stderr
        assert "1 份新提醒" in first.stdout and "失败 1 条" in first.stdout
        assert "t001@example.edu.cn" in first.stderr
        # the group of T001 alone hears of it; the group with T002 in it does not
        assert len(robot.bodies) == 1 and robot.bodies[0]["msgtype"] == "text"
        smtp = SmtpSink(port)  # the mail server is back
        second = daoshi("notify", "send", "--config", str(config))
        assert "0 份新提醒" in second.stdout and "发出 1 条" in second.stdout
        ((rcpts, raw),) = smtp.messages
        assert rcpts == ["t001@example.edu.cn"]  # the mentor; T002 reads no crisis of S250001
        text = text_of(raw)
        assert "2025级1班" in text and "危机上报" in text and "/_daoshi/alert/" in text
        for secret in ("学生甲", "S250001", "哨兵"):
            assert secret not in text and secret not in robot.bodies[0]["text"]["content"]
        third = daoshi("notify", "send", "--config", str(config))
        assert "发出 0 条" in third.stdout and len(smtp.messages) == 1 and len(robot.bodies) == 1
    finally:
        robot.stop()
        if smtp is not None:
            smtp.stop()


def test_the_weekly_reminder_counts_without_names_once_a_week(school, tmp_path) -> None:
    bare, _ = school
    robot, smtp = WebhookSink(), SmtpSink()
    config = notify_yaml(tmp_path, bare, smtp.port, robot.url, "reminders: [T001]\n")
    try:
        first = daoshi("notify", "remind", "--config", str(config), "--today", "2025-10-20")
        assert first.returncode == 0, first.stderr
        assert "提醒 1 位导师" in first.stdout
        ((rcpts, raw),) = smtp.messages
        assert rcpts == ["t001@example.edu.cn"]
        text = text_of(raw)
        assert "还差" in text and "名学生" in text and "https://daoshi.test.invalid/" in text
        assert "学生甲" not in text and "学生乙" not in text
        assert len(robot.bodies) == 1  # T001's own robot; not the group with T002
        again = daoshi("notify", "remind", "--config", str(config), "--today", "2025-10-21")
        assert "提醒 0 位导师" in again.stdout and len(smtp.messages) == 1
    finally:
        robot.stop()
        smtp.stop()


def test_S805_bad_alert_settings_are_listed_where_they_are_written(tmp_path: Path) -> None:
    config = tmp_path / "notify.yaml"
    config.write_text(
        "repository: .\nstate: state\nsmtp:\n  host: 127.0.0.1\n  security: tls\n"
        "  from: 提醒 <d@test.invalid>\n  password_file: missing\n",
        "utf-8",
    )
    done = daoshi("notify", "check", "--config", str(config))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{config}:1:1: S805 提醒设置有误：缺少 site_url",
        f"{config}:5:13: S805 提醒设置有误：security 应为 none、starttls、ssl 之一",
        f"{config}:7:18: S805 提醒设置有误：password_file 指向的文件 {tmp_path / 'missing'} 不存在",
    ]
    send = daoshi("notify", "send", "--config", str(config))
    assert send.returncode == 1 and "S805" in send.stderr  # nothing is sent half-configured


def test_check_accepts_good_settings(tmp_path: Path) -> None:
    bare = tmp_path / "school.git"
    bare.mkdir()
    config = notify_yaml(tmp_path, bare, 25, "https://oapi.dingtalk.com/robot/send?access_token=x")
    done = daoshi("notify", "check", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "提醒设置正确" in done.stdout and "群机器人 全体导师" in done.stdout
