"""``daoshi notify send``: read the pushes the spool holds, make their alerts, deliver them.

Started by the post-receive hook (``daoshi.afterPush``) within a second of a push, and by a
timer as a safety net (a delivery that failed is tried again). One sender at a time: a
second one waits for the lock, then finds what the first left. The school is read from
the sender's own clone of the repository (``<state>/records``), brought to the branch's
tip; a push older than a day when first read (alerts switched on late) alerts no one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from daoshi import git as gitdoor
from daoshi.git import Repository
from daoshi.notify.alerts import added_paths, alerts_for, anchor_of, deliveries
from daoshi.notify.channels import DeliveryError, post_webhook, send_email
from daoshi.notify.config import NotifyConfig
from daoshi.notify.store import MAX_ATTEMPTS, Delivery, NotifyStore
from daoshi.records.model import School
from daoshi.records.validate import school_today, validate
from daoshi.write.postreceive import read_pushes, spool_dir

STALE = dt.timedelta(days=1)


@dataclass
class SendReport:
    """What one run did, for its log line."""

    pushes: int = 0
    alerts: int = 0
    sent: int = 0
    failed: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)


@contextmanager
def locked(state: Path) -> Iterator[None]:
    """One sender at a time (the next waits, then finds what is left)."""
    state.mkdir(parents=True, exist_ok=True)
    with (state / "notify.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sync_clone(config: NotifyConfig) -> Path:
    """The sender's own clone of the repository, at the branch's tip."""
    root = config.state / "records"
    env = gitdoor.environment({"LC_ALL": "C.UTF-8"})
    if not (root / ".git").is_dir():
        gitdoor.run(
            "clone", "-q", "--no-hardlinks", "--branch", config.branch,
            str(config.repository), str(root), env=env,
        )  # fmt: skip
    gitdoor.run("fetch", "-q", "origin", config.branch, cwd=root, env=env)
    gitdoor.run("checkout", "-q", "-f", "--detach", "FETCH_HEAD", cwd=root, env=env)
    gitdoor.run("clean", "-qfd", cwd=root, env=env)
    return root


def school_at_tip(config: NotifyConfig, today: dt.date | None = None) -> School:
    """The school as the branch's tip has it, from the sender's own clone."""
    root = sync_clone(config)
    result = validate(root, today=today or school_today(root), need_school=True)
    if result.school is None:
        problems = "；".join(p.format() for p in result.problems[:3])
        raise RuntimeError(f"记录仓库无法读取：{problems}")
    return result.school


def deliver(config: NotifyConfig, d: Delivery) -> None:
    """Send one delivery by its channel (raises ``DeliveryError``)."""
    if d.channel == "email":
        if config.smtp is None:
            raise DeliveryError("没有设置 smtp")
        send_email(config.smtp, d.target, d.subject, d.text)
        return
    hook = next((h for h in config.webhooks if f"webhook:{h.name}" == d.channel), None)
    if hook is None:
        raise DeliveryError(f"群机器人 {d.target} 已不在设置中")
    post_webhook(hook, d.subject, d.text)


def send_pending(
    config: NotifyConfig,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> SendReport:
    """Read new pushes, store their alerts and deliveries, then deliver what is due."""
    report = SendReport()
    with locked(config.state):
        store = NotifyStore(config.state)
        try:
            pushes = read_pushes(spool_dir(config.repository), store.last_push())
            report.pushes = len(pushes)
            if pushes:
                git = Repository.at(config.repository)
                school: School | None = None
                for push in pushes:
                    paths = added_paths(git, push, config.branch)
                    fresh = now() - dt.datetime.fromisoformat(push.time) < STALE
                    if paths and fresh:
                        school = school or school_at_tip(config, today)
                        for alert in alerts_for(school, push, paths):
                            made = store.add_alert(
                                alert.id, alert.record.path, alert.student,
                                anchor_of(alert.record), alert.record.kind,
                            )  # fmt: skip
                            report.alerts += made
                            for d in deliveries(alert, school, config) if made else []:
                                store.add_delivery(d)
                    store.mark_read(push.id)
            deliver_due(config, store, report)
        finally:
            store.close()
    return report


def deliver_due(config: NotifyConfig, store: NotifyStore, report: SendReport) -> None:
    """Every delivery not yet sent: sent now, or its failure kept for the next run."""
    for d in store.due():
        try:
            deliver(config, d)
        except DeliveryError as exc:
            store.failed(d, str(exc))
            report.failed.append(f"{d.target}：{exc}")
            if d.attempts + 1 >= MAX_ATTEMPTS:
                report.given_up.append(d.target)
            continue
        store.sent(d)
        report.sent += 1
