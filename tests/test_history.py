"""The history index: real repositories, several authors, renames, deletions, rewrites, cache."""

from __future__ import annotations

import os
import pickle
import subprocess
from pathlib import Path

import pytest

from daoshi.cache import cache_dir
from daoshi.history.blobs import Contents
from daoshi.history.gitlog import (
    HistoryError,
    head_commit,
    merge_changes,
    parse_log,
    read_log,
)
from daoshi.history.index import HistoryIndex
from daoshi.history.load import load_history
from daoshi.history.readers import _BothEnds

ZHANG = ("张老师", "t001@example.edu.cn")
LI = ("李老师", "t002@example.edu.cn")


class Repo:
    """A git repository in a temporary folder, committed to with chosen authors and dates."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        base.update(env or {})
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            env=base,
            check=True,
        )
        return proc.stdout.decode()

    def commit(
        self,
        files: dict[str, str | None],
        message: str,
        author: tuple[str, str] = ZHANG,
        when: str = "2025-10-12T20:00:00+08:00",
        committer: tuple[str, str] | None = None,
        committed: str | None = None,
        sign: bool = False,
    ) -> str:
        """Write (or, for None, delete) the files and commit them; returns the commit id."""
        for rel, text in files.items():
            target = self.root / rel
            if text is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(text.encode())
        self.git("add", "-A")
        who = committer or author
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_NAME": who[0],
            "GIT_COMMITTER_EMAIL": who[1],
            "GIT_COMMITTER_DATE": committed or when,
        }
        note = self.root.parent / "message.txt"
        note.write_bytes(message.encode())
        self.git(
            "commit", "-q", "--allow-empty", "-F", str(note), *(["-S"] if sign else []), env=env
        )
        return self.head()

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return Repo(tmp_path / "records")


TALK = "semesters/2025-2026-1/journal/T001/S250001/2025-10-12-talk.md"
MOVED = "semesters/2025-2026-1/journal/T001/S250001/2025-10-21-talk.md"
NOTE = "semesters/2025-2026-1/journal/T001/S250002/2025-10-13-talk.md"
BODY = "---\nkind: talk\nmentor: T001\nstudent: S250001\ndate: 2025-10-12\n---\n" + "谈心。\n" * 20


def test_versions_across_authors_rename_and_deletion(repo: Repo) -> None:
    first = repo.commit({TALK: BODY, NOTE: "---\nkind: talk\n---\n短\n"}, "T001 记录")
    edit = repo.commit(
        {TALK: BODY + "补充一句。\n"},
        "T002 补充",
        author=LI,
        when="2025-10-20T21:00:00+08:00",
        committer=ZHANG,
        committed="2025-10-22T08:00:00+08:00",
    )
    repo.move(TALK, MOVED)
    renamed = repo.commit(
        {MOVED: BODY.replace("2025-10-12", "2025-10-21") + "补充一句。\n"}, "改名"
    )
    deleted = repo.commit({NOTE: None}, "删除重复", when="2025-10-23T09:00:00+08:00")
    index = load_history(repo.root)

    assert list(index.commits) == [first, edit, renamed, deleted]
    assert index.head == deleted
    history = index.history(MOVED)
    assert history is not None and TALK not in index.files
    assert [(v.commit, v.change, v.path, v.old_path) for v in history.versions] == [
        (first, "A", TALK, None),
        (edit, "M", TALK, None),
        (renamed, "R", MOVED, TALK),
    ]
    assert history.paths == [TALK, MOVED]
    assert [v.base for v in history.versions] == [None, first, edit]
    assert [(v.ref, v.old_ref) for v in history.versions] == [
        (f"{first}:{TALK}", None),
        (f"{edit}:{TALK}", f"{first}:{TALK}"),
        (f"{renamed}:{MOVED}", f"{edit}:{TALK}"),
    ]
    commit = index.commits[edit]
    assert (commit.author, commit.author_email, commit.committer) == ("李老师", LI[1], "张老师")
    assert commit.author_time == 1760965200  # 2025-10-20 21:00 +08:00
    assert commit.commit_time == 1761091200  # 2025-10-22 08:00 +08:00
    assert commit.message == "T002 补充"
    assert [h.path for h in index.deleted] == [NOTE]
    gone = index.deleted[0]
    assert [(v.change, v.commit) for v in gone.versions] == [("A", first), ("D", deleted)]
    assert gone.deleted and gone.versions[-1].ref is None
    assert gone.versions[-1].old_ref == f"{renamed}:{NOTE}"
    assert index.ancestors(edit) == {first, edit}


def test_contents_come_from_one_cat_file(repo: Repo) -> None:
    repo.commit({TALK: BODY}, "one")
    repo.commit({TALK: BODY + "二\n"}, "two")
    index = load_history(repo.root)
    history = index.history(TALK)
    assert history is not None
    contents = Contents(repo.root)
    contents.fetch([*(v.ref for v in history.versions), history.versions[1].old_ref])
    assert [contents.known[v.ref or ""] for v in history.versions] == [
        BODY.encode(),
        (BODY + "二\n").encode(),
    ]
    assert contents.get(history.versions[1].old_ref) == BODY.encode()
    assert contents.get(f"{index.head}:no/such/file.md") is None
    assert contents.get(f"{index.head}:名字\n换行.md") is None


def _poison(root: Path) -> None:
    """Mark every cached commit, so a later load shows whether they were read again."""
    store = cache_dir(root) / "history.pickle"
    data = pickle.loads(store.read_bytes())
    index = data["index"]
    for cid, commit in list(index.commits.items()):
        index.commits[cid] = commit._replace(message="FROM CACHE")
    store.write_bytes(pickle.dumps(data))


def test_update_after_a_new_commit_reads_only_that_commit(repo: Repo) -> None:
    first = repo.commit({TALK: BODY}, "one")
    load_history(repo.root)
    _poison(repo.root)
    second = repo.commit({TALK: BODY + "二\n"}, "two", author=LI)
    index = load_history(repo.root)
    assert index.commits[first].message == "FROM CACHE"  # not read again
    assert index.commits[second].message == "two"
    history = index.history(TALK)
    assert history is not None
    assert [(v.commit, v.change) for v in history.versions] == [(first, "A"), (second, "M")]
    assert load_history(repo.root).head == second  # unchanged head: straight from the cache


def test_force_pushed_rewrite_is_detected_and_rebuilt(repo: Repo) -> None:
    first = repo.commit({TALK: BODY}, "one")
    dropped = repo.commit({NOTE: "---\nkind: talk\n---\n"}, "to be dropped")
    load_history(repo.root)
    _poison(repo.root)
    repo.git("reset", "-q", "--hard", first)
    replacement = repo.commit(
        {TALK: BODY + "改写\n"}, "rewritten", when="2025-11-01T10:00:00+08:00"
    )
    index = load_history(repo.root)
    assert list(index.commits) == [first, replacement]
    assert index.commits[first].message == "one"  # rebuilt from git, not from the cache
    assert dropped not in index.commits and NOTE not in index.files
    assert [(r.old_head, r.new_head) for r in index.rewrites] == [(dropped, replacement)]
    # the rewrite stays remembered through later updates
    repo.commit({NOTE: "x"}, "later")
    assert len(load_history(repo.root).rewrites) == 1


def test_a_crafted_message_cannot_pass_for_another_commit(repo: Repo) -> None:
    # git refuses NUL in a message; the separators and markers around it are all it can try
    fake = "\x01" + "a" * 40 + "\x1fMallory\x02\n:100644 100644 " + "b" * 40 + " A\n" + "a" * 40
    crafted = repo.commit({TALK: BODY}, f"innocent{fake}\x02\n")
    index = load_history(repo.root)
    assert list(index.commits) == [crafted]
    assert "Mallory" in index.commits[crafted].message
    assert "a" * 40 not in index.commits


def test_odd_file_names_and_merges(repo: Repo) -> None:
    odd = "semesters/2025-2026-1/journal/T001/S250001/名字 有空格\n换行.md"
    base = repo.commit({odd: "x\n"}, "odd name")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit({NOTE: "side\n"}, "side", author=LI)
    repo.git("checkout", "-q", "main")
    main_change = repo.commit({TALK: BODY}, "main")
    repo.git("merge", "-q", "--no-edit", "side")
    index = load_history(repo.root)
    assert set(index.files) == {odd, NOTE, TALK}
    order = list(index.commits)
    assert order[0] == base and order.index(side) < order.index(index.head or "")
    assert order.index(main_change) < order.index(index.head or "")
    assert len(index.commits[index.head or ""].parents) == 2


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="不是 git 仓库"):
        head_commit(tmp_path)
    empty = Repo(tmp_path / "empty")
    assert head_commit(empty.root) is None
    assert load_history(empty.root).commits == {}


def test_parse_log_matches_git_name_status(repo: Repo) -> None:
    repo.commit({TALK: BODY, NOTE: "a\n"}, "one")
    repo.move(TALK, MOVED)
    repo.commit({NOTE: None}, "two")
    parsed = parse_log(read_log(repo.root, "HEAD"))
    status = repo.git("log", "--name-status", "-M", "--format=%H")
    expected = [line.split("\t") for line in status.splitlines() if "\t" in line]
    got = [
        [s + ("100" if s == "R" else ""), *([old] if old else []), path]
        for _, changes in parsed
        for s, path, old in changes
    ]
    assert got == expected


def test_backward_build_equals_commit_by_commit(repo: Repo) -> None:
    """The full build (newest first) and the incremental one (oldest first) agree."""
    repo.commit({TALK: BODY, NOTE: "a\n" * 30}, "one")
    repo.move(TALK, MOVED)
    repo.commit({NOTE: "a\n" * 30 + "b\n"}, "rename and change")
    repo.commit({NOTE: None}, "delete")
    repo.commit({NOTE: "again\n"}, "the same path added again: another file")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit({MOVED: BODY + "side\n"}, "side", author=LI)
    repo.git("checkout", "-q", "main")
    repo.commit({TALK: BODY + "new file at the old name\n"}, "main")
    repo.git("merge", "-q", "--no-edit", "side")
    repo.move(MOVED, TALK.replace("talk.md", "talk-2.md"))
    repo.commit({}, "rename back")
    full = load_history(repo.root, use_cache=False)
    forward = HistoryIndex()
    merges = merge_changes(repo.root, "HEAD")
    for commit, changes in reversed(parse_log(read_log(repo.root, "HEAD"), merges)):
        forward.apply(commit, changes)
    assert list(full.commits) == list(forward.commits)
    assert {p: h.versions for p, h in full.files.items()} == {
        p: h.versions for p, h in forward.files.items()
    }
    assert [h.versions for h in full.deleted] == [h.versions for h in forward.deleted]
    assert [h.paths for h in full.deleted] == [[NOTE]]
    assert sorted(full.files) == sorted([NOTE, TALK, TALK.replace("talk.md", "talk-2.md")])


def _random_history(root: Path, seed: int) -> set[str]:
    """A history made with ``git fast-import``: additions, edits, renames, deletions, the
    same path added again, and side branches merged back (their files their own, but for
    one path both branches add, the merge keeping main's). Returns those paths."""
    import random

    rng = random.Random(seed)
    lines: list[bytes] = []
    trees: dict[str, dict[str, bytes]] = {"main": {}}
    tips: dict[str, int] = {}
    mark = 0

    def commit(branch: str, ops: list[bytes], merge: int | None = None) -> None:
        nonlocal mark
        mark += 1
        who = rng.choice(["T001 <t001@x.cn>", "T002 <t002@x.cn>", "T003 <t003@x.cn>"])
        when = f"{1_760_000_000 + mark * 3600} +0800"
        message = f"第 {mark} 次提交".encode()
        head = [
            f"commit refs/heads/{branch}",
            f"mark :{mark}",
            f"author {who} {when}",
            f"committer {who} {when}",
            f"data {len(message)}",
        ]
        lines.append("\n".join(head).encode() + b"\n" + message + b"\n")
        if branch in tips:
            lines.append(f"from :{tips[branch]}\n".encode())
        if merge is not None:
            lines.append(f"merge :{merge}\n".encode())
        lines.extend(ops)
        lines.append(b"\n")
        tips[branch] = mark

    def step(branch: str, prefix: str) -> list[bytes]:
        tree = trees[branch]
        own = [p for p in tree if p.startswith(prefix)]
        roll = rng.random()
        if not own or roll < 0.4:  # a new record, sometimes at a name used before
            path = f"{prefix}{rng.randint(1, 12):02d}-talk.md"
            tree[path] = f"---\nkind: talk\n---\n{rng.random()}\n".encode() * 8
            return [b"M 100644 inline " + path.encode() + b"\n" + _data(tree[path])]
        path = rng.choice(own)
        if roll < 0.7:  # an edit
            tree[path] += b"\xe8\xa1\xa5\xe5\x85\x85\n"
            return [b"M 100644 inline " + path.encode() + b"\n" + _data(tree[path])]
        if roll < 0.85:  # a rename to a free name
            new = f"{prefix}{rng.randint(13, 40):02d}-talk.md"
            if new in tree:
                return []
            tree[new] = tree.pop(path)
            return [f"R {path} {new}\n".encode()]
        del tree[path]  # a deletion
        return [f"D {path}\n".encode()]

    contested: set[str] = set()
    for n in range(60):
        commit("main", step("main", "semesters/2025-2026-1/journal/T001/S250001/"))
        if n % 15 == 7:  # a side branch of three commits, merged back
            name = f"side{n}"
            trees[name] = dict(trees["main"])
            tips[name] = tips["main"]
            prefix = f"semesters/2025-2026-1/journal/T002/S25000{n % 9}/"
            both = f"semesters/2025-2026-1/journal/T001/S250001/{50 + n}-talk.md"
            contested.add(both)
            for branch in (name, "main"):  # the same path added on both sides
                trees[branch][both] = f"{branch}\n".encode()
                content = b"M 100644 inline " + both.encode() + b"\n" + _data(trees[branch][both])
                commit(branch, [content])
            for _ in range(3):
                commit(name, step(name, prefix))
                commit("main", step("main", "semesters/2025-2026-1/journal/T001/S250001/"))
            merged = {p: d for p, d in trees[name].items() if p.startswith(prefix)}
            kept = {p: d for p, d in trees["main"].items() if not p.startswith(prefix)}
            trees["main"] = {**kept, **merged}
            ops = [b"deleteall\n"]
            ops += [
                b"M 100644 inline " + p.encode() + b"\n" + _data(d)
                for p, d in trees["main"].items()
            ]
            commit("main", ops, merge=tips[name])
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet", "--date-format=raw"],
        input=b"".join(lines),
        check=True,
    )
    subprocess.run(["git", "-C", str(root), "reset", "-q", "--hard", "main"], check=True)
    return contested


def _data(content: bytes) -> bytes:
    return f"data {len(content)}\n".encode() + content + b"\n"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_histories_agree_three_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """The streamed full build, commit-by-commit application, and the cache agree on
    random histories; the files the index holds are exactly the files at HEAD."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = tmp_path / "records"
    contested = _random_history(root, seed)
    full = load_history(root)
    forward = HistoryIndex()
    merges = merge_changes(root, "HEAD")
    for commit, changes in reversed(parse_log(read_log(root, "HEAD"), merges)):
        forward.apply(commit, changes)
    cached = load_history(root)
    assert cached is not full  # read back from the cache
    for index in (forward, cached):
        assert list(full.commits) == list(index.commits)
        assert full.files == index.files
        assert full.deleted == index.deleted
    tracked = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    assert set(full.files) == set(tracked.split("\0")) - {""}
    assert any(v.change == "R" for h in full.files.values() for v in h.versions)
    assert full.deleted and any(len(c.parents) == 2 for c in full.commits.values())
    for history in full.files.values():  # each file's newest version is its last commit
        if history.path in contested:  # the side's version, dropped by the merge, may be newer
            continue
        last = (
            subprocess.run(
                ["git", "-C", str(root), "log", "-1", "--format=%H", "--", history.path],
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .strip()
        )
        assert history.versions[-1].commit == last


def _chunks(text: str, size: int) -> list[str]:
    return [text[n : n + size] for n in range(0, len(text), size)]


@pytest.mark.parametrize("size", [1, 37, 4096])
@pytest.mark.parametrize("turns", ["newest only", "older only", "1:1", "3:1", "1:4"])
def test_both_ends_meet_anywhere(tmp_path: Path, size: int, turns: str) -> None:
    """The two readers of the full build (``git log`` and ``git log --reverse``) may meet
    at any commit, in any chunk of their output: the index is the same."""
    root = tmp_path / "records"
    _random_history(root, 4)
    forward = HistoryIndex()
    merges = merge_changes(root, "HEAD")
    for commit, changes in reversed(parse_log(read_log(root, "HEAD"), merges)):
        forward.apply(commit, changes)
    both = _BothEnds()
    both.newest.merges = both.older.merges = merges
    texts = {
        both.newest: read_log(root, "HEAD").decode(),
        both.older: read_log(root, "HEAD", reverse=True).decode(),
    }
    parts = {stream: iter(_chunks(text, size)) for stream, text in texts.items()}
    newer, older = {"newest only": (1, 0), "older only": (0, 1)}.get(turns, (0, 0))
    if ":" in turns:
        newer, older = map(int, turns.split(":"))
    schedule = [both.newest] * newer + [both.older] * older
    whole = False
    while not whole:
        progressed = False
        for stream in schedule:
            if stream.stopped:
                continue
            whole = both.feed(stream, next(parts[stream], None))
            progressed = True
            if whole:
                break
        if not progressed:  # the one reader fed stopped: only the other can go on
            schedule = [both.newest, both.older]
    index = both.index()
    assert list(index.commits) == list(forward.commits)
    assert index.files == forward.files
    assert index.deleted == forward.deleted
    if turns in ("1:1", "3:1", "1:4"):
        assert both.newest.commits and both.older.commits  # they met in between
        taken = {c.id for c in both.newest.commits} & {c.id for c in both.older.commits}
        assert not taken  # each commit read by one of them


def test_both_ends_meet_at_every_commit(tmp_path: Path) -> None:
    """The newest-first reader given the history down to each commit in turn, the other
    reader all of its own: they meet there, and the joined index is the same."""
    root = tmp_path / "records"
    contested = _random_history(root, 5)
    newest = read_log(root, "HEAD").decode()
    oldest = read_log(root, "HEAD", reverse=True).decode()
    forward = HistoryIndex()
    merges = merge_changes(root, "HEAD")
    for commit, changes in reversed(parse_log(newest.encode(), merges)):
        forward.apply(commit, changes)
    starts = [0, *(n + 1 for n in range(len(newest)) if newest.startswith("\0\x01", n))]
    assert len(starts) == len(forward.commits)
    for cut in [*starts, len(newest)]:
        both = _BothEnds()
        both.newest.merges = both.older.merges = merges
        turns = [(both.newest, newest[:cut]), (both.older, oldest), (both.newest, newest[cut:])]
        turns += [(both.newest, None), (both.older, None)]
        for stream, text in turns:
            if not stream.stopped and both.feed(stream, text):
                break
        if cut < len(newest):  # the newest-first reader took the commits above the cut
            assert len(both.newest.commits) == starts.index(cut)
        index = both.index()
        assert list(index.commits) == list(forward.commits)
        assert index.files == forward.files, cut
        assert index.deleted == forward.deleted
    assert contested & set(forward.files)
