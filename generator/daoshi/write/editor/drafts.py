"""Drafts: what a teacher typed and has not saved yet, kept per teacher on the server's
disk (never in git) so that a closed tab or a refused save loses nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from daoshi.write.editor.text import (
    Raw,
)

_TEACHER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")


class EditorError(Exception):
    """A request the editor refuses; the message is for the teacher, in Chinese."""


_DRAFT_ID = re.compile(r"[0-9a-f]{16}\Z")


@dataclass
class Draft:
    """Everything a teacher typed into one form, kept until it is saved."""

    id: str
    teacher: str
    kind: str
    students: list[str]
    date: str
    values: dict[str, Raw] = field(default_factory=dict)
    body: str = ""
    path: str = ""  # an existing record being edited ("" for a new one)
    base_blob: str = ""  # the file's blob id when the form was opened
    theirs: str = ""  # the other text, after a conflict
    updated: float = 0.0

    @property
    def is_new(self) -> bool:
        return not self.path


class Drafts:
    """Server-side drafts, one JSON file each, written atomically (they survive restarts)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, teacher: str, draft_id: str) -> Path:
        if not _DRAFT_ID.match(draft_id) or not _TEACHER_ID.match(teacher):
            raise EditorError("草稿编号无效")
        return self.folder / teacher / f"{draft_id}.json"

    def save(self, draft: Draft) -> None:
        draft.updated = time.time()
        target = self._file(draft.teacher, draft.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{secrets.token_hex(4)}.tmp")
        data = json.dumps(dataclasses.asdict(draft), ensure_ascii=False, indent=1)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)

    def get(self, teacher: str, draft_id: str) -> Draft | None:
        try:
            data = json.loads(self._file(teacher, draft_id).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        known = {f.name for f in dataclasses.fields(Draft)}
        return Draft(**{k: v for k, v in data.items() if k in known})

    def all(self, teacher: str) -> list[Draft]:
        found = []
        if _TEACHER_ID.match(teacher):
            for file in (self.folder / teacher).glob("*.json"):
                draft = self.get(teacher, file.stem)
                if draft is not None:
                    found.append(draft)
        return sorted(found, key=lambda d: -d.updated)

    def delete(self, teacher: str, draft_id: str) -> None:
        self._file(teacher, draft_id).unlink(missing_ok=True)
