"""How long from an accepted push to the alert in the mailbox, at a school's scale.

The demo school as a git repository with its history (``daoshi demo``), a bare clone with
daoshi's hooks, an aiosmtpd server on 127.0.0.1. Each round a mentor pushes a crisis report
(through the real pre-receive and post-receive hooks) and ``daoshi notify send`` runs in
this process: it reads the spool, brings its clone to the tip, loads the school (the
validator, with its cache), finds the readers and sends the e-mails. Printed: per round the
sender's wall and CPU time, against the floor of the same run — ``daoshi validate`` of the
same tree with the same cache, the one step the sender cannot skip — and the load average.

    .venv/bin/python bench/notify.py --students 600 --semesters 2 --rounds 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from aiosmtpd.controller import Controller

from daoshi.demo import DemoOptions, write_demo
from daoshi.notify.config import load_notify_config
from daoshi.notify.send import send_pending
from daoshi.records.validate import load, validate
from daoshi.write.install import install


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        return "250 OK"


def git(cwd: Path, *args: str, user: str = "") -> None:
    env = {**os.environ, "GL_USER": user} if user else dict(os.environ)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@test.invalid"]
    subprocess.run(["git", *ident, *args], cwd=cwd, env=env, check=True, capture_output=True)


def timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--semesters", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="daoshi-bench-notify-"))
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache")
    src = tmp / "records"
    write_demo(src, DemoOptions(students=args.students, semesters=args.semesters))
    bare = tmp / "school.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(src), str(bare)], check=True)
    install(bare, None, [], False)
    work = tmp / "work"
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True)
    school = load(work)
    semester = school.semesters[-1]
    pairings = [p for p in school.pairings if p.semester == semester.id]
    day = min(dt.date.today(), semester.end)
    sink = Sink()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    smtp = Controller(sink, hostname="127.0.0.1", port=port)
    smtp.start()
    config_path = tmp / "notify.yaml"
    config_path.write_text(
        f"site_url: https://bench.invalid\nrepository: {bare}\nstate: {tmp / 'state'}\n"
        f"smtp: {{host: 127.0.0.1, port: {port}, security: none, from: b@bench.invalid}}\n",
        "utf-8",
    )
    config, problems = load_notify_config(config_path)
    assert config is not None, problems
    send_pending(config)  # the sender's clone exists from the start (a running server's)
    print(f"school: {len(school.students)} students, {len(school.records)} records, "
          f"{len(school.teachers)} teachers; {args.rounds} rounds")  # fmt: skip
    rows = []
    for n in range(args.rounds):
        pairing = pairings[n % len(pairings)]
        student = pairing.students[0]
        path = f"semesters/{semester.id}/journal/{pairing.mentor}/{student}/{day}-crisis-report.md"
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(
            f"---\nkind: crisis-report\nmentor: {pairing.mentor}\nstudent: {student}\n"
            f"date: {day}\nlevel: attention\nsigns: 测试\nreported_to: [{pairing.mentor}]\n"
            "actions: 测试\nparents_informed: false\n---\n",
            "utf-8",
        )
        git(work, "add", "-A")
        git(work, "commit", "-qm", f"危机上报 {n}")
        push = timed(partial(git, work, "push", "-q", "origin", "HEAD", user=pairing.mentor))
        before = sink.count
        sender = timed(lambda: send_pending(config))
        assert sink.count > before, "no e-mail arrived"
        floor = timed(lambda: validate(tmp / "state" / "records", need_school=True))
        rows.append((push, sender, floor, sink.count - before))
    load1, load5, _ = os.getloadavg()
    print("round  push wall  sender wall/cpu  floor (validate) wall/cpu  ratio cpu  e-mails")
    for n, (push, sender, floor, mails) in enumerate(rows, 1):
        ratio = sender[1] / floor[1] if floor[1] else float("nan")
        print(f"{n:5d}  {push[0]:8.2f}s  {sender[0]:6.2f}s/{sender[1]:5.2f}s  "
              f"{floor[0]:13.2f}s/{floor[1]:5.2f}s  {ratio:9.2f}  {mails:7d}")  # fmt: skip
    print(f"load average: {load1:.2f} (1 min), {load5:.2f} (5 min); cores: {os.cpu_count()}")
    smtp.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
