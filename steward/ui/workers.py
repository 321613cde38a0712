"""The one adapter between core jobs (`steward.jobs`) and Qt: run them on a `QThreadPool`.

A `Worker` runs either a job (a generator yielding `Progress`, built by `job_factory(token)`) or
a quick read (a plain function) on the pool. Its public signals are always emitted on the UI
thread, so any callable connected to them runs there:

    progress(done, total, text)   total is 0 when the size is not known yet
    finished(result)
    failed(message)               one line; `worker.details` holds the traceback
    cancelled()
    done()                        after any of the three above

Cancellation is cooperative: `worker.cancel()` sets the job's `CancelToken`; the job checks it
between batches, and the adapter also stops asking the generator for more (closing it, so its
open transaction rolls back) at the next yield.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, QTimer, Signal, Slot

from steward import jobs
from steward.errors import StewardError
from steward.jobs import Cancelled, CancelToken, Job, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.05  # seconds between progress signals: never flood the UI thread
WORKER_NICENESS = 10  # how far below the UI thread the workers run (Linux nice steps)
_pool: QThreadPool | None = None
_worker_niceness: int | None = None  # Linux: see `_below_the_window`
_active: set[Worker] = set()
_jobs_running = 0
_jobs_lock = threading.Lock()


def pool() -> QThreadPool:
    """The pool every Steward worker runs on."""
    global _pool, _worker_niceness
    if _pool is None:
        # A worker running Python holds the GIL; hand it back to the UI thread within ~1 ms
        # (the default 5 ms lets a busy worker stall the event loop for tens of ms).
        sys.setswitchinterval(0.001)
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)  # SQLite readers scale poorly past a few threads
        _pool.setThreadPriority(QThread.Priority.LowPriority)  # see `_below_the_window`
        if sys.platform.startswith("linux"):  # called on the UI thread: its nice value, plus
            _worker_niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICENESS)
    return _pool


def _below_the_window() -> None:
    """On a pool thread: run below the UI thread's priority. A page's queries run in SQLite
    without the GIL, two to four at once, and on a two-core laptop the UI thread shared the
    cores with them as an equal: on the 2M-message demo, Members' first open (some 35 ms of the
    UI thread's work) paused the window 130-170 ms, of which 100-140 ms waiting for a core;
    below it, 55-65 ms. Linux gives each thread its own nice value (`setpriority` on the
    thread's id); elsewhere Qt's thread priority does it (`pool()`)."""
    if _worker_niceness is None:
        return
    tid = threading.get_native_id()
    if os.getpriority(os.PRIO_PROCESS, tid) != _worker_niceness:
        os.setpriority(os.PRIO_PROCESS, tid, _worker_niceness)


def active_workers() -> list[Worker]:
    return list(_active)


def cancel_all() -> None:
    for worker in list(_active):
        worker.cancel()


def wait_for_all(msecs: int = 30_000) -> bool:
    """Block until every worker thread has finished (for tests and shutdown)."""
    return pool().waitForDone(msecs)


def error_text(exc: BaseException) -> str:
    """One line a person can read for a failure."""
    if isinstance(exc, StewardError | ValueError) and str(exc):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Runnable(QRunnable):
    def __init__(self, worker: Worker):
        super().__init__()
        self.setAutoDelete(True)
        self._worker = worker

    def run(self) -> None:  # on a pool thread
        _below_the_window()
        self._worker._run_in_thread()


class Worker(QObject):
    """One piece of background work; create it with `start_job` or `start_query`."""

    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    done = Signal()

    # Emitted from the pool thread; queued to the UI thread, then re-emitted as the above.
    _thread_progress = Signal(int, int, str)
    _thread_end = Signal(str, object)

    def __init__(self, fn: Callable[..., Any], is_job: bool):
        super().__init__()
        self.token = CancelToken()
        self.details = ""
        self.label = ""  # what the status bar calls this work
        self.is_running = False
        self._fn = fn
        self._is_job = is_job
        self._thread_progress.connect(self._relay_progress, Qt.ConnectionType.QueuedConnection)
        self._thread_end.connect(self._relay_end, Qt.ConnectionType.QueuedConnection)

    def start(self) -> Worker:
        if _held is not None and threading.current_thread() is threading.main_thread():
            _held.append(self)  # asked for while a page is built: started once it has painted
            return self
        _active.add(self)
        self.is_running = True
        pool().start(_Runnable(self))
        return self

    def cancel(self) -> None:
        self.token.cancel()

    # --- in the pool thread ------------------------------------------------------------------

    def _run_in_thread(self) -> None:
        try:
            result = self._drive(self._fn(self.token)) if self._is_job else self._fn()
        except Cancelled:
            self._thread_end.emit("cancelled", None)
        except Exception as exc:  # every failure reaches the notification area
            self.details = traceback.format_exc()
            log.info("background work failed: %s", type(exc).__name__)
            self._thread_end.emit("failed", error_text(exc))
        else:
            self._thread_end.emit("finished", result)

    def _drive(self, job: Job) -> Any:
        global _jobs_running
        with _jobs_lock:
            _jobs_running += 1
        gc.freeze()  # the job's first step may set off a full pass too (see `_steps`)
        try:
            return self._steps(job)
        finally:
            with _jobs_lock:
                _jobs_running -= 1
                if not _jobs_running:
                    jobs.release_frozen()

    def _steps(self, job: Job) -> Any:
        last = 0.0
        while True:
            if self.token.cancelled:
                job.close()  # GeneratorExit at the yield: open transactions roll back
                raise Cancelled()
            try:
                step: Progress = next(job)
            except StopIteration as stop:
                return stop.value
            # A job builds big structures; a full cyclic-GC pass over them holds the GIL (and so
            # the UI thread) for 100 ms or more. Objects that exist at each step are left out
            # of later passes (refcounting still frees them) until the last job ends.
            gc.freeze()
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL:
                last = now
                self._thread_progress.emit(int(step.done), int(step.total or 0), step.text)

    # --- on the UI thread --------------------------------------------------------------------

    @Slot(int, int, str)
    def _relay_progress(self, done: int, total: int, text: str) -> None:
        if self.is_running:
            self.progress.emit(done, total, text)

    @Slot(str, object)
    def _relay_end(self, kind: str, payload: object) -> None:
        self.is_running = False
        try:
            if kind == "finished":
                self.finished.emit(payload)
            elif kind == "failed":
                self.failed.emit(payload)
            else:
                self.cancelled.emit()
            self.done.emit()
        finally:
            _active.discard(self)


class UiSteps(QObject):
    """Work that must run on the UI thread (building widgets, drawing a chart), cut into
    steps that each get their own turn of the event loop: the window repaints and takes keys
    between two steps. Counted among `active_workers` until the last step has run.

    A step that raises ends the run: `failed(message)` (with `details`), then `done()`."""

    failed = Signal(str)
    done = Signal()

    def __init__(self, steps: list[Callable[[], Any]], first: bool = False):
        super().__init__()
        self.token = CancelToken()
        self.details = ""
        self.label = ""
        self.is_running = False
        self._steps = list(steps)
        self._first = first

    def start(self) -> UiSteps:
        _active.add(self)  # type: ignore[arg-type]
        self.is_running = True
        _wait_for_turn(self, self._first)
        return self

    def cancel(self) -> None:
        self.token.cancel()

    def _next(self) -> None:
        if self.token.cancelled or not self._steps:
            self._end()
            return
        step = self._steps.pop(0)
        try:
            step()
        except Exception as exc:
            self.details = traceback.format_exc()
            log.info("a UI step failed: %s", type(exc).__name__)
            self._steps.clear()
            self.failed.emit(error_text(exc))
            self._end()
            return
        _wait_for_turn(self)

    def _end(self) -> None:
        self.is_running = False
        try:
            self.done.emit()
        finally:
            _active.discard(self)  # type: ignore[arg-type]


_waiting: deque[UiSteps] = deque()  # runs with a step to take, in turn
_turn_asked = False


def _wait_for_turn(run: UiSteps, first: bool = False) -> None:
    """Queue `run`'s next step (at the head with `first`). One step per turn across every run:
    two pages' steps never share a turn. A timer of 1 ms, not 0: a zero timer is a posted event
    that Qt may take in the same pass as the step before, with no paint, input or other timer
    in between."""
    if first:
        _waiting.appendleft(run)
    else:
        _waiting.append(run)
    _ask_turn()


def _ask_turn() -> None:
    global _turn_asked
    if _waiting and not _turn_asked:
        _turn_asked = True
        QTimer.singleShot(1, _take_turn)


def _take_turn() -> None:
    global _turn_asked
    _turn_asked = False
    try:
        if _waiting:
            _waiting.popleft()._next()  # queues the run again if it has more steps
    finally:
        _ask_turn()


_held: list[Worker] | None = None  # see `hold_starts`


@contextmanager
def hold_starts() -> Iterator[list[Worker]]:
    """Workers started inside wait in the list this gives until `start_held` starts them. A page
    is built in one turn of the event loop and painted in the next; its queries, started while
    it is built, took the GIL in turn with both (on the 2M-message demo a build of 40-60 ms of
    the UI thread's work paused the window 100-200 ms)."""
    global _held
    outer, _held = _held, []
    try:
        yield _held
    finally:
        _held = outer


def start_held(held: list[Worker]) -> None:
    for worker in held:
        worker.start()
    held.clear()


def run_in_steps(steps: list[Callable[[], Any]], first: bool = False) -> UiSteps:
    """Run `steps` on the UI thread, one per turn of the event loop (see `UiSteps`); with
    `first`, its first step before the steps already waiting."""
    return UiSteps(steps, first).start()


def start_job(job_factory: Callable[[CancelToken], Job]) -> Worker:
    """Run `job_factory(token)` (a generator yielding `Progress`) on the pool."""
    return Worker(job_factory, is_job=True).start()


def start_query(fn: Callable[[], Any]) -> Worker:
    """Run a quick read `fn()` off the UI thread; connect to `finished` for its result."""
    return Worker(fn, is_job=False).start()
