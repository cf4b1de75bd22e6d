"""``mkdocs serve`` rebuilds the site when a record changes (a real server on 127.0.0.1)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .serving import free_port

REPO = Path(__file__).resolve().parent.parent


def _wait_for(url: str, text: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                last = response.read().decode("utf-8")
            if text in last:
                return last
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not served at {url} within {seconds} s")


def test_serve_rebuilds_when_a_record_changes(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(REPO / "records", records)
    student = "S250014"  # a demo student with talks in both semesters
    talk = sorted(records.glob(f"semesters/*/journal/*/{student}/*-talk.md"))[0]
    port = free_port()
    env = dict(os.environ, DAOSHI_RECORDS=str(records), XDG_CACHE_HOME=str(tmp_path / "cache"))
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        page = f"http://127.0.0.1:{port}/students/{student}/"
        _wait_for(page, student, 120)
        text = talk.read_text("utf-8")
        talk.write_text(text.rstrip("\n") + "\n\n补记：家长来电表示感谢。\n", "utf-8")
        _wait_for(page, "补记：家长来电表示感谢。", 120)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
