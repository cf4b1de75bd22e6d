"""What sign-in must remember across restarts and processes: failed attempts (the rate
limits) and revoked sessions, in one small sqlite file (``--state``).

Without a file the store lives in memory (a test, a laptop). With one, every process that
opens it (the site and editor app, a second worker, the next start after a restart) sees
the same failures and revocations; sqlite's write-ahead log lets them share it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (scope TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_key ON failures (scope, key, at);
CREATE TABLE IF NOT EXISTS revoked (sid TEXT PRIMARY KEY, until REAL NOT NULL);
"""


class AuthStore:
    """Failures by (scope, key) with their times, and revoked session ids until they expire."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():  # readable by the service only: it names the users
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(
            str(path) if path is not None else ":memory:",
            timeout=30,
            isolation_level=None,  # autocommit: every statement is its own transaction
            check_same_thread=False,
        )
        with self._lock:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)

    def _run(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- failed sign-ins --------------------------------------------------------------------
    def failures(self, scope: str, key: str, since: float) -> list[float]:
        """The times of ``key``'s failures after ``since``, oldest first."""
        rows = self._run(
            "SELECT at FROM failures WHERE scope = ? AND key = ? AND at > ? ORDER BY at",
            scope,
            key,
            since,
        )
        return [float(str(r[0])) for r in rows]

    def fail(self, scope: str, key: str, at: float) -> None:
        self._run("INSERT INTO failures (scope, key, at) VALUES (?, ?, ?)", scope, key, at)

    def reset(self, scope: str, key: str) -> None:
        self._run("DELETE FROM failures WHERE scope = ? AND key = ?", scope, key)

    def forget_before(self, scope: str, before: float) -> None:
        """Drop failures older than any window (the file stays small)."""
        self._run("DELETE FROM failures WHERE scope = ? AND at <= ?", scope, before)

    # -- revoked sessions -------------------------------------------------------------------
    def revoke(self, sid: str, until: float) -> None:
        now = time.time()
        self._run("DELETE FROM revoked WHERE until < ?", now)
        self._run("INSERT OR REPLACE INTO revoked (sid, until) VALUES (?, ?)", sid, until)

    def is_revoked(self, sid: str) -> bool:
        return bool(self._run("SELECT 1 FROM revoked WHERE sid = ?", sid))


class RateLimiter:
    """Failed sign-ins per key (an IP address, a user name) in a sliding window.

    Kept in an ``AuthStore`` (memory unless the server was given a state file), so a
    restart does not reset the count.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.time,
        store: AuthStore | None = None,
        scope: str = "sign-in",
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.store = store or AuthStore()
        self.scope = scope
        self._fails = 0

    def bind(self, store: AuthStore, scope: str) -> None:
        """Keep the failures in ``store`` (the server's state file) under ``scope``."""
        self.store, self.scope = store, scope

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        now = self.clock()
        failures = self.store.failures(self.scope, key, now - self.window)
        if len(failures) < self.limit:
            return 0.0
        return failures[-self.limit] + self.window - now

    def fail(self, key: str) -> None:
        now = self.clock()
        self.store.fail(self.scope, key, now)
        self._fails += 1
        if self._fails % 1000 == 0:  # a flood of names: forget what no window still needs
            self.store.forget_before(self.scope, now - self.window)

    def reset(self, key: str) -> None:
        self.store.reset(self.scope, key)
