"""Signatures in the audit, against the teachers' registered keys (``signing_keys``).

A good signature by a key nobody registered is not good; one by another teacher's key is
flagged naming whose key and whose record; the review shows each version's verification.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from daoshi.history.audit import build_audit
from daoshi.records.validate import load
from tests.conftest import MINIMAL, SEMESTER
from tests.test_audit import TODAY, WANG, School, _at, talk
from tests.test_history import ZHANG


@pytest.fixture
def school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> School:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DAOSHI_RECORDS", raising=False)
    return School(tmp_path / "records")


def keypair(tmp: Path, name: str) -> tuple[Path, str]:
    key = tmp / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key, (tmp / f"{name}.pub").read_text().strip()


def test_registered_keys_decide_whose_signature_it_is(school: School, tmp_path: Path) -> None:
    (mine, mine_pub), (other, other_pub) = keypair(tmp_path, "t001"), keypair(tmp_path, "t002")
    stray, _ = keypair(tmp_path, "stray")
    teachers = MINIMAL["people/teachers.yaml"]
    teachers = teachers.replace(
        "    email: t001@example.edu.cn\n",
        f"    email: t001@example.edu.cn\n    signing_keys: ['{mine_pub}']\n",
    ).replace(
        "    email: t002@example.edu.cn\n",
        f"    email: t002@example.edu.cn\n    signing_keys: ['{other_pub}']\n",
    )
    repo = school.repo
    repo.commit(
        {
            "people/teachers.yaml": teachers,
            "school.yaml": MINIMAL["school.yaml"] + "require_signed_commits: true\n",
        },
        "登记密钥",
        author=WANG,
        when=_at("2025-11-01"),
    )
    repo.git("config", "gpg.format", "ssh")
    paths = {}
    for n, (name, key) in enumerate((("own", mine), ("other", other), ("stray", stray))):
        day = f"2025-11-{2 + n:02d}"
        paths[name] = f"{SEMESTER}/journal/T001/S250001/{day}-talk.md"
        repo.git("config", "user.signingkey", str(key))
        text = talk("S250001", day, f"{name}。\n")
        repo.commit({paths[name]: text}, "T001 记录", author=ZHANG, when=_at(day), sign=True)
    audit = build_audit(school.root, load(school.root, today=TODAY))
    flags = {(f.kind, f.path): f.detail for f in audit.flags()}
    assert not [k for k, p in flags if p == paths["own"] and k in ("unsigned", "wrong_signer")]
    assert (
        "由 李老师（T002） 的密钥签名，作者是 张老师（T001）"
        in flags[("wrong_signer", paths["other"])]
    )
    assert "签名的密钥没有登记" in flags[("unsigned", paths["stray"])]
    own = audit.records[paths["own"]].versions[0]
    assert own.signature == "签名有效（T001 的密钥）"
