"""The one builder: every audience's site, the same bytes as its own mkdocs build, kept up to
date by a running ``daoshi builder`` after real pushes, swapped in whole.

Real git repositories and pushes, the real command as a subprocess; assertions on the
published files only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daoshi import load
from daoshi.access import audience_for_teacher
from daoshi.builder.store import BuildBusy, build_lock
from daoshi.records.model import School
from daoshi.site.build import build_all_audiences

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-25"
DAY = dt.date.fromisoformat(TODAY)
GRANT = """\
grants:
  - teacher: {teacher}
    level: crisis
    semesters: [{semester}]
    reason: 监督组复查本学期的危机处置（测试）
"""


def _daoshi(
    *args: str, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "daoshi", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def _git(cwd: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="T001", GIT_COMMITTER_NAME="T001")
    env.update(GIT_AUTHOR_EMAIL="t001@demo-school.invalid")
    env.update(GIT_COMMITTER_EMAIL="t001@demo-school.invalid")
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
    env.pop("DAOSHI_RECORDS", None)
    return env


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _audience(school: School, teacher: str) -> str:
    return audience_for_teacher(school, teacher).id


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo school as a git repository with its history (made once for the module)."""
    where = tmp_path_factory.mktemp("demo")
    _daoshi("demo", str(where / "school"), env=_env(where))
    return where / "school"


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DAOSHI_RECORDS", raising=False)


def test_every_audience_is_byte_for_byte_its_own_mkdocs_build(demo: Path, tmp_path: Path) -> None:
    records = tmp_path / "school"
    _git(tmp_path, "clone", "-q", str(demo), str(records))
    school = load(records, today=DAY)
    current = school.semesters[-1]
    reviewer = next(
        p.mentor
        for p in school.pairings
        if p.semester == current.id and _audience(school, p.mentor) == p.mentor
    )
    access = (ROOT / "forms" / "access.yaml").read_text("utf-8")
    grant = GRANT.format(teacher=reviewer, semester=current.id)
    (records / "forms").mkdir(exist_ok=True)
    (records / "forms" / "access.yaml").write_text(access.replace("grants: []\n", grant), "utf-8")
    _git(records, "add", "-A")
    _git(records, "commit", "-qm", "一位导师本学期可看危机上报（授权）")
    env = _env(tmp_path)

    site = tmp_path / "site"
    build = ["build", "--records", str(records), "--all-audiences", "-d", str(site)]
    build += ["--today", TODAY]
    done = _daoshi(*build, env=env)
    assert "个受众生成站点" in done.stdout
    reference = tmp_path / "reference"
    index = build_all_audiences(records, reference, DAY)
    audiences = sorted(index["audiences"])
    assert len(audiences) > 10 and reviewer in audiences
    assert (site / "audiences.json").read_bytes() == (reference / "audiences.json").read_bytes()
    for audience in audiences:
        assert (site / audience).is_symlink()
        assert _tree(site / audience) == _tree(reference / audience), audience
    # the theme's assets are one file on disk for every audience
    css = sorted((site / "leader" / "assets" / "stylesheets").glob("main.*.min.css"))[0]
    other = site / audiences[0] / css.relative_to(site / "leader")
    assert css.stat().st_ino == other.stat().st_ino

    # built again: the next tree swapped in, the previous one kept whole for readers
    first = os.readlink(site / "leader")
    _daoshi(*build, env=env)
    second = os.readlink(site / "leader")
    assert first != second and _tree(site / first) == _tree(site / second)
    kept = _tree(site / second)
    _daoshi(*build, env=env)
    assert os.readlink(site / "leader") not in (first, second)
    assert _tree(site / second) == kept


# -- the running builder ------------------------------------------------------------------------


@contextlib.contextmanager
def _builder(repo: Path, site: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    log = open(site.parent / "builder.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daoshi",
            "builder",
            "run",
            "--repo",
            str(repo),
            "--site",
            str(site),
            "--today",
            TODAY,
            "--idle",
            "0.5",
        ],
        stderr=log,
        stdout=log,
        text=True,
        env=env,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def _poke(site: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _daoshi("builder", "poke", "--site", str(site), "--wait", env=env, check=False)


def _started(site: Path, env: dict[str, str], proc: subprocess.Popen[str]) -> str:
    """Wait for the builder's socket and its first build."""
    deadline = time.monotonic() + 600
    while True:
        assert proc.poll() is None, (site.parent / "builder.log").read_text("utf-8")
        done = _poke(site, env)
        if done.returncode == 0:
            return done.stdout
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.5)


def _settled(site: Path, proc: subprocess.Popen[str]) -> None:
    """Wait until the builder has also brought the deferred review pages up to date."""
    deadline = time.monotonic() + 600
    while True:
        status = json.loads((site / ".daoshi" / "builder.json").read_text("utf-8"))
        if status["ok"] and status["deferred"] == 0:
            return
        assert proc.poll() is None and time.monotonic() < deadline, status
        time.sleep(0.2)


class _Reader(threading.Thread):
    """Reads an audience's pages again and again while the builder swaps generations: every
    read finds whole pages of one generation."""

    def __init__(self, site: Path, audiences: list[str], student: str) -> None:
        super().__init__(daemon=True)
        self.site, self.audiences, self.student = site, audiences, student
        self.stop, self.reads, self.errors = threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            for audience in self.audiences:
                generation = Path(os.path.realpath(self.site / audience))
                try:
                    pages = [
                        (generation / "index.html").read_text("utf-8"),
                        (generation / "students" / self.student / "index.html").read_text("utf-8"),
                        (self.site / audience / "search" / "search_index.json").read_text("utf-8"),
                    ]
                except OSError as exc:
                    self.errors.append(f"{audience}: {exc}")
                    continue
                if not (pages[0].endswith("</html>") and pages[1].endswith("</html>")):
                    self.errors.append(f"{audience}: a page cut short")
                if not pages[2].endswith("}"):
                    self.errors.append(f"{audience}: search index cut short")
                self.reads += 1


def _roles(school: School, work: Path) -> dict[str, str]:
    """A mentee with a talk this semester, and the teachers around them: the mentor, the
    class teacher and the grade leader (three different people, none school-wide), the
    psychological teacher, and a mentor who has nothing to do with the student."""
    current = school.semesters[-1]
    wide = {"leader", "moral_office", "psych", "reviewer"}
    leaders = {t for s in school.semesters for t in s.grade_leaders.values()}
    class_teachers = {c.class_teacher for s in school.semesters for c in s.classes}

    def plain(tid: str) -> bool:
        return not wide & set(school.teachers[tid].roles)

    for p in school.pairings:
        if p.semester != current.id or not plain(p.mentor):
            continue
        for sid in p.students:
            student = school.students[sid]
            klass = next(c for c in current.classes if c.class_id == student.class_id)
            grade_leader = current.grade_leaders.get(student.cohort, "")
            people = {p.mentor, klass.class_teacher, grade_leader}
            talks = work.glob(f"semesters/{current.id}/journal/{p.mentor}/{sid}/*-talk.md")
            apart = len(people) == 3 and all(plain(t) for t in people if t) and grade_leader
            if apart and next(talks, None) is not None:
                break
        else:
            continue
        break
    else:
        raise AssertionError("no mentee with a talk this semester in the demo school")
    psych = next(t.id for t in school.teachers.values() if "psych" in t.roles)
    near = people | {psych} | {q.mentor for q in school.pairings if sid in q.students}
    other = next(
        q.mentor
        for q in school.pairings
        if q.semester == current.id
        and q.mentor not in near | leaders | class_teachers
        and set(school.teachers[q.mentor].roles) <= {"mentor"}
    )
    return {
        "student": sid,
        "mentor": p.mentor,
        "class_teacher": klass.class_teacher,
        "grade_leader": grade_leader,
        "psych": psych,
        "other": other,
        "semester": current.id,
    }


def _files_with(site: Path, audience: str, text: str) -> list[str]:
    folder = site / audience
    return [
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and text.encode() in p.read_bytes()
    ]


def test_the_running_builder_updates_every_audience_that_sees_a_push(
    demo: Path, tmp_path: Path
) -> None:
    env = _env(tmp_path)
    bare = tmp_path / "school.git"
    _git(tmp_path, "clone", "-q", "--bare", str(demo), str(bare))
    work = tmp_path / "work"
    _git(tmp_path, "clone", "-q", str(bare), str(work))
    school = load(work, today=DAY)
    who = _roles(school, work)
    student, semester = who["student"], who["semester"]
    aud = {k: _audience(school, v) for k, v in who.items() if k not in ("student", "semester")}
    site = tmp_path / "site"
    with _builder(bare, site, env) as proc:
        first = _started(site, env, proc)
        assert "个受众生成站点" in first or "已是最新" in first
        reader = _Reader(site, ["leader", aud["mentor"]], student)
        reader.start()
        untouched = {a: (os.readlink(site / a), _tree(site / a)) for a in [aud["other"]]}

        # 1. a talk's confidential body: leaders, the mentor and the class teacher see it
        talk = sorted(
            work.glob(f"semesters/{semester}/journal/{who['mentor']}/{student}/*-talk.md")
        )[0]
        talk.write_text(talk.read_text("utf-8") + "\n谈话补记：哨兵甲乙丙。\n", "utf-8")
        _git(work, "commit", "-qam", "补记谈话")
        _git(work, "push", "-q", "origin", "HEAD")
        done = _poke(site, env)
        assert done.returncode == 0, done.stdout + done.stderr
        for key in ("mentor", "class_teacher"):
            page = site / aud[key] / "students" / student / "index.html"
            assert "哨兵甲乙丙" in page.read_text("utf-8"), key
        assert "哨兵甲乙丙" in (site / "leader" / "students" / student / "index.html").read_text()
        # a grade leader sees the talk but not its body (mentor_team < confidential)
        assert (site / aud["grade_leader"] / "students" / student / "index.html").is_file()
        assert _files_with(site, aud["grade_leader"], "哨兵甲乙丙") == []

        # 2. a crisis report: leaders, the mentor and the psychological teacher; the class
        # teacher and the grade leader may not even know it exists
        report = talk.with_name(f"{TODAY}-crisis-report.md")
        report.write_text(
            "---\nkind: crisis-report\n"
            f"mentor: {who['mentor']}\nstudent: {student}\ndate: {TODAY}\nlevel: serious\n"
            f"signs: 危机哨兵丁戊己\nreported_to: [{who['psych']}]\nactions: 已联系家长\n"
            "referral: school_psych\n"
            "parents_informed: true\n---\n危机正文哨兵庚辛。\n",
            "utf-8",
        )
        _git(work, "add", "-A")
        _git(work, "commit", "-qm", "危机上报")
        _git(work, "push", "-q", "origin", "HEAD")
        done = _poke(site, env)
        assert done.returncode == 0, done.stdout + done.stderr
        for key in ("mentor", "psych"):
            assert _files_with(site, aud[key], "危机正文哨兵庚辛"), key
        assert _files_with(site, "leader", "危机哨兵丁戊己")
        for key in ("class_teacher", "grade_leader", "other"):
            assert _files_with(site, aud[key], "危机哨兵丁戊己") == [], key
            assert _files_with(site, aud[key], report.stem) == [], key  # not even its name

        # 3. a push that breaks validation: located lines, every site as it was (once the
        # builder has published the deferred review pages of step 2, which it does when idle)
        _settled(site, proc)
        before = {a: os.readlink(site / a) for a in set(aud.values()) | {"leader"}}
        talk.write_text(talk.read_text("utf-8").replace("kind: talk", "kind: talk\nmood: 好"))
        _git(work, "commit", "-qam", "多写了一个字段")
        _git(work, "push", "-q", "origin", "HEAD")
        done = _poke(site, env)
        assert done.returncode == 1
        rel = talk.relative_to(work).as_posix()
        assert f"{rel}:" in done.stdout and "R101" in done.stdout, done.stdout
        assert {a: os.readlink(site / a) for a in before} == before

        # 4. the fix goes through
        talk.write_text(talk.read_text("utf-8").replace("mood: 好\n", ""))
        _git(work, "commit", "-qam", "改正")
        _git(work, "push", "-q", "origin", "HEAD")
        assert _poke(site, env).returncode == 0
        _settled(site, proc)
        reader.stop.set()
        reader.join()
        for audience, (link, files) in untouched.items():
            assert os.readlink(site / audience) == link and _tree(site / audience) == files

    assert reader.errors == [] and reader.reads > 0
    # and after all that, every audience's site is what its own mkdocs build makes
    records = site / ".daoshi" / "records"
    index = build_all_audiences(records, tmp_path / "reference", DAY)
    for audience in index["audiences"]:
        assert _tree(site / audience) == _tree(tmp_path / "reference" / audience), audience


def test_two_builds_never_write_one_site_at_once(tmp_path: Path) -> None:
    site = tmp_path / "site"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from daoshi.builder.store import build_lock\n"
            f"with build_lock(Path({str(site)!r})):\n"
            "    print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    with pytest.raises(BuildBusy), build_lock(site, wait=False):
        pass
    holder.communicate("", timeout=60)
    with build_lock(site, wait=False):
        pass


def test_poke_without_a_running_builder_says_so(tmp_path: Path) -> None:
    done = _daoshi("builder", "poke", "--site", str(tmp_path), env=_env(tmp_path), check=False)
    assert done.returncode == 1 and "生成程序没有在运行" in done.stderr
