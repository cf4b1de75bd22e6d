"""The builder's store: one copy of each file, generations of hard links, swapped whole."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from daoshi.builder.store import Generation, Store


def _publish(store: Store, audience: str, files: dict[str, bytes]) -> Generation:
    generation = Generation(store, audience)  # from nothing: only these files
    for path, data in files.items():
        generation.add(path, data)
    generation.publish()
    return generation


def test_each_publication_is_read_whole_from_the_audiences_folder(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _publish(store, "leader", {"index.html": b"one", "students/S1/index.html": b"a"})
    assert (tmp_path / "leader" / "index.html").read_bytes() == b"one"
    _publish(store, "leader", {"index.html": b"two"})
    assert (tmp_path / "leader" / "index.html").read_bytes() == b"two"
    assert not (tmp_path / "leader" / "students").exists()  # a removed page's folder too
    _publish(store, "T001", {"index.html": b"two"})  # the same bytes: one file on disk
    one, two = tmp_path / "leader" / "index.html", tmp_path / "T001" / "index.html"
    assert os.stat(one).st_ino == os.stat(two).st_ino


def test_a_file_one_audience_drops_survives_for_the_next_that_links_it(tmp_path: Path) -> None:
    """Several generations published together forget the dropped files after the last: the
    leaders' old page may be the very bytes another audience's new page has."""
    for together in (True, False):
        store = Store(tmp_path / str(together))
        for data in (b"old", b"second", b"third"):  # the leaders' three slots
            _publish(store, "leader", {"index.html": data})
        leaders = Generation(store, "leader", {"index.html": store.put(b"fourth")})
        office = Generation(store, "office", {"index.html": store.put(b"old")})
        if together:
            dropped = leaders.publish(forget=False) | office.publish(forget=False)
            store.forget(dropped)
            assert (tmp_path / "True" / "office" / "index.html").read_bytes() == b"old"
        else:  # forgotten at once: the office's page is gone before it is linked
            leaders.publish()
            with pytest.raises(FileNotFoundError):
                office.publish()
