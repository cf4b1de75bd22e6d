"""Delivering a message: e-mail through the school's SMTP server, or a JSON POST to a group
robot (企业微信 or 钉钉, whose robots take such a POST, or any receiver of plain JSON).

Each delivery either succeeds or raises ``DeliveryError`` with a reason in Chinese; the
sender records the failure and tries again on its next run.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from daoshi.notify.config import Smtp, Webhook

TIMEOUT = 20  # seconds for one delivery: a slow server delays the next, never the push


class DeliveryError(RuntimeError):
    """A delivery that did not go through (message in Chinese)."""


def _sender(smtp: Smtp) -> Address | str:
    name, address = parseaddr(smtp.sender)
    if not address or "@" not in address:
        return smtp.sender
    user, domain = address.split("@", 1)
    return Address(name, user, domain)


def send_email(smtp: Smtp, to: str, subject: str, text: str) -> None:
    """One plain-text message (UTF-8) to one address."""
    message = EmailMessage()
    message["From"] = _sender(smtp)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="daoshi")
    message.set_content(text)
    try:
        if smtp.security == "ssl":
            context = ssl.create_default_context()
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=TIMEOUT, context=context
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password())
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"邮件没有发出（{smtp.host}:{smtp.port}）：{exc}") from exc


def robot_payload(hook: Webhook, subject: str, text: str) -> dict[str, object]:
    """The JSON a robot of this kind takes (a text message)."""
    if hook.kind == "wecom":
        return {"msgtype": "text", "text": {"content": text}}
    if hook.kind == "dingtalk":
        return {"msgtype": "text", "text": {"content": text}}
    return {"title": subject, "text": text}


def _signed(hook: Webhook) -> str:
    """钉钉 加签: the URL with ``timestamp`` and ``sign`` when a secret is set."""
    secret = hook.secret() if hook.kind == "dingtalk" else ""
    if not secret:
        return hook.url
    stamp = str(round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in hook.url else "?"
    return f"{hook.url}{joiner}timestamp={stamp}&sign={sign}"


def post_webhook(hook: Webhook, subject: str, text: str) -> None:
    """POST the message; a robot's own error code (``errcode`` ≠ 0) is a failure too."""
    body = json.dumps(robot_payload(hook, subject, text), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        _signed(hook),
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer = response.read(65536)
    except (OSError, urllib.error.URLError) as exc:
        raise DeliveryError(f"群机器人 {hook.name} 没有收到：{exc}") from exc
    try:
        data = json.loads(answer) if answer.strip() else {}
    except ValueError:
        data = {}
    if isinstance(data, dict) and data.get("errcode", 0) != 0:
        reason = data.get("errmsg", "")
        raise DeliveryError(f"群机器人 {hook.name} 拒绝了消息：{data.get('errcode')} {reason}")
