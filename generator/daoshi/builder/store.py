"""Where the builder writes: one copy of each distinct file, every audience's generations of
hard links to them, the atomic swap, and the lock.

::

    SITE/audiences.json                     which folder each login serves (replaced whole)
    SITE/<audience> -> .daoshi/gen/<audience>/<slot>   a symlink, swapped with rename(2)
    SITE/.daoshi/store/ab/abcdef…           one copy of every distinct file
    SITE/.daoshi/gen/<audience>/{0,1,2}/…   three trees of hard links into the store
    SITE/.daoshi/gen/<audience>/<slot>.json which generation a tree holds, and its files
    SITE/.daoshi/lock                       held while a build writes (flock)

A reader (``daoshi serve``, nginx) that resolves ``SITE/<audience>`` gets one generation,
whole. Of the three trees one is live, one holds the previous generation (a request that
started on it finishes undisturbed) and the third, two generations old, is brought to the
next generation by touching only the files that differ, then swapped in: publishing costs
what changed, not the size of the site. The theme's assets and every page that several
audiences see byte for byte are one file on disk.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

STATE = ".daoshi"
AUDIENCES = "audiences.json"


class BuildBusy(Exception):
    """Another build holds the site's lock."""


@contextlib.contextmanager
def build_lock(site: Path, wait: bool = True) -> Iterator[None]:
    """Hold the site's build lock: two builds never write the same site at once."""
    state = site / STATE
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / "lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            raise BuildBusy(str(site)) from exc
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Store:
    """One copy of every distinct file the site has, named by its content."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self.state = site / STATE
        self.files = self.state / "store"
        self.files.mkdir(parents=True, exist_ok=True)
        self._known: set[str] = set()

    def put(self, data: bytes) -> str:
        """Keep ``data`` (once); its name."""
        name = hashlib.blake2b(data, digest_size=16).hexdigest()
        if name not in self._known:
            path = Path(self.path(name))
            if not path.exists():
                path.parent.mkdir(exist_ok=True)
                tmp = path.with_name(f".{name}.{os.getpid()}")
                tmp.write_bytes(data)
                os.replace(tmp, path)
            self._known.add(name)
        return name

    def path(self, name: str) -> str:
        return f"{self.files}/{name[:2]}/{name}"

    def forget(self, names: set[str]) -> None:
        """Remove the stored files no generation links to any more."""
        for name in names:
            path = self.path(name)
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_nlink == 1:
                    os.unlink(path)
                    self._known.discard(name)


SLOTS = 3  # the live tree, the previous one (readers mid-request), the one being written


def published(site: Path, audience: str) -> tuple[int, dict[str, str]] | None:
    """The audience's live generation: its number and manifest (None: not built here)."""
    link = site / audience
    if not link.is_symlink():
        return None
    found = _slot_manifest(site / os.readlink(link))
    return found


def _slot_manifest(tree: Path) -> tuple[int, dict[str, str]] | None:
    try:
        data = json.loads(tree.with_name(f"{tree.name}.json").read_text("utf-8"))
        return int(data["number"]), {str(k): str(v) for k, v in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


class Generation:
    """One audience's next generation: its manifest, written into the slot that holds the
    generation before the previous one (only the files that differ are touched), then
    swapped in with one rename(2). The live and the previous trees are never written."""

    def __init__(self, store: Store, audience: str, base: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.audience = audience
        self.folder = store.state / "gen" / audience
        self.folder.mkdir(parents=True, exist_ok=True)
        live = published(store.site, audience)
        self.number = 1 + (live[0] if live else 0)
        self.manifest: dict[str, str] = dict(base or {})

    def add(self, path: str, data: bytes) -> None:
        self.manifest[path] = self.store.put(data)

    def remove(self, path: str) -> None:
        self.manifest.pop(path, None)

    def publish(self, forget: bool = True) -> set[str]:
        """Bring the slot's tree to this generation, swap the audience's folder to it; the
        stored files its slot no longer links to. Publishing several generations, forget
        them (``Store.forget``) after the last: a file one audience's tree drops may be one
        that another's next generation is about to link."""
        tree = self.folder / str(self.number % SLOTS)
        dropped = self._write_tree(tree)
        _swap(self.store.site / self.audience, tree.relative_to(self.store.site))
        if forget:
            self.store.forget(dropped)
        return dropped

    def fill_spares(self) -> None:
        """The other slots' trees, where they have none yet, as copies of this generation:
        the next two publications then touch only what they change. Without them the first
        two updates after a first build each wrote a whole tree (tens of thousands of
        links and folders for an audience that sees the school)."""
        for slot in range(SLOTS):
            tree = self.folder / str(slot)
            if slot != self.number % SLOTS and _slot_manifest(tree) is None:
                self._write_tree(tree)

    def _write_tree(self, tree: Path) -> set[str]:
        """Make ``tree`` hold this generation's files, touching only those that differ from
        what it held; the stored names it no longer links to."""
        record = tree.with_name(f"{tree.name}.json")
        held = _slot_manifest(tree) if tree.is_dir() else None
        record.unlink(missing_ok=True)  # a build that stops half way leaves no stale record
        if held is None:
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir()
            before: dict[str, str] = {}
        else:
            before = held[1]
        dropped = {name for path, name in before.items() if self.manifest.get(path) != name}
        for path in sorted(set(before) - set(self.manifest), reverse=True):
            (tree / path).unlink(missing_ok=True)
            _prune(tree, os.path.dirname(path))
        made: set[str] = set()
        root = str(tree)
        for path, name in sorted(self.manifest.items()):
            if before.get(path) == name:
                continue
            parent = os.path.dirname(path)
            if parent not in made:
                os.makedirs(os.path.join(root, parent), exist_ok=True)
                made.add(parent)
            target = os.path.join(root, path)
            source = self.store.path(name)
            if path in before:  # replaced whole: readers with the old file keep reading it
                tmp = os.path.join(root, parent, f".{os.path.basename(path)}.new")
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                os.link(source, tmp)
                os.replace(tmp, target)
            else:
                os.link(source, target)
        _write_json(record, {"number": self.number, "files": self.manifest})
        return dropped


def _prune(tree: Path, folder: str) -> None:
    """Remove the folders a removed page leaves empty."""
    while folder:
        try:
            (tree / folder).rmdir()
        except OSError:
            return
        folder = os.path.dirname(folder)


def _swap(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` in one rename(2): a reader sees the old or the new."""
    tmp = link.parent / STATE / f"link-{link.name}-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    except OSError as exc:  # a folder left by ``daoshi build --all-audiences`` before 2026-12
        if exc.errno not in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST) or not link.is_dir():
            raise
        old = link.parent / STATE / f"old-{link.name}-{time.time_ns()}"
        os.rename(link, old)
        os.replace(tmp, link)
        shutil.rmtree(old, ignore_errors=True)


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    os.replace(tmp, path)


def write_audiences(site: Path, index: Mapping[str, object]) -> None:
    """``audiences.json``, replaced whole (``daoshi serve`` rereads it when it changes)."""
    _write_json(site / AUDIENCES, index)
