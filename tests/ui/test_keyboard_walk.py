"""A keyboard walk: for each role of the demo workspace, open every page and press Tab from the
sidebar until focus comes back to it. Every press must move focus (no widget keeps it), and every
visible control of the page must be reached going forward."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit, QWidget

from steward.jobs import run_to_end
from steward.safeguarding.scan import scan_job
from steward.ui.main_window import MainWindow
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers

MAX_PRESSES = 400


def _takes_tab(widget: QWidget) -> bool:
    return (widget.isVisible() and widget.isEnabled()
            and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
            and widget.focusProxy() is None)


def _controls(page: QWidget) -> list[QWidget]:
    """The visible controls on `page` that Tab should reach."""
    return [w for w in page.findChildren(QWidget) if _takes_tab(w)]


def _own_stops(widget: QWidget) -> int:
    """How many presses of Tab a widget may keep: a date box steps through its own sections."""
    return widget.sectionCount() - 1 if isinstance(widget, QDateTimeEdit) else 0


def _describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__}({widget.accessibleName() or widget.objectName()!r})"


def _walk(window: MainWindow, qtbot) -> list[QWidget]:
    """Press Tab from the sidebar until focus returns there; every press must move focus."""
    window.activateWindow()
    window.sidebar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.sidebar, timeout=3000)
    seen: list[QWidget] = []
    current = window.sidebar
    stays = 0
    for _ in range(MAX_PRESSES):
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        wait_for_workers(qtbot)  # e.g. focusing the flags opens the first: its panel fills in
        QApplication.processEvents()
        after = QApplication.focusWidget()
        assert after is not None, f"focus lost after {_describe(current)}"
        if after is current:
            stays += 1
            assert stays <= _own_stops(current), f"Tab stayed in {_describe(current)}"
            continue
        stays = 0
        if after is window.sidebar:
            return seen
        assert after not in seen, (
            f"focus went round without coming back to the sidebar at {_describe(after)}")
        seen.append(after)
        current = after
    raise AssertionError(f"{MAX_PRESSES} presses of Tab never came back to the sidebar; "
                         f"stuck around {_describe(current)}")


@pytest.mark.parametrize("profile", ["admin", "steward", "volunteer", "lead"])
def test_tab_walks_every_page_for_every_role(demo_path, qtbot, profile):
    scanner = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(scanner))
    scanner.lock()
    ws = Workspace.unlock(demo_path, profile, PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    qtbot.waitExposed(window)
    problems = []
    try:
        for key in window.page_keys():
            window.open_page(key)
            wait_for_workers(qtbot)
            page = window.page(key)
            reached = set(_walk(window, qtbot))
            missed = [w for w in _controls(page) if w not in reached]
            if missed:
                problems.append(f"{key}: Tab never reaches "
                                + ", ".join(_describe(w) for w in missed))
    finally:
        window.shutdown()
        wait_for_workers(qtbot)
        ws.lock()
    assert not problems, "\n".join(problems)


def _walk_dialog(dialog: QWidget, qtbot) -> list[QWidget]:
    """Press Tab from the dialog's first control until focus comes back to it."""
    first = next(w for w in [dialog.focusWidget(), *_controls(dialog)] if w is not None
                 and _takes_tab(w))
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=3000)
    seen, current, stays = [first], first, 0
    for _ in range(MAX_PRESSES):
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        QApplication.processEvents()
        after = QApplication.focusWidget()
        assert after is not None and dialog.isAncestorOf(after) or after is dialog, (
            f"Tab left the dialog from {_describe(current)} to {_describe(after)}")
        if after is current:
            stays += 1
            assert stays <= _own_stops(current), f"Tab stayed in {_describe(current)}"
            continue
        stays = 0
        if after is first:
            return seen
        assert after not in seen, f"focus went round without reaching {_describe(first)}"
        seen.append(after)
        current = after
    raise AssertionError(f"Tab never came back to {_describe(first)} in {MAX_PRESSES} presses")


def _dialogs(window: MainWindow) -> list[tuple[str, QWidget]]:
    """Every dialog a lead or admin meets, built on real pages (shown, not run modally)."""
    from steward.hygiene.people import PeopleFilter
    from steward.moderation.queue import list_items
    from steward.ui.pages.members_panels import ExportDialog
    from steward.ui.pages.moderation_author import AuthorDialog
    from steward.ui.pages.moderation_dialogs import RulesDialog, SensitivityDialog
    from steward.ui.pages.safeguarding import HelplinesDialog, RetentionDialog
    from steward.ui.pages.safeguarding_panel import CloseDialog, TextDialog
    from steward.ui.pages.sources import SpaceSettingsDialog
    from steward.ui.pages.sources_import import AddSourceDialog, LiveSourcesDialog

    ctx = window
    members, guard = window.page("members"), window.page("safeguarding")
    sources, moderation = window.page("sources"), window.page("moderation")
    return [
        ("export members", ExportDialog(members, PeopleFilter())),
        ("close a flag", CloseDialog(guard, ctx, 1)),
        ("helplines", HelplinesDialog(guard, "Samaritans: 116 123")),
        ("retention review", RetentionDialog(guard)),
        ("chronology", TextDialog(guard, "Chronology", "2026-11-30 a message")),
        ("space settings", SpaceSettingsDialog(ctx, None, sources)),
        ("add a source", AddSourceDialog(ctx, sources)),
        ("live sources", LiveSourcesDialog(ctx, sources)),
        ("moderation rules", RulesDialog(moderation)),
        ("sensitivity", SensitivityDialog(moderation)),
        ("everything from this author",
         AuthorDialog(moderation, list_items(ctx.ws, limit=1)[0].id)),
    ]


def test_tab_walks_every_dialog(demo_path, qtbot):
    from steward.moderation.scan import scan_messages_job

    scanner = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(scanner))
    run_to_end(scan_messages_job(scanner))  # a queue item for "everything from this author"
    scanner.lock()
    ws = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    window.show()
    wait_for_workers(qtbot)
    for key in window.page_keys():
        window.open_page(key)  # pages are built when first opened
        wait_for_workers(qtbot)
    problems = []
    try:
        for name, dialog in _dialogs(window):
            dialog.show()
            qtbot.waitExposed(dialog)
            dialog.activateWindow()
            wait_for_workers(qtbot)
            try:
                reached = set(_walk_dialog(dialog, qtbot))
            except AssertionError as exc:
                problems.append(f"{name}: {exc}")
            else:
                missed = [w for w in _controls(dialog) if w not in reached]
                if len(reached) < 2:
                    problems.append(f"{name}: Tab reached only {len(reached)} control")
                if missed:
                    problems.append(f"{name}: Tab never reaches "
                                    + ", ".join(_describe(w) for w in missed))
            dialog.close()
            dialog.deleteLater()
    finally:
        window.shutdown()
        wait_for_workers(qtbot)
        ws.lock()
    assert not problems, "\n".join(problems)
