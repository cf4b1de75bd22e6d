"""The district file: which schools, where each one's summary comes from, the district's rules.

Read with the records' own located YAML reader, so every mistake is reported as
``path:line:col: CODE message`` (codes D1xx, listed in ``MESSAGES`` and docs/district.md),
all of them in one run. Tokens are never written in the file: it names the environment
variable or the file that holds each school's token.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from daoshi.errors import Location, Problem, ProjectError
from daoshi.records.formfiles import load_forms
from daoshi.records.sources import Node, parse_bytes

# code: (Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "D101": ("无法读取区文件：{error}", "cannot read the district file: {error}"),
    "D102": ("未知的字段 {field}（可用：{known}）", "unknown field {field} (known: {known})"),
    "D103": ("缺少必填字段 {field}", "missing required field {field}"),
    "D104": ("{field} 应为{expected}", "{field} must be {expected}"),
    "D105": (
        "学校代号 {id} 重复（第一次在第 {first} 行）",
        "school ID {id} repeated (first on line {first})",
    ),
    "D106": (
        "学校 {id} 没有汇总来源：写 url（HTTPS 地址）、git（只读仓库）"
        "或 repo（学校记录仓库，用于 --recompute）",
        "school {id} has no source: url, git or repo",
    ),
    "D107": (
        "{url} 不是 HTTPS 地址（只有本机 127.0.0.1/localhost 可以用 http）",
        "{url} is not HTTPS (plain http only on 127.0.0.1/localhost)",
    ),
    "D108": ("学校 {id} 的 url 和 git 只能写一个", "school {id}: url and git are exclusive"),
    "D109": ("区文件中没有学校（schools 为空）", "the district file lists no schools"),
    "D110": (
        "未知的区政策 {policy}（可用：{known}）",
        "unknown district policy {policy} (known: {known})",
    ),
}
TOP_FIELDS = ("name", "policy", "k", "timeout", "retries", "schools")
SCHOOL_FIELDS = ("id", "name", "url", "token_env", "token_file", "git", "path", "repo")
SCHOOL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SchoolSource:
    """One school of the district and where its summary comes from."""

    id: str
    name: str
    url: str | None = None
    token_env: str | None = None
    token_file: str | None = None
    git: str | None = None
    path: str = "summary.json"
    repo: str | None = None
    line: int = 1


@dataclass(frozen=True)
class District:
    """The district file, read."""

    name: str
    policy: str
    k: int
    timeout: float
    retries: int
    schools: tuple[SchoolSource, ...]
    path: str = ""


def _problem(node: Node | None, path: str, code: str, at_key: bool = False, **args: Any) -> Problem:
    """Located at the value (or, ``at_key``, at the key naming it)."""
    line, col = (node.line, node.col) if node else (1, 1)
    if node and at_key and node.key_line:
        line, col = node.key_line, node.key_col
    return Problem(Location(path, line, col), code, MESSAGES[code][0].format(**args))


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def report(self, node: Node | None, code: str, at_key: bool = False, **args: Any) -> None:
        self.problems.append(_problem(node, self.path, code, at_key, **args))

    def fields(self, node: Node, known: tuple[str, ...]) -> dict[str, Node]:
        found: dict[str, Node] = node.value
        for name, child in found.items():
            if name not in known:
                self.report(child, "D102", at_key=True, field=name, known="、".join(known))
        return found

    def text(self, fields: dict[str, Node], name: str, default: str | None = None) -> str | None:
        node = fields.get(name)
        if node is None or node.value is None:
            return default
        if not isinstance(node.value, str) or not node.value.strip():
            self.report(node, "D104", field=name, expected="一段文字")
            return default
        return node.value.strip()

    def number(self, fields: dict[str, Node], name: str, default: int, low: int) -> int:
        node = fields.get(name)
        if node is None or node.value is None:
            return default
        if isinstance(node.value, bool) or not isinstance(node.value, int) or node.value < low:
            self.report(node, "D104", field=name, expected=f"不小于 {low} 的整数")
            return default
        return node.value

    def school(self, node: Node) -> SchoolSource | None:
        if not isinstance(node.value, dict):
            self.report(node, "D104", field="schools 的每一项", expected="“字段: 值”映射")
            return None
        fields = self.fields(node, SCHOOL_FIELDS)
        for required in ("id", "name"):
            if required not in fields:
                self.report(node, "D103", field=required)
        sid = self.text(fields, "id") or ""
        if sid and not SCHOOL_ID.match(sid):
            self.report(fields["id"], "D104", field="id", expected="字母、数字、- 或 _ 组成的代号")
        url, git, repo = (
            self.text(fields, "url"),
            self.text(fields, "git"),
            self.text(fields, "repo"),
        )
        if url and git:
            self.report(fields["git"], "D108", id=sid)
        if not (url or git or repo) and sid:
            self.report(node, "D106", id=sid)
        if url and not _secure(url):
            self.report(fields["url"], "D107", url=url)
        return SchoolSource(
            id=sid,
            name=self.text(fields, "name") or sid,
            url=url,
            token_env=self.text(fields, "token_env"),
            token_file=self.text(fields, "token_file"),
            git=git,
            path=self.text(fields, "path", "summary.json") or "summary.json",
            repo=repo,
            line=node.line,
        )


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def read_district(file: Path) -> District:
    """The district file at ``file``; raises ``ProjectError`` with every problem found."""
    shown = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ProjectError([_problem(None, shown, "D101", error=exc.strerror or exc)]) from exc
    parsed = parse_bytes(raw, shown, markdown=False)
    if parsed.problems or parsed.data is None:
        raise ProjectError(parsed.problems or [_problem(None, shown, "D109")])
    reader = _Reader(shown)
    top = reader.fields(parsed.data, TOP_FIELDS)
    schools: list[SchoolSource] = []
    listed = top.get("schools")
    if listed is None or not isinstance(listed.value, list) or not listed.value:
        reader.report(listed or parsed.data, "D109")
    else:
        first: dict[str, int] = {}
        for item in listed.value:
            school = reader.school(item)
            if school is None:
                continue
            if school.id and school.id in first:
                reader.report(item, "D105", id=school.id, first=first[school.id])
            first.setdefault(school.id, item.line)
            schools.append(school)
    policy = top.get("policy")
    policies = load_forms(None).policies
    if policy is not None and isinstance(policy.value, str) and policy.value not in policies:
        reader.report(policy, "D110", policy=policy.value, known="、".join(sorted(policies)))
    district = District(
        name=reader.text(top, "name", "区全员导师制") or "区全员导师制",
        policy=reader.text(top, "policy", "district") or "district",
        k=reader.number(top, "k", 5, 2),
        timeout=float(reader.number(top, "timeout", 300, 1)),
        retries=reader.number(top, "retries", 2, 0),
        schools=tuple(schools),
        path=shown,
    )
    if reader.problems:
        raise ProjectError(reader.problems)
    return district
