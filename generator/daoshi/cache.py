"""The validation cache: per-file results keyed by content hash, and the last whole result.

Like git's index, a file whose size and mtime are unchanged since it was hashed is not
read again; a file modified within the last two seconds of the index is always re-read
(the "racy" case). Everything lives outside the records repository, under
``$XDG_CACHE_HOME/daoshi/<hash of the records path>/``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi import __version__

_RACY_NS = 2_000_000_000


def code_version() -> str:
    """Changes whenever the package's code changes, so old caches are not trusted."""
    digest = hashlib.sha256(__version__.encode())
    for file in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir(root: Path) -> Path:
    """Where the cache for a records repository lives."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return base / "daoshi" / key


@dataclass
class Index:
    """Stat → content-hash index plus the last whole result, small enough to load at once."""

    salt: str = ""
    written_ns: int = 0
    stats: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    listings: dict[str, Any] = field(default_factory=dict)
    result_key: str = ""
    result: Any = None


def _load(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None


def _dump(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


class Cache:
    """Reads and writes the cache; a missing or stale cache just means more work."""

    def __init__(self, root: Path, salt: str, enabled: bool = True) -> None:
        self.dir = cache_dir(root)
        self.salt = salt
        self.enabled = enabled
        index = _load(self.dir / "index.pickle") if enabled else None
        self.index = index if isinstance(index, Index) and index.salt == salt else Index(salt)
        self.new_stats: dict[str, tuple[int, int, str]] = {}
        self.new_listings: dict[str, Any] = {}
        self._files: dict[str, Any] | None = None

    def known_digest(self, path: str, size: int, mtime_ns: int) -> str | None:
        """The content hash of an unchanged file, without reading it."""
        old = self.index.stats.get(path)
        if old is None or old[0] != size or old[1] != mtime_ns:
            return None
        if mtime_ns >= self.racy_ns:
            return None
        return old[2]

    @property
    def racy_ns(self) -> int:
        """Files or folders changed after this instant may have changed again unseen."""
        return self.index.written_ns - _RACY_NS

    def remember(self, path: str, size: int, mtime_ns: int, digest: str) -> None:
        self.new_stats[path] = (size, mtime_ns, digest)

    def files(self) -> dict[str, Any]:
        """Per-file results by content hash (loaded only when something changed)."""
        if self._files is None:
            loaded = _load(self.dir / "files.pickle") if self.enabled else None
            valid = isinstance(loaded, dict) and loaded.get("salt") == self.salt
            self._files = loaded["files"] if valid and loaded is not None else {}
        return self._files

    def save(self, result_key: str, result: Any, files: dict[str, Any] | None) -> None:
        """Write the new index and result; ``files`` only when per-file results changed."""
        if not self.enabled:
            return
        if files is not None:
            _dump(self.dir / "files.pickle", {"salt": self.salt, "files": files})
        _dump(
            self.dir / "index.pickle",
            Index(self.salt, time.time_ns(), self.new_stats, self.new_listings, result_key, result),
        )
