"""Rules across files, and the model built from the checked files.

One layer per subject, each building on the one before: ``base`` (state, reporting) →
``people`` → ``semesters`` → ``pairings`` → ``records``; ``checker.CrossChecker`` runs them
in two phases, the data files then the records.
"""

from daoshi.records.rules.base import SEMESTER_FILES
from daoshi.records.rules.checker import CrossChecker

__all__ = ["SEMESTER_FILES", "CrossChecker"]
