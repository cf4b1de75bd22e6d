"""A district build on a real Dask cluster: a scheduler and two workers as processes of their
own on 127.0.0.1 (``dask scheduler`` / ``dask worker``), four demo schools of different seeds
and policies recomputed from their repositories, and a worker killed while it is computing
a school. The site still comes out complete, and no published file names a student.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dask.distributed import Client

from tests.serving import free_port
from tests.test_district import _no_student_in_any_file
from tests.test_district_privacy import DAOSHI, make_school

DASK = str(Path(sys.executable).with_name("dask"))
SCHOOLS = {  # id: (seed, policies)
    "s21": (21, None),
    "s22": (22, "qingpu-exp"),
    "s23": (23, "qingpu-exp, district"),
    "s24": (24, None),
}


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [DASK, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy()
    )


@pytest.fixture
def cluster() -> Iterator[tuple[str, dict[str, subprocess.Popen[bytes]]]]:
    """A scheduler and two single-threaded workers without nannies (a killed one stays dead)."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")
    workers = {
        name: _start(
            "worker", address, "--name", name, "--nthreads", "1", "--no-nanny", "--no-dashboard"
        )
        for name in ("w1", "w2")
    }
    try:
        yield address, workers
    finally:
        for process in (*workers.values(), scheduler):
            if process.poll() is None:
                process.terminate()
        for process in (*workers.values(), scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def district_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four demo schools (different seeds and policies) hosted as repositories by the district."""
    root = tmp_path_factory.mktemp("cluster")
    lines = [
        "name: 示例区教育局德育科",
        "policy: district",
        "timeout: 300",
        "retries: 2",
        "schools:",
    ]
    for sid, (seed, policies) in SCHOOLS.items():
        repo = make_school(root, sid, seed, policies)
        lines += [f"  - id: {sid}", f"    name: 第{seed}中学", f"    repo: {repo}"]
    file = root / "district.yaml"
    file.write_text("\n".join(lines) + "\n", "utf-8")
    return file


def _busy_worker(client: Client) -> tuple[str, str] | None:
    """A worker computing a school's summary right now: (its name, the task's key)."""
    names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
    for address, keys in client.processing().items():
        for key in keys:
            if str(key).startswith("recompute-"):
                return names[address], str(key)
    return None


def test_a_killed_worker_does_not_lose_a_school(
    cluster: tuple[str, dict[str, subprocess.Popen[bytes]]], district_file: Path, tmp_path: Path
) -> None:
    address, workers = cluster
    site = tmp_path / "site"
    with Client(address, timeout="60s") as watcher:
        watcher.wait_for_workers(2, timeout=120)
        command = [*DAOSHI, "district", "build", str(district_file), "--recompute"]
        command += ["--scheduler", address, "-d", str(site), "--today", "2026-11-20"]
        build = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        busy = None
        while busy is None and build.poll() is None:  # polling the scheduler, not timing
            busy = _busy_worker(watcher)
            time.sleep(0.02)
        assert busy is not None, "no school was seen computing"
        name, key = busy
        workers[name].kill()
        workers[name].wait(timeout=60)
        out, err = build.communicate(timeout=600)
        assert build.returncode == 0, out + err
        assert len(watcher.scheduler_info()["workers"]) == 1
    killed_school = key.split("-")[1]
    report = out.splitlines()
    assert len([line for line in report if "：正常" in line]) == len(SCHOOLS), out
    assert any(line.startswith(f"{killed_school} ") for line in report)
    assert "Traceback" not in err
    for sid in SCHOOLS:
        page = (site / "schools" / sid / "index.html").read_text("utf-8")
        assert "区政策“青浦区“三个一””完成情况" in page
    index = (site / "index.html").read_text("utf-8")
    assert all(f"第{seed}中学" in index for seed, _ in SCHOOLS.values())
    assert "本次未取得" not in index
    trends = (site / "trends" / "index.html").read_text("utf-8")
    assert "2025学年第二学期" in trends and "2026学年第一学期" in trends
    _no_student_in_any_file(site, [district_file.parent / sid for sid in SCHOOLS])
