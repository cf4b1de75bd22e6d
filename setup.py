"""Puts the repository's one copy of the default forms and mkdocs configuration into the wheel.

``forms/`` and ``mkdocs.yml`` stay at the top level, where the project's design puts them;
a built wheel carries them as ``daoshi/shipped/`` (found by ``daoshi.paths.shipped``).
Everything else about the package is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("forms", "mkdocs.yml")


class BuildWithShipped(build_py):
    """build_py, then the shipped files copied under daoshi/shipped/."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "daoshi" / "shipped"
        for name in SHIPPED:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithShipped})
