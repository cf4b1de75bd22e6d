"""The users file (``users.yaml``): one entry per login with its argon2id hash and the
site it sees (a teacher's audience, or a named one); read, checked and written here.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from daoshi.errors import Location, Problem
from daoshi.messages import problem

_HASHER = PasswordHasher()


# verified when the user is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


@dataclass(frozen=True)
class User:
    """An entry of the users file: who signs in, and which audience they see."""

    name: str
    password: str | None  # argon2 hash; None for users named by the proxy only
    teacher: str | None = None
    audience: str | None = None


def hash_password(password: str) -> str:
    """An argon2id hash for the users file."""
    return _HASHER.hash(password)


def load_users(path: Path) -> tuple[dict[str, User], list[Problem]]:
    """Read the users file (``name: {password: <argon2>, teacher: T001}``), mistakes located."""
    problems: list[Problem] = []

    def fail(line: int, detail: str) -> None:
        problems.append(problem(Location(str(path), line), "S801", detail=detail))

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(1, f"无法读取：{exc}")
        return {}, problems
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fail(mark.line + 1 if mark else 1, f"YAML 语法错误：{exc}")
        return {}, problems
    if node is None:
        return {}, problems
    if not isinstance(node, yaml.MappingNode):
        fail(1, "顶层应是“用户名: {password: …, teacher: …}”的映射")
        return {}, problems
    users: dict[str, User] = {}
    for key, value in node.value:
        line, name = key.start_mark.line + 1, str(key.value)
        spec = yaml.safe_load(yaml.serialize(value)) if isinstance(value, yaml.Node) else None
        if not isinstance(spec, dict):
            fail(line, f"用户 {name} 应写成 {{password: …, teacher: …}}")
            continue
        unknown = set(spec) - {"password", "teacher", "audience"}
        password, teacher, audience = (
            spec.get("password"),
            spec.get("teacher"),
            spec.get("audience"),
        )
        if unknown:
            fail(line, f"用户 {name} 有未知的键 {', '.join(sorted(map(str, unknown)))}")
        elif password is not None and not str(password).startswith("$argon2"):
            fail(line, f"用户 {name} 的 password 不是 argon2 哈希（用 daoshi serve adduser 设置）")
        elif not teacher and not audience:
            fail(line, f"用户 {name} 需要 teacher（工号）或 audience（站点目录）")
        elif name in users:
            fail(line, f"用户 {name} 出现了两次")
        else:
            users[name] = User(
                name,
                str(password) if password else None,
                str(teacher) if teacher else None,
                str(audience) if audience else None,
            )
    return users, problems


def add_user(
    path: Path, name: str, password: str, teacher: str | None, audience: str | None
) -> None:
    """Add or replace a user in the users file (written atomically, readable by the owner only)."""
    data: dict[str, Any] = {}
    if path.exists():
        loaded = yaml.safe_load(path.read_text("utf-8"))
        data = loaded if isinstance(loaded, dict) else {}
    entry: dict[str, str] = {"password": hash_password(password)}
    if teacher:
        entry["teacher"] = teacher
    if audience:
        entry["audience"] = audience
    data[name] = entry
    text = "# daoshi serve 的用户：密码是 argon2 哈希，用 daoshi serve adduser 添加或修改\n"
    text += yaml.safe_dump(data, allow_unicode=True, sort_keys=True, width=200)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _verify(hashed: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(hashed or _DUMMY_HASH, password) and hashed is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
