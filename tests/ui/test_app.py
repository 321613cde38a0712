"""The app's journey: first run, create, unlock (right, wrong, remembered), lock and auto-lock."""

from __future__ import annotations

import keyring
import pytest
from PySide6.QtCore import Qt

from steward.ui.app import StewardApp
from steward.workspace import Workspace, list_profiles
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def make_app(qtbot):
    apps = []

    def make(path, profile=None):
        app = StewardApp(path, profile)
        qtbot.addWidget(app.gate)
        app.start()
        apps.append(app)
        return app

    yield make
    for app in apps:
        if app.window is not None:
            app.window.close()
        app.shutdown()


def _unlock(app, qtbot, profile, passphrase):
    screen = app.gate.unlock
    screen.profile.setCurrentIndex(screen.profile.findData(profile))
    screen.passphrase.setText(passphrase)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)


def test_first_run_creates_a_workspace_and_shows_the_recovery_key(make_app, qtbot, tmp_path):
    folder = tmp_path / "new"
    app = make_app(folder)
    gate = app.gate
    assert gate.currentWidget() is gate.welcome
    qtbot.mouseClick(gate.welcome.create_button, Qt.MouseButton.LeftButton)
    create = gate.create
    assert gate.currentWidget() is create
    assert create.folder.text() == str(folder)

    create.name.setText("Hillside Carers")
    create.passphrase.setText("short")
    assert create.strength.text().startswith("Too short")
    create.repeat.setText("short")
    qtbot.mouseClick(create.create_button, Qt.MouseButton.LeftButton)
    assert create.error.isVisibleTo(gate) and "at least 8" in create.error.text()
    assert not folder.exists()

    create.passphrase.setText("kettle orchard velvet lantern")
    assert create.strength.text() == "Strong"
    create.repeat.setText("kettle orchard velvet lanterns")
    qtbot.mouseClick(create.create_button, Qt.MouseButton.LeftButton)
    assert "differ" in create.error.text() and not folder.exists()

    create.repeat.setText("kettle orchard velvet lantern")
    qtbot.mouseClick(create.create_button, Qt.MouseButton.LeftButton)
    wait_for_workers(qtbot)
    recovery = gate.recovery
    assert gate.currentWidget() is recovery
    key = recovery.key.text()
    assert len(key.replace("-", "")) >= 20
    pdf = tmp_path / "key.pdf"
    recovery.save_pdf(str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert not recovery.continue_button.isEnabled()
    recovery.stored.setChecked(True)
    qtbot.mouseClick(recovery.continue_button, Qt.MouseButton.LeftButton)
    assert app.window is not None and app.window.ws.name == "Hillside Carers"
    assert app.window.current_page_key() == "overview"
    assert recovery.key.text() == ""
    # The key shown really opens the workspace.
    Workspace.unlock_with_recovery(folder, key).lock()


def test_creating_over_an_existing_workspace_is_refused_inline(make_app, qtbot, demo_path):
    app = make_app(demo_path.parent / "elsewhere")
    create = app.gate.create
    create.name.setText("Again")
    create.folder.setText(str(demo_path))
    create.passphrase.setText(PASSPHRASE)
    create.repeat.setText(PASSPHRASE)
    create.submit()
    wait_for_workers(qtbot)
    assert "already holds a workspace" in create.error.text()
    assert app.window is None


def test_open_folder_that_is_not_a_workspace(make_app, qtbot, tmp_path):
    app = make_app(tmp_path / "none")
    app.gate.welcome.open_folder(str(tmp_path))
    assert "not a Steward workspace" in app.gate.welcome.error.text()


def test_unlock_wrong_then_right_passphrase(make_app, qtbot, demo_path):
    app = make_app(demo_path)
    screen = app.gate.unlock
    assert app.gate.currentWidget() is screen
    assert [screen.profile.itemData(i) for i in range(screen.profile.count())] == [
        "admin", "steward", "volunteer", "lead"]
    _unlock(app, qtbot, "steward", "not the passphrase")
    assert app.window is None
    assert screen.error.isVisibleTo(app.gate)
    assert "not right" in screen.error.text()
    _unlock(app, qtbot, "steward", PASSPHRASE)
    assert app.window is not None and app.window.ws.profile.name == "steward"
    assert not app.gate.isVisible()


def test_remembered_profile_unlocks_without_passphrase(make_app, qtbot, demo_path):
    Workspace.unlock(demo_path, "volunteer", PASSPHRASE, remember=True).lock()
    assert [p.remembered for p in list_profiles(demo_path)] == [False, False, True, False]
    app = make_app(demo_path, "volunteer")
    screen = app.gate.unlock
    qtbot.waitUntil(screen.remember.isChecked, timeout=30_000)  # the keyring answers on a worker
    assert "Remembered" in screen.passphrase.placeholderText()
    _unlock(app, qtbot, "volunteer", "")
    assert app.window is not None and app.window.ws.profile.name == "volunteer"


def test_nothing_remembered_asks_for_the_passphrase(make_app, qtbot, demo_path):
    app = make_app(demo_path)
    _unlock(app, qtbot, "admin", "")
    assert app.window is None and "Enter the passphrase" in app.gate.unlock.error.text()


def test_unlocking_before_the_keyring_answers_keeps_what_is_remembered(make_app, qtbot,
                                                                       demo_path, monkeypatch):
    """A passphrase typed and submitted before the keyring has answered (the box is still
    unticked and disabled) must not forget the key this profile has remembered."""
    import threading

    from steward import keychain

    Workspace.unlock(demo_path, "volunteer", PASSPHRASE, remember=True).lock()
    answer = threading.Event()
    real = keychain.status
    monkeypatch.setattr(keychain, "status", lambda: (answer.wait(30), real())[1])
    app = make_app(demo_path, "volunteer")
    screen = app.gate.unlock
    assert not screen.remember.isChecked()
    screen.passphrase.setText(PASSPHRASE)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.window is not None, timeout=30_000)
    answer.set()
    wait_for_workers(qtbot)
    assert [p.remembered for p in list_profiles(demo_path)] == [False, False, True, False]


def test_no_keyring_turns_remembering_off_with_a_reason(make_app, qtbot, demo_path):
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    app = make_app(demo_path)
    screen = app.gate.unlock
    assert not screen.remember.isEnabled()  # until the keyring answers, off the UI thread
    qtbot.waitUntil(lambda: "Remembering is off" in screen.keyring_line.text(), timeout=30_000)
    assert not screen.remember.isEnabled()
    assert screen.keyring_line.isVisibleTo(app.gate)


def test_lock_shortcut_drops_keys_and_unlock_returns_to_the_page(make_app, qtbot, demo_path):
    app = make_app(demo_path)
    _unlock(app, qtbot, "admin", PASSPHRASE)
    window, ws = app.window, app.window.ws
    window.open_page("sources")
    wait_for_workers(qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window.page("sources"), Qt.Key.Key_L,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert ws.is_locked
    assert app.window is None and not window.isVisible()
    assert app.gate.isVisible() and app.gate.currentWidget() is app.gate.unlock
    assert app.gate.unlock.selected_profile().name == "admin"
    _unlock(app, qtbot, "admin", PASSPHRASE)
    assert app.window is not None and app.window.current_page_key() == "sources"


def test_auto_lock_after_idle(make_app, qtbot, demo_path):
    app = make_app(demo_path)
    _unlock(app, qtbot, "admin", PASSPHRASE)
    ws = app.window.ws
    app.window.set_auto_lock(0.3)
    qtbot.waitUntil(lambda: app.window is None, timeout=3000)
    assert ws.is_locked and app.gate.currentWidget() is app.gate.unlock


def test_auto_lock_minutes_are_stored_in_the_workspace(main_window, qtbot, demo_ws):
    settings = main_window.page("settings")
    wait_for_workers(qtbot)  # the saved minutes are read off the UI thread
    assert settings.auto_lock.value() == 10 and settings.auto_lock.isEnabled()
    settings.auto_lock.setValue(3)
    wait_for_workers(qtbot)
    assert demo_ws.get_setting("ui.auto_lock_minutes") == 3
    assert main_window.auto_lock_seconds == 180


def test_the_window_reads_its_stored_auto_lock_off_the_ui_thread(qtbot, demo_ws, monkeypatch):
    """The stored minutes arrive from a worker; a choice made before they arrive is kept."""
    import threading

    from steward.ui.main_window import MainWindow

    demo_ws.set_setting("ui.auto_lock_minutes", 3)
    read_on_ui_thread = []
    real = type(demo_ws).get_setting
    monkeypatch.setattr(type(demo_ws), "get_setting", lambda self, *a: (
        read_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        or real(self, *a)))
    stored, chosen = MainWindow(demo_ws), MainWindow(demo_ws)
    for window in (stored, chosen):
        qtbot.addWidget(window)
    chosen.set_auto_lock(0)  # Settings turned it off before the stored minutes arrived
    wait_for_workers(qtbot)
    try:
        assert read_on_ui_thread and not any(read_on_ui_thread)
        assert stored.auto_lock_seconds == 180
        assert chosen.auto_lock_seconds == 0
    finally:
        for window in (stored, chosen):
            window.shutdown()


def test_locking_during_a_job_cancels_it_quietly(make_app, qtbot, demo_path):
    import time

    from steward.jobs import Progress

    app = make_app(demo_path)
    _unlock(app, qtbot, "admin", PASSPHRASE)
    window = app.window

    def slow(token):
        for i in range(10_000):
            token.check()
            yield Progress(i, 10_000, "")
            time.sleep(0.001)

    results = []
    window.run_job(slow, results.append, "Slow")
    window.lock()
    wait_for_workers(qtbot)
    assert results == [] and app.window is None
    assert window.notifications.history == []  # no stray message into the locked window


def test_the_keyring_is_asked_off_the_ui_thread(make_app, qtbot, demo_path, monkeypatch):
    """Finding the system keyring loads its backends (about a quarter of a second the first
    time): neither the unlock screen nor Settings may wait for it on the UI thread."""
    import threading

    from steward import keychain

    asked_from = []
    real_status, real_recall = keychain.status, keychain.recall

    def status():
        asked_from.append(threading.current_thread() is threading.main_thread())
        return real_status()

    def recall(*args):  # which profiles are remembered: the unlock screen asks at once
        asked_from.append(threading.current_thread() is threading.main_thread())
        return real_recall(*args)

    monkeypatch.setattr(keychain, "status", status)
    monkeypatch.setattr(keychain, "recall", recall)
    app = make_app(demo_path)
    qtbot.waitUntil(lambda: len(asked_from) >= 5, timeout=30_000)  # status, four profiles
    _unlock(app, qtbot, "admin", PASSPHRASE)
    wait_for_workers(qtbot)
    before = len(asked_from)
    app.window.open_page("settings")
    qtbot.waitUntil(lambda: len(asked_from) > before, timeout=30_000)
    wait_for_workers(qtbot)
    assert asked_from and not any(asked_from)


class _Cycle:
    def __init__(self):
        self.me = self


def test_the_open_window_keeps_its_heap_frozen_and_collects_when_idle(
        make_app, qtbot, demo_path, monkeypatch):
    """No full GC pass over the window's heap while it is in use (one held the GIL, and so
    froze the window, 100-200 ms); the garbage a job leaves frozen is collected once nobody
    has touched the window for a while."""
    import gc
    import weakref

    from steward import jobs
    from steward.ui import main_window

    app = make_app(demo_path)
    _unlock(app, qtbot, "admin", PASSPHRASE)
    wait_for_workers(qtbot)
    assert gc.get_freeze_count() > 0
    cycle = _Cycle()
    gone = weakref.ref(cycle)
    gc.freeze()  # as a job's step freezes what is alive
    jobs.release_frozen()  # as the last job's end does
    del cycle
    monkeypatch.setattr(main_window, "seconds_since_input", lambda: 0.5)
    app.window._collect_when_idle()  # someone is using the window: no pass now
    assert gone() is not None and jobs.frozen_garbage_waiting()
    monkeypatch.setattr(main_window, "seconds_since_input",
                        lambda: main_window.COLLECT_WHEN_IDLE_FOR)
    app.window._collect_when_idle()
    assert gone() is None and not jobs.frozen_garbage_waiting()
    assert gc.get_freeze_count() > 0


def test_the_libraries_pages_use_are_imported_off_the_ui_thread_before_any_page_opens(
        make_app, qtbot, demo_path, demo_ws, monkeypatch):
    """pyqtgraph (Engagement) imported by a worker beside a page being built paused the window
    150-250 ms (the 2M-message demo), and so did keyring with its 81 modules (Settings): the
    unlock screen imports them while the passphrase is typed, and a window opened without them
    (the command line's `--workspace`, the benchmarks) right away."""
    import sys
    import threading

    from steward.ui import app as app_module
    from steward.ui import main_window

    load = main_window.load_libraries
    threads = []
    record = lambda: threads.append(threading.current_thread())  # noqa: E731
    monkeypatch.setattr(app_module, "load_libraries", record)
    make_app(demo_path)
    wait_for_workers(qtbot)
    assert threads and threads[0] is not threading.main_thread()

    threads.clear()
    monkeypatch.setattr(main_window, "load_libraries", record)
    monkeypatch.delitem(sys.modules, "keyring", raising=False)
    assert not main_window.libraries_loaded()
    window = main_window.MainWindow(demo_ws)
    qtbot.addWidget(window)
    wait_for_workers(qtbot)
    assert threads and threads[0] is not threading.main_thread()
    load()
    assert main_window.libraries_loaded()
    window.shutdown()
