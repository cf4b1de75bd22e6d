"""Values made of in-memory objects, kept while those very objects are asked about again;
and the cyclic garbage collector held off while many acyclic objects are made.

The one builder holds the school for days and makes each audience's pages from it; an
update replaces only the records it changed, so most of what the pages compute (a
student's warnings, an obligations engine, the pairings' indexes, the assessments read)
is asked again of the same objects. ``IdentityMemo`` keys a value by the identities of
the objects it was made of (and any plain values beside them) and holds those objects in
the entry: no other object can take one of their identities while the entry lives, so a
key that matches means the very same inputs. The oldest entries go past ``size``.
"""

from __future__ import annotations

import contextlib
import gc
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """``get(held, make)``: ``make()`` once per set of objects (and plain values)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Hashable, ...], tuple[tuple[object, ...], V]] = (
            OrderedDict()
        )

    def get(
        self, held: tuple[object, ...], make: Callable[[], V], plain: tuple[Hashable, ...] = ()
    ) -> V:
        key = (plain, tuple(map(id, held)))
        found = self._entries.get(key)
        if found is None:
            found = self._entries[key] = (held, make())  # held: the identities stay taken
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        else:
            self._entries.move_to_end(key)
        return found[1]

    def clear(self) -> None:
        self._entries.clear()


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: the collector would rescan the large model
    (and all that is made) again and again while many small, acyclic objects are made.
    Nested pauses leave it off until the outermost ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
