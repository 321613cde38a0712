"""Long work as generators: they yield `Progress` and return their result.

The desktop runs them through `steward.ui.workers`; the command line drives them with
`run_to_end`. Cancellation is cooperative: a job checks its `CancelToken` between batches.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
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
