"""``daoshi district``: the district file's problems, and a district site built from summaries
fetched over HTTP behind a token (a server on 127.0.0.1) and from a read-only git remote,
with a school that fails, one whose summary is tampered with, and one kept from last time.
Every file of the published site is scanned for every school's identifiers and text.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_district_privacy import DAOSHI, git, leaks, load, make_school, secrets_of

TOKEN = "district-token-for-tests-0123456789"


def daoshi(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DAOSHI, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


class _Summaries(http.server.SimpleHTTPRequestHandler):
    """The school's web server: the summary only with the district's token. Under /slow/ the
    first request hangs (a byte every half second) until a second request comes."""

    slow_requests = 0
    retried = threading.Event()

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_error(401)
            return
        if self.path.startswith("/slow/"):
            _Summaries.slow_requests += 1
            if _Summaries.slow_requests == 1:
                self._trickle()
                return
            _Summaries.retried.set()
            self.path = self.path.removeprefix("/slow")
        super().do_GET()

    def _trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        for _ in range(60):  # at most 30 s, unless the retry comes first
            if _Summaries.retried.wait(0.5):
                return
            self.wfile.write(b" ")
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path | str]]:
    root = tmp_path_factory.mktemp("district")
    schools = {
        "north": make_school(root, "north", seed=11),
        "south": make_school(root, "south", seed=12, policies="qingpu-exp"),
    }
    served = root / "served"
    served.mkdir()
    for name, repo in schools.items():
        done = daoshi(
            "district",
            "summary",
            "--records",
            str(repo),
            "--out",
            str(served / f"{name}.json"),
            "--today",
            "2026-11-20",
        )
        assert done.returncode == 0, done.stdout + done.stderr
    tampered = json.loads((served / "north.json").read_text("utf-8"))
    tampered["semesters"][-1]["units"][-1]["students"] = 3
    (served / "tampered.json").write_text(json.dumps(tampered), "utf-8")
    remote = root / "south-summary.git"
    git(root, "init", "-q", "--bare", str(remote))
    work = root / "south-summary"
    git(root, "clone", "-q", str(remote), str(work))
    (work / "summary.json").write_bytes((served / "south.json").read_bytes())
    git(work, "add", "summary.json")
    git(work, "commit", "-qm", "本周汇总")
    git(work, "push", "-q", "origin", "HEAD")
    handler = lambda *a: _Summaries(*a, directory=str(served))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    file = root / "district.yaml"
    file.write_text(
        f"""\
name: 示例区教育局德育科
policy: district
k: 5
timeout: 120
retries: 1
schools:
  - id: north
    name: 北区中学
    url: {url}/north.json
    token_env: NORTH_TOKEN
  - id: south
    name: 南区中学
    git: {remote}
  - id: east
    name: 东区中学
    url: {url}/north.json
    token_env: EAST_TOKEN
  - id: west
    name: 西区中学
    url: {url}/tampered.json
    token_env: NORTH_TOKEN
""",
        "utf-8",
    )
    yield {"file": file, "root": root, "remote": remote, **schools}
    server.shutdown()


def test_district_file_problems_are_located_all_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "district.yaml"
    bad.write_text(
        """\
name: 区
policy: nowhere
colour: blue
schools:
  - id: a
    name: 甲校
    url: http://school-a.example/summary.json
  - id: a
    name: 乙校
    url: https://b.example/s.json
    git: https://b.example/s.git
  - name: 丙校
  - id: d
    name: 丁校
""",
        "utf-8",
    )
    done = daoshi("district", "build", str(bad), "-d", str(tmp_path / "site"))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert (
        f"{bad}:2:9: D110 未知的区政策 nowhere（可用：district、qingpu-exp、taigu、zaozhuang）"
        in lines
    )
    assert any(line.startswith(f"{bad}:3:1: D102 未知的字段 colour") for line in lines)
    assert (
        f"{bad}:7:10: D107 http://school-a.example/summary.json 不是 HTTPS 地址"
        "（只有本机 127.0.0.1/localhost 可以用 http）" in lines
    )
    assert f"{bad}:8:5: D105 学校代号 a 重复（第一次在第 5 行）" in lines
    assert f"{bad}:11:10: D108 学校 a 的 url 和 git 只能写一个" in lines
    assert f"{bad}:12:5: D103 缺少必填字段 id" in lines
    assert any(line.startswith(f"{bad}:13:5: D106 学校 d 没有汇总来源") for line in lines)
    assert "Traceback" not in done.stderr
    small = tmp_path / "small.yaml"
    small.write_text("k: 1\nschools:\n  - {id: a, name: 甲, repo: /nowhere}\n", "utf-8")
    done = daoshi("district", "build", str(small))
    assert done.stdout.splitlines() == [f"{small}:1:4: D104 k 应为不小于 2 的整数"]
    missing = tmp_path / "missing.yaml"
    done = daoshi("district", "build", str(missing))
    assert done.stdout.splitlines() == [
        f"{missing}:1:1: D101 无法读取区文件：No such file or directory"
    ]
    empty = tmp_path / "empty.yaml"
    empty.write_text("name: 区\nschools: []\n", "utf-8")
    done = daoshi("district", "build", str(empty))
    assert done.stdout.splitlines() == [f"{empty}:2:10: D109 区文件中没有学校（schools 为空）"]


def test_summaries_by_https_token_and_git_remote(
    district: dict[str, Path | str], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    env = {"NORTH_TOKEN": TOKEN, "EAST_TOKEN": "wrong-token"}
    args = ["district", "build", str(district["file"]), "-d", str(site), "--workers", "1"]
    done = daoshi(*args, "--today", "2026-11-21", env=env)
    assert done.returncode == 3, done.stdout + done.stderr
    report = done.stdout.splitlines()
    assert "north 北区中学：正常，数据截至 2026-11-20（1 天前）" in report[0]
    assert "south 南区中学：正常，数据截至 2026-11-20（1 天前）" in report[1]
    assert report[2].startswith("east 东区中学：未取得，第 2 次，无数据")
    assert "HTTP 401 令牌不对或缺少令牌" in report[2]
    assert report[3].startswith("west 西区中学：未取得，第 2 次，无数据")
    assert "汇总未通过校验" in report[3] and "students = 3" in report[3]
    assert "东区中学：未取得" in done.stderr and "重试" in done.stderr
    index = (site / "index.html").read_text("utf-8")
    assert "2 所本次未取得数据" in index and "北区中学" in index and "南区中学" in index
    for page in ("behind", "ratio", "trends", "schools/north", "schools/south"):
        assert (site / page / "index.html").is_file()
    assert not (site / "schools" / "east").exists()
    south = (site / "schools" / "south" / "index.html").read_text("utf-8")
    assert "学校自己的政策" in south and "每生每月至少 1 次谈话记录" in south  # qingpu-exp
    _no_student_in_any_file(site, [district["north"], district["south"]])

    # the git remote is gone: the school's page stays, from the summary kept last time
    Path(district["remote"]).rename(Path(district["root"]) / "moved.git")
    try:
        again = daoshi(*args, "--today", "2026-11-27", env=env)
    finally:
        (Path(district["root"]) / "moved.git").rename(district["remote"])
    assert again.returncode == 3
    assert (
        "south 南区中学：本次未取得，沿用上次数据，第 2 次，数据截至 2026-11-20（7 天前）"
        in again.stdout
    )
    south = (site / "schools" / "south" / "index.html").read_text("utf-8")
    assert "本次未取得，显示上次的数据" in south and "无法从" in south


def test_a_slow_school_is_retried(district: dict[str, Path | str], tmp_path: Path) -> None:
    url = next(
        line.split("url: ")[1].rsplit("/", 1)[0]
        for line in Path(district["file"]).read_text("utf-8").splitlines()
        if "url: " in line
    )
    file = tmp_path / "district.yaml"
    file.write_text(
        "name: 区\ntimeout: 2\nretries: 3\nschools:\n  - id: slow\n    name: 慢中学\n"
        f"    url: {url}/slow/north.json\n    token_env: NORTH_TOKEN\n",
        "utf-8",
    )
    done = daoshi(
        "district",
        "build",
        str(file),
        "-d",
        str(tmp_path / "site"),
        "--workers",
        "2",
        "--today",
        "2026-11-20",
        env={"NORTH_TOKEN": TOKEN},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "慢中学：超过 2 秒未完成，重试" in done.stderr
    # the retry is the second request, unless Dask gave it to the worker still hung in the first
    assert re.match(r"slow 慢中学：正常，第 [234] 次，数据截至 2026-11-20（0 天前）", done.stdout)
    assert _Summaries.slow_requests >= 2


def _no_student_in_any_file(site: Path, schools: list[Path | str]) -> None:
    """Every published file (pages, search index, sitemap) is free of every secret."""
    secrets: set[str] = set()
    for repo in schools:
        secrets |= secrets_of(load(Path(repo)))
    files = [
        p
        for p in site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".json", ".xml", ".js", ".css")
    ]
    assert any(p.name == "search_index.json" for p in files)
    for path in files:
        assert leaks(path.read_text("utf-8", errors="replace"), secrets) == [], path


def test_summary_command_reports_bad_records_and_prints_its_schema(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "school.yaml").write_text("id: x\nname: 学校\nstage: junior\n", "utf-8")
    out = tmp_path / "summary.json"
    done = daoshi("district", "summary", "--records", str(records), "--out", str(out))
    assert done.returncode == 1
    assert "记录有问题，汇总未发布" in done.stderr
    assert (
        f"{records}/school.yaml:1:1: R102 缺少必填字段“时区”（timezone）"
        in done.stdout.splitlines()
    )
    assert not out.exists()
    schema = daoshi("district", "schema")
    assert schema.returncode == 0
    assert json.loads(schema.stdout)["properties"]["version"] == {"const": 1}
