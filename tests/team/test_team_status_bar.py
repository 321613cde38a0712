"""The desktop syncs with the team in the background: progress and the last sync time in the
status bar."""

from __future__ import annotations

import pytest

from steward.moderation import triage
from steward.ui import workers
from tests.team.test_team_sync import _open, _open_items, _sync
from tests.ui.conftest import wait_for_workers


def _wait_for_label(qtbot, syncer, ok) -> None:
    """Wait until the team label satisfies `ok`; on a timeout say what it read."""
    try:
        qtbot.waitUntil(lambda: ok(syncer.label.text()), timeout=20_000)
    except qtbot.TimeoutError:
        pytest.fail(f"the team label still reads {syncer.label.text()!r}")


@pytest.fixture(autouse=True)
def _no_dangling_threads(qapp):
    yield
    workers.cancel_all()
    assert workers.wait_for_all(20_000), "a background worker was still running"
    qapp.processEvents()


def test_background_sync_shows_progress_and_the_last_sync_time(laptops, qtbot, monkeypatch):
    from steward.ui import team_sync
    from steward.ui.main_window import MainWindow

    monkeypatch.setattr(team_sync, "DEFAULT_SYNC_MINUTES", 0)  # the test starts it itself
    lead = _open(laptops, "lead")
    triage.add_note(lead, "queue_item", _open_items(lead)[0], "Seen by the lead")
    lead.lock()
    _sync(laptops, "lead")

    ws = _open(laptops, "admin")
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    try:
        syncer = window.team_syncer
        _wait_for_label(qtbot, syncer, lambda text: text.startswith("Team: last sync"))
        seen: list[str] = []
        worker = syncer.sync_now()
        assert worker is not None and syncer.sync_now() is None  # one at a time
        assert window.job_text.text().startswith("Team sync")
        assert window.progress.isVisible()
        worker.progress.connect(lambda _d, _t, step: seen.append(step))
        wait_for_workers(qtbot)
        qtbot.waitUntil(lambda: syncer.worker is None, timeout=20_000)
        _wait_for_label(qtbot, syncer, lambda text: "not yet" not in text)
        assert syncer.label.text().startswith("Team: last sync ")
        assert not window.progress.isVisible()
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM notes WHERE text = 'Seen by the lead'").scalar() == 1
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)


def test_no_team_no_label(tmp_path, qtbot):
    from steward.ui.main_window import MainWindow
    from steward.workspace import Workspace
    from tests.team.conftest import PASS

    ws, _ = Workspace.create(tmp_path / "solo", "solo", PASS)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    try:
        assert not window.team_syncer.label.isVisible()
        assert window.team_syncer.sync_now() is None
    finally:
        window.shutdown()
        ws.lock()


def test_the_status_bar_says_when_a_laptop_waits_for_new_team_keys(laptops, tmp_path, qtbot,
                                                                   monkeypatch):
    from steward.ui import team_sync
    from steward.ui.main_window import MainWindow
    from steward.workspace import Workspace
    from tests.team.conftest import PASS
    from tests.team.test_team_remove import late_laptop

    monkeypatch.setattr(team_sync, "DEFAULT_SYNC_MINUTES", 0)
    late_laptop(laptops, tmp_path)
    ws = Workspace.unlock(laptops["late"], "late", PASS)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    try:
        syncer = window.team_syncer
        _wait_for_label(qtbot, syncer, lambda text: "waiting for the team's new keys" in text)
        _sync(laptops, "lead")  # grants them
        assert syncer.sync_now() is not None
        wait_for_workers(qtbot)
        qtbot.waitUntil(lambda: syncer.worker is None, timeout=20_000)
        _wait_for_label(qtbot, syncer, lambda text: text.startswith("Team: last sync")
                        and "waiting" not in text)
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
