"""The main window: pages, the sidebar, background work, notifications, the lazy table model."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from PySide6.QtCore import Qt

from steward import overview
from steward.jobs import CancelToken, Progress
from steward.ui import workers
from steward.ui.table_model import Column, PagedTableModel
from tests.ui.conftest import wait_for_workers


def test_overview_shows_live_counts(main_window, qtbot, demo_ws):
    page = main_window.page("overview")
    assert main_window.current_page_key() == "overview"
    assert page.counts["persons"].value.text() != "…"
    stats = overview.workspace_stats(demo_ws)
    assert page.counts["messages"].value.text() == f"{stats['messages']:,}"
    assert page.spaces.total == len(overview.space_activity(demo_ws)) > 0


def _counting_job(n: int, token: CancelToken):
    for i in range(n):
        token.check()
        yield Progress(i, n, f"step {i}")
    return n * 2


def test_run_job_reports_progress_and_result(main_window, qtbot):
    results, progress = [], []
    worker = main_window.run_job(lambda token: _counting_job(50, token), results.append, "Count")
    worker.progress.connect(lambda done, total, text: progress.append((done, total)))
    assert main_window.cancel_button.isVisibleTo(main_window)
    wait_for_workers(qtbot)
    assert results == [100]
    assert not main_window.cancel_button.isVisibleTo(main_window)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value")
def test_background_work_runs_below_the_ui_threads_priority(main_window, qtbot):
    """On a two-core laptop a page's queries (SQLite, without the GIL) took the cores from the
    UI thread as equals: Members' first open on the 2M-message demo paused the window
    130-170 ms, most of it waiting for a core."""
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    results = []
    for _ in range(3):  # each on whichever pool thread takes it
        main_window.run_query(niceness, results.append)
    wait_for_workers(qtbot)
    assert results == [min(19, niceness() + workers.WORKER_NICENESS)] * 3


def test_failure_goes_to_notifications(main_window, qtbot):
    def broken(token):
        yield Progress(0, 1, "")
        raise RuntimeError("disk on fire")

    main_window.run_job(broken, None, "Import")
    wait_for_workers(qtbot)
    text, error = main_window.notifications.history[-1]
    assert error and "Import failed" in text and "disk on fire" in text
    notice = main_window.notifications.shown()[0]
    assert "RuntimeError" in notice.details_box.toPlainText()


def test_paged_model_loads_pages_and_sorts_in_the_fetch():
    rows = [(i, f"name {i:05d}") for i in range(1000)]
    calls = []

    def fetch(offset, limit, key, descending):
        calls.append((offset, limit, key, descending))
        ordered = sorted(rows, key=lambda r: r[0], reverse=descending)
        return ordered[offset:offset + limit]

    model = PagedTableModel([Column("id", "Id"), Column("name", "Name")], fetch,
                            lambda: len(rows), page_size=100, background=False)
    assert model.rowCount() == 100 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 200 and calls[-1] == (100, 100, None, False)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 100 and model.row_values(0) == (999, "name 00999")
    assert calls[-1] == (0, 100, "id", True)
    assert model.data(model.index(0, 0)) == "999"
    model.set_source(lambda o, n, k, d: [(1, "only")][o:o + n], lambda: 1)
    assert model.rowCount() == 1 and not model.canFetchMore()


def test_cancel_stops_a_job(main_window, qtbot):
    import threading

    release = threading.Event()
    results = []

    def endless(token):
        i = 0
        while True:
            release.wait(0.01)
            yield Progress(i, 0, "")
            i += 1

    worker = main_window.run_job(endless, results.append, "Endless")
    cancelled = []
    worker.cancelled.connect(lambda: cancelled.append(True))
    main_window.cancel_button.click()
    wait_for_workers(qtbot)
    assert cancelled == [True] and results == []
    assert main_window.notifications.history[-1] == ("Endless: cancelled", False)
    assert worker not in workers.active_workers()


def test_empty_workspace_says_what_to_do_next(qtbot, workspace):
    from steward.ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    overview_page = window.page("overview")
    assert overview_page.body.currentWidget() is overview_page.empty
    assert "Import your first export" in overview_page.empty.next_step.text()
    window.open_page("sources")
    wait_for_workers(qtbot)
    sources = window.page("sources")
    assert sources.body.currentWidget() is sources.empty
    assert "Import your first export" in sources.empty.next_step.text()
    window.shutdown()


def test_a_page_that_fails_to_build_is_reported_not_fatal(main_window, qtbot, monkeypatch):
    from steward.ui import registry

    def broken(ctx):
        raise RuntimeError("no such table")

    spec = registry.PageSpec("broken", "Broken", broken, order=99)
    monkeypatch.setattr(main_window, "specs", [*main_window.specs, spec])
    main_window.open_page("broken")
    assert "RuntimeError" in main_window.page_errors["broken"]
    assert "could not be opened" in main_window.page("broken").text()


def test_tiles_show_registered_data_and_open_their_page(qtbot, demo_ws, monkeypatch):
    from steward.ui import registry
    from steward.ui.main_window import MainWindow

    monkeypatch.setitem(registry.TILES, "test.tile", registry.TileSpec(
        "test.tile", "Test tile", lambda ws: registry.TileData("7", "seven things", "warn"),
        page="sources", order=-1))
    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    tile = next(t for t in window.page("overview").tiles if t.spec.key == "test.tile")
    assert tile.value.text() == "7" and tile.accessibleName() == "Test tile: 7"
    assert tile.property("tone") == "warn"
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "sources"
    window.shutdown()


def test_a_page_opened_the_first_time_is_built_in_one_turn_and_shown_in_the_next(main_window,
                                                                              qtbot):
    """Building and the first paint are two turns of the event loop; a page left before its
    turn came is not shown over the one opened after it."""
    main_window.open_page("library")
    library = main_window.page("library")
    assert main_window.current_page_key() == "library"
    assert not library.isVisible()  # built, on screen in the next turn
    wait_for_workers(qtbot)
    assert library.isVisible()
    main_window.open_page("members")
    main_window.open_page("library")  # before Members' turn to be shown came
    wait_for_workers(qtbot)
    assert main_window.current_page_key() == "library" and library.isVisible()
    assert not main_window.page("members").isVisible()
    main_window.open_page("members")  # built already: shown at once
    assert main_window.page("members").isVisible()


def test_a_page_opened_the_first_time_starts_its_queries_after_it_has_painted(main_window,
                                                                               qtbot,
                                                                               monkeypatch):
    """Its queries, started while it was built, took the GIL in turn with its build and first
    paint (a 40-60 ms build paused the window 100-200 ms on the 2M-message demo)."""
    from PySide6.QtCore import QEvent, QObject

    events: list[str] = []

    class Painted(QObject):
        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint and "paint" not in events:
                events.append("paint")
            return False

    runnable = workers._Runnable.__init__

    def to_the_pool(self, worker):  # a worker handed to the thread pool
        events.append("query")
        runnable(self, worker)

    monkeypatch.setattr(workers._Runnable, "__init__", to_the_pool)
    painted = Painted()
    main_window.open_page("members")
    members = main_window.page("members")
    members.installEventFilter(painted)
    assert events == []  # built; its queries wait for its first paint
    wait_for_workers(qtbot)
    assert events[0] == "paint" and "query" in events
    assert members.model.rowCount() > 0
