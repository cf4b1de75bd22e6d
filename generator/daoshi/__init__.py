"""daoshi: records, portfolios and appraisal for whole-staff mentorship (全员导师制).

The library is the package; the ``daoshi`` command (``daoshi.cli``) is a thin door into it.
"""

from __future__ import annotations

__version__ = "0.1.0"

from daoshi.errors import Location, Problem, ProjectError
from daoshi.records.validate import load, validate

__all__ = ["Location", "Problem", "ProjectError", "load", "validate"]
