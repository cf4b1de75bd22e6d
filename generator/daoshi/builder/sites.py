"""Every audience's site of one school state, page by page across audiences.

The full build goes through the union of all audiences' pages one path at a time: for each
audience that has the page, its source (shared by visibility key, or made for it), the
source's Markdown and theme page once (``render``), then the audience's copy: its own
navigation put in, the links it may not follow taken out, written into its next generation
(``store``). Holding one page at a time keeps memory flat however many audiences there are.
An update (``update``) goes through the same steps for the pages a commit changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daoshi.access import Audience, all_audiences, audience_for_teacher
from daoshi.builder.render import AudienceFiles, Renderer, source_key
from daoshi.builder.sources import AudienceSources, Reach, SchoolSources, reach, unlink
from daoshi.builder.store import Generation, Store, write_audiences
from daoshi.records.model import School
from daoshi.site.plugin import marker_text
from daoshi.site.year import download, xlsx_bytes
from daoshi.year.export import Sheet


@dataclass
class AudienceSite:
    """One audience's part of the build: its sources, mkdocs files, search entries, output.

    Its sources (the audience's ``Site``: indexes, templates, obligations engines) are held
    only while its pages are made (the deferred review pages too): an update makes them
    again from the new school, and held for every audience they would keep every school an
    update replaced alive."""

    audience: Audience
    sources: AudienceSources | None  # None: released (``SchoolSites.sources_of``)
    files: AudienceFiles
    reach: Reach  # what of the school it sees, for an update's "may this change it"
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # what its next publication must make again besides the pages
    stale_theme: bool = True  # 404.html, sitemap.xml: its navigation or pages changed
    stale_search: bool = True  # search_index.json: a page's entries changed

    def source(self, sources: AudienceSources, path: str) -> str | None:
        """The page's source when it is made for this audience alone (not keyed)."""
        make = sources.makers.get(path)
        if make is not None:
            return make().content
        file = self.files.by_path.get(path)
        return file.content_string if file is not None else None


class SchoolSites:
    """Every audience's site for one school state: what a build or an update needs."""

    def __init__(
        self,
        records: Path,
        site_dir: Path,
        school: School,
        today: dt.date,
        config_file: Path | None = None,
    ) -> None:
        self.records = records
        self.site_dir = site_dir
        self.school = school
        self.today = today
        self.renderer = Renderer(records, site_dir, school, today, config_file)
        self.sources = SchoolSources(school, today, records)
        self.store = Store(site_dir)
        self.sites: dict[str, AudienceSite] = {}
        # the pairing table downloads by their sheets: one XLSX for every audience that
        # has the same table, made again only when the table changes
        self.downloads: dict[str, bytes] = {}

    def prepare(self, audiences: Iterable[Audience]) -> None:
        """Each audience's pages and navigation (nothing rendered yet)."""
        for audience in audiences:
            sources = self.sources.audience(audience)
            paths = list(sources.makers)
            files = AudienceFiles(self.renderer, sources.nav, paths)
            self.sites[audience.id] = AudienceSite(audience, sources, files, reach(sources.access))

    def sources_of(self, site: AudienceSite) -> AudienceSources:
        """The audience's sources, made again from the school if they were released (its
        pages are the school's: an update refreshes every audience whose pages change)."""
        if site.sources is None:
            site.sources = self.sources.audience(site.audience)
        return site.sources

    # -- one page for every audience that has it -------------------------------------------
    def render_page(
        self, path: str, sites: list[AudienceSite], generations: dict[str, Generation]
    ) -> None:
        """The page for each of these audiences, each distinct source rendered once."""
        renderer = self.renderer
        keyed: dict[tuple[Any, ...], str] = {}
        rendered: dict[bytes, tuple[str, list[dict[str, Any]]]] = {}
        for site in sites:
            sources = self.sources_of(site)
            key = self.sources.key(sources, path)
            if key is not None:
                content = keyed.get(key)
                if content is None:
                    content = keyed[key] = self.sources.shared(sources, path)
            else:
                made = site.source(sources, path)
                if made is None:
                    continue
                content = made
            files = site.files
            populated = renderer.populate(files, path, content)
            output: str | None = None
            if path not in files.in_nav:
                navigation = renderer.navigation_key(files, path, populated)
                earlier = rendered.get(source_key(path, content))
                if earlier is not None:
                    output = renderer.with_navigation(earlier[0], navigation)
                    entries = earlier[1]
            if output is None:
                output, entries = renderer.render(files, path, populated)
                if path not in files.in_nav:
                    renderer.remember_navigation(navigation, output)
                    rendered.setdefault(source_key(path, content), (output, entries))
            if key is not None:
                output = unlink(output, sources.linked)
            data = renderer.finish(output).encode("utf-8", errors="xmlcharrefreplace")
            generations[site.audience.id].add(files.by_path[path].dest_uri, data)
            if site.entries.get(path) != entries:
                site.entries[path] = entries
                site.stale_search = True
        renderer.forget()

    def finish_site(
        self,
        site: AudienceSite,
        generation: Generation,
        download_table: bool = True,
    ) -> None:
        """The files around the pages (theme templates, search index, marker), added to the
        generation (which the caller publishes).

        ``download_table`` False keeps the pairing table download the generation has (an
        update of records only: the table is made of data files, which a record leaves)."""
        sources = self.sources_of(site)
        entries = [e for f in site.files.doc_files for e in site.entries.get(f.src_uri, ())]
        marker = marker_text(self.school, self.today, sources.access)
        made = self.renderer.extras(
            site.files, entries, marker, theme=site.stale_theme, search=site.stale_search
        )
        table = download(sources.site) if download_table else None
        if table is not None:
            made[table[0]] = self.download_bytes(table[1])
        for path, data in made.items():
            generation.add(path, data)
        site.stale_theme = site.stale_search = False

    def download_bytes(self, sheets: list[Sheet]) -> bytes:
        """The XLSX of these sheets, made once while they stay the same."""
        key = repr(sheets)
        data = self.downloads.get(key)
        if data is None:
            if len(self.downloads) >= 4:  # tables of earlier school states
                self.downloads.clear()
            data = self.downloads[key] = xlsx_bytes(sheets)
        return data

    def index(self) -> dict[str, Any]:
        """``audiences.json``: each audience's folder and each teacher's."""
        index: dict[str, Any] = {"audiences": {}, "teachers": {}}
        for site in self.sites.values():
            a = site.audience
            roles = list(a.roles)
            index["audiences"][a.id] = {"label": a.label, "teacher": a.teacher, "roles": roles}
        for tid in sorted(self.school.teachers):
            index["teachers"][tid] = audience_for_teacher(self.school, tid).id
        return index

    # -- the whole build -------------------------------------------------------------------
    def build_all(self, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
        """Every audience's site from scratch; returns ``audiences.json``'s content."""
        audiences = all_audiences(self.school)
        progress(f"准备 {len(audiences)} 个受众的页面…")
        self.prepare(audiences)
        generations = {a.id: Generation(self.store, a.id) for a in audiences}
        for dest, data in self.renderer.static:  # the theme's assets: one copy for all
            name = self.store.put(data)
            for generation in generations.values():
                generation.manifest[dest] = name
        having: dict[str, list[AudienceSite]] = {}
        for site in self.sites.values():
            for f in site.files.doc_files:
                having.setdefault(f.src_uri, []).append(site)
        step = max(1, len(having) // 20)
        for n, (path, sites) in enumerate(having.items(), 1):
            self.render_page(path, sites, generations)
            if n % step == 0:
                progress(f"已生成 {n}/{len(having)} 个页面")
        dropped: set[str] = set()
        for site in self.sites.values():
            self.finish_site(site, generations[site.audience.id])
            dropped |= generations[site.audience.id].publish(forget=False)
            site.sources = None  # its pages are written: nothing more to make from them
        self.store.forget(dropped)  # after the last: see ``Generation.publish``
        progress("准备后续更新用的备用目录…")
        for generation in generations.values():
            generation.fill_spares()
        index = self.index()
        write_audiences(self.site_dir, index)
        return index
