"""Exact points: fractions while scoring, one rounding at the very end.

A rubric's items are summed as exact fractions (20 ÷ 3 per round stays 20/3, a survey mean
written 4.35 is 435/100, not the float nearest to it); only the total is rounded, once,
to the rubric's ``total_decimals`` by its ``total_rounding`` (四舍五入 = ``half-up``). Item
points are shown to two decimals, rounded the same way, but never summed as shown.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

ROUNDING = ("half-up", "half-even", "down")
ROUNDING_LABELS = {"half-up": "四舍五入", "half-even": "四舍六入五成双", "down": "舍去"}
SHOWN_DECIMALS = 2  # item points on tables and pages
SHOWN_SCALE: int = 100  # 10 ** SHOWN_DECIMALS


def exact(value: float | int | str | Fraction | Decimal) -> Fraction:
    """A number as it is written: a float by its shortest repr (4.35 → 87/20)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        return _from_float(value)
    return Fraction(value)


@functools.lru_cache(maxsize=4096)
def _from_float(value: float) -> Fraction:
    return Fraction(repr(value))  # the same few points and means again and again


def rounded(value: Fraction, decimals: int, mode: str = "half-up") -> Decimal:
    """``value`` to ``decimals`` places: ``half-up`` rounds halves away from zero (四舍五入),
    ``half-even`` to the even digit, ``down`` towards zero; exact, in whole numbers, no
    float in between."""
    if mode not in ROUNDING:
        raise ValueError(f"unknown rounding {mode!r}; use one of {ROUNDING}")
    top = abs(value.numerator) * 10**decimals
    whole, rest = divmod(top, value.denominator)
    twice = 2 * rest
    if mode == "half-up":
        whole += twice >= value.denominator
    elif mode == "half-even":
        whole += twice > value.denominator or (twice == value.denominator and whole % 2 == 1)
    n = -whole if value < 0 else whole
    return Decimal(n).scaleb(-decimals) if decimals else Decimal(n)


def shown(value: Fraction) -> float:
    """An item's points as shown: two decimals, half up (``rounded``, made a float)."""
    whole, rest = divmod(abs(value.numerator) * SHOWN_SCALE, value.denominator)
    whole += 2 * rest >= value.denominator
    return (whole if value >= 0 else -whole) / SHOWN_SCALE


def text(value: Decimal | Fraction | float) -> str:
    """A number for a table: 87.3, 20, 7.5 (no trailing zeros, no exponent)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        value = rounded(value, SHOWN_DECIMALS)
    if isinstance(value, float):
        value = Decimal(repr(value))
    out = format(value.normalize(), "f")
    return "0" if out in ("-0", "") else out
