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


def let_go(*containers: dict | list | set) -> None:
    """Empty a job's big dicts, lists and sets a piece at a time. Freed at once when the job
    ends (its last reference dropped), millions of objects are deallocated in one step that
    runs no Python code, so no other thread runs meanwhile: the end of the 2M-message demo's
    moderation scan, its texts and authors, paused the desktop window 70-80 ms. Emptied here,
    other threads get the GIL between pieces."""
    for container in containers:
        if isinstance(container, list):
            while container:
                del container[-1000:]
        else:
            while container:
                container.popitem() if isinstance(container, dict) else container.pop()


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
        with _gc_lock:
            _gc_users -= 1
            if not _gc_users:
                gc.set_threshold(*_gc_threshold)
        release_frozen()


# --- a long-lived process's heap (the desktop) ------------------------------------------------

_resident = False  # the heap stays frozen between jobs; collected when nobody is waiting
_frozen_since_collect = False  # objects were frozen since the last full collection


def keep_heap_frozen() -> None:
    """For the desktop, once its window is built: every object alive now is left out of
    cyclic-GC passes, and so are those a job freezes after it ends (`release_frozen` no longer
    unfreezes them). A full pass over the window's heap (some 180,000 objects: modules,
    widgets, the libraries' caches) holds the GIL 100-200 ms, so the window froze whenever a
    worker's allocations, or the unfreezing at a job's end, set one off. Cyclic garbage among
    the frozen objects waits for `collect_frozen`, which the window runs when the user is idle;
    everything else is freed by reference counting as usual."""
    global _resident, _frozen_since_collect
    _resident = _frozen_since_collect = True
    gc.freeze()


def stop_keeping_heap_frozen() -> None:
    """Back to collecting everything as usual (the tests, after a desktop test)."""
    global _resident, _frozen_since_collect
    if _resident:
        _resident = _frozen_since_collect = False
        gc.unfreeze()


def release_frozen() -> None:
    """After a job: its frozen objects are collected as usual again, or, in a process that
    keeps its heap frozen, at its next `collect_frozen`."""
    global _frozen_since_collect
    if _resident:
        _frozen_since_collect = True
    else:
        gc.unfreeze()


def frozen_garbage_waiting() -> bool:
    """Whether objects were frozen since the last `collect_frozen` (in a process that keeps
    its heap frozen)."""
    return _resident and _frozen_since_collect


def collect_frozen() -> int:
    """One full collection of the whole heap, frozen again after; the number of objects freed.
    It holds the GIL for as long as the pass (100-200 ms on the desktop): call it when nobody
    is waiting on the window."""
    global _frozen_since_collect
    gc.unfreeze()
    freed = gc.collect()
    if _resident:
        gc.freeze()
        _frozen_since_collect = False
    return freed
