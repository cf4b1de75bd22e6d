"""The district site on disk: the pages written into a docs folder beside an mkdocs
configuration that uses the portfolio sites' theme (Material, Chinese, daoshi.css), then
``mkdocs build --strict``. Only summaries' figures reach it: no page reads a record.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config

from daoshi.district.figures import SchoolResult
from daoshi.paths import PACKAGE

ASSETS = (
    PACKAGE / "site" / "docs" / "assets" / "daoshi.css",
    PACKAGE / "district" / "assets" / "district.css",
)


def mkdocs_config(title: str, results: Sequence[SchoolResult]) -> dict[str, Any]:
    """The configuration: same theme and look as a school's portfolio site."""
    schools = [{r.name: f"schools/{r.id}.md"} for r in results if r.page]
    return {
        "site_name": title,
        "docs_dir": "docs",
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "language": "zh",
            "font": False,
            "features": ["navigation.tabs", "search.highlight"],
        },
        "plugins": [{"search": {"lang": "zh"}}],
        "markdown_extensions": ["admonition", "tables"],
        "extra_css": ["assets/daoshi.css", "assets/district.css"],
        "copyright": f"{title} · 各校去标识汇总，不含学生个人信息",
        "extra": {"generator": False},
        "nav": [
            {"概览": "index.md"},
            {"落后的学校": "behind.md"},
            {"师生比": "ratio.md"},
            {"学期趋势": "trends.md"},
            *([{"各校": schools}] if schools else []),
        ],
    }


def write_site(
    out: Path, title: str, pages: Mapping[str, str], results: Sequence[SchoolResult]
) -> Path:
    """Write the pages, build the site into ``out`` (replaced whole), return ``out``."""
    with tempfile.TemporaryDirectory(prefix="daoshi-district-site-") as tmp:
        root = Path(tmp)
        docs = root / "docs"
        (docs / "assets").mkdir(parents=True)
        (docs / "schools").mkdir()
        for asset in ASSETS:
            shutil.copyfile(asset, docs / "assets" / asset.name)
        for path, text in pages.items():
            (docs / path).write_text(text, "utf-8")
        for r in results:
            if r.page:
                (docs / "schools" / f"{r.id}.md").write_text(r.page, "utf-8")
        config_file = root / "mkdocs.yml"
        config_file.write_text(
            yaml.safe_dump(mkdocs_config(title, results), allow_unicode=True), "utf-8"
        )
        staging = out.with_name(f".{out.name}.new")
        shutil.rmtree(staging, ignore_errors=True)
        config = load_config(str(config_file), strict=True, site_dir=str(staging.resolve()))
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return out
