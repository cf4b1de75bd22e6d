"""Serving an app for a test: uvicorn in a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import http.client
import socket
import subprocess
import threading
import time

import httpx
import uvicorn

from daoshi.serve.server import SESSION_COOKIE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """uvicorn serving an app in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:  # waiting for start-up, not a timing assertion
            assert self.thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=60, **kwargs)  # type: ignore[arg-type]

    def raw(
        self, path: str, cookie: str = "", headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """GET exactly ``path`` (no client-side normalisation of ``..`` or escapes)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest("GET", path, skip_accept_encoding=True)
        if cookie:
            conn.putheader("Cookie", f"{SESSION_COOKIE}={cookie}")
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        conn.close()
        return response.status, body

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def wait_until_up(port: int, process: subprocess.Popen[str], seconds: float = 60) -> None:
    """Wait until a server process answers on 127.0.0.1:``port`` (or fail if it exits)."""
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            out, err = process.communicate()
            raise AssertionError(f"the server exited ({process.returncode}):\n{out}\n{err}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)  # waiting for start-up, not a timing assertion
