"""Rules across files, and the model built from the checked files.

Input: every file's ``Checked`` (typed values with locations). Output: the problems that
need more than one file to see, and the ``School`` model.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable
from types import MappingProxyType

from daoshi.records.check import Checked
from daoshi.records.layout import RECORD
from daoshi.records.model import (
    School,
)
from daoshi.records.rules.records import RecordRules


class CrossChecker(RecordRules):
    """Runs the cross-file rules over checked files and assembles the model."""

    def run(self, paths: Iterable[str]) -> School | None:
        """Check everything; the model is returned even with problems (best effort)."""
        self.load_data(set(paths))
        return self.finish()

    def load_data(self, paths: set[str]) -> None:
        """The rules over the data files (people, semesters, pairings …): the part that
        does not depend on the records."""
        self.school_file = self.one("school", "school.yaml", paths)
        self.one("teachers", "people/teachers.yaml", paths)
        self.load_teachers()
        self.load_cohorts()
        self.load_semesters(paths)
        self.check_refs(c for role, cs in self.by_role.items() if role != RECORD for c in cs)
        self.load_pairings()
        self.screening = self.load_screening()
        self.needs = self.load_needs()
        self.surveys = self.load_surveys()

    def with_records(self, files: Iterable[Checked]) -> CrossChecker:
        """A checker whose data files are loaded already (``load_data``), for these records
        in place of its own: its loaded people, semesters and pairings are shared, read
        only, so one load serves every commit of a push and every update of a watch."""
        other = copy.copy(self)
        other.problems = list(self.problems)
        other.by_role = defaultdict(list, self.by_role)
        other.by_role[RECORD] = [c for c in files if c.data is not None]
        return other

    def finish(self) -> School | None:
        """The records' rules, then the model (``load_data`` first)."""
        mine = [c.path for c in self.by_role.get(RECORD, []) if c.path not in self.paths]
        self.require_semester_files(mine)  # records in a folder the data files did not name
        self.check_refs(self.by_role.get(RECORD, []))
        records = self.load_records()
        school = self.school_file
        if school is None:
            return None
        data = school.data or {}
        return School(
            id=data.get("id", ""),
            name=data.get("name", ""),
            stage=data.get("stage", "junior"),
            timezone=data.get("timezone", "Asia/Shanghai"),
            policies=tuple(data.get("policies", ())),
            exam_ranking=bool(data.get("exam_ranking", False)),
            require_signed_commits=bool(data.get("require_signed_commits", False)),
            teachers=MappingProxyType(self.teachers),
            students=MappingProxyType(self.students),
            classes=MappingProxyType(self.classes),
            semesters=tuple(sorted(self.semesters.values(), key=lambda s: s.start)),
            pairings=tuple(self.pairings),
            screening=self.screening,
            surveys=self.surveys,
            records=records,
            forms=self.forms,
            needs=self.needs,
        )
