"""The audience's rank per record history: asked by the history pages and the flags.

A history whose file was deleted has no model record; ``stand_in`` makes one (path, kind,
semester, mentor, date, students) so that ``Access`` can judge it like any other.
"""

from __future__ import annotations

import datetime as dt
import weakref

from daoshi.history.trail import RecordHistory
from daoshi.records.model import Record, School
from daoshi.site.core import Site


def stand_in(h: RecordHistory) -> Record:
    """A model record for a history whose file is gone (deleted), for access checks."""
    return Record(h.path, h.kind, h.semester, h.mentor, h.date or dt.date.min, h.students, "")


class _Ranks:
    """The audience's rank per record path, computed once per page set (``ranks_of``)."""

    def __init__(self, site: Site) -> None:
        # not the site: held by the site's weak entry in _RANKS, a reference back to it
        # would keep the site (and its school) alive for ever
        self.access = site.access
        self.school = site.school
        self.models = _models(site.school)
        self.known: dict[str, int] = {}

    def rank(self, h: RecordHistory) -> int:
        if h.path not in self.known:
            model = self.models.get(h.path) or stand_in(h)
            self.known[h.path] = self.access.record_rank(model)
        return self.known[h.path]

    def sees(self, h: RecordHistory) -> bool:
        return self.rank(h) >= 0


_RANKS: weakref.WeakKeyDictionary[Site, _Ranks] = weakref.WeakKeyDictionary()
# the school's records by path, one dict for every audience of a school (held while it lives)
_MODELS: dict[int, tuple[weakref.ref[School], dict[str, Record]]] = {}


def _models(school: School) -> dict[str, Record]:
    found = _MODELS.get(id(school))
    if found is not None and found[0]() is school:
        return found[1]
    key = id(school)
    models = {r.path: r for r in school.records}
    _MODELS[key] = (weakref.ref(school, lambda _: _MODELS.pop(key, None)), models)
    return models


def ranks_of(site: Site) -> _Ranks:
    """The ranks of this page set: one per ``Site`` (one audience, one school)."""
    found = _RANKS.get(site)
    if found is None or found.school is not site.school:
        found = _RANKS[site] = _Ranks(site)
    return found
