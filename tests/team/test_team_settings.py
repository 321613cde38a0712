"""The Settings page's Team box on a real team: this laptop, its team's laptops, Sync now."""

from __future__ import annotations

import re

import pytest

from steward.moderation import triage
from steward.ui import workers
from tests.team.test_team_sync import _open, _open_items, _sync
from tests.ui.conftest import wait_for_workers


@pytest.fixture(autouse=True)
def _no_dangling_threads(qapp):
    yield
    workers.cancel_all()
    assert workers.wait_for_all(20_000), "a background worker was still running"
    qapp.processEvents()


def test_settings_shows_the_team_and_syncs_now(laptops, qtbot, monkeypatch):
    from steward.ui import team_sync
    from steward.ui.main_window import MainWindow

    monkeypatch.setattr(team_sync, "DEFAULT_SYNC_MINUTES", 0)  # Sync now, not the background

    lead = _open(laptops, "lead")
    triage.add_note(lead, "queue_item", _open_items(lead)[0], "Seen by the lead")
    lead.lock()
    _sync(laptops, "lead")

    ws = _open(laptops, "admin")
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    try:
        window.open_page("settings")
        page = window.page("settings")
        wait_for_workers(qtbot)
        assert "admin (admin) in a team" in page.team_status.text()
        assert page.team_devices.rowCount() == 3
        assert page.team_sync_button.isVisible()
        page.team_sync_button.click()
        wait_for_workers(qtbot)
        qtbot.waitUntil(lambda: "Synced:" in page.team_result.text(), timeout=20_000)
        assert re.search(r"[1-9]\d* received", page.team_result.text())
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM notes WHERE text = 'Seen by the lead'").scalar() == 1
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
