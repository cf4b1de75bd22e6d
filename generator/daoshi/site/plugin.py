"""The mkdocs plugin: validate the records once, then add every page as a generated file.

This is the only module that imports mkdocs. A validation problem stops the build with
the same located lines as ``daoshi validate``: the site is never half built. Every page
the plugin handles gets ``daoshi: true`` in its meta; the theme refuses to render a page
without it, so an engine that skipped this plugin cannot publish the records.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape
from mkdocs.config import config_options
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from daoshi.access import Access, AudienceError, parse_audience
from daoshi.errors import ProjectError
from daoshi.messages import verdict
from daoshi.records.model import School
from daoshi.records.validate import school_today, validate
from daoshi.site.attached import attach_history
from daoshi.site.core import Site
from daoshi.site.pages import all_pages, nav
from daoshi.site.wording import own_names, page_problems
from daoshi.site.year import write_download

log = logging.getLogger("mkdocs.plugins.daoshi")
MARKER = "daoshi.json"
PRIVATE_OPEN = "<daoshi-private data-search-exclude>"
PRIVATE_CLOSE = "</daoshi-private>"
PRIVATE = re.compile(f"{PRIVATE_OPEN}(.*?){PRIVATE_CLOSE}", re.DOTALL)
# a generated page: Markdown lines (its title), then one block of finished HTML to the end
HTML_PAGE = re.compile(
    r'((?:[^<\n][^\n]*\n|\n)*)(<div class="daoshi[^"<>\n]*">.*</div>)\s*', re.DOTALL
)
DIV_TAG = re.compile(r"<(/?)div\b")


class DaoshiConfig(Config):
    """Plugin options in mkdocs.yml."""

    records = config_options.Type(str, default="records")
    today = config_options.Optional(config_options.Type(str))
    # whom this build is for (see daoshi/access.py): leader, T005, mentor:T005 ...
    audience = config_options.Type(str, default="leader")


class DaoshiPlugin(BasePlugin[DaoshiConfig]):
    """Loads the records repository and generates the portfolio site."""

    def __init__(self) -> None:
        self.school: School | None = None
        self.names: re.Pattern[str] | None = None  # the school's names, masked in the check
        self.access: Access | None = None
        self.nav: Navigation | None = None
        self.files: Files | None = None
        self.env: jinja2.Environment | None = None
        self.aside: dict[str, list[str]] = {}
        self.html_blocks: dict[str, str] = {}  # a page's HTML, out of Markdown's way
        self.secret = secrets.token_hex(12)
        # around each page's navigation (theme/main.html); the one builder keeps them to
        # put in each audience's navigation, a plain build drops them
        self.nav_marks = (
            Markup(f"<!--daoshi-nav:{self.secret}-->"),
            Markup(f"<!--/daoshi-nav:{self.secret}-->"),
        )
        self.keep_nav_marks = False
        self.root = Path("records")
        self.today = dt.date.today()
        # a school validated by the caller (daoshi.site.build): every audience of a build
        # shares one validation, and problems reach the terminal before mkdocs starts
        self.preloaded: School | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        base = Path(config.config_file_path or ".").resolve().parent
        self.root = (base / self.config.records).resolve()
        if not self.root.is_dir():
            raise PluginError(f"找不到记录仓库 {self.root}（mkdocs.yml 中 daoshi 插件的 records）")
        self.today = (
            dt.date.fromisoformat(self.config.today)
            if self.config.today
            else school_today(self.root)
        )
        self.school = self.preloaded or _load(self.root, self.today)
        try:
            self.access = Access(self.school, parse_audience(self.school, self.config.audience))
        except AudienceError as exc:
            raise PluginError(str(exc)) from exc
        attach_history(self.root, self.school)  # the history pages (none without git)
        config.nav = nav(self.school, self.today, self.access)
        # escaped here, once: the theme prints site_name without escaping (<title>, the
        # header, the nav), and a Markup value is not escaped again where it uses `| e`
        config.site_name = escape(f"{self.school.name} · 导师工作")
        self.names = own_names(
            [
                self.school.name,
                *(s.name for s in self.school.students.values()),
                *(t.name for t in self.school.teachers.values()),
            ]
        )
        log.info(
            "daoshi: %s 份记录，%s 名学生", len(self.school.records), len(self.school.students)
        )
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.school is not None
        placeholder = files.get_file_from_path("index.md")
        if placeholder is not None:
            files.remove(placeholder)
        for page in all_pages(self.school, self.today, self.access, self.root):
            files.append(File.generated(config, page.path, content=page.content))
        return files

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav, self.files = nav, files  # kept for the incremental build
        return nav

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        self.env = env
        env.globals["daoshi_nav_marks"] = self.nav_marks
        return env

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        page.meta["daoshi"] = True
        return self._set_aside(markdown, page)

    def _set_aside(self, markdown: str, page: Page) -> str:
        """Take the private blocks out until the page is written (see ``on_post_page``),
        and a generated page's HTML until Markdown is done (see ``on_page_content``).

        What is inside ``<daoshi-private data-search-exclude>`` is finished, escaped HTML
        that the search index must not hold anyway; parsing it three more times (Markdown's
        raw-HTML stash, mkdocs' anchor scan, the search plugin's parser) was two thirds of
        the build. A placeholder goes through those steps instead, and the block is put back
        into the page's final HTML.
        """
        parts = PRIVATE.split(markdown)
        if len(parts) > 1:
            self.aside[page.file.src_uri] = parts[1::2]
            markdown = "".join(
                part if i % 2 == 0 else f"{PRIVATE_OPEN}{self._token(page, i // 2)}{PRIVATE_CLOSE}"
                for i, part in enumerate(parts)
            )
        return self._html_aside(markdown, page)

    def _html_aside(self, markdown: str, page: Page) -> str:
        """A generated page is its title in Markdown and one ``<div class="daoshi …">`` of
        finished HTML, which Markdown would copy as it is (a raw HTML block) after parsing
        it twice (its raw-HTML stash and mkdocs' anchor scan: a third of an update's time).
        The block waits outside under a placeholder and is put back as soon as Markdown is
        done, before the search plugin reads the page. Anything else goes through Markdown."""
        found = html_page(markdown)
        if found is None:
            return markdown
        self.html_blocks[page.file.src_uri] = found[1]
        return f"{found[0]}{self._html_holder(page)}\n"

    def _html_holder(self, page: Page) -> str:
        return f'<div class="daoshi-html">daoshi-html-{self.secret}-{page.file.src_uri}</div>'

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        block = self.html_blocks.pop(page.file.src_uri, None)
        if block is None:
            return html
        holder = self._html_holder(page)
        if html.count(holder) != 1:
            raise PluginError(f"daoshi: {page.file.src_uri} 的内容占位符丢失，站点未生成")
        return html.replace(holder, block)

    def _token(self, page: Page, n: int) -> str:
        # a secret per build: no record text can contain (or forge) a placeholder
        return f"daoshi-aside-{self.secret}-{n}-{page.file.src_uri}"

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        blocks = self.aside.pop(page.file.src_uri, None)
        for n, block in enumerate(blocks or ()):
            token = self._token(page, n)
            if output.count(token) != 1:
                raise PluginError(f"daoshi: {page.file.src_uri} 的内容占位符丢失，站点未生成")
            output = output.replace(token, block)
        clean = self._drop_nav_marks(output)
        # no file paths, commands, field IDs or English UI text on a teacher's page
        problems = page_problems(page.file.dest_uri, clean, self.names)
        if problems:
            lines = "\n".join(p.format(config.site_dir) for p in problems)
            raise PluginError(f"页面上有不该给老师看的内部文字，站点未生成：\n{lines}")
        return output if self.keep_nav_marks else clean

    def on_post_template(
        self, output_content: str, /, *, template_name: str, config: MkDocsConfig
    ) -> str:
        return self._drop_nav_marks(output_content)  # 404.html extends main.html

    def _drop_nav_marks(self, output: str) -> str:
        return output.replace(self.nav_marks[0], "").replace(self.nav_marks[1], "")

    def on_serve(
        self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any
    ) -> LiveReloadServer:
        server.watch(str(self.root))
        return server

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.school is not None and self.access is not None
        # the pairing table as a download (daoshi/site/year.py)
        write_download(Site(self.school, self.today, self.access), Path(config.site_dir))
        marker = marker_text(self.school, self.today, self.access)
        Path(config.site_dir, MARKER).write_text(marker, "utf-8")


def marker_text(school: School, today: dt.date, access: Access) -> str:
    """``daoshi.json``: who the site is for and how much of the school it holds (what this
    audience sees: a count of everything would tell it that records it cannot see exist)."""
    marker = {
        "generator": "daoshi",
        "school": school.id,
        "today": today.isoformat(),
        "audience": access.audience.id,
        "records": len(access.visible(school.records)),
        "students": sum(1 for sid in school.students if access.sees_student(sid)),
    }
    return json.dumps(marker, ensure_ascii=False) + "\n"


def _load(root: Path, today: dt.date) -> School:
    try:
        result = validate(root, today=today, need_school=True)
    except ProjectError as exc:
        raise PluginError(_problem_text(exc.problems, root)) from exc
    if result.problems or result.school is None:
        raise PluginError(_problem_text(result.problems, root))
    return result.school


def _problem_text(problems: list[Any], root: Path) -> str:
    lines = [p.format(str(root)) for p in problems]
    return "记录有问题，站点未生成：\n" + "\n".join(lines) + "\n" + verdict(len(problems))


def html_page(markdown: str) -> tuple[str, str] | None:
    """A generated page's Markdown (its title) and its one block of finished HTML; None
    when the page is not made that way (a help page, several blocks, text after it)."""
    found = HTML_PAGE.fullmatch(markdown)
    if found is None:
        return None
    depth = 0  # the first <div must be closed by the last </div>
    tags = list(DIV_TAG.finditer(found[2]))
    for n, tag in enumerate(tags):
        depth += -1 if tag[1] else 1
        if depth == 0:
            return (found[1], found[2]) if n == len(tags) - 1 else None
    return None
