"""``IdentityMemo``: one value per set of objects, kept while those very objects are asked."""

from __future__ import annotations

from daoshi.memo import IdentityMemo


def test_the_same_objects_make_once_equal_new_ones_make_again() -> None:
    memo: IdentityMemo[int] = IdentityMemo(4)
    made: list[int] = []

    def make() -> int:
        made.append(len(made))
        return len(made)

    records = [["谈话"], ["家访"]]
    assert memo.get(tuple(records), make) == 1
    assert memo.get(tuple(records), make) == 1 and made == [0]
    copies = [list(r) for r in records]  # equal, not the same objects: an update's new ones
    assert memo.get(tuple(copies), make) == 2
    assert memo.get(tuple(records), make, plain=("2026-11-25",)) == 3  # plain values count


def test_the_oldest_entries_go_past_the_size() -> None:
    memo: IdentityMemo[str] = IdentityMemo(2)
    a, b, c = object(), object(), object()
    memo.get((a,), lambda: "a")
    memo.get((b,), lambda: "b")
    memo.get((a,), lambda: "again")  # asked again: now the newest
    memo.get((c,), lambda: "c")  # b goes
    assert memo.get((a,), lambda: "again") == "a"
    assert memo.get((b,), lambda: "b made again") == "b made again"
