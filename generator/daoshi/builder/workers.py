"""Work split across the machine's cores by fork: each child starts from the parent's memory
(the school, its indexes, every audience's files) without copying or pickling it, and sends
back only what it made.

The builder holds the school once in memory; an update's pages for several audiences are
independent of each other, so each share goes to a forked child while the parent does the
first share itself. A child's answer is pickled through a pipe; an exception in a child is
raised in the parent with the child's traceback, as if the parent had run the work.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
W = TypeVar("W")


class WorkerFailed(Exception):
    """A forked child's work raised, or the child ended without an answer."""


def usable_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def balanced(items: Sequence[W], weight: Callable[[W], int], parts: int) -> list[list[W]]:
    """``items`` in at most ``parts`` shares of near-equal weight (heaviest first, each to
    the lightest share so far), the heaviest share first; empty shares are left out."""
    shares: list[list[W]] = [[] for _ in range(max(1, parts))]
    loads = [0] * len(shares)
    for item in sorted(items, key=weight, reverse=True):
        lightest = loads.index(min(loads))
        shares[lightest].append(item)
        loads[lightest] += weight(item)
    order = sorted(range(len(shares)), key=lambda i: -loads[i])
    return [shares[i] for i in order if shares[i]]


def run_forked(works: Sequence[Callable[[], T]]) -> list[T]:
    """Each work's result, in order: the first run here, the others in forked children at
    the same time. Without ``os.fork`` (or with one work) all run here, one after another."""
    if len(works) <= 1 or not hasattr(os, "fork"):
        return [work() for work in works]
    sys.stdout.flush()
    sys.stderr.flush()
    children = [_fork(work) for work in works[1:]]
    try:
        first = works[0]()
    finally:  # every child waited for, whatever happened here or there
        answers = [_collect(pid, fd) for pid, fd in children]
    for answer in answers:
        if isinstance(answer, WorkerFailed):
            raise answer
    return [first, *answers]  # type: ignore[list-item]


def _fork(work: Callable[[], T]) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, send the answer, leave without cleaning up
        code = 0
        try:
            os.close(read)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            gc.disable()  # short-lived: a collection would only touch (copy) shared pages
            try:
                answer: tuple[bool, object] = (True, work())
            except BaseException:
                answer = (False, traceback.format_exc())
            with os.fdopen(write, "wb") as out:
                pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, fd: int) -> object:
    """The child's answer, or the ``WorkerFailed`` that says why there is none."""
    try:
        with os.fdopen(fd, "rb") as answers:
            data = answers.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        return WorkerFailed(f"子进程 {pid} 未返回结果就结束了（状态 {status}）")
    ok, value = pickle.loads(data)
    return value if ok else WorkerFailed(f"子进程 {pid} 出错：\n{value}")
