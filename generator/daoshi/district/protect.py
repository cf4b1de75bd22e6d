"""De-identification of the published counts: small cells suppressed, the rest rounded.

A count of students (or of records about them) between 1 and ``k - 1`` is suppressed
(published as ``null``); every cell that a sum would let a reader recover is suppressed
too (complementary suppression: no sum has exactly one hidden cell); every published count
is rounded to the nearest multiple of ``base``, each on its own, so a sum of published
parts is only approximately its published total. Pure functions; see docs/district.md.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

Key = tuple[Hashable, ...]
Sum = tuple[Key, tuple[Key, ...]]  # a total and the parts it is the sum of


@dataclass(frozen=True)
class Protection:
    """The rule a summary was published under: suppress below ``k``, round to ``base``."""

    k: int = 5
    base: int = 5

    def rounded(self, value: int) -> int:
        """The nearest multiple of ``base`` (halves up: 7 → 5, 8 → 10 with base 5)."""
        return self.base * ((2 * value + self.base) // (2 * self.base))


def suppressed_cells(counts: Mapping[Key, int], sums: Sequence[Sum], k: int) -> set[Key]:
    """The cells to hide: the small ones, then one more in every sum that hides only one."""
    hidden = {key for key, value in counts.items() if 0 < value < k}
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            cells = (total, *parts)
            if sum(c in hidden for c in cells) != 1:
                continue
            # hide the smallest other part (a non-zero one first: a hidden zero gives a
            # reader little doubt), the total only when no part is left
            others = sorted(
                (c for c in parts if c not in hidden), key=lambda c: (counts[c] == 0, counts[c])
            )
            extra = others[0] if others else total
            if extra not in hidden:
                hidden.add(extra)
                changed = True
    return hidden


def publish(
    counts: Mapping[Key, int], sums: Sequence[Sum], protection: Protection
) -> dict[Key, int | None]:
    """Every cell as published: ``None`` when suppressed, else rounded to ``base``."""
    for total, parts in sums:
        for key in (total, *parts):
            if key not in counts:
                raise KeyError(f"a sum names a cell that was not counted: {key}")
    hidden = suppressed_cells(counts, sums, protection.k)
    return {
        key: None if key in hidden else protection.rounded(value) for key, value in counts.items()
    }
