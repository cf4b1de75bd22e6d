"""``python -m daoshi``: the daoshi command without the console script."""

from daoshi.cli.main import main

main()
