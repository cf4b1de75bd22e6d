"""Who pushes: the hosting layer's user, mapped to a teacher of the server's people file.

The user comes from the environment (``GL_USER`` unless the repository's
``daoshi.userEnv`` names another variable) and is a teacher by ID or e-mail. Whether the
teacher is an administrator is read from the people file as the server has it before
this push (``roles: [admin]``), or from ``daoshi.admin`` in the repository's git config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from daoshi.git import Repository
from daoshi.write.refs import RefUpdate

DEFAULT_USER_ENV = "GL_USER"

# libyaml's loader where PyYAML has it: a full school's people file in a tenth of the time
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Pusher:
    """Who pushes: the hosting layer's user name, the teacher it maps to, admin or not."""

    user: str
    teacher: str | None
    admin: bool

    @property
    def name(self) -> str:
        return self.teacher or self.user


def user_variable(git: Repository) -> str:
    return (git.config("daoshi.userEnv") or [DEFAULT_USER_ENV])[0]


def teachers_of(text: str | None) -> list[dict[str, Any]]:
    """The entries of a ``people/teachers.yaml`` text (none when it does not parse)."""
    try:
        data = yaml.load(text, Loader=_LOADER) if text else None
    except yaml.YAMLError:
        return []
    items = data.get("teachers") if isinstance(data, dict) else None
    return [t for t in items or [] if isinstance(t, dict)]


def base_commit(git: Repository, updates: list[RefUpdate], main: str) -> str | None:
    """The state whose people file names the teachers and admins: before this push.

    The main branch, else ``HEAD`` or any branch; only a repository without branches
    takes the pushed main branch, so the first push (by whoever sets up the school) names
    the admins.
    """
    for rev in (main, "HEAD"):
        sha = git.resolve(rev)
        if sha:
            return sha
    branches = git.run("for-each-ref", "--format=%(objectname)", "refs/heads/").split()
    if branches:
        return branches[0]
    return next((u.new for u in updates if u.ref == main and not u.deletes), None)


@dataclass(frozen=True)
class Identity:
    """The pusher (None without a user name), the commit their rights are read from and
    that commit's people file (its entries, for the signing keys too)."""

    pusher: Pusher | None
    base: str | None
    teachers: list[dict[str, Any]]


def identify(
    git: Repository, updates: list[RefUpdate], environ: dict[str, str], main: str
) -> Identity:
    """Who pushes, as the server's people file before this push says."""
    user = environ.get(user_variable(git), "").strip()
    base = base_commit(git, updates, main)
    teachers = teachers_of(git.show(base, "people/teachers.yaml")) if base else []
    if not user:
        return Identity(None, base, teachers)
    folded = user.casefold()
    teacher = next(
        (
            t
            for t in teachers
            if str(t.get("id", "")).casefold() == folded
            or str(t.get("email", "")).casefold() == folded
        ),
        None,
    )
    tid = str(teacher["id"]) if teacher else None
    roles = teacher.get("roles") if teacher else None
    configured = set(git.config("daoshi.admin"))
    admin = (isinstance(roles, list) and "admin" in roles) or bool({user, tid} & configured)
    return Identity(Pusher(user, tid, admin), base, teachers)
