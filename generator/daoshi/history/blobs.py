"""File contents at given versions (``commit:path``), fetched in one ``git cat-file --batch``
for the few versions a page or a review needs; the index itself never reads contents.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from daoshi.history.gitlog import (
    git,
)


class Contents:
    """File contents by ``commit:path`` (``Version.ref``), read with one
    ``git cat-file --batch`` per ``fetch``; None for a path that did not exist there."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.known: dict[str, bytes | None] = {}

    def fetch(self, refs: Iterable[str | None]) -> None:
        """Read every content not yet known, in one git process."""
        wanted = sorted({r for r in refs if r and r not in self.known})
        for ref in [r for r in wanted if "\n" in r]:  # cannot be asked for on one line
            self.known[ref] = None
        wanted = [r for r in wanted if "\n" not in r]
        if not wanted:
            return
        out = git(
            self.root, "cat-file", "--batch", input="".join(f"{r}\n" for r in wanted).encode()
        )
        pos = 0
        for ref in wanted:
            line_end = out.index(b"\n", pos)
            header = out[pos:line_end].rsplit(b" ", 2)
            pos = line_end + 1
            if len(header) < 3 or header[1] != b"blob" or not header[2].isdigit():
                self.known[ref] = None  # "<ref> missing", or not a file
                continue
            size = int(header[2])
            self.known[ref] = out[pos : pos + size]
            pos += size + 1

    def get(self, ref: str | None) -> bytes | None:
        if ref is None:
            return None
        if ref not in self.known:
            self.fetch([ref])
        return self.known.get(ref)
