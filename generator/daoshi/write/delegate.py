"""Pushes a trusted service makes for a teacher: the web editor behind gitolite.

Teachers have no account on the git server (they may not read the whole repository); the
editor pushes with its own account and names the teacher in a push option,
``git push -o daoshi.teacher=T005``. The hooks believe that option only when the hosting
layer's user is one of the repository's delegates (``git config --add daoshi.delegate
daoshi-editor``, set by ``daoshi hook install --delegate``); from anyone else it is ignored,
so a push is judged as the pusher's own. The pre-receive rules then apply to the teacher
exactly as to a teacher's own push.
"""

from __future__ import annotations

from collections.abc import Mapping

from daoshi.git import Repository

TEACHER_OPTION = "daoshi.teacher="
DELEGATE_ENV = "DAOSHI_DELEGATE"  # who pushed on the teacher's behalf, for the spool


def push_options(environ: Mapping[str, str]) -> list[str]:
    """The push options git hands the hooks (``GIT_PUSH_OPTION_<n>``)."""
    try:
        count = int(environ.get("GIT_PUSH_OPTION_COUNT", "0"))
    except ValueError:
        return []
    return [environ.get(f"GIT_PUSH_OPTION_{n}", "") for n in range(count)]


def user_variable(git: Repository) -> str:
    """The environment variable that names the pusher (``GL_USER`` unless configured)."""
    found = git.run("config", "--get", "daoshi.userEnv", check=False).strip()
    return found or "GL_USER"


def delegated(git: Repository, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the pusher replaced by the teacher a delegate names, if any."""
    variable = user_variable(git)
    user = environ.get(variable, "").strip()
    options = push_options(environ)
    named = [o.removeprefix(TEACHER_OPTION) for o in options if o.startswith(TEACHER_OPTION)]
    delegates = git.run("config", "--get-all", "daoshi.delegate", check=False).split()
    if not named or not user or user not in delegates:
        return dict(environ)
    return {**environ, variable: named[-1].strip(), DELEGATE_ENV: user}
