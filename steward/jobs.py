"""Long work as generators: they yield `Progress` and return their result.

The desktop runs them through `steward.ui.workers`; the command line drives them with
`run_to_end`. Cancellation is cooperative: a job checks its `CancelToken` between batches.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    done: int
    total: int | None  # None when the size is not known yet
    text: str = ""


Job = Generator[Progress, None, T]


class Cancelled(Exception):
    """Raised inside a job when its token was cancelled; the job leaves the store consistent."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def run_to_end(job: Job[T], on_progress: Callable[[Progress], Any] | None = None) -> T:
    """Drive a job to completion in this thread and return its result."""
    while True:
        try:
            progress = next(job)
        except StopIteration as stop:
            return stop.value
        if on_progress is not None:
            on_progress(progress)


# Containers allocated between two collections of the youngest generation during a job that
# uses `collector_steps` (Python's default is 700): an import's decoded messages die young, and
# most are freed by reference counting before a collection would walk them (a twentieth of a
# Discord import's time).
JOB_GC_THRESHOLD = 100_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_threshold = gc.get_threshold()


@contextmanager
def collector_steps() -> Iterator[Callable[[], None]]:
    """For a job that makes millions of small objects which reference counting frees (an
    import's decoded JSON and rows, a scan's messages) beside big structures it keeps (the
    workspace's, the libraries', a scan's authors and texts): a cyclic-GC pass walks every
    object alive again and again (a third of a Discord import's time; 0.7 µs a message of the
    2M-message demo's moderation scan). Objects alive now, and at each step (the caller calls
    what this gives after every batch), are left out of later passes until the job ends: what
    the desktop's job runner does at each step (steward.ui.workers), here for the command
    line and the tests too. Young objects are collected less often meanwhile
    (`JOB_GC_THRESHOLD`)."""
    global _gc_users, _gc_threshold
    with _gc_lock:
        if not _gc_users:
            _gc_threshold = gc.get_threshold()
            gc.set_threshold(JOB_GC_THRESHOLD, *_gc_threshold[1:])
        _gc_users += 1
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
        with _gc_lock:
            _gc_users -= 1
            if not _gc_users:
                gc.set_threshold(*_gc_threshold)
