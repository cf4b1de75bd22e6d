"""The package as a school installs it: a complete wheel, its dependencies exactly as imported.

The wheel test builds the wheel, installs it into a new venv outside the checkout, and runs
``daoshi demo`` → ``validate`` → ``build`` → ``serve`` from a folder that is not the
checkout, with no system time-zone data, as docs/deploy.md tells a school to.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.serving import free_port, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator" / "daoshi"
# declared and used, though no module imports them: the theme named in mkdocs.yml, the
# search plugin's Chinese word splitter (lang: zh), Starlette's form parser, and the time
# zones zoneinfo falls back to
USED_WITHOUT_IMPORT = {"mkdocs-material", "jieba", "python-multipart", "tzdata"}


def _requirement_name(text: str) -> str:
    return re.split(r"[<>=!~\[ ;]", text, maxsplit=1)[0].lower().replace("_", "-")


def imported_distributions() -> set[str]:
    """The distributions behind every third-party import of the package."""
    top: set[str] = set()
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                top.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top.add(node.module.split(".")[0])
    third_party = {m for m in top if m not in sys.stdlib_module_names and m != "daoshi"}
    owners = importlib.metadata.packages_distributions()
    found = set()
    for module in third_party:
        assert module in owners, f"no installed distribution provides {module}"
        found.update(d.lower().replace("_", "-") for d in owners[module])
    return found


def test_dependencies_are_exactly_what_the_package_imports() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {_requirement_name(d) for d in project["dependencies"]}
    imported = imported_distributions()
    assert imported - declared == set(), "imported but not declared"
    assert declared - imported - USED_WITHOUT_IMPORT == set(), "declared but never imported"
    tests = {_requirement_name(d) for d in project["optional-dependencies"]["test"]}
    assert "gitpython" in tests and "gitpython" not in declared


def test_no_module_is_over_400_lines_without_a_reason() -> None:
    """A long module says at its top why it is one module (the house style's hint)."""
    long = []
    for file in sorted(PACKAGE.rglob("*.py")):
        text = file.read_text("utf-8")
        if text.count("\n") > 420 and "One module, not several:" not in text[:3000]:
            long.append(f"{file.relative_to(PACKAGE)} ({text.count(chr(10))} lines)")
    assert long == []


def _modules_imported_by(file: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(file.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("daoshi"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found.update(n for n in names if _module_file(n) is not None)
            if _module_file(node.module) is not None:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("daoshi"))
    return found


def _module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"), PACKAGE.joinpath(*parts)):
        if candidate.is_file():
            return candidate
        if (candidate / "__init__.py").is_file():
            return candidate / "__init__.py"
    return None


def test_no_import_circles() -> None:
    """Modules import each other one way: the flow sources → checks → model → policy /
    history → access → pages has no loop, not even through an import inside a function."""
    graph: dict[str, set[str]] = {}
    for file in PACKAGE.rglob("*.py"):
        rel = file.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        graph[name] = {m for m in _modules_imported_by(file) if m != name and m != "daoshi"}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_one_module_starts_git() -> None:
    """daoshi.git is the one door to git: no other module starts a process of its own."""
    starters = []
    for file in sorted(PACKAGE.rglob("*.py")):
        if file.name == "git.py" and file.parent == PACKAGE:
            continue
        text = file.read_text("utf-8")
        if re.search(r"subprocess\.(run|Popen|call|check_output|check_call)\(", text):
            starters.append(str(file.relative_to(PACKAGE)))
    assert starters == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (found,) = out.glob("daoshi-*.whl")
    return found


def test_the_wheel_holds_everything_the_package_reads(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "daoshi/shipped/mkdocs.yml",
        "daoshi/shipped/forms/access.yaml",
        "daoshi/shipped/forms/record.yaml",
        "daoshi/site/theme/main.html",
        "daoshi/site/docs/index.md",
        "daoshi/site/docs/help.md",
        "daoshi/site/docs/assets/daoshi.css",
        "daoshi/site/templates/student.html",
        "daoshi/serve/templates/server_login.html",
        "daoshi/write/editor/templates/editor_form.html",
        "daoshi/write/editor/static/editor.js",
    }
    assert expected <= names
    forms = {p.relative_to(ROOT).as_posix() for p in (ROOT / "forms").rglob("*") if p.is_file()}
    assert {f"daoshi/shipped/{f}" for f in forms} <= names  # every form, rubric and policy
    assert not any(n.startswith(("records/", "tests/", "generator/")) for n in names)


def _shows_git_times_in_the_school_zone(history: str, school: Path, student: str) -> None:
    """The first record's author time on a history page is git's, in UTC+8 (Asia/Shanghai)."""
    found = re.search(
        r'#([0-9-]+-[a-z-]+)">[^<]*</a></td>\s*<td>[^<]*</td>\s*<td[^>]*>[^<]*</td>'
        r"<td>([0-9年月日: ]+)</td>",
        history,
    )
    assert found is not None
    anchor, shown = found.groups()
    (path,) = school.glob(f"semesters/*/journal/*/{student}/{anchor}.md")
    stamp = subprocess.run(
        ["git", "log", "--diff-filter=A", "--format=%at", "--", str(path.relative_to(school))],
        cwd=school,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()[-1]
    china = dt.timezone(dt.timedelta(hours=8))
    when = dt.datetime.fromtimestamp(int(stamp), china)
    assert shown == f"{when.year}年{when.month}月{when.day}日 {when:%H:%M}"
    assert "学校时区（Asia/Shanghai）" in history


def _run(venv_bin: Path, cwd: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(venv_bin / "daoshi"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"daoshi {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr
    return done.stdout


def test_the_installed_wheel_runs_a_school_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    install = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    work = tmp_path / "school-office"  # not the checkout, no mkdocs.yml, no forms/
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "GIT_DIR")}
    # no system time-zone data: zoneinfo must fall back to the tzdata package
    env.update(PYTHONTZPATH=str(tmp_path / "no-zoneinfo"), XDG_CACHE_HOME=str(tmp_path / "c"))
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    made = _run(bin_dir, work, "demo", "school", env=env)
    assert "已生成演示学校 school" in made
    checked = _run(bin_dir, work, "validate", "school", env=env)
    assert checked.splitlines()[-1] == "没有发现问题。"
    built = _run(bin_dir, work, "build", "--records", "school", "--all-audiences", env=env)
    assert "个受众生成站点" in built
    pages = sorted((work / "site" / "leader" / "students").glob("*/history/index.html"))
    student = pages[0].parent.parent.name
    _shows_git_times_in_the_school_zone(pages[0].read_text("utf-8"), work / "school", student)
    _the_installed_hook_checks_pushes(bin_dir, work, env)
    _the_installed_editor_answers(bin_dir, work, env)
    users = work / "users.yaml"
    subprocess.run(
        [
            str(bin_dir / "daoshi"),
            "serve",
            "adduser",
            "zhang",
            "--audience",
            "leader",
            "--users",
            str(users),
            "--password-stdin",
        ],
        cwd=work,
        env=env,
        input="a long enough password\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "daoshi"),
            "serve",
            "--site",
            "site",
            "--users",
            str(users),
            "--port",
            str(port),
            "--trust-header",
            "X-Remote-User",
            "--insecure-cookies",
            "--secret-file",
            str(tmp_path / "secret"),
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(port, server)
        page = httpx.get(
            f"http://127.0.0.1:{port}/students/{student}/",
            headers={"X-Remote-User": "zhang"},
            timeout=30,
        )
        assert page.status_code == 200
        assert "成长档案" in page.text or student in page.text
    finally:
        server.terminate()
        server.wait(timeout=30)


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)


def _the_installed_hook_checks_pushes(bin_dir: Path, work: Path, env: dict[str, str]) -> None:
    """``hook install`` from the wheel; a ``daoshi.py`` where the hook runs cannot replace
    the package (the hook runs the interpreter by absolute path with -P)."""
    bare = work / "records.git"
    assert _git(work, "clone", "-q", "--bare", "school", str(bare), env=env).returncode == 0
    _run(bin_dir, work, "hook", "install", str(bare), env=env)
    hook = (bare / "hooks" / "pre-receive").read_text()
    assert f"{bin_dir}/python" in hook and " -P -m daoshi hook pre-receive" in hook
    trap = "raise SystemExit('the daoshi.py of the current folder ran')\n"
    (bare / "daoshi.py").write_text(trap)
    clone = work / "clone"
    assert _git(work, "clone", "-q", str(bare), str(clone), env=env).returncode == 0
    (clone / "daoshi.py").write_text(trap)
    (clone / "notes.txt").write_text("not a record\n")
    _git(clone, "add", "notes.txt", env=env)
    _git(clone, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "x", env=env)
    anonymous = {k: v for k, v in env.items() if k != "GL_USER"}
    refused = _git(clone, "push", "origin", "main", env=anonymous)
    assert refused.returncode != 0
    assert "the daoshi.py" not in refused.stderr and "Traceback" not in refused.stderr
    assert "推送者" in refused.stderr  # the hook itself said who may not push


def _the_installed_editor_answers(bin_dir: Path, work: Path, env: dict[str, str]) -> None:
    """``daoshi edit`` (local mode) serves its form page and its static files from the wheel."""
    pairings = sorted((work / "school" / "semesters").glob("*/pairings.yaml"))[-1].read_text()
    mentor = re.search(r"mentor: (T\d+)", pairings)
    assert mentor is not None
    port = free_port()
    editor = subprocess.Popen(
        [
            str(bin_dir / "daoshi"),
            "edit",
            "--records",
            "school",
            "--teacher",
            mentor[1],
            "--port",
            str(port),
            "--today",
            "2026-11-20",
        ],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(port, editor, seconds=120)
        home = httpx.get(f"http://127.0.0.1:{port}/", timeout=60)
        assert home.status_code == 200 and "受导学生" in home.text, home.text[:500]
        css = re.search(r'href="([^"]+\.css)"', home.text)
        assert css is not None
        assert httpx.get(f"http://127.0.0.1:{port}{css[1]}", timeout=30).status_code == 200
    finally:
        editor.terminate()
        editor.wait(timeout=30)
