"""Files a determined pusher crafts, through real ``git push``: paths no work tree should
hold, files that are not records, limits, and a flood of problems.

Trees are built with ``git mktree`` (as a crafted client would), so names git's own
commands refuse to create (``..``, ``.git``, bytes that are not UTF-8, a newline) reach the
server. Every refusal names the rule in Chinese; none shows a traceback or a raw git error.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests import test_hook
from tests.test_hook import ADMIN, Server, git, refused
from tests.test_push_rules import absent, refs_of

seed, server = test_hook.seed, test_hook.server  # the hook's fixtures: a demo school's server

RAW_ERRORS = ("Traceback", "fatal:", "codec", "recursion", "read-tree", "检查出错")


def gitb(cwd: Path, *args: str, data: bytes = b"") -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, check=True)
    return done.stdout


def graft(work: Path, tree: str | None, parts: list[bytes], mode: str, obj: str) -> str:
    """``tree`` with ``obj`` put at the path ``parts`` (any bytes), by ``git mktree``."""
    entries: dict[bytes, bytes] = {}
    if tree:
        for item in gitb(work, "ls-tree", "-z", tree).split(b"\0"):
            if item:
                meta, name = item.split(b"\t", 1)
                entries[name] = meta
    name = parts[0]
    if len(parts) == 1:
        kind = {"160000": "commit", "040000": "tree"}.get(mode, "blob")
        entries[name] = f"{mode} {kind} {obj}".encode()
    else:
        old = entries.get(name)
        sub = old.split(b" ")[2].decode() if old and old.split(b" ")[1] == b"tree" else None
        entries[name] = f"040000 tree {graft(work, sub, parts[1:], mode, obj)}".encode()
    listing = b"".join(meta + b"\t" + n + b"\0" for n, meta in entries.items())
    return gitb(work, "mktree", "-z", "--missing", data=listing).decode().strip()


def crafted(server: Server, path: bytes, content: bytes = b"x\n", mode: str = "100644") -> str:
    """A commit on the clone's HEAD adding ``path`` (raw bytes) with ``content``."""
    work = server.work
    obj = gitb(work, "hash-object", "-w", "--stdin", data=content).decode().strip()
    if mode == "160000":
        obj = git(work, "rev-parse", "HEAD").strip()
    tree = graft(work, git(work, "rev-parse", "HEAD^{tree}").strip(), path.split(b"/"), mode, obj)
    sha = git(work, "commit-tree", tree, "-p", "HEAD", "-m", "加文件").strip()
    git(work, "reset", "-q", "--soft", sha)
    return sha


HOSTILE: list[tuple[bytes, str, str]] = [
    (b"semesters/../x.md", "100644", "路径含 .、..、空的部分或 .git"),
    (b".git/hooks/post-checkout", "100755", "路径含 .、..、空的部分或 .git"),
    (b"people/\xff\xfe.yaml", "100644", "文件名不是 UTF-8 编码"),
    (b"people/a\nb: W000 fake.yaml", "100644", "文件名含换行符或其他控制字符"),
    (b"/".join([b"d"] * 400) + b"/x.md", "100644", "目录层级过深（401 层，最多 12 层）"),
    (b"people/link.yaml", "120000", "符号链接不能放进记录仓库"),
    (b"people/sub", "160000", "子模块（gitlink）不能放进记录仓库"),
    (b".gitattributes", "100644", ".gitattributes 会改变 git 读取文件的方式"),
]


def test_paths_no_work_tree_should_hold_are_refused_by_rule(server: Server) -> None:
    before = refs_of(server.bare)
    for path, mode, reason in HOSTILE:
        head = git(server.work, "rev-parse", "HEAD").strip()
        sha = crafted(server, path, mode=mode)
        code, out = server.push(ADMIN)  # the admin: only the path rules stand in the way
        assert code != 0, path
        assert refused(out, "W719", sha[:9]) and reason in out, (path, out)
        assert not any(e in out for e in RAW_ERRORS), out
        assert refs_of(server.bare) == before and absent(server.bare, sha)
        git(server.work, "reset", "-q", "--soft", head)
    # the newline is shown escaped: the message stays one line, and the fake code is not
    # on a line of its own
    crafted(server, b"people/a\nb: W000 fake.yaml")
    code, out = server.push(ADMIN)
    assert "people/a\\nb: W000 fake.yaml:1:1: W719" in out
    assert not any(line.lstrip().startswith("b: W000") for line in out.splitlines())


def test_a_journal_folder_holds_only_records(server: Server) -> None:
    f = server.facts
    folder = f.record.rsplit("/", 1)[0]
    before = refs_of(server.bare)
    for path, mode, code_ in (
        (f"{folder}/.notes", "100644", "W717"),
        (f"{folder}/notes.txt", "100644", "W717"),
        (f"{folder.rsplit('/', 1)[0]}/readme.md", "100644", "W717"),
        (f"{folder}/.gitattributes", "100644", "W719"),
        (f"{folder}/2026-10-30-talk.md", "160000", "W719"),  # a gitlink named like a record
    ):
        head = git(server.work, "rev-parse", "HEAD").strip()
        sha = crafted(server, path.encode(), b"\x00\x01 arbitrary bytes\n", mode)
        code, out = server.push(f.mentor)
        assert code != 0 and refused(out, code_, f"{sha[:9]}:{path}"), out
        assert refs_of(server.bare) == before and absent(server.bare, sha)
        git(server.work, "reset", "-q", "--soft", head)


def test_limits_are_the_admin_s_to_set_and_say_what_to_do(server: Server) -> None:
    f = server.facts
    git(server.bare, "config", "daoshi.maxBlobSize", "2k")
    git(server.bare, "config", "daoshi.maxFiles", "3")
    git(server.bare, "config", "daoshi.maxCommits", "2")
    before = refs_of(server.bare)
    sha = crafted(server, b".editorconfig", b"#" * 5000)
    code, out = server.push(ADMIN)  # the blob limit holds for everyone
    assert code != 0 and refused(out, "W720", f"{sha[:9]}:.editorconfig")
    assert "5000 字节，上限 2048 字节" in out and "daoshi.maxBlobSize" in out
    assert refs_of(server.bare) == before and absent(server.bare, sha)
    git(server.work, "reset", "-q", "--hard", "HEAD~1")
    names = []
    for _ in range(4):
        names.append(server.second_name(f.record))
        server.copy(f.record, names[-1])
    server.commit("四份")
    code, out = server.push(f.mentor)
    assert code != 0 and refused(out, "W721", "refs/heads/main")
    assert "文件太多：4 个，上限 3 个" in out and "daoshi.maxFiles" in out
    git(server.work, "reset", "-q", "--hard", "HEAD~1")
    for n in range(3):
        server.edit(f.record, f"\n第 {n} 次。\n")
        server.commit(f"第 {n} 次")
    code, out = server.push(f.mentor)
    assert code != 0 and "提交太多：3 个，上限 2 个" in out and "daoshi.maxCommits" in out
    assert refs_of(server.bare) == before
    code, out = server.push(ADMIN)  # the counts are not the admin's limits
    assert code == 0, out


def test_a_flood_of_problems_is_capped_with_a_count_of_the_rest(server: Server) -> None:
    f = server.facts
    git(server.bare, "config", "daoshi.maxFiles", "5000")
    mentor_folder = f.record.rsplit("/", 2)[0]
    for n in range(300):
        target = f"{mentor_folder}/{f.mentee}/2026-10-{1 + n % 28:02d}-talk-{n + 2}.md"
        server.copy(f.record, target)
    server.commit("三百份")
    code, out = server.push(f.stranger)
    assert code != 0
    assert "……另有" in out and "个问题未列出" in out
    lines = [line for line in out.splitlines() if ": W705 " in line]
    assert len(lines) <= 200
    assert len(out.encode()) < 100_000
    total = re.search(r"共 (\d+) 个问题", out)
    assert total and int(total[1]) >= 300
