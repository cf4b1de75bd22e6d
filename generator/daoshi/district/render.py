"""The district site's pages as Markdown (with HTML tables), from the Jinja templates in
``templates/`` (autoescaped). A school's page is rendered by the task that verified its
summary; the overview pages by the build once every school is in.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from daoshi.district.counts import LOAD_BANDS
from daoshi.district.figures import (
    DistrictDuty,
    SchoolResult,
    behind,
    current_rows,
    district_standing,
    ratio,
    school_unit,
    standing,
    trend,
)
from daoshi.site.charts import bar_chart

TEMPLATES = Path(__file__).resolve().parent / "templates"
STALE_DAYS = 14  # a summary older than two weeks is marked on the pages
BANDS = tuple(f"{lo}-{hi}" if hi else f"{lo}+" for lo, hi in LOAD_BANDS)


@functools.cache
def environment() -> jinja2.Environment:
    """The templates, autoescaped, failing on any undefined name."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        ratio=ratio,
        school_unit=school_unit,
        standing_of=standing,
        stale_days=STALE_DAYS,
    )
    return env


def load_chart(load: dict[str, Any]) -> Markup:
    """Mentors per band of mentees (an inline SVG)."""
    bands = load.get("bands", {})
    return bar_chart([(f"带 {b} 人", bands.get(b, 0)) for b in BANDS], "导师带生人数分布", " 名")


def render_school(
    result: SchoolResult,
    duties: Sequence[DistrictDuty],
    policy_label: str,
    today: dt.date,
    k: int,
) -> str:
    """A school's page: every semester of its summary, latest first."""
    assert result.summary is not None
    return (
        environment()
        .get_template("school.md")
        .render(
            result=result,
            summary=result.summary,
            semesters=list(reversed(result.summary["semesters"])),
            duties=duties,
            policy_label=policy_label,
            today=today,
            k=k,
            load_chart=load_chart,
        )
    )


def render_overview(
    results: Sequence[SchoolResult],
    duties: Sequence[DistrictDuty],
    *,
    district: Any,
    policy_label: str,
    cap: int,
    today: dt.date,
) -> dict[str, str]:
    """The district's own pages: overview, schools behind, ratio, trends (path → Markdown)."""
    env = environment()
    rows = current_rows(results, duties)
    common = {
        "district": district,
        "duties": duties,
        "policy_label": policy_label,
        "today": today,
        "k": district.k,
        "results": results,
        "rows": rows,
    }
    over = [(r.school.name, _over_cap(r.school)) for r in rows if _over_cap(r.school)]
    chart = bar_chart(over, f"超过 1:{cap} 的导师人数", " 名") if over else Markup("")
    totals = [district_standing(r.standings[i] for r in rows) for i in range(len(duties))]
    return {
        "index.md": env.get_template("index.md").render(
            failed=[r for r in results if r.summary is None], **common
        ),
        "behind.md": env.get_template("behind.md").render(behind=behind, totals=totals, **common),
        "ratio.md": env.get_template("ratio.md").render(
            cap=cap, bands=BANDS, chart=chart, **common
        ),
        "trends.md": env.get_template("trends.md").render(trend=trend(results, duties), **common),
    }


def _over_cap(result: SchoolResult) -> int:
    semester = result.current() or {}
    over = semester.get("mentor_load", {}).get("over_cap", {})
    return int(over.get("district", over.get("school", 0)))
