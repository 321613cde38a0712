"""Fixtures for the desktop tests: the main window on the small demo, and no thread left behind.

    def test_my_page(main_window, qtbot):
        page = main_window.page("moderation")
        main_window.open_page("moderation")
        wait_for_workers(qtbot)          # every run_query / run_job has delivered
"""

from __future__ import annotations

import pytest

from steward import jobs
from steward.ui import workers


def wait_for_workers(qtbot, timeout: int = 30_000) -> None:
    """Wait until every background job and query has finished and delivered its result."""
    qtbot.waitUntil(lambda: not workers.active_workers(), timeout=timeout)


@pytest.fixture(autouse=True)
def _no_dangling_threads(qapp):
    """Every test ends with the worker pool drained: no thread outlives its test."""
    yield
    workers.cancel_all()
    assert workers.wait_for_all(20_000), "a background worker was still running"
    qapp.processEvents()
    jobs.stop_keeping_heap_frozen()  # an opened app keeps its heap frozen (see steward.jobs)


@pytest.fixture
def main_window(demo_ws, qtbot):
    """The main window on the small demo workspace, unlocked as admin, shown offscreen."""
    from steward.ui.main_window import MainWindow

    window = MainWindow(demo_ws)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    yield window
    window.shutdown()
    workers.wait_for_all(20_000)


@pytest.fixture(autouse=True)
def _own_preferences(tmp_path_factory, monkeypatch):
    """This computer's Steward preferences (the language) live in a folder of the test's own,
    and the window's language is left to each test."""
    from steward.ui import i18n

    monkeypatch.setenv(i18n.CONFIG_ENV, str(tmp_path_factory.mktemp("preferences")))
    monkeypatch.delenv(i18n.ENV, raising=False)


@pytest.fixture
def steward_look():
    """Steward's look (each widget polished while it is on gets the style rules naming it), as
    the app has it; widgets polished after the test get none again."""
    from steward.ui import look
    from steward.ui.widgets import install_keyboard_rules

    install_keyboard_rules()
    look.install()
    yield
    look.uninstall()
