"""Overview over a workspace nobody has scanned: it says how many messages are unchecked
(never "No open concerns" over them), and the app checks them in the background on open."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from steward.jobs import run_to_end
from steward.moderation.scan import scan_job, unscanned_count
from steward.overview import workspace_stats
from steward.safeguarding import scan as safeguarding_scan
from steward.ui import workers
from steward.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_workers


def leads_tile(page):
    return next(t for t in page.tiles if t.spec.key == "safeguarding.flags")


def test_overview_counts_unscanned_messages_instead_of_no_concerns(main_window, qtbot,
                                                                   demo_ws):
    page = main_window.page("overview")
    wait_for_workers(qtbot)
    messages = workspace_stats(demo_ws)["messages"]
    assert messages and unscanned_count(demo_ws) == messages  # the demo was never scanned
    assert page.unscanned.isVisibleTo(page)
    text = page.unscanned.text()
    assert f"{messages:,} messages not yet checked" in text and "safeguarding" in text
    assert "background" not in text  # this window was not asked to scan on open
    tile = leads_tile(page)
    assert "not yet checked" in tile.detail.text() and tile.property("tone") == "warn"
    run_to_end(scan_job(demo_ws))
    page.refresh()
    wait_for_workers(qtbot)
    assert not page.unscanned.isVisibleTo(page)
    assert "not yet checked" not in tile.detail.text()


def test_window_opened_on_unscanned_messages_scans_them_in_the_background(demo_ws, qtbot):
    ticks = []
    heartbeat = QTimer()
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    heartbeat.start()
    window = MainWindow(demo_ws, scan_on_open=True)
    qtbot.addWidget(window)
    window.show()
    page = window.page("overview")
    qtbot.waitUntil(lambda: page.auto_scan == "running", timeout=30_000)
    assert any(w.label == "Checking new messages" for w in workers.active_workers())
    qtbot.waitUntil(lambda: "Checking them now in the background" in page.unscanned.text(),
                    timeout=30_000)
    started = len(ticks)
    qtbot.waitUntil(lambda: page.auto_scan == "done", timeout=120_000)
    wait_for_workers(qtbot)
    assert len(ticks) > started  # the UI thread kept running while the scan worked
    assert unscanned_count(demo_ws) == 0
    assert safeguarding_scan.unscanned_count(demo_ws) == 0
    qtbot.waitUntil(lambda: not page.unscanned.isVisibleTo(page), timeout=30_000)
    assert workspace_stats(demo_ws)["flags_open"] > 0  # the scan's concerns are counted
    window.page("overview").refresh()  # refreshing never starts a second scan
    assert page.auto_scan == "done"
    heartbeat.stop()
    window.shutdown()
    workers.wait_for_all(20_000)
