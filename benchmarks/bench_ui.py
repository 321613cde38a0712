"""Desktop: cold start to an unlocked main window, page switching, and a big lazy table.

The start figures run in fresh processes (`python -m benchmarks.bench_ui start …`) so imports
count; the anchor is a bare QMainWindow started the same way in the same run.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    PASSPHRASE,
    Figure,
    Timer,
    demo_workspace,
    reset_scans,
    unlock,
    unscanned_copy,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _start_child(mode: str, path: str, t0: float) -> None:
    """In a fresh process: start the app (or a bare window) and print when it was shown."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    if mode == "bare":
        app = QApplication([sys.argv[0]])
        window = QMainWindow()
        window.resize(1200, 780)
        window.show()
        app.processEvents()
        window.repaint()
        print(json.dumps({"shown": time.time() - t0}), flush=True)
        os._exit(0)

    from steward.ui.app import StewardApp, qt_app
    from steward.ui.selftest import settle

    app = qt_app()
    steward = StewardApp(Path(path), "admin")  # exactly what `steward --workspace PATH` does
    steward.start()
    app.processEvents()
    steward.gate.repaint()
    gate = time.time() - t0
    steward.gate.unlock.passphrase.setText(PASSPHRASE)
    steward.gate.unlock.submit()  # as if Unlock was pressed at once
    deadline = time.time() + 120
    while steward.window is None:
        if time.time() > deadline or steward.gate.unlock.error.text():
            raise SystemExit(f"unlock failed: {steward.gate.unlock.error.text()}")
        app.processEvents()
        time.sleep(0.001)
    steward.window.repaint()
    shown = time.time() - t0
    settle(120)
    print(json.dumps({"gate": gate, "shown": shown, "data": time.time() - t0}), flush=True)
    os._exit(0)


def _spawn(mode: str, path: Path | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_ui", "start", mode, str(path or ""),
         repr(time.time())],
        check=True, capture_output=True, text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_start(path: Path, messages: int) -> list[Figure]:
    bare = min(_spawn("bare")["shown"] for _ in range(2))
    runs = [_spawn("steward", path) for _ in range(2)]
    best = min(runs, key=lambda r: r["shown"])
    return [
        Figure(f"cold start to an unlocked main window ({messages:,} messages)", best["shown"],
               "s", "bare QMainWindow start", bare, "s", "< 2 s", best["shown"] < 2.0,
               best["shown"] / bare),
        Figure("  of which the unlock screen showing", best["gate"], "s", "whole start",
               best["shown"], "s", "", None),
        Figure("  background work done (Overview filled in; the copy is unscanned, so its scan on "
               "opening too)", best["data"],
               "s", "window shown", best["shown"], "s", "(no target)", None),
    ]


def bench_page_switching(path: Path) -> list[Figure]:
    from steward.ui.app import qt_app
    from steward.ui.main_window import MainWindow
    from steward.ui.selftest import settle

    app = qt_app()
    ws = unlock(path)
    window = MainWindow(ws)
    window.resize(1200, 780)
    window.show()
    settle(120)
    first, again = {}, {}
    for times in (first, again, again):
        for key in window.page_keys():
            with Timer() as t:
                window.open_page(key)
                app.processEvents()
                window.repaint()
            times[key] = max(times.get(key, 0.0), t.seconds)
            settle(120)  # let the page's own queries finish before the next switch
    with Timer() as bare:
        window.repaint()
    window.shutdown()
    window.close()
    settle(10)
    ws.lock()
    slowest_first = max(first, key=first.get)
    slowest = max(again, key=again.get)
    return [
        Figure(f"page switch, slowest page ({slowest}) of {len(again)}", again[slowest] * 1000,
               "ms", "repainting the window in place", bare.seconds * 1000, "ms", "< 150 ms",
               again[slowest] < 0.15),
        Figure(f"  first visit, building the page ({slowest_first})",
               first[slowest_first] * 1000, "ms", "later switch", again[slowest_first] * 1000,
               "ms", "< 150 ms", first[slowest_first] < 0.15),
    ]


def bench_big_table(path: Path, rows: int) -> list[Figure]:
    """A `PagedTableModel` over the first `rows` messages, paged in SQL."""
    from sqlalchemy import text

    from steward.ui.app import qt_app
    from steward.ui.table_model import Column, PagedTableModel
    from steward.ui.widgets import table_view

    app = qt_app()
    ws = unlock(path)
    order = {"id": "id", "created_at": "created_at", "space_id": "space_id"}

    def fetch(offset, limit, key, descending):
        column = order.get(key or "id", "id")
        with ws.session() as s:
            return [tuple(r) for r in s.execute(text(
                f"SELECT id, created_at, space_id, substr(text, 1, 80) FROM messages "
                f"WHERE id <= :n ORDER BY {column} {'DESC' if descending else 'ASC'}, id "
                "LIMIT :limit OFFSET :offset"), {"n": rows, "limit": limit, "offset": offset})]

    def count():
        with ws.session() as s:
            return s.scalar(text("SELECT count(*) FROM messages WHERE id <= :n"), {"n": rows})

    columns = [Column("id", "Id"), Column("created_at", "When"), Column("space_id", "Space"),
               Column("text", "Message", sortable=False)]
    def wait(until) -> None:
        """Run the event loop until `until()` holds: the pages arrive from the worker pool."""
        deadline = time.monotonic() + 120
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit("the table's rows did not arrive")
            app.processEvents()
            time.sleep(0.0005)

    with Timer() as opened:
        model = PagedTableModel(columns, fetch, count)
        view = table_view(model, "Messages")
        view.resize(1000, 700)
        view.show()
        wait(lambda: model.loaded > 0 or not model.loading)  # the count may come later
        app.processEvents()
        view.repaint()
    wait(lambda: not model.loading)
    with Timer() as naive, ws.session() as s:
        everything = s.execute(text(
            "SELECT id, created_at, space_id, substr(text, 1, 80) FROM messages "
            "WHERE id <= :n ORDER BY id"), {"n": rows}).all()
    most_loaded_at_once, steps = model.loaded, 0
    with Timer() as scrolled:
        while model.canFetchMore():
            before = model.loaded
            view.scrollToBottom()
            wait(lambda b=before: model.loaded > b)
            most_loaded_at_once = max(most_loaded_at_once, model.loaded - before)
            steps += 1
    total = model.total
    view.close()
    ws.lock()
    return [
        Figure(f"{total:,}-row table opening (first page shown)", opened.seconds * 1000, "ms",
               "loading every row in one query", naive.seconds * 1000, "ms", "< 200 ms",
               opened.seconds < 0.2, opened.seconds / naive.seconds),
        Figure(f"  scrolling to the end ({steps} pages of {model.page_size})", scrolled.seconds,
               "s", "rows per fetch, at most", most_loaded_at_once, "rows",
               f"never all {len(everything):,} at once",
               most_loaded_at_once <= model.page_size and model.loaded == total),
    ]


class Heartbeat:
    """A QTimer ticking every `interval_ms` on the UI thread: the longest gap between two ticks
    is the longest the window could not repaint or take a key (a stall).

    The UI thread's own CPU time between two ticks is kept beside each gap (`cpu`): on a loaded
    machine a gap also counts the time the thread waited for a core (or for the GIL), the CPU
    time only the work it did itself.
    """

    def __init__(self, interval_ms: int = 5):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.last_cpu = time.thread_time()
        self.phases: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.phase = ""

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap, self.last = now - self.last, now
        spent, self.last_cpu = cpu - self.last_cpu, cpu
        if gap > self.phases.get(self.phase, 0.0):
            self.phases[self.phase] = gap
        if spent > self.cpu.get(self.phase, 0.0):
            self.cpu[self.phase] = spent

    def start(self, phase: str) -> None:
        self.phase = phase
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()

    def stop(self) -> None:
        self._tick()
        self.timer.stop()


def _run_in_loop(action, settle_seconds: float = 300) -> None:
    """Run `action` from the event loop (as a click would) and wait until its work is done."""
    from PySide6.QtCore import QTimer

    from steward.ui.selftest import settle

    QTimer.singleShot(0, action)
    settle(settle_seconds)


class FirstPaint:
    """When a page first paints after `open_page`: an event filter on the page notes its first
    Paint event (on the page alone: an application-wide Python filter would add a call for every
    event of every widget to the very stalls being measured)."""

    def __init__(self):
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class _Filter(QObject):
            def __init__(self):
                super().__init__()
                self.started = 0.0
                self.painted: float | None = None

            def eventFilter(self, watched, event):  # noqa: N802
                if self.painted is None and event.type() == paint:
                    self.painted = time.perf_counter() - self.started
                return False

        self._filter = _Filter()
        self._page = None

    def start(self) -> None:
        self._filter.started, self._filter.painted = time.perf_counter(), None

    def watch(self, page) -> None:
        """Call in the same turn of the event loop as `open_page`, before anything paints."""
        self._page = page
        page.installEventFilter(self._filter)

    def stop(self) -> float | None:
        if self._page is not None:
            self._page.removeEventFilter(self._filter)
            self._page = None
        return self._filter.painted


def bench_stalls(path: Path, label: str = "", paints: dict | None = None,
                 every: dict | None = None) -> list[Figure]:
    """The longest UI-thread stall (QTimer heartbeat) while opening every page, sorting every
    sortable column of every table, searching Members and running a scan; the first paint of
    every page goes into `paints` and every measured gap into `every` when given, as (longest
    gap, the UI thread's longest CPU time between two ticks, its CPU time over the whole action)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QTableView

    from steward import jobs
    from steward.ui.app import qt_app
    from steward.ui.main_window import MainWindow
    from steward.ui.selftest import settle
    from steward.ui.table_model import PagedTableModel

    qt_app()
    ws = unlock(path)
    beat = Heartbeat()
    window = MainWindow(ws)
    window.resize(1280, 720)
    window.show()
    settle(300)
    worst: dict[str, tuple[float, str]] = {}
    # a move to where the pointer already is makes no event
    points = itertools.cycle((QPoint(20, 20), QPoint(21, 20)))

    def measure(phase: str, what: str, action) -> None:
        beat.phases.pop(phase + "/" + what, None)
        beat.cpu.pop(phase + "/" + what, None)
        # A person moves the mouse before each action; the window defers its idle-time work
        # (collect_frozen) until nobody has for a while
        QTest.mouseMove(window.centralWidget(), next(points))
        started = time.thread_time()
        beat.start(phase + "/" + what)
        _run_in_loop(action)
        beat.stop()
        gap = beat.phases.get(phase + "/" + what, 0.0)
        if every is not None:
            every[phase + "/" + what] = (gap, beat.cpu.get(phase + "/" + what, 0.0),
                                         time.thread_time() - started)
        if gap >= worst.get(phase, (0.0, ""))[0]:
            worst[phase] = (gap, what)

    first_paint = FirstPaint()

    def open_and_watch(key: str) -> None:
        window.open_page(key)
        first_paint.watch(window.page(key))

    for key in window.page_keys():  # first visits build the page and start its queries
        shown = window.current_page_key() == key  # the first page is on screen already
        first_paint.start()
        measure("open every page", key, lambda k=key: open_and_watch(k))
        painted = first_paint.stop()
        if paints is not None and not shown:
            paints[key] = painted
    for key in window.page_keys():
        window.open_page(key)
        settle(300)
        page = window.page(key)
        for view in page.findChildren(QTableView):
            model = view.model()
            if not isinstance(model, PagedTableModel) or not model.rowCount():
                continue
            for column, spec in enumerate(model.columns):
                if spec.sortable:
                    measure("sort every column", f"{key}: {spec.title}",
                            lambda v=view, c=column: v.sortByColumn(
                                c, Qt.SortOrder.DescendingOrder))
    window.open_page("members")
    members = window.page("members")
    for text in ("a", "smith", "@example", ""):
        measure("search Members", repr(text), lambda t=text: members.search.setText(t))
    window.open_page("moderation")
    measure("run a scan", "Scan now", window.page("moderation").scan)
    window.shutdown()
    window.close()
    settle(10)
    jobs.stop_keeping_heap_frozen()
    ws.lock()
    out = []
    for phase, (gap, what) in worst.items():
        out.append(Figure(f"longest UI stall: {phase}{label} (at {what})", gap * 1000, "ms",
                          "heartbeat interval", 5, "ms", "< 100 ms", gap < 0.1))
    if paints:
        slowest = max(paints, key=lambda k: paints[k] if paints[k] is not None else 1e9)
        value = paints[slowest]
        out.append(Figure(f"first paint of a page, slowest ({slowest}){label}",
                          (value if value is not None else float("nan")) * 1000, "ms",
                          "heartbeat interval", 5, "ms", "< 300 ms",
                          value is not None and value < 0.3))
    return out


def run(scale: float):
    members, messages = int(100_000 * scale), int(2_000_000 * scale)
    path, _seconds, _peak = demo_workspace(members, messages)
    # On a copy: the app scans in the background when its window opens, and the cached
    # workspace must stay unscanned for the scan benchmarks.
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        copy = unscanned_copy(path, Path(tmp) / path.name)
        yield from bench_start(copy, messages)
        yield from bench_page_switching(copy)
        yield from bench_big_table(copy, int(100_000 * scale))
        reset_scans(copy)  # Scan now reads every message, and the second round a full queue
        yield from bench_stalls(copy, f" ({messages:,} messages, first scan)", paints={})
        yield from bench_stalls(copy, f" ({messages:,} messages, scanned)", paints={})


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "start":
        _start_child(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif len(sys.argv) in (3, 4) and sys.argv[1] == "stalls":
        # python -m benchmarks.bench_ui stalls WS [--all]: the worst per action (and with
        # --all every measured gap), the first paint of every page, and the load average
        paints: dict = {}
        every: dict = {}
        load = os.getloadavg()
        for figure in bench_stalls(Path(sys.argv[2]), paints=paints, every=every):
            print(f"{figure.name}: {figure.value:,.0f} {figure.unit}", flush=True)
        for key, value in paints.items():
            shown = f"{value * 1000:,.0f} ms" if value is not None else "no paint seen"
            print(f"  first paint {key}: {shown}")
        if sys.argv[3:] == ["--all"]:
            print("  action: longest gap / longest UI-thread CPU between ticks / UI-thread CPU"
                  " over the action")
            for what, (gap, cpu, total) in every.items():
                print(f"  {what}: {gap * 1000:,.0f} ms / {cpu * 1000:,.0f} ms cpu"
                      f" / {total * 1000:,.0f} ms cpu")
        after = os.getloadavg()
        print(f"load average (1 min) before {load[0]:.2f}, after {after[0]:.2f}")
