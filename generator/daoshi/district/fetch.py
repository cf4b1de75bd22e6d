"""Getting a school's summary: from an HTTPS endpoint behind a token, from a read-only git
remote, or computed here from the school's hosted records repository (``--recompute``).

Each function runs inside a Dask task on whichever worker the scheduler picks, so it uses
only its arguments and a temporary folder of its own. Every failure raises ``FetchFailed``
with a Chinese reason for the district page; nothing here retries (the engine does).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from daoshi import git
from daoshi.district.districtfile import SchoolSource
from daoshi.district.protect import Protection
from daoshi.district.publisher import summary_for
from daoshi.errors import ProjectError

MAX_BYTES = 32 << 20  # a summary is tens of kilobytes; refuse anything absurd


class FetchFailed(RuntimeError):
    """The summary could not be had; the message says why, in Chinese."""


def token_of(school: SchoolSource, environ: dict[str, str] | None = None) -> str | None:
    """The school's token, read where the district file says (never from the file itself)."""
    env = os.environ if environ is None else environ
    if school.token_env:
        value = env.get(school.token_env)
        if not value:
            raise FetchFailed(f"环境变量 {school.token_env} 没有设置（学校 {school.id} 的令牌）")
        return value.strip()
    if school.token_file:
        try:
            return Path(school.token_file).read_text("utf-8").strip()
        except OSError as exc:
            raise FetchFailed(f"读不到令牌文件 {school.token_file}：{exc.strerror}") from exc
    return None


def _parse(raw: bytes, where: str) -> Any:
    if len(raw) > MAX_BYTES:
        raise FetchFailed(f"{where} 的汇总超过 {MAX_BYTES >> 20} MB，不是汇总文件")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FetchFailed(f"{where} 返回的不是 JSON：{exc}") from exc


def fetch_url(url: str, token: str | None, timeout: float) -> Any:
    """GET the summary, with ``Authorization: Bearer <token>`` when the school has one."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        why = {401: "令牌不对或缺少令牌", 403: "没有权限", 404: "地址上没有汇总"}.get(exc.code, "")
        raise FetchFailed(f"{url} 返回 HTTP {exc.code} {why}".rstrip()) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchFailed(f"连不上 {url}：{reason}") from exc
    return _parse(raw, url)


def _git_env(timeout: float) -> dict[str, str]:
    """git gives up on a stalled transfer instead of hanging the task; a worker's own ssh
    setup (GIT_SSH or GIT_SSH_COMMAND) is kept."""
    seconds = str(max(1, int(timeout)))
    extra = {"GIT_HTTP_LOW_SPEED_LIMIT": "1000", "GIT_HTTP_LOW_SPEED_TIME": seconds}
    ssh = ("GIT_SSH", "GIT_SSH_COMMAND")
    if not any(os.environ.get(v) for v in ssh):
        extra["GIT_SSH_COMMAND"] = f"ssh -o BatchMode=yes -o ConnectTimeout={seconds}"
    return git.environment(extra, keep=ssh)


def _clone(remote: str, into: Path, timeout: float) -> None:
    try:
        git.run("clone", "--quiet", "--depth", "1", "--", remote, str(into), env=_git_env(timeout))
    except git.GitError as exc:
        raise FetchFailed(f"无法从 {remote} 取得仓库：{exc.stderr.strip()[:300]}") from exc


def fetch_git(remote: str, path: str, timeout: float) -> Any:
    """The file ``path`` of the newest commit of a (read-only) git remote."""
    with tempfile.TemporaryDirectory(prefix="daoshi-district-") as tmp:
        clone = Path(tmp) / "summary"
        _clone(remote, clone, timeout)
        done = git.run("show", f"HEAD:{path}", cwd=clone, check=False)
        if done.returncode != 0:
            raise FetchFailed(f"{remote} 的最新提交中没有 {path}")
        return _parse(done.stdout, f"{remote}:{path}")


def recompute(
    school: SchoolSource,
    previous: dict[str, Any] | None,
    k: int,
    district_policy: str,
    today: str | None,
    timeout: float,
) -> dict[str, Any]:
    """The summary computed here from the school's hosted records repository."""
    if not school.repo:
        raise FetchFailed(f"学校 {school.id} 没有写 repo（记录仓库），不能从源头重算")
    with tempfile.TemporaryDirectory(prefix="daoshi-district-") as tmp:
        records = Path(tmp) / "records"
        _clone(school.repo, records, timeout)
        try:
            done = summary_for(
                records,
                today=dt.date.fromisoformat(today) if today else None,
                previous=previous,
                protection=Protection(k=k, base=k),
                district_policy=district_policy,
            )
        except ProjectError as exc:
            first = exc.problems[0].format() if exc.problems else ""
            raise FetchFailed(
                f"学校 {school.id} 的记录没有通过校验"
                f"（{len(exc.problems)} 个问题，第一个：{first}）"
            ) from exc
    return done.summary


def fetch(school: SchoolSource, token: str | None, timeout: float) -> Any:
    """The summary as the school published it (HTTPS endpoint or git remote)."""
    if school.url:
        return fetch_url(school.url, token, timeout)
    if school.git:
        return fetch_git(school.git, school.path, timeout)
    raise FetchFailed(f"学校 {school.id} 只有 repo（记录仓库）：请用 --recompute 从源头计算")
