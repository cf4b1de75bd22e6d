"""The long-running builder: holds the school, notices new commits, updates every site.

``daoshi builder run --repo BARE --site SITE`` clones the school's bare repository into
``SITE/.daoshi/records``, builds every audience's site, then waits. A new commit reaches it
two ways: it watches the bare repository's refs (inotify, through watchdog), and any
process may poke it through its socket (``daoshi builder poke``: the post-receive hook,
the editor after a save). What arrives while it builds is taken together into the next
update. Each cycle holds the site's lock (``store.build_lock``), fetches, asks git which
files changed since the commit its sites show, and updates (``update.LiveSites``). A
commit with problems is reported as located lines and every site stays as it was.
``SITE/.daoshi/builder.json`` says which commit the sites show.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from daoshi.builder.checkout import changed_between, sync
from daoshi.builder.store import STATE, build_lock
from daoshi.builder.update import LiveSites, Outcome

SOCKET = "builder.sock"
STATUS = "builder.json"
WAKE = 600.0  # seconds between looks at the calendar (a new day rebuilds everything)
SETTLE = 0.2  # a push writes several refs: wait this long for the rest
IDLE = 20.0  # seconds without a commit before the deferred review pages are made
WRITES = frozenset({"created", "modified", "deleted", "moved", "closed"})


def socket_path(site: Path) -> Path:
    return site / STATE / SOCKET


@dataclass
class _Poke:
    """One request on the socket: answered when the cycle after it is done."""

    connection: socket.socket | None  # None: a ref changed (nobody waits)


class Builder:
    """The builder process: its queue of pokes, its sites, its cycles."""

    def __init__(
        self,
        repo: Path,
        site: Path,
        live: LiveSites,
        echo: Callable[[str], None],
        socket_file: Path | None = None,
        idle: float = IDLE,
    ) -> None:
        self.repo = repo
        self.idle = idle
        self.site = site
        self.live = live
        self.echo = echo
        self.socket_file = socket_file or socket_path(site)
        self.pokes: queue.Queue[_Poke] = queue.Queue()
        self.commit: str | None = None  # what the published sites show
        self.stopping = threading.Event()
        self.untidy = False  # an update left garbage to collect once everyone is answered

    # -- the doors ---------------------------------------------------------------------------
    def listen(self) -> socket.socket:
        """The socket pokes arrive on (made before the first build, so none is lost)."""
        path = self.socket_file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        os.chmod(path, 0o660)  # the group (the git user's hook, the editor) may poke
        server.listen(64)
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return server

    def _accept(self, server: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.settimeout(5)
            try:
                request = connection.recv(64).decode("ascii", "replace").strip()
            except OSError:
                connection.close()
                continue
            if request == "wait":
                self.pokes.put(_Poke(connection))
            else:
                with contextlib.suppress(OSError):
                    connection.sendall(b"queued\n")
                connection.close()
                self.pokes.put(_Poke(None))

    def watch(self) -> object:
        """Watch the bare repository's refs: a push moves one."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        pokes = self.pokes

        class Refs(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                if event.event_type not in WRITES:
                    return
                for raw in (event.src_path, getattr(event, "dest_path", "")):
                    path = raw.decode() if isinstance(raw, bytes) else raw
                    name = os.path.basename(path)
                    ref = "/refs/" in path or name in ("packed-refs", "HEAD")
                    if ref and not name.endswith(".lock"):
                        pokes.put(_Poke(None))
                        return

        observer = Observer()
        refs = self.repo / "refs"
        observer.schedule(Refs(), str(refs), recursive=True)
        observer.schedule(Refs(), str(self.repo), recursive=False)
        observer.start()
        return observer

    # -- the work ----------------------------------------------------------------------------
    def cycle(self) -> tuple[bool, str]:
        """One fetch and build or update: whether the sites show the head, and what happened."""
        work = self.site / STATE / "records"
        with build_lock(self.site):
            _, head = sync(self.repo, work, clean=self.live.sites is None)
            if head is None:
                return True, "仓库还没有提交，等待第一次推送。"
            if self.live.sites is None or self.commit is None:
                outcome = self.live.full()
            elif head != self.commit or self.live.sites.today != self.live.day():
                outcome = self.live.update(changed_between(work, self.commit, head))
            else:
                return True, f"已是最新：{head[:10]}"
        if outcome.problems:
            lines = [p.format() for p in outcome.problems]
            lines.append(
                f"提交 {head[:10]} 有 {len(outcome.problems)} 个问题，各站点保持上一次的状态。"
            )
            self._status(head, ok=False, outcome=outcome)
            return False, "\n".join(lines)
        self.commit = head
        self._status(head, ok=True, outcome=outcome)
        self.untidy = not outcome.full
        if outcome.full:
            return True, (
                f"已为 {len(outcome.audiences)} 个受众生成站点（提交 {head[:10]}，"
                f"{outcome.seconds:.1f} 秒）"
            )
        return True, (
            f"提交 {head[:10]}：已更新 {len(outcome.audiences)} 个受众的站点，"
            f"{outcome.pages} 个页面（{outcome.seconds:.2f} 秒）"
            + (f"：{'、'.join(outcome.audiences)}" if outcome.audiences else "")
        )

    def catch_up(self) -> None:
        """The deferred pages (the semester reviews), while no new commit waits."""
        try:
            with build_lock(self.site):
                done = self.live.catch_up(stop=lambda: not self.pokes.empty())
        except Exception:
            self.echo(f"审核报告页更新失败（稍后重试）：\n{traceback.format_exc()}")
            return
        if done is not None:
            self.echo(f"审核报告页已更新：{len(done.audiences)} 个受众（{done.seconds:.1f} 秒）")
            if self.commit is not None:
                self._status(self.commit, ok=True, outcome=done)

    def _status(self, head: str, ok: bool, outcome: Outcome) -> None:
        status = {
            "commit": self.commit,
            "tried": head,
            "ok": ok,
            "problems": [p.format() for p in outcome.problems],
            "audiences": outcome.audiences,
            "deferred": len(self.live.stale),  # review pages still to bring up to date
            "seconds": round(outcome.seconds, 3),
            "workers": outcome.workers,
            "time": time.time(),
        }
        path = self.site / STATE / STATUS
        tmp = path.with_name(f".{STATUS}.{os.getpid()}")
        tmp.write_text(json.dumps(status, ensure_ascii=False) + "\n", "utf-8")
        os.replace(tmp, path)

    def serve_forever(self) -> None:
        """Build, then wait for pokes and ref changes until stopped."""
        server = self.listen()
        observer = self.watch()
        try:
            self.pokes.put(_Poke(None))  # the first build
            while not self.stopping.is_set():
                try:
                    first = self.pokes.get(timeout=self.idle if self.live.stale else WAKE)
                except queue.Empty:
                    if self.live.stale:  # idle a while: the deferred review pages
                        self.catch_up()
                        continue
                    first = _Poke(None)  # a look at the calendar
                time.sleep(SETTLE)
                waiting = [first, *_drain(self.pokes)]
                try:
                    ok, line = self.cycle()
                except Exception:  # keep serving the last good sites; say why, try again
                    ok, line = (
                        False,
                        "生成失败，各站点保持上一次的状态：\n" + traceback.format_exc(),
                    )
                    self.live.sites = None
                self.echo(line)
                answer = f"{'ok' if ok else 'failed'}\n{line.rstrip()}\n".encode()
                for poke in waiting:
                    if poke.connection is not None:
                        with contextlib.suppress(OSError):
                            poke.connection.sendall(answer)
                        poke.connection.close()
                if self.untidy:
                    self.untidy = False
                    self.live.tidy()
        finally:
            self.stopping.set()
            server.close()
            self.socket_file.unlink(missing_ok=True)
            observer.stop()  # type: ignore[attr-defined]


def _drain(pokes: queue.Queue[_Poke]) -> list[_Poke]:
    found = []
    while True:
        try:
            found.append(pokes.get_nowait())
        except queue.Empty:
            return found


def poke(site: Path, wait: bool = False, socket_file: Path | None = None) -> tuple[bool, str]:
    """Tell a running builder to look for new commits; with ``wait``, whether the cycle that
    follows brought the sites up to date, and its report. ``OSError``: no builder listens."""
    path = socket_file or socket_path(site)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(str(path))
        client.sendall(b"wait\n" if wait else b"poke\n")
        client.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            chunk = client.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    status, _, text = b"".join(chunks).decode("utf-8", "replace").partition("\n")
    return status in ("ok", "queued"), text
