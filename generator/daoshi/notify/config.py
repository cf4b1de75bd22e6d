"""The alerts' settings file (``notify.yaml``): where the mail server and the group robots
are, where the link in an alert points, who asked for the weekly reminder.

Read with every mistake located (``path:line:col: S805 …``); the sender refuses to start on
a broken file rather than send half the alerts. Secrets (the SMTP password, a robot's
signing key) live in their own files, readable by the service only, never in this one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daoshi.errors import Location, Problem
from daoshi.messages import problem
from daoshi.records.sources import Node, parse_yaml

SECURITY = ("none", "starttls", "ssl")
ROBOTS = ("wecom", "dingtalk", "json")


@dataclass(frozen=True)
class Smtp:
    """The school's mail server (or its relay)."""

    host: str
    port: int
    security: str  # none, starttls or ssl
    sender: str
    user: str = ""
    password_file: Path | None = None

    def password(self) -> str:
        if self.password_file is None:
            return ""
        return self.password_file.read_text("utf-8").strip()


@dataclass(frozen=True)
class Webhook:
    """A group robot (企业微信, 钉钉, or plain JSON) and the teachers who are in its group:
    an alert goes to the group only when every member may see the record."""

    name: str
    kind: str  # wecom, dingtalk or json
    url: str
    members: frozenset[str]
    secret_file: Path | None = None  # 钉钉 加签

    def secret(self) -> str:
        return self.secret_file.read_text("utf-8").strip() if self.secret_file else ""


@dataclass(frozen=True)
class NotifyConfig:
    """Everything ``daoshi notify`` needs."""

    path: Path
    site_url: str  # links in alerts point here (behind the sign-in)
    repository: Path  # the school's bare repository (its spool is beside it)
    state: Path  # the sender's own files: its clone, its sqlite
    branch: str = "main"
    smtp: Smtp | None = None
    webhooks: tuple[Webhook, ...] = ()
    reminders: frozenset[str] = frozenset()  # teachers who asked for the weekly reminder


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def fail(self, node: Node, detail: str) -> None:
        where = Location(self.path, node.line, node.col)
        self.problems.append(problem(where, "S805", detail=detail))

    def text(self, spec: dict[str, Node], key: str, owner: Node, default: str | None = None) -> str:
        node = spec.get(key)
        if node is None or node.value in (None, ""):
            if default is None:
                self.fail(owner, f"缺少 {key}")
            return default or ""
        if not isinstance(node.value, str | int) or isinstance(node.value, bool):
            self.fail(node, f"{key} 应为文字")
            return default or ""
        return str(node.value)

    def file(self, spec: dict[str, Node], key: str, base: Path) -> Path | None:
        node = spec.get(key)
        if node is None:
            return None
        path = base / str(node.value)
        if not path.is_file():
            self.fail(node, f"{key} 指向的文件 {path} 不存在")
            return None
        return path

    def mapping(self, node: Node | None, what: str) -> dict[str, Node]:
        if node is None:
            return {}
        if not isinstance(node.value, dict):
            self.fail(node, f"{what} 应为映射（键: 值）")
            return {}
        return dict(node.value)

    def ids(self, node: Node | None, what: str) -> frozenset[str]:
        if node is None:
            return frozenset()
        if not isinstance(node.value, list):
            self.fail(node, f"{what} 应为工号的列表，如 [T001, T002]")
            return frozenset()
        return frozenset(str(item.value) for item in node.value)


def _smtp(reader: _Reader, node: Node | None, base: Path) -> Smtp | None:
    spec = reader.mapping(node, "smtp")
    if node is None or not spec:
        return None
    security = reader.text(spec, "security", node, "starttls")
    if security not in SECURITY:
        reader.fail(spec["security"], f"security 应为 {'、'.join(SECURITY)} 之一")
    port_node = spec.get("port")
    default = {"ssl": 465, "starttls": 587}.get(security, 25)
    port = port_node.value if port_node is not None else default
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        reader.fail(port_node or node, "port 应为 1 到 65535 的整数")
        port = default
    return Smtp(
        host=reader.text(spec, "host", node),
        port=port,
        security=security,
        sender=reader.text(spec, "from", node),
        user=reader.text(spec, "user", node, ""),
        password_file=reader.file(spec, "password_file", base),
    )


def _webhooks(reader: _Reader, node: Node | None, base: Path) -> tuple[Webhook, ...]:
    if node is None:
        return ()
    if not isinstance(node.value, list):
        reader.fail(node, "webhooks 应为列表，每项有 name、kind、url、members")
        return ()
    found = []
    for item in node.value:
        spec = reader.mapping(item, "webhooks 的一项")
        kind = reader.text(spec, "kind", item, "json")
        if kind not in ROBOTS:
            reader.fail(spec["kind"], f"kind 应为 {'、'.join(ROBOTS)} 之一")
            continue
        url = reader.text(spec, "url", item)
        if url and not url.startswith(("https://", "http://")):
            reader.fail(spec["url"], "url 应以 https:// 开头")
        members = reader.ids(spec.get("members"), "members")
        if not members:
            reader.fail(
                item, "members 应列出这个群里的全部教师工号（只有全体成员都能看到的提醒才发到群里）"
            )
        name = reader.text(spec, "name", item, url)
        found.append(Webhook(name, kind, url, members, reader.file(spec, "secret_file", base)))
    return tuple(found)


def load_notify_config(path: Path) -> tuple[NotifyConfig | None, list[Problem]]:
    """Read ``notify.yaml``; ``None`` with the problems when anything is wrong."""
    reader = _Reader(str(path))
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reader.fail(Node(None, 1, 1), f"无法读取：{exc}")
        return None, reader.problems
    data, problems = parse_yaml(text, str(path))
    if problems or data is None:
        return None, problems or [problem(Location(str(path), 1, 1), "S805", detail="文件是空的")]
    spec = reader.mapping(data, "文件内容")
    base = path.parent
    known = {"site_url", "repository", "branch", "state", "smtp", "webhooks", "reminders"}
    for key in spec.keys() - known:
        reader.fail(spec[key], f"未知的设置 {key}（可用：{'、'.join(sorted(known))}）")
    site_url = reader.text(spec, "site_url", data).rstrip("/")
    repository = base / reader.text(spec, "repository", data)
    if spec.get("repository") is not None and not repository.is_dir():
        reader.fail(spec["repository"], f"记录仓库 {repository} 不存在")
    reminders = spec.get("reminders")
    config: dict[str, Any] = {
        "path": path,
        "site_url": site_url,
        "repository": repository,
        "state": base / reader.text(spec, "state", data),
        "branch": reader.text(spec, "branch", data, "main"),
        "smtp": _smtp(reader, spec.get("smtp"), base),
        "webhooks": _webhooks(reader, spec.get("webhooks"), base),
        "reminders": reader.ids(reminders, "reminders"),
    }
    if config["smtp"] is None and not config["webhooks"]:
        reader.fail(data, "smtp 和 webhooks 都没有设置，提醒无处可发")
    if reader.problems:
        return None, sorted(reader.problems)
    return NotifyConfig(**config), []
