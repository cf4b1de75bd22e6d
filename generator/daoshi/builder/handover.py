"""What an update's forked workers hand back to the builder (``update.LiveSites``).

A share of the affected audiences made in a forked child exists only in the child's
memory; the parent needs, per audience, only the new generation's files, the search
entries that changed, the audience's reach, and its pages and navigation when they changed.
``Sent`` is that, pickled through the pipe; ``Sent.received`` makes the parent's
``AudienceSite`` objects from it (their sources are made again on demand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daoshi.builder.render import AudienceFiles
from daoshi.builder.sites import AudienceSite, SchoolSites
from daoshi.builder.sources import Reach
from daoshi.builder.store import Generation


@dataclass
class Made:
    """Some audiences' refreshed sites and their next generations, unpublished."""

    generations: list[tuple[AudienceSite, Generation]] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class AudienceMade:
    """What a forked child made for one audience, as the parent takes it over: the new
    generation's files, the search entries that changed, the audience's reach, and its
    pages and navigation when they are no longer the ones the parent holds."""

    id: str
    manifest: dict[str, str]
    entries: dict[str, list[dict[str, Any]]]
    dropped: frozenset[str]  # pages whose entries are gone
    reach: Reach
    files: tuple[list[Any], list[str]] | None  # (navigation, generated pages) when new


@dataclass(frozen=True)
class Sent:
    """A forked child's answer: its audiences (pickled through the pipe) and page count."""

    audiences: list[AudienceMade]
    pages: int

    @classmethod
    def of(cls, made: Made, olds: list[AudienceSite]) -> Sent:
        before = {old.audience.id: old for old in olds}
        sent = []
        for site, generation in made.generations:
            old = before[site.audience.id]
            earlier = old.entries
            files = None
            if site.files is not old.files:
                assert site.sources is not None
                files = (site.sources.nav, list(site.sources.makers))
            sent.append(
                AudienceMade(
                    site.audience.id,
                    generation.manifest,
                    {p: e for p, e in site.entries.items() if earlier.get(p) is not e},
                    frozenset(earlier.keys() - site.entries.keys()),
                    site.reach,
                    files,
                )
            )
        return cls(sent, made.pages)

    def received(self, sites: SchoolSites) -> Made:
        """The audiences as the parent holds them (sources released: made again on demand)."""
        made = Made(pages=self.pages)
        for a in self.audiences:
            old = sites.sites[a.id]
            files = old.files if a.files is None else AudienceFiles(sites.renderer, *a.files)
            entries = {p: e for p, e in old.entries.items() if p not in a.dropped}
            entries.update(a.entries)
            site = AudienceSite(old.audience, None, files, a.reach, entries, False, False)
            made.generations.append((site, Generation(sites.store, a.id, a.manifest)))
        return made
