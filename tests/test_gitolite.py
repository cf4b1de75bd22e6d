"""The hook behind Debian's gitolite3 with the shipped access block: gitolite lets in only
the editor's account and the teachers who may read everything; the editor names the
teacher it pushes for; daoshi decides.

No sshd is needed: git's ``GIT_SSH`` runs a small script that does what sshd's forced
command does, ``gitolite-shell <user>`` with ``SSH_ORIGINAL_COMMAND`` and
``SSH_CONNECTION`` set (see gitolite's ``src/gitolite-shell``). The client never sets
``GL_USER``; only gitolite does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from daoshi.demo import DemoOptions, write_snapshot
from daoshi.history.pushlog import read_push_log
from daoshi.records.validate import load
from tests.test_hook import DEMO_STUDENTS, find_facts, git

GITOLITE_SHELL = Path("/usr/share/gitolite3/gitolite-shell")
pytestmark = pytest.mark.skipif(
    shutil.which("gitolite") is None or not GITOLITE_SHELL.exists(),
    reason="gitolite3 is not installed (Debian: apt-get install gitolite3)",
)

WRAPPER = """#!/bin/sh
# git runs: WRAPPER HOST COMMAND (GIT_SSH_VARIANT=simple); sshd's forced command would run
# gitolite-shell with the key's user name.
SSH_ORIGINAL_COMMAND="$2" SSH_CONNECTION="127.0.0.1 50000 127.0.0.1 22" \\
HOME="$GITOLITE_TEST_HOME" exec {shell} "$GITOLITE_TEST_USER"
"""


class Gitolite:
    """A gitolite installation in a temporary HOME, reached through the wrapper."""

    def __init__(self, tmp: Path) -> None:
        self.home = tmp / "gitolite-home"
        self.home.mkdir()
        self.tmp = tmp
        subprocess.run(
            [
                "ssh-keygen",
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "admin",
                "-f",
                str(tmp / "admin"),
            ],
            check=True,
        )
        setup = {**os.environ, "HOME": str(self.home)}
        subprocess.run(
            ["gitolite", "setup", "-pk", str(tmp / "admin.pub")],
            env=setup,
            check=True,
            capture_output=True,
        )
        self.wrapper = tmp / "gitolite-ssh"
        self.wrapper.write_text(WRAPPER.format(shell=GITOLITE_SHELL))
        self.wrapper.chmod(0o755)

    def env(self, user: str) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if k != "GL_USER"}
        return {
            **environ,
            "GIT_SSH": str(self.wrapper),
            "GIT_SSH_VARIANT": "simple",
            "GITOLITE_TEST_HOME": str(self.home),
            "GITOLITE_TEST_USER": user,
        }

    def git(self, user: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-c", "user.name=测试", "-c", "user.email=test@example.edu.cn", *args],
            cwd=cwd,
            env=self.env(user),
            capture_output=True,
            text=True,
            check=False,
        )


def test_pushes_through_gitolite(tmp_path: Path) -> None:
    """The shipped configuration: the access block from the matrix (``daoshi server
    gitolite``), teachers write through the editor's account, which names them."""
    gl = Gitolite(tmp_path)
    # the school: its people decide who may reach the repository
    src = tmp_path / "records"
    write_snapshot(src, DemoOptions(students=DEMO_STUDENTS, semesters=2))
    teachers = src / "people" / "teachers.yaml"
    teachers.write_text(
        teachers.read_text("utf-8").replace(
            "roles: [moral_office]", "roles: [moral_office, admin]", 1
        ),
        "utf-8",
    )
    block = subprocess.run(
        [sys.executable, "-m", "daoshi", "server", "gitolite", "--records", str(src)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    admin_conf = tmp_path / "gitolite-admin"
    assert (
        gl.git(
            "admin", tmp_path, "clone", "-q", "gitolite:gitolite-admin", str(admin_conf)
        ).returncode
        == 0
    )
    conf = admin_conf / "conf" / "gitolite.conf"
    conf.write_text(conf.read_text() + "\n" + block)
    assert gl.git("admin", admin_conf, "commit", "-qam", "records 仓库").returncode == 0
    pushed = gl.git("admin", admin_conf, "push", "-q", "origin", "HEAD")
    assert pushed.returncode == 0, pushed.stderr
    bare = gl.home / "repositories" / "records.git"
    assert bare.is_dir()

    git(src, "init", "-q", "-b", "main")
    git(src, "add", "-A")
    git(src, "commit", "-qm", "演示学校")
    # the school's records go in once (before the hooks), then the hooks are installed
    assert gl.git("daoshi-editor", src, "push", "-q", "gitolite:records", "main").returncode == 0
    git(tmp_path, "--git-dir", str(bare), "symbolic-ref", "HEAD", "refs/heads/main")
    facts = find_facts(load(src, use_cache=False))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "daoshi",
            "hook",
            "install",
            str(bare),
            "--delegate",
            "daoshi-editor",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr

    # a teacher outside the matrix's git roles has no access: gitolite refuses first
    readers = block.split("@daoshi-git = ")[1].split("\n")[0].split()
    outsider = next(t for t in sorted(load(src, use_cache=False).teachers) if t not in readers)
    no = tmp_path / "no"
    refused = gl.git(outsider, tmp_path, "clone", "-q", "gitolite:records", str(no))
    assert refused.returncode != 0 and "DENIED" in refused.stderr
    assert gl.git(readers[0], tmp_path, "clone", "-q", "gitolite:records", str(no)).returncode == 0
    work = tmp_path / "work"
    assert (
        gl.git("daoshi-editor", tmp_path, "clone", "-q", "gitolite:records", str(work)).returncode
        == 0
    )
    record = work / facts.record
    record.write_text(record.read_text("utf-8") + "\n补充。\n", "utf-8")
    assert gl.git("daoshi-editor", work, "commit", "-qam", "补充").returncode == 0

    def push_for(teacher: str) -> subprocess.CompletedProcess[str]:
        option = f"--push-option=daoshi.teacher={teacher}"
        return gl.git("daoshi-editor", work, "push", option, "origin", "HEAD:main")

    refused = push_for(facts.stranger)
    assert refused.returncode != 0
    assert f"推送者 {facts.stranger}" in refused.stderr
    assert "W705" in refused.stderr and facts.record in refused.stderr

    accepted = push_for(facts.mentor)
    assert accepted.returncode == 0, accepted.stderr
    assert "通过检查" in accepted.stderr
    head = subprocess.run(
        ["git", "--git-dir", str(bare), "log", "-1", "--format=%s"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert head.stdout.strip() == "补充"

    # gitolite names the editor's account; daoshi refuses it pushing as no teacher
    record.write_text(record.read_text("utf-8") + "\n再补充。\n", "utf-8")
    assert gl.git("daoshi-editor", work, "commit", "-qam", "再补充").returncode == 0
    denied = push_for("nobody")
    assert denied.returncode != 0
    assert "W710" in denied.stderr and "GL_USER 为“nobody”" in denied.stderr

    # and anyone else gitolite does not know is refused by gitolite itself
    stranger = gl.git("nobody", work, "push", "origin", "HEAD:main")
    assert stranger.returncode != 0 and "DENIED" in stranger.stderr

    # the push log names the teacher the editor pushed for
    log = read_push_log(bare / "daoshi" / "push-log.jsonl")
    assert [p.teacher for p in log.pushes] == [facts.mentor]

    # a merge with the first commit that keeps its tree (the wipe, here of the mentor's
    # edit), and a side branch
    refs = _refs(bare)
    first = git(work, "rev-list", "--max-parents=0", "HEAD").strip()
    git(work, "reset", "-q", "--hard", "HEAD~1")
    wipe = git(
        work, "commit-tree", f"{first}^{{tree}}", "-p", "origin/main", "-p", first, "-m", "合并"
    )
    git(work, "reset", "-q", "--hard", wipe.strip())
    wiped = push_for(facts.stranger)  # undoes the mentor's edit
    assert wiped.returncode != 0
    assert f"{wipe[:9]}:{facts.record}:1:1: W705" in wiped.stderr
    option = f"--push-option=daoshi.teacher={facts.mentor}"
    side = gl.git("daoshi-editor", work, "push", option, "origin", "HEAD:refs/heads/side")
    assert side.returncode != 0 and "W712" in side.stderr
    assert _refs(bare) == refs
    assert (
        subprocess.run(
            ["git", "--git-dir", str(bare), "cat-file", "-e", wipe.strip()], check=False
        ).returncode
        != 0
    )


def _refs(bare: Path) -> str:
    return git(bare, "for-each-ref", "--format=%(refname) %(objectname)")
