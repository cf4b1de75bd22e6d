"""Every audience's page sources, a student's pages made once per distinct visibility.

A student's portfolio and record history are most of every site. What an audience sees
of them is decided by ``daoshi.access`` through three things only: the rank at which it
sees each of the student's records, the rank at which it sees the student's data files
(profile, screening, pairing), and which pages its links may point to. The first two make
the page's *visibility key*, each rank reduced to the thresholds that can matter (the
sensitivity levels in the record's form, or in the data files' forms, and in the record's
recorded changes): two ranks that pass the same thresholds show the same fields. Audiences
with the same key get the same source; it is made with every link in it, and each audience's
copy loses the links it may not follow (``unlink``), as its own build would have left them
out. Every other page (home, mentor, class, grade, school, appraisal, review, pairings) is
made for each audience from its own ``Site``; equal sources still share their rendering.

``ScopedAccess`` and ``AudienceSite`` are ``Access`` and ``Site`` that answer "every visible
record" from the records of the audience's students instead of asking about all records of
the school, and share compiled templates: a school-wide audience costs the same as before,
a mentor's costs what its few students do.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from daoshi.access import REFERRED_CATEGORIES, Access, Audience
from daoshi.records.access_form import NONE
from daoshi.records.attendees import attendees
from daoshi.records.forms import FieldForm, Forms
from daoshi.records.model import Record, School
from daoshi.site.attached import audit_of
from daoshi.site.core import LISTS, Page, RecordIndexes, Site
from daoshi.site.markdown import render_markdown
from daoshi.site.pages import nav, page_makers
from daoshi.site.ranks import stand_in

STUDENT = re.compile(r"students/([^/]+)\.md\Z")
HISTORY = re.compile(r"students/([^/]+)/history\.md\Z")
CRISIS = "crisis-report"  # the kind that brings a student into the "referred" scope
_LINK = re.compile(
    r'<a href="(?:\.\./)*(students|mentors|classes|grades)/([^/"#?]+)/[^"]*">(.*?)</a>', re.DOTALL
)


def _levels(field: FieldForm) -> Iterable[str]:
    yield field.sensitivity
    for inner in (field.items, *field.fields.values()):
        if inner is not None:
            yield from _levels(inner)


class SchoolIndex:
    """What every audience's sources share: records by student, each form's thresholds."""

    def __init__(self, school: School, earlier: SchoolIndex | None = None) -> None:
        """``earlier``: the index of the school before an update, whose compiled templates
        and rendered record bodies (functions of their text alone) stay good."""
        self.school = school
        self.position = {r.path: i for i, r in enumerate(school.records)}
        self.by_path = {r.path: r for r in school.records}
        self.of_student: dict[str, list[Record]] = {}
        self.own_of: dict[str, list[Record]] = {}  # a teacher's own records (no student)
        # the school-wide audiences' record indexes, by the visible records' identities
        # (``AudienceSite._record_indexes``); the records are held by the school
        self.record_indexes: dict[tuple[int, ...], RecordIndexes] = {}
        for r in school.records:
            for sid in dict.fromkeys(r.students):
                self.of_student.setdefault(sid, []).append(r)
            if not r.students:  # its author's, and a case meeting's attendees' too
                for teacher in (r.mentor, *attendees(r)):
                    self.own_of.setdefault(teacher, []).append(r)
        forms = school.forms
        self.rank_of = {lv.id: i for i, lv in enumerate(forms.levels)}
        self.kinds = {kind: self._ranks(self._kind_levels(forms, kind)) for kind in forms.kinds}
        self.files = self._ranks(
            level
            for name in LISTS
            if name in forms.files
            for level in (
                forms.files[name].sensitivity,
                *(lv for f in forms.files[name].fields.values() for lv in _levels(f)),
            )
        )
        # the variants of a student's pages are made one after the other: a small cache
        # renders each record body once for all of them
        if earlier is None:
            self.templates = _CompiledTemplates()
            self.bodies = functools.lru_cache(maxsize=4096)(render_markdown)
        else:
            self.templates, self.bodies = earlier.templates, earlier.bodies
        self._history: dict[str, tuple[int, ...]] = {}
        self._scopes: tuple[dict[str, frozenset[str]], frozenset[str]] | None = None

    def scopes(self) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
        """Each mentor's students (paired, or in a record they wrote) and the referred
        students (a crisis report, or screened for emotional problems): what
        ``Access._students`` finds for the scopes "mentees" and "referred"."""
        if self._scopes is None:
            school = self.school
            mine: dict[str, set[str]] = {}
            for p in school.pairings:
                mine.setdefault(p.mentor, set()).update(p.students)
            for r in school.records:
                mine.setdefault(r.mentor, set()).update(r.students)
            referred = {sid for r in school.records if r.kind == CRISIS for sid in r.students}
            referred |= {
                e.student for e in school.screening if REFERRED_CATEGORIES & set(e.categories)
            }
            self._scopes = ({t: frozenset(s) for t, s in mine.items()}, frozenset(referred))
        return self._scopes

    @staticmethod
    def _kind_levels(forms: Forms, kind: str) -> Iterable[str]:
        form = forms.kinds[kind]
        yield form.sensitivity
        yield form.body.sensitivity
        for f in form.fields.values():
            yield from _levels(f)

    def _ranks(self, levels: Iterable[str]) -> tuple[int, ...]:
        return tuple(sorted({self.rank_of[lv] for lv in levels if lv in self.rank_of}))

    def history_thresholds(self, h: Any) -> tuple[int, ...]:
        """A record history's thresholds: its kind's, and the levels of its recorded changes."""
        found = self._history.get(h.path)
        if found is None:
            levels = {c.level for v in h.versions for c in v.changes}
            found = tuple(sorted({*self.kinds.get(h.kind, ()), *self._ranks(levels)}))
            if len(levels - set(self.rank_of)):  # a level the forms do not know: no sharing
                found = (*found, -2)
            self._history[h.path] = found
        return found


def canon(rank: int, thresholds: tuple[int, ...]) -> int | None:
    """A rank as far as these thresholds can tell: None (not seen) or how many it passes."""
    if rank == NONE:
        return None
    if thresholds and thresholds[-1] == -2:  # unknown levels: keep the rank itself
        return 1000 + rank
    return sum(1 for t in thresholds if rank >= t)


class ScopedAccess(Access):
    """``Access`` whose answer to "which of all the school's records are visible" looks only
    at the records of the students in the audience's scopes (none else can be visible)."""

    def __init__(self, school: School, audience: Audience, index: SchoolIndex) -> None:
        self.index = index
        self._all: list[Record] | None = None
        super().__init__(school, audience)

    def _students(self, scope: str, teacher: str | None) -> frozenset[str] | None:
        # the same sets as ``Access._students``, from one pass over the school for all
        # audiences instead of one pass per audience (``SchoolIndex.scopes``)
        if scope in ("mentees", "referred") and teacher is not None:
            mentees, referred = self.index.scopes()
            return mentees.get(teacher, frozenset()) if scope == "mentees" else referred
        return super()._students(scope, teacher)

    def visible(self, records: Iterable[Record]) -> list[Record]:
        if records is not self.school.records:
            return super().visible(records)
        if self._all is None:  # asked by the site's indexes, the home, school and crisis panel
            self._all = self._visible_of_all()
        return list(self._all)

    def _visible_of_all(self) -> list[Record]:
        records = self.school.records
        # a school-wide scope sees a kind of record everywhere or nowhere: no rank to ask
        everywhere = {
            kind
            for scope in self.scopes
            if scope.students is None
            for kind in self.school.forms.kinds
            if scope.ranks.get(kind, scope.ranks["*"]) > NONE
        }
        if any(s.students is None for s in self.scopes):
            return [
                r for r in records if (r.kind in everywhere and r.students) or self.sees_record(r)
            ]
        found: dict[str, Record] = {}
        for scope in self.scopes:
            for sid in scope.students or ():
                for r in self.index.of_student.get(sid, ()):
                    found[r.path] = r
        for r in self.index.own_of.get(self.audience.teacher or "", ()):
            found[r.path] = r
        position = self.index.position
        candidates = sorted(found.values(), key=lambda r: position[r.path])
        return [r for r in candidates if self.sees_record(r)]


class AudienceSite(Site):
    """``Site`` over a ``ScopedAccess``, its templates compiled once for every audience."""

    def __init__(
        self, school: School, today: dt.date, access: ScopedAccess, root: Path | None
    ) -> None:
        self.templates = access.index.templates
        self.bodies = access.index.bodies
        self.shared_indexes = access.index.record_indexes
        super().__init__(school, today, access, root)

    def _record_indexes(self, visible: Iterable[Record]) -> RecordIndexes:
        """Audiences that see the whole school and the same records (leaders, the office,
        the review group …) share one pair of indexes: an update makes them once, not once
        per audience (nothing adds to them after they are made)."""
        if not any(scope.students is None for scope in self.access.scopes):
            return super()._record_indexes(visible)
        visible = list(visible)
        key = tuple(map(id, visible))
        found = self.shared_indexes.get(key)
        if found is None:
            found = self.shared_indexes[key] = super()._record_indexes(visible)
        return found

    def body_html(self, text: str) -> Markup:
        return self.bodies(text)

    def _environment(self) -> jinja2.Environment:
        env = super()._environment()
        env.bytecode_cache = self.templates
        return env


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates in memory: each audience's environment loads them, none compiles."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


@dataclass(frozen=True)
class Reach:
    """What of the school an audience sees, as an update asks before it makes anything:
    whether it sees the whole school, and whose portfolios it has (None: everyone's)."""

    school: bool
    students: frozenset[str] | None

    def sees_student(self, student_id: str) -> bool:
        return self.students is None or student_id in self.students


def reach(access: Access) -> Reach:
    """The audience's reach: ``Access.sees_school`` and ``Access.sees_student`` kept
    without the school they were asked of."""
    seen = [s.students for s in access.scopes if max(s.ranks.values()) > NONE]
    if any(students is None for students in seen):
        return Reach(access.sees_school(), None)
    return Reach(access.sees_school(), frozenset().union(*(s for s in seen if s is not None)))


@dataclass
class AudienceSources:
    """One audience's pages: each path's maker, and its navigation."""

    audience: Audience
    access: ScopedAccess
    site: AudienceSite
    makers: dict[str, Callable[[], Page]]
    nav: list[Any]

    def linked(self, section: str, ident: str) -> bool:
        return self.site.linked(section, ident)


class SchoolSources:
    """The page sources of every audience of one school on one day."""

    def __init__(
        self,
        school: School,
        today: dt.date,
        root: Path | None,
        earlier: SchoolSources | None = None,
        changed: Iterable[str] = (),
    ) -> None:
        """``earlier``: the sources of the school before some records changed, whose
        appraisal is kept for every semester but those ``changed``."""
        self.school = school
        self.today = today
        self.root = root
        self.index: SchoolIndex = SchoolIndex(school, earlier.index if earlier else None)
        self.appraised: dict[str, list[Any]] | None = None
        self._earlier = (earlier.appraised, set(changed)) if earlier is not None else None

    def audience(self, audience: Audience) -> AudienceSources:
        """The audience's pages (made on demand) and navigation."""
        access = ScopedAccess(self.school, audience, self.index)
        site = AudienceSite(self.school, self.today, access, self.root)
        if self.appraised is not None:  # the appraisal is the school's, the same for all
            site.reuse_appraisals = self.appraised
        elif self._earlier is not None:
            site.reuse_appraisals, site.changed = self._earlier[0], self._earlier[1]
        makers = page_makers(site)
        if self.appraised is None:
            self.appraised = site.appraised
        return AudienceSources(audience, access, site, makers, nav(self.school, self.today, access))

    def key(self, sources: AudienceSources, path: str) -> tuple[Any, ...] | None:
        """The visibility key of a student's page (None: a page made for each audience)."""
        access = sources.access
        found = STUDENT.match(path)
        if found is not None:
            sid = found[1]
            kinds = self.index.kinds
            return (
                path,
                canon(access.student_rank(sid), self.index.files),
                *(
                    canon(access.record_rank(r), kinds.get(r.kind, ()))
                    for r in self.index.of_student.get(sid, ())
                ),
            )
        found = HISTORY.match(path)
        audit = audit_of(self.school)
        if found is not None and audit is not None:
            ranks = []
            for h in audit.of_student(found[1]):
                model = self.index.by_path.get(h.path) or stand_in(h)
                ranks.append(canon(access.record_rank(model), self.index.history_thresholds(h)))
            return (path, *ranks)
        return None

    def shared(self, sources: AudienceSources, path: str) -> str:
        """A keyed page made with every link in it (``unlink`` takes out the audience's)."""
        env = sources.site.env
        own = env.globals["linked"]
        env.globals["linked"] = _every_link
        try:
            return sources.makers[path]().content
        finally:
            env.globals["linked"] = own


def _every_link(section: str, ident: object) -> bool:
    return True


def unlink(html: str, linked: Callable[[str, str], bool]) -> str:
    """The page without the links to pages this audience does not have: the link's text
    stays, as the templates write it when ``linked`` says no."""
    start, end = html.find("<article"), html.rfind("</article>")
    if start < 0 or end < start or "<a href=" not in html[start:end]:
        return html

    def keep(match: re.Match[str]) -> str:
        return match[0] if linked(match[1], match[2]) else match[3]

    return html[:start] + _LINK.sub(keep, html[start:end]) + html[end:]
