"""``python -m generator``: the daoshi command without the console script."""

from .cli import main

main()
