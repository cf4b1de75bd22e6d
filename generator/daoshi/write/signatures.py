"""The hook's signature rules, when the school requires signing (``school.yaml``:
``require_signed_commits: true``, as the server has it before the push).

Every new commit must carry a good signature by one of the pusher's own registered keys
(``signing_keys`` in ``people/teachers.yaml``), and a new close tag one by an
administrator's. The statuses are kept for the push log whenever any key is registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from daoshi.errors import Location, Problem
from daoshi.git import Repository
from daoshi.history.signing import GOOD, STATUS_TEXT, Signers, commit_signatures, signers_text
from daoshi.history.signing import tag_signer as signer_of_tag
from daoshi.messages import problem
from daoshi.write.commits import Commit
from daoshi.write.identity import Identity
from daoshi.write.refs import CLOSE_TAG, RefUpdate


def signing_required(git: Repository, base: str | None) -> bool:
    """``require_signed_commits`` of the server's school.yaml before this push."""
    text = git.show(base, "school.yaml") if base else None
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return False
    return isinstance(data, dict) and data.get("require_signed_commits") is True


def check_signatures(
    git: Repository,
    who: Identity,
    commits: Sequence[Commit],
    updates: Sequence[RefUpdate],
) -> tuple[dict[str, list[Problem]], dict[str, tuple[str, str | None]]]:
    """(problems by commit, ``""`` for tags; each commit's status and signer)."""
    pusher, base, teachers = who.pusher, who.base, who.teachers
    assert pusher is not None
    text = signers_text(teachers)
    required = signing_required(git, base)
    if not text and not required:
        return {}, {}
    found: dict[str, list[Problem]] = {}
    with Signers(text) as signers:
        statuses = commit_signatures(signers, [c.sha for c in commits], git.git_dir, git.env)
        if not required:
            return {}, statuses
        for commit in commits:
            status, signer = statuses.get(commit.sha, ("N", None))
            where = Location(commit.short)
            if status != GOOD:
                what = STATUS_TEXT.get(status, "签名无法验证")
                found[commit.sha] = [problem(where, "W724", what="这个提交", status=what)]
            elif signer != pusher.teacher:
                found[commit.sha] = [
                    problem(where, "W725", signer=signer, pusher=pusher.teacher or pusher.user)
                ]
        for update in updates:
            if update.ref.startswith(CLOSE_TAG) and not update.deletes:
                signer = signer_of_tag(signers, update.new, git.git_dir, git.env)
                if signer not in _admins(git, teachers):
                    status = "没有由管理员登记的密钥签名（git tag -s）"
                    hit = problem(Location(update.ref), "W724", what="结档标签", status=status)
                    found.setdefault("", []).append(hit)
    return found, statuses


def _admins(git: Repository, teachers: list[dict[str, Any]]) -> set[str]:
    found = {
        str(t.get("id"))
        for t in teachers
        if isinstance(t.get("roles"), list) and "admin" in t["roles"]
    }
    return found | set(git.config("daoshi.admin"))
