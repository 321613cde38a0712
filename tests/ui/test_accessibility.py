"""Every interactive widget on every registered page — including pages other areas add — has
an accessible name, and can be reached with the keyboard; and opening a page runs no SQL on the
UI thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from sqlalchemy import event

from steward.ui.gate import Gate
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.ui.conftest import wait_for_workers

INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractItemView,
               QAbstractSlider, QPlainTextEdit, QTextEdit)


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader announces (own name, button text, or its label's text)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    name = iface.text(QAccessible.Text.Name) if iface is not None else ""
    return (name or widget.accessibleName()).replace("&", "").strip()


def unnamed_controls(root: QWidget) -> list[str]:
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INTERACTIVE) or not widget.isVisibleTo(root):
            continue
        inner = isinstance(widget.parent(), QComboBox | QAbstractSpinBox)
        if isinstance(widget, QLineEdit) and inner:
            continue  # the editor inside a combo or spin box: the box carries the name
        no_focus = widget.focusPolicy() == Qt.FocusPolicy.NoFocus
        if no_focus and not isinstance(widget, QAbstractButton):
            continue
        if not accessible_name(widget):
            missing.append(f"{type(widget).__name__} {widget.objectName() or ''}".strip())
    return missing


def keyboard_reachable(window: QWidget) -> set[QWidget]:
    reached, widget = set(), window.nextInFocusChain()
    while widget is not window and widget not in reached:
        reached.add(widget)
        widget = widget.nextInFocusChain()
    return reached


@pytest.mark.parametrize("profile", ["admin", "lead"])
def test_every_page_names_its_controls_and_reads_off_the_ui_thread(qtbot, demo_path, profile):
    """Also: opening every page runs not one SQL statement on the UI thread (a query there
    freezes the window for as long as it takes, seconds on a big workspace)."""
    from steward.ui.main_window import MainWindow

    ws = Workspace.unlock(demo_path, profile, PASSPHRASE)
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    on_ui: list[str] = []

    def statement(_conn, _cursor, sql, *_args):
        if threading.current_thread() is threading.main_thread():
            on_ui.append(" ".join(sql.split())[:80])

    event.listen(ws.engine, "before_cursor_execute", statement)
    try:
        problems = {}
        for key in window.page_keys():
            window.open_page(key)
            wait_for_workers(qtbot)
            page = window.page(key)
            missing = unnamed_controls(page)
            reachable = keyboard_reachable(window)
            unreachable = [type(w).__name__ for w in page.findChildren(QWidget)
                           if isinstance(w, INTERACTIVE) and w.isVisibleTo(page)
                           and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                           and w not in reachable]
            if missing or unreachable:
                problems[key] = {"unnamed": missing, "not reachable by Tab": unreachable}
        assert window.page_errors == {}
        assert not problems, problems
        assert not unnamed_controls(window)  # the sidebar, status bar and lock button too
        assert on_ui == []
    finally:
        event.remove(ws.engine, "before_cursor_execute", statement)
        window.shutdown()
        ws.lock()


def test_the_screens_before_unlock_name_their_controls(qtbot, demo_path, tmp_path):
    gate = Gate(tmp_path / "new")
    qtbot.addWidget(gate)
    gate.show()
    gate.unlock.set_workspace(demo_path)
    for screen in (gate.welcome, gate.create, gate.recovery, gate.unlock, gate.progress):
        gate.show_screen(screen)
        assert not unnamed_controls(screen), screen


def test_the_walk_notices_an_unnamed_control(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    page = QWidget()
    qtbot.addWidget(page)
    layout = QVBoxLayout(page)
    layout.addWidget(QLineEdit())
    layout.addWidget(QPushButton("Save"))
    page.show()
    assert unnamed_controls(page) == ["QLineEdit"]
