"""Building a site: which mkdocs configuration, the records validated first, one or every audience.

The configuration is, in this order: the one asked for (``--config-file``), the records
repository's own ``mkdocs.yml``, or the one daoshi ships (``daoshi.paths.shipped``). The
shipped pages and theme come from the package unless a school's own configuration names
its own ``docs_dir`` or theme ``custom_dir``. The records are validated before mkdocs
starts, so a problem reaches the caller as a :class:`ProjectError` with every located line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.utils.yaml import yaml_load

from daoshi.access import all_audiences, audience_for_teacher
from daoshi.errors import ProjectError
from daoshi.paths import PACKAGE, shipped
from daoshi.records.model import School
from daoshi.records.validate import school_today, validate
from daoshi.site.plugin import MARKER, DaoshiPlugin

AUDIENCES = "audiences.json"
SITE_DOCS = PACKAGE / "site" / "docs"
SITE_THEME = PACKAGE / "site" / "theme"


def config_file_for(records: Path, config_file: Path | None = None) -> Path:
    """The mkdocs configuration a build of ``records`` uses."""
    if config_file is not None:
        return config_file
    own = records / "mkdocs.yml"
    return own if own.is_file() else shipped("mkdocs.yml")


def _overrides(file: Path) -> dict[str, Any]:
    """The package's pages and theme, unless the school's own file names its own."""
    with file.open("rb") as stream:
        raw = yaml_load(stream) or {}
    is_shipped = file.resolve() == shipped("mkdocs.yml").resolve()
    overrides: dict[str, Any] = {}
    if is_shipped or "docs_dir" not in raw:
        overrides["docs_dir"] = str(SITE_DOCS)
    theme = raw.get("theme", {"name": "material"})
    theme = {"name": theme} if isinstance(theme, str) else dict(theme)
    if is_shipped or "custom_dir" not in theme:
        theme["custom_dir"] = str(SITE_THEME)
    overrides["theme"] = theme
    return overrides


def site_config(
    records: Path,
    site_dir: Path,
    *,
    config_file: Path | None = None,
    today: dt.date | None = None,
    audience: str | None = None,
    strict: bool = True,
    school: School | None = None,
) -> tuple[MkDocsConfig, DaoshiPlugin]:
    """The loaded configuration of one audience's build, with the daoshi plugin set up."""
    root = records.resolve()
    file = config_file_for(root, config_file)
    config = load_config(
        str(file), strict=strict, site_dir=str(site_dir.resolve()), **_overrides(file)
    )
    plugin = config.plugins.get("daoshi")
    if not isinstance(plugin, DaoshiPlugin):
        raise PluginError(f"{file} 没有启用 daoshi 插件（plugins: - daoshi）")
    plugin.config.records = str(root)
    if today is not None:
        plugin.config.today = today.isoformat()
    if audience is not None:
        plugin.config.audience = audience
    plugin.preloaded = school
    return config, plugin


def load_school(records: Path, today: dt.date | None = None) -> tuple[School, dt.date]:
    """The validated school and the day it is built for; every problem raises ProjectError."""
    root = records.resolve()
    day = today or school_today(root)
    result = validate(root, today=day, need_school=True)
    if result.problems or result.school is None:
        raise ProjectError(result.problems)
    return result.school, day


def build_site(
    records: Path,
    site_dir: Path,
    today: dt.date | None = None,
    *,
    config_file: Path | None = None,
    audience: str | None = None,
    strict: bool = True,
    school: School | None = None,
) -> Path:
    """Build one audience's site as ``mkdocs build --strict`` would; returns the site folder."""
    if school is None:
        school, today = load_school(records, today)
    config, _plugin = site_config(
        records,
        site_dir,
        config_file=config_file,
        today=today,
        audience=audience,
        strict=strict,
        school=school,
    )
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    if not Path(config.site_dir, MARKER).is_file():
        raise PluginError("daoshi 插件没有运行，站点不可发布")
    return Path(config.site_dir)


def build_all_audiences(
    records: Path,
    site_dir: Path,
    today: dt.date | None = None,
    *,
    config_file: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """One site per audience under ``site_dir/<audience>/`` and ``audiences.json``.

    The records are validated once; every build then asks ``Access`` what it may show.
    ``audiences.json`` maps each teacher to the folder their login serves.
    """
    school, day = load_school(records, today)
    audiences = all_audiences(school)
    index: dict[str, Any] = {"audiences": {}, "teachers": {}}
    for n, audience in enumerate(audiences, 1):
        progress(f"生成 {audience.label} 的站点（{n}/{len(audiences)}）")
        build_site(
            records,
            site_dir / audience.id,
            day,
            config_file=config_file,
            audience=audience.id,
            school=school,
        )
        index["audiences"][audience.id] = {
            "label": audience.label,
            "teacher": audience.teacher,
            "roles": list(audience.roles),
        }
    for tid in sorted(school.teachers):
        index["teachers"][tid] = audience_for_teacher(school, tid).id
    Path(site_dir, AUDIENCES).write_text(
        json.dumps(index, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return index
