"""Every audience's site kept up to date: a full build, then one update per set of commits.

An update after record files changed checks only those files (against the data files
already loaded, as ``daoshi build --watch`` does), brings the audit up to the new commit,
and finds the pages the records show (portfolio, history, mentor, class, grade, school,
home, appraisal, review). Only the audiences that can see one of the records' students,
the school-wide ones, the records' mentors and (for a crisis report) the referred
students' roles are looked at again: an audience that may not see a record has no page it
changes. Each of them gets a new generation with its changed files, swapped in whole.
Those audiences are shared between forked workers, one per usable core (``workers``): each
makes its audiences' pages from the school the builder holds, the parent publishes them all.
A change to anything but records (people, semesters, pairings, forms, school.yaml) or a new
day builds everything again. A commit with problems leaves every site as it was and
reports the problems as located lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from daoshi.builder.handover import Made, Sent
from daoshi.builder.render import AudienceFiles, UnsupportedConfig
from daoshi.builder.sites import AudienceSite, SchoolSites
from daoshi.builder.sources import CRISIS, SchoolSources, reach
from daoshi.builder.store import Generation, build_lock, published, write_audiences
from daoshi.builder.workers import balanced, run_forked, usable_cores
from daoshi.errors import Problem, ProjectError
from daoshi.memo import paused_gc
from daoshi.records.attendees import concerns_teacher
from daoshi.records.layout import GROUP, RECORD, SELF, classify, record_path
from daoshi.records.model import Record, School
from daoshi.records.validate import Prepared, check_records, school_today
from daoshi.site.attached import (
    attach_history,
    audit_of,
    carry_history,
    committed_paths,
    history_paths,
    refresh_history,
)
from daoshi.site.build import build_all_audiences, load_school
from daoshi.site.pages import affected_pages

__all__ = ["LiveSites", "Outcome", "build_once"]
DEFERRED = "review/"  # the semester reviews: brought up to date after the other pages
# an update shares its audiences between forked workers only when the lightest share has
# this many pages: below it, a fork costs more than the share's work
FORK_PAGES = 1000


@dataclass
class Outcome:
    """What one build or update did."""

    full: bool = False
    problems: list[Problem] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)  # whose site changed
    pages: int = 0  # page files written, over all audiences
    seconds: float = 0.0
    workers: int = 1  # processes the update's audiences were shared between


class LiveSites:
    """The school held in memory and every audience's published site."""

    def __init__(
        self,
        records: Path,
        site_dir: Path,
        today: dt.date | None = None,
        config_file: Path | None = None,
        progress: Callable[[str], None] = lambda _: None,
        workers: int | None = None,
    ) -> None:
        """``workers``: processes an update's audiences are shared between (forked; by
        default one per usable core)."""
        self.records = records.resolve()
        self.site_dir = site_dir
        self.fixed_day = today
        self.config_file = config_file
        self.progress = progress
        self.sites: SchoolSites | None = None
        self.prepared: Prepared | None = None
        self.stale: set[str] = set()  # deferred pages a commit changed (``catch_up``)
        self.workers = workers or usable_cores()
        self.fork_pages = FORK_PAGES

    def day(self) -> dt.date:
        return self.fixed_day or school_today(self.records)

    # -- everything -------------------------------------------------------------------------
    def full(self) -> Outcome:
        """Every audience's site from scratch (the last good sites stay on problems)."""
        start = time.perf_counter()
        try:
            school, day = load_school(self.records, self.day())
        except ProjectError as exc:
            return Outcome(full=True, problems=exc.problems, seconds=time.perf_counter() - start)
        attach_history(self.records, school)
        sites = SchoolSites(self.records, self.site_dir, school, day, self.config_file)
        index = sites.build_all(self.progress)
        self.sites, self.prepared, self.stale = sites, None, set()
        _settle()
        return Outcome(
            full=True,
            audiences=sorted(index["audiences"]),
            pages=sum(len(s.files.doc_files) for s in sites.sites.values()),
            seconds=time.perf_counter() - start,
        )

    # -- after commits ----------------------------------------------------------------------
    def update(self, changed: Iterable[str]) -> Outcome:
        """Bring every affected audience's site up to date after these files changed."""
        sites = self.sites
        paths = sorted(set(changed))
        if sites is None or sites.today != self.day():
            return self.full()
        if any(classify(p, sites.school.forms.files) != RECORD for p in paths):
            return self.full()
        # the cyclic garbage collector waits: its passes over what an update makes cost a
        # tenth of its time; ``tidy`` collects once the sites are published
        with paused_gc():
            return self._update(sites, paths)

    def tidy(self) -> None:
        """Collect what the last update left (the old sites' pages and indexes) while no one
        waits (the builder has answered), and leave what stays out of later passes: each
        pass then scans one update's objects, not every update's since the full build.
        What is frozen and dies in a cycle later is collected by ``catch_up``."""
        gc.collect()
        gc.freeze()

    def _update(self, sites: SchoolSites, paths: list[str]) -> Outcome:
        start = time.perf_counter()
        school = sites.school
        problems, mini, self.prepared = check_records(
            self.records, paths, school.forms, sites.today, self.prepared
        )
        if problems or mini is None:
            return Outcome(problems=problems, seconds=time.perf_counter() - start)
        wanted = set(paths)
        before = [r for r in school.records if r.path in wanted]
        kept = [r for r in school.records if r.path not in wanted]
        records = tuple(sorted([*kept, *mini.records], key=lambda r: (r.date, r.path)))
        new = dataclasses.replace(school, records=records)
        carry_history(school, new)
        old_audit = audit_of(new)
        new_audit = refresh_history(self.records, new)
        touched = set(paths)
        if old_audit is not None and new_audit is not None:
            touched |= committed_paths(old_audit, new_audit)
        # the records the diff changed, and those whose history the commits changed (a
        # commit that changed a file and one that changed it back: new versions, new flags)
        shown = [*before, *mini.records, *(r for r in new.records if r.path in touched)]
        pages = affected_pages(new, shown) | history_paths(new, touched)
        deferred = {p for p in pages if p.startswith(DEFERRED)}
        self.stale |= deferred
        pages -= deferred
        outcome = self._apply(sites, new, shown, touched, pages)
        outcome.seconds = time.perf_counter() - start
        return outcome

    def _apply(
        self,
        sites: SchoolSites,
        school: School,
        shown: list[Record],
        touched: set[str],
        pages: set[str],
    ) -> Outcome:
        students = {sid for r in shown for sid in r.students}
        for path in touched:  # a deleted record's student, from its path
            parsed = record_path(path)
            if parsed is not None and parsed.subject not in (GROUP, SELF):
                students.add(parsed.subject)
        candidates = [
            site for site in sites.sites.values() if _may_change(site, school, shown, students)
        ]
        sites.school = school
        shares = balanced(candidates, lambda s: len(s.files.doc_files), self.workers)
        if len(shares) > 1 and sum(len(s.files.doc_files) for s in shares[-1]) < self.fork_pages:
            shares = [candidates]  # too little to share: a fork would cost more than it saves
        # each process makes the school's page sources itself (its index, the appraisal of
        # the changed semesters), at the same time: the parent's are kept for the next update
        earlier, semesters = sites.sources, {r.semester for r in shown}

        def work(share: list[AudienceSite], forked: bool) -> Callable[[], Made | Sent]:
            def make() -> Made | Sent:
                sites.sources = SchoolSources(
                    school, sites.today, sites.records, earlier, semesters
                )
                made = self._make(sites, share, pages)
                return Sent.of(made, share) if forked else made

            return make

        made = [
            share if isinstance(share, Made) else share.received(sites)
            for share in run_forked([work(share, i > 0) for i, share in enumerate(shares)])
        ]
        generations: dict[str, Generation] = {}
        for share in made:
            for site, generation in share.generations:
                sites.sites[site.audience.id] = site
                generations[site.audience.id] = generation
        changed = self._publish(sites, generations)
        write_audiences(sites.site_dir, sites.index())
        for site in sites.sites.values():  # the deferred pages' sources stay for catch_up
            if not self.stale & site.files.by_path.keys():
                site.sources = None
        pages_written = sum(share.pages for share in made)
        return Outcome(audiences=changed, pages=pages_written, workers=len(shares))

    def _make(self, sites: SchoolSites, olds: list[AudienceSite], pages: set[str]) -> Made:
        """These audiences' next generations: the pages these paths or their own changes
        make again, the files around them; nothing published yet."""
        generations: dict[str, Generation] = {}
        wanted: dict[str, list[AudienceSite]] = {}
        made = Made()
        for old in olds:
            site = self._refreshed(sites, old)
            live = published(sites.site_dir, site.audience.id)
            generation = Generation(sites.store, site.audience.id, live[1] if live else None)
            generations[site.audience.id] = generation
            made.generations.append((site, generation))
            olds_paths = {f.src_uri: f.dest_uri for f in old.files.doc_files}
            news = {f.src_uri for f in site.files.doc_files}
            redo = (
                news
                if site.files.key != old.files.key
                else (news & pages) | (news - set(olds_paths))
            )
            for path in set(olds_paths) - news:  # a page it no longer has
                generation.remove(olds_paths[path])
                site.entries.pop(path, None)
                site.stale_search = True
            for path in redo:
                wanted.setdefault(path, []).append(site)
        for path, having in sorted(wanted.items()):
            sites.render_page(path, having, generations)
            made.pages += len(having)
        for site, generation in made.generations:
            # records only changed (anything else builds all again): the table stays
            sites.finish_site(site, generation, download_table=False)
        return made

    def catch_up(self, stop: Callable[[], bool] = lambda: False) -> Outcome | None:
        """Bring the deferred pages (the semester reviews) up to date; None when there was
        nothing to do, or when ``stop`` said so between two pages (they stay deferred)."""
        sites = self.sites
        if sites is None or not self.stale:
            return None
        start = time.perf_counter()
        wanted: dict[str, list[AudienceSite]] = {}
        for site in sites.sites.values():
            for f in site.files.doc_files:
                if f.src_uri in self.stale:
                    wanted.setdefault(f.src_uri, []).append(site)
        generations: dict[str, Generation] = {}
        for site in {id(s): s for having in wanted.values() for s in having}.values():
            live = published(sites.site_dir, site.audience.id)
            base = live[1] if live else None
            generations[site.audience.id] = Generation(sites.store, site.audience.id, base)
        for path, having in sorted(wanted.items()):
            if stop():
                _abandon(sites, generations)
                return None
            sites.render_page(path, having, generations)
        for audience, generation in generations.items():
            sites.finish_site(sites.sites[audience], generation, download_table=False)
        changed = self._publish(sites, generations)
        self.stale.clear()
        for site in sites.sites.values():
            site.sources = None
        _settle()  # idle: the sources kept for these pages are cyclic garbage now
        written = sum(len(h) for h in wanted.values())
        return Outcome(audiences=changed, pages=written, seconds=time.perf_counter() - start)

    def _publish(self, sites: SchoolSites, generations: dict[str, Generation]) -> list[str]:
        """Swap in each generation that differs from the audience's live one."""
        changed, dropped = [], set()
        for audience, generation in generations.items():
            base = published(sites.site_dir, audience)
            if base is None or generation.manifest != base[1]:
                dropped |= generation.publish(forget=False)
                changed.append(audience)
        sites.store.forget(dropped)
        return sorted(changed)

    def _refreshed(self, sites: SchoolSites, old: AudienceSite) -> AudienceSite:
        """The audience's sources and files made again from the new school."""
        sources = sites.sources.audience(old.audience)
        files = old.files
        if (
            list(sources.makers) != [f.src_uri for f in old.files.doc_files if f.generated_by]
            or sources.nav != old.files.nav_spec
        ):
            files = AudienceFiles(sites.renderer, sources.nav, list(sources.makers))
        renewed = files is not old.files
        site = AudienceSite(
            old.audience,
            sources,
            files,
            reach(sources.access),
            dict(old.entries),
            stale_theme=renewed or old.stale_theme,
            stale_search=renewed or old.stale_search,
        )
        sites.sites[old.audience.id] = site
        return site


def _settle() -> None:
    """Leave what a full build holds (millions of objects: the school, its history, every
    audience's files) out of the collector's later passes: each full pass over them cost
    seconds of every update. What the build dropped is collected first; frozen objects
    are still freed when nothing refers to them."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _abandon(sites: SchoolSites, generations: dict[str, Generation]) -> None:
    """Forget the files written for generations that will not be published."""
    names = {n for g in generations.values() for n in g.manifest.values()}
    sites.store.forget(names)


def _may_change(
    site: AudienceSite, school: School, shown: list[Record], students: set[str]
) -> bool:
    """Whether any page of this audience can show one of these records: school-wide
    audiences, those who see one of the students (as before the change), the records'
    mentors (a new mentee), the roles of referred students (a new crisis report)."""
    seen = site.reach
    if seen.school or any(seen.sees_student(s) for s in students):
        return True
    teacher = site.audience.teacher
    if teacher is not None and any(concerns_teacher(r, teacher) for r in shown):
        return True
    roles = school.forms.access.roles
    return any(r.kind == CRISIS for r in shown) and any(
        roles[r].scope == "referred" for r in site.audience.roles
    )


def build_once(
    records: Path,
    site_dir: Path,
    today: dt.date | None = None,
    *,
    config_file: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Outcome:
    """``daoshi build --all-audiences``: every audience's site, once, under the site's lock.

    A school's own mkdocs.yml with plugins the one builder does not reproduce is built
    audience by audience with mkdocs instead (``daoshi.site.build.build_all_audiences``).
    """
    start = time.perf_counter()
    fresh = not site_dir.exists()  # a first build that fails leaves no folder behind
    with build_lock(site_dir):
        try:
            outcome = LiveSites(records, site_dir, today, config_file, progress).full()
        except UnsupportedConfig as exc:
            progress(f"mkdocs.yml 中有一起生成不支持的设置（{exc}），逐个受众生成…")
        except BaseException:
            if fresh:
                shutil.rmtree(site_dir, ignore_errors=True)
            raise
        else:
            if outcome.problems and fresh:
                shutil.rmtree(site_dir, ignore_errors=True)
            return outcome
    index = build_all_audiences(
        records, site_dir, today, config_file=config_file, progress=progress
    )
    return Outcome(
        full=True, audiences=sorted(index["audiences"]), seconds=time.perf_counter() - start
    )
