"""``daoshi notify remind``: once a week, each mentor who asked for it (``reminders:`` in
``notify.yaml``) is told what is still due: by e-mail, and by a group robot whose group is
that mentor alone.

What is due comes from the editor's own view of a mentor (the obligations engine over
their mentees of today). The message counts students per duty and links to the editor;
it names no student — the editor, behind the sign-in, shows who.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from pathlib import Path

from daoshi.notify.alerts import SIGNATURE
from daoshi.notify.config import NotifyConfig
from daoshi.notify.send import SendReport, deliver_due, locked, sync_clone
from daoshi.notify.store import Delivery, NotifyStore
from daoshi.write.editor.clone import Clone
from daoshi.write.editor.drafts import Drafts
from daoshi.write.editor.editor import Editor


def reminder_text(editor: Editor, teacher: str, config: NotifyConfig) -> str | None:
    """The week's reminder for one mentor; ``None`` when nothing is due."""
    counts: Counter[str] = Counter()
    for mentee in editor.mentees(teacher):
        for due in mentee.due:
            counts[due.text] += 1
    lines = [f"- {text}：{n} 名学生" for text, n in sorted(counts.items())]
    lines += [f"- {due.text}" for due in editor.own_dues(teacher)]
    if not lines:
        return None
    name, _ = editor.teacher(teacher)
    return (
        f"{name}老师，本周还需要完成的导师工作记录：\n"
        + "\n".join(lines)
        + f"\n\n登录后在编辑器中查看是哪些学生、直接填写：{config.site_url}/\n"
        f"——{SIGNATURE}（每周一次，不想再收到请告诉管理员）"
    )


def remind(config: NotifyConfig, today: dt.date | None = None) -> SendReport:
    """Queue this week's reminders (once per teacher and ISO week) and deliver them."""
    report = SendReport()
    with locked(config.state):
        store = NotifyStore(config.state)
        try:
            root = sync_clone(config)
            with tempfile.TemporaryDirectory(prefix="daoshi-remind-") as tmp:
                editor = Editor(Clone(root), Drafts(Path(tmp)), today=today)
                school, day = editor.school, editor.today()
                year, week, _ = day.isocalendar()
                stamp = f"{year}-W{week:02d}"
                for teacher in sorted(config.reminders):
                    if teacher not in school.teachers or school.teachers[teacher].left:
                        continue
                    text = reminder_text(editor, teacher, config)
                    if text is None or not store.reminded(teacher, stamp):
                        continue
                    key = f"remind-{teacher}-{stamp}"
                    subject = f"【{SIGNATURE}】本周待完成的记录"
                    email = school.teachers[teacher].email
                    if config.smtp is not None and email:
                        store.add_delivery(Delivery(key, "email", email, subject, text))
                    for hook in config.webhooks:
                        if hook.members == {teacher}:
                            channel = f"webhook:{hook.name}"
                            store.add_delivery(Delivery(key, channel, hook.name, subject, text))
                    report.alerts += 1
            deliver_due(config, store, report)
        finally:
            store.close()
    return report
