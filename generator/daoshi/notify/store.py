"""The sender's memory (``<state>/notify.sqlite``): which pushes it has read, the alerts it
made, each delivery and its attempts, the weeks it has reminded.

The spool beside the repository is a log the sender may not change; this file is what makes
a second run send nothing twice and a failed delivery be tried again. The web app reads the
alerts table (opened read-only) to turn an alert's link into the record's page.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

NOTIFY_DB = "notify.sqlite"
MAX_ATTEMPTS = 12  # a day of retries at the timer's pace; then it is reported and dropped

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (id TEXT PRIMARY KEY, read_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY, path TEXT NOT NULL, student TEXT NOT NULL, anchor TEXT NOT NULL,
    kind TEXT NOT NULL, made_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (
    alert TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL, subject TEXT NOT NULL,
    text TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, sent_at REAL, error TEXT,
    PRIMARY KEY (alert, channel, target));
CREATE TABLE IF NOT EXISTS reminders (teacher TEXT NOT NULL, week TEXT NOT NULL,
    PRIMARY KEY (teacher, week));
"""


@dataclass(frozen=True)
class Delivery:
    """One message to one address (an e-mail) or one group robot (a webhook)."""

    alert: str
    channel: str  # "email" or "webhook:<name>"
    target: str  # the address, or the robot's name
    subject: str
    text: str
    attempts: int = 0


@dataclass(frozen=True)
class AlertLink:
    """What an alert's link leads to: the record's place on its student's page."""

    student: str
    anchor: str


class NotifyStore:
    """The sqlite file; one sender at a time writes it (``daoshi notify`` holds a lock)."""

    def __init__(self, state: Path) -> None:
        state.mkdir(parents=True, exist_ok=True)
        path = state / NOTIFY_DB
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def last_push(self) -> str:
        row = self.db.execute("SELECT max(id) FROM pushes").fetchone()
        return str(row[0]) if row and row[0] else ""

    def mark_read(self, push_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO pushes VALUES (?, ?)", (push_id, time.time()))

    def add_alert(self, alert_id: str, path: str, student: str, anchor: str, kind: str) -> bool:
        """Record an alert; False when it was already made (a push read twice)."""
        done = self.db.execute(
            "INSERT OR IGNORE INTO alerts VALUES (?, ?, ?, ?, ?, ?)",
            (alert_id, path, student, anchor, kind, time.time()),
        )
        return done.rowcount == 1

    def add_delivery(self, d: Delivery) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO deliveries (alert, channel, target, subject, text)"
            " VALUES (?, ?, ?, ?, ?)",
            (d.alert, d.channel, d.target, d.subject, d.text),
        )

    def due(self) -> list[Delivery]:
        """Deliveries not yet sent and not given up on, oldest first."""
        rows = self.db.execute(
            "SELECT alert, channel, target, subject, text, attempts FROM deliveries"
            " WHERE sent_at IS NULL AND attempts < ? ORDER BY rowid",
            (MAX_ATTEMPTS,),
        ).fetchall()
        return [Delivery(*row) for row in rows]

    def sent(self, d: Delivery) -> None:
        self.db.execute(
            "UPDATE deliveries SET sent_at = ?, attempts = attempts + 1, error = NULL"
            " WHERE alert = ? AND channel = ? AND target = ?",
            (time.time(), d.alert, d.channel, d.target),
        )

    def failed(self, d: Delivery, error: str) -> None:
        self.db.execute(
            "UPDATE deliveries SET attempts = attempts + 1, error = ?"
            " WHERE alert = ? AND channel = ? AND target = ?",
            (error, d.alert, d.channel, d.target),
        )

    def reminded(self, teacher: str, week: str) -> bool:
        """Mark the teacher reminded for the week; False when they already were."""
        done = self.db.execute("INSERT OR IGNORE INTO reminders VALUES (?, ?)", (teacher, week))
        return done.rowcount == 1


def find_alert(state: Path, alert_id: str) -> AlertLink | None:
    """The web app's look-up of an alert's link (read-only; ``None`` when unknown)."""
    path = state / NOTIFY_DB
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute(
                "SELECT student, anchor FROM alerts WHERE id = ?", (alert_id,)
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return AlertLink(str(row[0]), str(row[1])) if row else None
