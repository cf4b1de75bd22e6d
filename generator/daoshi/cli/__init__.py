"""The ``daoshi`` command: thin click groups over the library, one module per group."""

from daoshi.cli.main import main

__all__ = ["main"]
