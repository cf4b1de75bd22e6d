"""Small charts rendered at build time as inline SVG: no script, no CDN, works offline."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 18
LABEL_WIDTH = 96
WIDTH = 420


def bar_chart(items: Sequence[tuple[str, float]], title: str, unit: str = "") -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    if not items:
        return Markup("")
    top = max(value for _, value in items) or 1
    height = BAR_HEIGHT * len(items) + 8
    rows = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * BAR_HEIGHT
        width = (WIDTH - LABEL_WIDTH - 60) * value / top
        shown = f"{value:g}{unit}"
        rows.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" '
            f'height="{BAR_HEIGHT - 5}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 13}">{escape(shown)}</text>'
        )
    return Markup(
        f'<figure class="daoshi-chart"><svg role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
        f"<title>{escape(title)}</title>{''.join(rows)}</svg>"
        f"<figcaption>{escape(title)}</figcaption></figure>"
    )
