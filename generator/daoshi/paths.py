"""Where the files daoshi ships with live: the default forms and the default mkdocs configuration.

The repository keeps one copy of each at its top level (``forms/``, ``mkdocs.yml``), as the
project's design puts them. A wheel carries that same copy inside the package, under
``daoshi/shipped/`` (``setup.py`` copies it there when the wheel is built); a source checkout
(an editable install, the tests) reads it where it is.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# generator/daoshi/ -> the checkout's top level (only meaningful in a source checkout)
_CHECKOUT = PACKAGE.parent.parent


def shipped(name: str) -> Path:
    """The shipped file or folder ``name`` (``forms`` or ``mkdocs.yml``)."""
    inside = PACKAGE / "shipped" / name
    if inside.exists():
        return inside
    return _CHECKOUT / name
