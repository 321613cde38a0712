"""The event loop keeps turning while a big demo is written in the background, and Cancel
stops it leaving the workspace consistent."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from sqlalchemy import text

from steward import demo
from steward.ui import workers
from steward.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_workers


def test_heartbeat_during_demo_generation_and_cancel(qtbot, workspace):
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)

    beats: list[float] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(time.perf_counter()))
    results, written = [], []
    worker = window.run_job(
        lambda token: demo.generate(workspace, members=2000, messages=100_000, seed=5,
                                    token=token),
        results.append, "Preparing the demo")
    worker.progress.connect(lambda done, total, _text: written.append((done, total)))
    heartbeat.start()
    # Let it write messages for a while (several batches), then press Cancel.
    qtbot.waitUntil(lambda: any(done >= 15_000 for done, _ in written), timeout=60_000)
    assert window.progress.maximum() == 100_000 and window.cancel_button.isVisible()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot, timeout=30_000)
    heartbeat.stop()
    window.shutdown()

    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    assert len(gaps) > 50
    assert max(gaps) < 0.1, f"the UI thread stalled for {max(gaps) * 1000:.0f} ms"
    assert results == [] and not workers.active_workers()
    assert window.notifications.history[-1] == ("Preparing the demo: cancelled", False)

    with workspace.session() as s:
        assert s.execute(text("PRAGMA foreign_key_check")).all() == []
        messages = s.scalar(text("SELECT count(*) FROM messages"))
        orphans = s.scalar(text(
            "SELECT count(*) FROM messages m WHERE NOT EXISTS "
            "(SELECT 1 FROM messages r WHERE r.id = m.thread_id) OR (m.parent_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM messages p WHERE p.id = m.parent_id))"))
    assert 15_000 <= messages < 100_000
    assert orphans == 0
