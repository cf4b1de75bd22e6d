"""Page sources to finished pages, through mkdocs and the theme, once per distinct source.

One mkdocs configuration, plugin set and theme serve every audience (``mkdocs build`` would
load them once per audience). A page goes through mkdocs' steps as ``mkdocs build`` takes
it (``_populate_page``: the plugins' ``on_page_markdown``, Markdown, ``on_page_content``;
``_build_page``: ``on_page_context``, the theme template, ``on_post_page``), but:

* its Markdown is converted once per distinct source (path and text), whoever shows it;
* its theme page is rendered once per distinct source as well: the only part of a page
  that depends on the audience beyond its source is the navigation (the theme marks it,
  ``theme/main.html``), so each other audience gets the same page with its own navigation
  put in. An audience's navigation for a page depends on the page only through the
  relative URLs from it to the navigation's pages (and its table of contents), so it is
  rendered once per audience and such URL pattern and reused;
* a page in the audience's own navigation (home, 学校总览 …) is rendered for it in full;
* the search plugin's entries for a page are kept with the source and gathered into each
  audience's index in mkdocs' order.

Only the plugins daoshi ships with (daoshi and search) are supported: ``UnsupportedConfig``
tells the caller to build audience by audience with mkdocs instead.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.commands.build import _build_template, get_context
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel, get_files, set_exclusions
from mkdocs.structure.nav import Navigation, get_navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_build_timestamp, get_relative_url

from daoshi.records.model import School
from daoshi.site.build import site_config
from daoshi.site.plugin import MARKER, DaoshiPlugin

SUPPORTED_PLUGINS = frozenset({"daoshi", "search", "material/search"})


class UnsupportedConfig(Exception):
    """The mkdocs configuration uses something the one builder does not reproduce."""


@dataclass
class _Populated:
    """A page after mkdocs' ``_populate_page``: what the theme needs, and the set-aside blocks."""

    markdown: str
    meta: dict[str, Any]
    content: str
    toc: Any
    title: str | None
    aside: list[str] | None
    toc_shape: str
    # after the first render: the search plugin's entries and the content it left
    entries: list[dict[str, Any]] | None = None
    searched: str | None = None


class AudienceFiles:
    """One audience's mkdocs files and navigation, as ``mkdocs build`` would make them."""

    def __init__(self, renderer: Renderer, nav_spec: list[Any], paths: Sequence[str]) -> None:
        config = renderer.config
        config.nav = nav_spec
        files = renderer.doc_files()
        for path in paths:
            files.append(File.generated(config, path, content=""))
        set_exclusions(files, config)
        self.nav: Navigation = get_navigation(files, config)
        self.nav_spec = nav_spec
        self.key = json.dumps(nav_spec, ensure_ascii=False, sort_keys=True)
        self.doc_files = files.documentation_pages()
        self.files = files
        self.by_path = {f.src_uri: f for f in self.doc_files}
        self.nav_urls = [p.url for p in self.nav.pages]
        self.in_nav = frozenset(p.file.src_uri for p in self.nav.pages)
        self._patterns: dict[str, tuple[str, ...]] = {}

    def page(self, path: str) -> Page:
        page = self.by_path[path].page
        assert page is not None
        return page

    def url_pattern(self, path: str) -> tuple[str, ...]:
        """The relative URLs from this page to the site root and to every navigation page:
        all the navigation's rendering knows of the page (when it is not in it)."""
        url = self.page(path).url
        found = self._patterns.get(url)
        if found is None:
            found = (get_relative_url(".", url), *(get_relative_url(u, url) for u in self.nav_urls))
            self._patterns[url] = found
        return found


def source_key(path: str, content: str) -> bytes:
    """A page source's identity: its path and text."""
    digest = hashlib.blake2b(path.encode(), digest_size=20)
    digest.update(b"\0")
    digest.update(content.encode("utf-8", "surrogatepass"))
    return digest.digest()


class Renderer:
    """The mkdocs configuration, plugins and theme of every audience's build."""

    def __init__(
        self,
        records: Path,
        site_dir: Path,
        school: School,
        today: dt.date,
        config_file: Path | None = None,
    ) -> None:
        config, plugin = site_config(
            records, site_dir, config_file=config_file, today=today, school=school
        )
        unsupported = sorted(set(config.plugins) - SUPPORTED_PLUGINS)
        if unsupported or config.extra_templates:
            raise UnsupportedConfig(", ".join(unsupported) or "extra_templates")
        config.plugins.on_startup(command="build", dirty=False)
        self.config: MkDocsConfig = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        self.plugin: DaoshiPlugin = plugin
        plugin.keep_nav_marks = True
        open_mark, close_mark = (str(m) for m in plugin.nav_marks)
        self._regions = re.compile(f"{re.escape(open_mark)}(.*?){re.escape(close_mark)}", re.DOTALL)
        files = self.doc_files()
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        self.env = config.plugins.on_env(env, config=config, files=files)
        self.static = [
            (f.dest_uri, f.content_bytes)
            for f in files
            if not f.is_documentation_page() and f.inclusion.value > InclusionLevel.DRAFT.value
        ]
        search = config.plugins.get("search") or config.plugins.get("material/search")
        self.search: Any = search if search is not None and search.config.enabled else None
        self.populated: dict[bytes, _Populated] = {}
        self.navigations: dict[tuple[str, tuple[str, ...], str], list[str]] = {}

    def doc_files(self) -> Files:
        """The files of the docs folder (help.md, the stylesheet), as mkdocs finds them."""
        files = get_files(self.config)
        placeholder = files.get_file_from_path("index.md")
        if placeholder is not None:  # the plugin's home page replaces it (plugin.on_files)
            files.remove(placeholder)
        return files

    # -- one page -------------------------------------------------------------------------
    def populate(self, files: AudienceFiles, path: str, content: str) -> _Populated:
        """mkdocs' ``_populate_page`` for this source, once per distinct source."""
        key = source_key(path, content)
        found = self.populated.get(key)
        if found is not None:
            return found
        config, page = self.config, files.page(path)
        file = files.by_path[path]
        if file.generated_by is not None:
            file.content_string = content
        config._current_page = page
        try:
            page = config.plugins.on_pre_page(page, config=config, files=files.files)
            page.read_source(config)
            assert page.markdown is not None
            page.markdown = config.plugins.on_page_markdown(
                page.markdown, page=page, config=config, files=files.files
            )
            page.render(config, files.files)
            assert page.content is not None
            page.content = config.plugins.on_page_content(
                page.content, page=page, config=config, files=files.files
            )
        finally:
            config._current_page = None
            if file.generated_by is not None:
                file.content_string = ""  # kept in the populated copy below, not twice
        found = _Populated(
            markdown=page.markdown,
            meta=dict(page.meta),
            content=page.content,
            toc=page.toc,
            title=page._title_from_render,
            aside=self.plugin.aside.get(page.file.src_uri),
            toc_shape=_toc_shape(page.toc),
        )
        self.populated[key] = found
        return found

    def render(
        self, files: AudienceFiles, path: str, populated: _Populated
    ) -> tuple[str, list[dict[str, Any]]]:
        """mkdocs' ``_build_page`` for this audience: the page with its navigation (marked)
        and the page's search entries."""
        config, page = self.config, files.page(path)
        page.markdown, page.meta = populated.markdown, populated.meta
        page.content = populated.content
        page.toc, page._title_from_render = populated.toc, populated.title
        if populated.aside is not None:
            self.plugin.aside[page.file.src_uri] = list(populated.aside)
        config._current_page = page
        page.active = True
        try:
            context = get_context(files.nav, files.doc_files, config, page)
            template = self.env.get_template(page.meta.get("template", "main.html"))
            entries: list[dict[str, Any]] = []
            if populated.entries is not None and populated.searched is not None:
                entries, page.content = populated.entries, populated.searched
            elif self.search is not None:  # indexes the page, takes its data-search-* out
                index = self.search.search_index
                before = len(index.entries)
                context = config.plugins.on_page_context(
                    context, page=page, config=config, nav=files.nav
                )
                entries = index.entries[before:]
                del index.entries[before:]
                populated.entries, populated.searched = entries, page.content
            output = template.render(context)
            output = config.plugins.on_post_page(output, page=page, config=config)
        finally:
            page.active = False
            config._current_page = None
            self.plugin.aside.pop(page.file.src_uri, None)
            # the page object lives as long as the audience's files: keep no text in it
            page.markdown = page.content = None
            page.toc, page.meta = [], {}  # type: ignore[assignment]
        return output, entries

    def navigation_key(self, files: AudienceFiles, path: str, populated: _Populated) -> Any:
        return (files.key, files.url_pattern(path), populated.toc_shape)

    def remember_navigation(self, key: Any, output: str) -> None:
        self.navigations.setdefault(key, self._regions.findall(output))

    def with_navigation(self, output: str, key: Any) -> str | None:
        """A page rendered for another audience, with this audience's navigation put in;
        None when this audience's navigation for such a page has not been rendered yet."""
        regions = self.navigations.get(key)
        if regions is None:
            return None
        parts = self._regions.split(output)
        if len(parts) != 2 * len(regions) + 1:
            return None
        parts[1::2] = regions
        return "".join(parts)

    def finish(self, output: str) -> str:
        """The page as written: without the navigation marks."""
        return self.plugin._drop_nav_marks(output)

    def forget(self) -> None:
        """Drop the converted sources (the full build goes page by page)."""
        self.populated.clear()

    # -- the files around the pages ---------------------------------------------------------
    def extras(
        self,
        files: AudienceFiles,
        entries: list[dict[str, Any]],
        marker: str,
        *,
        theme: bool = True,
        search: bool = True,
    ) -> dict[str, bytes]:
        """The theme's templates (404.html, sitemap.xml), the search index and the plugin's
        marker file, as this audience's ``mkdocs build`` writes them; ``theme`` and
        ``search`` False leave out what has not changed since they were last made."""
        config = self.config
        found: dict[str, bytes] = {}
        for name in config.theme.static_templates if theme else ():
            try:
                template = self.env.get_template(name)
            except Exception:  # mkdocs skips a theme template it cannot find, so does this
                continue
            output = _build_template(name, template, files.files, config, files.nav)
            if not output.strip():
                continue
            data = output.encode("utf-8")
            found[name] = data
            if name == "sitemap.xml":
                pages = [f.page for f in files.doc_files if f.page is not None]
                found[f"{name}.gz"] = _gzip(data, name, get_build_timestamp(pages=pages))
        if self.search is not None and search:
            index = type(self.search.search_index)(**self.search.config)
            index.entries = entries
            found["search/search_index.json"] = index.generate_search_index(None).encode("utf-8")
        found[MARKER] = marker.encode("utf-8")
        return found


def _gzip(data: bytes, name: str, mtime: int) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buffer, mtime=mtime) as stream:
        stream.write(data)
    return buffer.getvalue()


def _toc_shape(toc: Any) -> str:
    """The table of contents as the theme shows it: an h1's children in its place
    (``partials/toc.html``), so a page with only its title shows none."""

    def shape(items: Any) -> list[Any]:
        return [[i.id, i.title, i.level, shape(i.children)] for i in items]

    items = list(toc)
    if items and items[0].level == 1:
        items = list(items[0].children)
    return json.dumps(shape(items), ensure_ascii=False)
