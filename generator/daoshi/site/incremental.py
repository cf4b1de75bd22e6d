"""The incremental path: after one full build, a changed record re-renders only its pages.

``daoshi build --watch`` keeps the validated school, the mkdocs configuration, files,
navigation and theme environment in memory. When record files change, only those files
are read and checked (against the people, semesters and pairings already loaded), the
model is updated, the pages that show the changed records are re-made, and those whose
source differs go through mkdocs and the theme again. A commit (HEAD or a branch moves
under ``.git/``) brings the audit up to the new head and re-makes the history pages of
the files it touched, the reviews and the pages with flags. Anything else that changes (people,
semesters, pairings, forms, school.yaml) means a full rebuild. A record with problems is
reported as located lines and the site keeps its last good state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.commands.build import _build_page, _populate_page, build
from mkdocs.config.defaults import MkDocsConfig

from daoshi.access import Access
from daoshi.errors import Problem, ProjectError
from daoshi.history.gitlog import HistoryError, head_commit
from daoshi.records.layout import RECORD, classify
from daoshi.records.model import Record, School
from daoshi.records.validate import check_records
from daoshi.site.attached import (
    audit_of,
    carry_history,
    committed_paths,
    history_paths,
    refresh_history,
)
from daoshi.site.build import load_school, site_config
from daoshi.site.core import Site
from daoshi.site.pages import affected_pages, page_makers

log = logging.getLogger("mkdocs.plugins.daoshi")
WRITES = frozenset({"created", "modified", "deleted", "moved", "closed"})
COMMITTED = ".git/HEAD"  # what the watcher reports when HEAD or a branch moved: a commit


def moves_head(rel: str) -> bool:
    """Whether a write under ``.git/`` can move HEAD (a commit, a reset, a pull)."""
    if rel.endswith(".lock"):
        return False
    return rel in (".git/HEAD", ".git/packed-refs") or rel.startswith(".git/refs/heads/")


@dataclass
class Update:
    """What one incremental update did."""

    records: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    committed: bool = False  # the history moved: its pages were made again
    problems: list[Problem] = field(default_factory=list)
    full: bool = False
    seconds: float = 0.0


class IncrementalSite:
    """A built site that can be brought up to date after records change."""

    def __init__(
        self,
        records: Path,
        site_dir: Path,
        today: dt.date | None = None,
        audience: str | None = None,
        config_file: Path | None = None,
    ) -> None:
        self.config_file = config_file
        self.root = records.resolve()
        self.site_dir = site_dir
        self.today = today
        self.audience = audience
        self.sources: dict[str, str] = {}

    # -- full build -----------------------------------------------------------------------
    def full_build(self) -> None:
        school, day = load_school(self.root, self.today)
        config, plugin = site_config(
            self.root,
            self.site_dir,
            config_file=self.config_file,
            today=day,
            audience=self.audience,
            school=school,
        )
        config.plugins.on_startup(command="build", dirty=False)
        build(config)
        self.config: MkDocsConfig = config
        self.plugin = plugin
        assert plugin.files is not None
        self.sources = {
            f.src_uri: f.content_string
            for f in plugin.files.documentation_pages()
            if f.generated_by
        }
        # ready for the first update: the data files read, the appraisal scored
        assert plugin.school is not None
        _, _, self.others = check_records(self.root, [], plugin.school.forms, plugin.today)
        warm = Site(plugin.school, plugin.today, plugin.access, self.root)
        page_makers(warm)
        self.appraised: dict[str, list[Any]] | None = warm.appraised

    # -- updates ---------------------------------------------------------------------------
    def update(self, changed: Iterable[str]) -> Update:
        """Bring the site up to date after the files at these paths (relative) changed."""
        start = time.perf_counter()
        school = self.plugin.school
        assert school is not None
        paths = sorted(set(changed) - {COMMITTED})
        result = Update(records=paths)
        if COMMITTED in changed and not paths:
            result.pages = self._after_commit(result)
            result.seconds = time.perf_counter() - start
            return result
        if any(classify(p, school.forms.files) != RECORD for p in paths):
            try:
                self.full_build()
            except ProjectError as exc:  # a broken data file: the site keeps its last state
                result.problems = exc.problems
            else:
                result.full = True
            result.seconds = time.perf_counter() - start
            return result
        today = self.plugin.today
        problems, mini, self.others = check_records(
            self.root, paths, school.forms, today, self.others
        )
        if problems or mini is None:
            result.problems = problems
            result.seconds = time.perf_counter() - start
            return result
        before = [r for r in school.records if r.path in set(paths)]
        kept = [r for r in school.records if r.path not in set(paths)]
        records = tuple(sorted([*kept, *mini.records], key=lambda r: (r.date, r.path)))
        new_school = dataclasses.replace(school, records=records)
        carry_history(school, new_school)
        result.pages = self._render(new_school, today, [*before, *mini.records])
        if COMMITTED in changed:  # saved and committed at once
            result.pages = sorted({*result.pages, *self._after_commit(result)})
        result.seconds = time.perf_counter() - start
        return result

    def _after_commit(self, result: Update) -> list[str]:
        """After HEAD moved: the audit brought up to it, and the pages that show the
        history of the files the new commits touched (their students' histories, the
        reviews, the flags on their mentor, class and school pages) made again."""
        school = self.plugin.school
        assert school is not None
        before = audit_of(school)
        try:
            head = head_commit(self.root)
        except HistoryError:
            return []
        if before is None or before.index.head == head:
            if before is None and head is not None:  # the first commit: history pages appear
                self.full_build()
                result.full = True
            return []
        after = refresh_history(self.root, school)
        if after is None:
            return []
        result.committed = True
        touched = committed_paths(before, after)
        records = [r for r in school.records if r.path in touched]
        return self._render(school, self.plugin.today, records, history_paths(school, touched))

    def _render(
        self,
        school: School,
        today: dt.date,
        records: list[Record],
        extra: set[str] | frozenset[str] = frozenset(),
    ) -> list[str]:
        plugin = self.plugin
        assert plugin.access is not None and plugin.files is not None and plugin.nav is not None
        access = Access(school, plugin.access.audience)
        site = Site(school, today, access, self.root)
        site.reuse_appraisals = self.appraised
        site.changed = {r.semester for r in records}
        makers = page_makers(site)
        self.appraised = site.appraised
        if set(makers) != {p for p in self.sources if p in makers or _generated_entity(p)}:
            # a page appears or disappears (a new student in scope ...): rebuild everything
            plugin.school, plugin.access = school, access
            self.full_build()
            return sorted(makers)
        plugin.school, plugin.access = school, access
        files, config = plugin.files, self.config
        assert plugin.env is not None
        doc_files = files.documentation_pages()
        updated = []
        for path in sorted((affected_pages(school, records) | extra) & set(makers)):
            content = makers[path]().content
            if self.sources.get(path) == content:
                continue
            file = files.get_file_from_path(path)
            assert file is not None and file.page is not None
            file.content_string = content
            _populate_page(file.page, config, files)
            _build_page(file.page, config, doc_files, plugin.nav, plugin.env)
            self.sources[path] = content
            updated.append(path)
        return updated


def _generated_entity(path: str) -> bool:
    return path.split("/", 1)[0] in ("students", "mentors", "classes", "grades")


def watch(site: IncrementalSite, settle: float = 0.2, echo: Callable[[str], None] = print) -> None:
    """Watch the records (inotify through watchdog, as mkdocs serve does) and update."""
    import queue

    from watchdog.events import (
        DirCreatedEvent,
        FileClosedEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileSystemEvent,
        FileSystemEventHandler,
    )
    from watchdog.observers import Observer

    events: queue.Queue[str] = queue.Queue()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            # only writes: watchdog also reports files being opened and read, and the
            # update itself reads files
            if event.is_directory or event.event_type not in WRITES:
                return
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                path = raw.decode() if isinstance(raw, bytes) else raw
                if path:
                    rel = Path(path).resolve().relative_to(site.root).as_posix()
                    if rel.startswith(".git/"):
                        if moves_head(rel):
                            events.put(COMMITTED)
                    elif "/." not in f"/{rel}":
                        events.put(rel)

    observer = Observer()
    # writes only: unfiltered, inotify also reports every folder watchdog itself opens while
    # adding its watches, and at 20,000 folders that queue overflows and starts it again
    writes = [
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
        FileClosedEvent,
        DirCreatedEvent,
    ]
    observer.schedule(Handler(), str(site.root), recursive=True, event_filter=writes)
    observer.start()
    echo("正在监视记录的变化（Ctrl+C 退出）…")
    try:
        while True:
            changed = {events.get()}
            time.sleep(settle)  # an editor writes a file in several steps
            while not events.empty():
                changed.add(events.get_nowait())
            report(site.update(changed), site.root, echo)
    finally:
        observer.stop()
        observer.join()


def report(result: Update, root: Path, echo: Callable[[str], None]) -> None:
    """One line (or the located problems) per update, in Chinese."""
    if result.problems:
        for p in result.problems:
            echo(p.format(str(root)))
        echo("记录有问题，站点保持上一次的状态。")
    elif result.full:
        echo(f"完整重建（{result.seconds:.1f} 秒）")
    elif result.committed:
        echo(f"有新的提交：已更新 {len(result.pages)} 个页面（{result.seconds:.2f} 秒）")
    else:
        echo(f"已更新 {len(result.pages)} 个页面（{result.seconds:.2f} 秒）")
