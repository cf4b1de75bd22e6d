"""Signatures checked against the teachers' registered keys, by the hook and the audit alike.

Each teacher's SSH public keys are in ``people/teachers.yaml`` (``signing_keys``, a file
only the administrator changes). They become git's allowed-signers list with the
teacher's ID as the principal, so git names the teacher whose key made a signature: ``G``
with that ID; a good signature by a key nobody registered is ``U`` without one; ``N`` no
signature, ``B`` a bad one, ``E`` one git cannot check.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from daoshi import git as gitcmd

GOOD = "G"

STATUS_TEXT = {
    "G": "签名有效",
    "U": "签名的密钥没有登记",
    "N": "没有签名",
    "B": "签名无效",
    "E": "签名无法验证",
    "X": "签名已过期",
    "Y": "签名密钥已过期",
    "R": "签名密钥已吊销",
}

_GOOD_TAG = re.compile(r'Good "git" signature for (\S+) with')


def signers_text(teachers: Iterable[Mapping[str, Any]]) -> str:
    """git's allowed-signers list from the people file's entries (ID as the principal)."""
    lines = []
    for t in teachers:
        keys = t.get("signing_keys")
        tid = t.get("id")
        if not isinstance(tid, str) or not isinstance(keys, list):
            continue
        for key in keys:
            text = " ".join(str(key).split())
            if text and "\n" not in text:
                lines.append(f'{tid} namespaces="git" {text}')
    return "".join(f"{line}\n" for line in lines)


class Signers:
    """The allowed-signers list as a temporary file, while git reads it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._dir = tempfile.TemporaryDirectory(prefix="daoshi-signers-")
        self.path = Path(self._dir.name) / "allowed_signers"
        self.path.write_text(text, "utf-8")

    def __enter__(self) -> Signers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._dir.cleanup()

    def config(self) -> tuple[str, ...]:
        return ("-c", f"gpg.ssh.allowedSignersFile={self.path}", "-c", "log.showSignature=false")


def commit_signatures(
    signers: Signers, commits: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str | None]]:
    """Each commit's (``%G?``, the teacher whose registered key signed it, if any)."""
    if not commits:
        return {}
    done = gitcmd.run(
        *signers.config(),
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--format=%H%x00%G?%x00%GS",
        cwd=cwd,
        env=env,
        input="".join(f"{c}\n" for c in commits).encode(),
    )
    found: dict[str, tuple[str, str | None]] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        sha, status, signer = [*line.split("\0"), "", ""][:3]
        found[sha] = (status or "N", signer if status == GOOD and signer else None)
    return found


def tag_signer(
    signers: Signers, tag: str, cwd: Path, env: Mapping[str, str] | None = None
) -> str | None:
    """The teacher whose registered key signed the annotated tag ``tag`` (an object id or
    a ref), or None when it is unsigned or not by a registered key."""
    done = gitcmd.run(*signers.config(), "verify-tag", tag, cwd=cwd, env=env, check=False)
    if done.returncode != 0:
        return None
    found = _GOOD_TAG.search(done.stderr.decode("utf-8", "replace"))
    return found[1] if found else None
