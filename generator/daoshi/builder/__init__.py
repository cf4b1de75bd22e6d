"""The one builder: every audience's site from one school, each distinct page rendered once.

``sources`` makes each audience's page sources (a student's portfolio and history once per
distinct visibility), ``render`` turns sources into finished pages through mkdocs and the
theme once per distinct source, ``store`` writes each audience's generation as hard links
to one copy of every file and swaps it in atomically, ``full`` builds every audience,
``update`` brings them up to date after a commit, and ``daemon`` is the long-running
process that notices commits by itself.
"""
