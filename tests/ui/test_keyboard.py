"""Keyboard use that never traps: Tab leaves tables and multi-line boxes, Enter presses the
focused button, tables sort from the keyboard, the create screen starts in Name, and the
recovery key fits its label at every supported window size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from steward import crypto
from steward.jobs import run_to_end
from steward.safeguarding.scan import scan_job
from steward.ui.gate import Gate
from steward.ui.widgets import SORT_SHORTCUT, install_keyboard_rules, table_view
from tests.ui.conftest import wait_for_workers

SIZES = [(1280, 720), (1200, 780), (1920, 1080)]


def _focus(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


@pytest.fixture
def form(qtbot):
    """A small window: a line edit, a table, a multi-line box, a rich-text box, a button."""
    install_keyboard_rules()
    window = QWidget()
    layout = QVBoxLayout(window)
    window.before = QLineEdit()
    window.table = table_view(QStringListModel(["pear", "apple", "fig"]), "Fruit")
    window.notes = QPlainTextEdit()
    window.rich = QTextEdit()
    window.button = QPushButton("Save")
    window.clicks = []
    window.button.clicked.connect(lambda: window.clicks.append(1))
    for widget in (window.before, window.table, window.notes, window.rich, window.button):
        layout.addWidget(widget)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_tab_leaves_a_table(form, qtbot):
    _focus(qtbot, form.table)
    form.table.setCurrentIndex(form.table.model().index(0, 0))
    qtbot.keyClick(form.table, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.notes
    assert form.table.currentIndex().row() == 0  # Tab did not move the row
    qtbot.keyClick(form.notes, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is form.table


def test_tab_moves_on_from_multi_line_boxes_and_ctrl_tab_types_one(form, qtbot):
    _focus(qtbot, form.notes)
    qtbot.keyClicks(form.notes, "hi")
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab)
    assert form.notes.toPlainText() == "hi"
    assert QApplication.focusWidget() is form.rich
    qtbot.keyClick(form.rich, Qt.Key.Key_Tab)
    assert form.rich.toPlainText() == ""
    assert QApplication.focusWidget() is form.button
    _focus(qtbot, form.notes)
    form.notes.moveCursor(form.notes.textCursor().MoveOperation.End)
    qtbot.keyClick(form.notes, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert form.notes.toPlainText() == "hi\t"
    assert QApplication.focusWidget() is form.notes


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_enter_presses_the_focused_button(form, qtbot, key):
    _focus(qtbot, form.button)
    qtbot.keyClick(form.button, key)
    assert form.clicks == [1]
    form.button.setEnabled(False)
    qtbot.keyClick(form.button, key)
    assert form.clicks == [1]


def test_tables_sort_from_the_keyboard(form, qtbot):
    table = form.table
    _focus(qtbot, table)
    table.setCurrentIndex(table.model().index(0, 0))

    def column():
        return [table.model().index(r, 0).data() for r in range(3)]

    qtbot.keyClick(table, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert column() == ["apple", "fig", "pear"]
    assert table.horizontalHeader().sortIndicatorSection() == 0
    qtbot.keyClick(table, Qt.Key.Key_S,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert column() == ["pear", "fig", "apple"]
    assert table.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert SORT_SHORTCUT == "Ctrl+Shift+S"


def test_safeguarding_tab_leaves_the_flags_without_opening_them(main_window, demo_ws, qtbot):
    run_to_end(scan_job(demo_ws))
    main_window.open_page("safeguarding")
    wait_for_workers(qtbot)
    page = main_window.page("safeguarding")
    page.refresh()
    wait_for_workers(qtbot)
    page.table.selectRow(0)
    wait_for_workers(qtbot)
    opened = page.panel.flag_id
    assert opened is not None
    _focus(qtbot, page.table)
    for _ in range(5):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        wait_for_workers(qtbot)
    assert QApplication.focusWidget() is not page.table
    assert page.panel.flag_id == opened
    assert page.table.currentIndex().row() == 0


@pytest.fixture
def gate(qtbot, tmp_path, steward_look):
    gate = Gate(tmp_path / "new")
    qtbot.addWidget(gate)
    gate.show()
    qtbot.waitExposed(gate)
    return gate


def test_create_screen_starts_in_the_name(gate, qtbot):
    gate.show_screen(gate.welcome)
    gate.activateWindow()
    qtbot.mouseClick(gate.welcome.create_button, Qt.MouseButton.LeftButton)
    assert gate.currentWidget() is gate.create
    qtbot.waitUntil(lambda: QApplication.focusWidget() is gate.create.name, timeout=2000)
    qtbot.keyClicks(QApplication.focusWidget(), "Hillside Carers")
    assert gate.create.name.text() == "Hillside Carers"
    assert gate.create.folder.text().endswith("new")


@pytest.mark.parametrize("size", SIZES)
def test_recovery_key_fits_its_label(gate, qtbot, size):
    key = crypto.new_recovery_key()
    gate.resize(*size)
    gate.show_screen(gate.recovery)
    gate.recovery.show_key(key, "Hillside Carers")
    QApplication.processEvents()
    label = gate.recovery.key
    width = label.contentsRect().width()
    metrics = label.fontMetrics()
    lines = label.text().split("\n")
    assert all(metrics.horizontalAdvance(line) <= width for line in lines), (size, width)
    assert label.height() >= metrics.height() * len(lines)
    # Every group is on screen, and what is shown types back to the same key.
    assert crypto.normalise_recovery_key(label.text()) == key


def test_counts_and_ages_read_as_people_write_them():
    from datetime import datetime, timedelta

    from steward.ui.table_model import counted, format_ago

    assert counted(1, "source") == "1 source" and counted(2, "source") == "2 sources"
    assert counted(1204, "message") == "1,204 messages" and counted(0, "space") == "0 spaces"
    now = datetime(2026, 11, 10, 12)
    assert format_ago(now - timedelta(days=3), now) == "3 days ago"
    assert format_ago(now - timedelta(days=200), now) == "6 months ago"
    assert format_ago(now - timedelta(days=400), now) == "1 year ago"
    assert format_ago(now - timedelta(days=129 * 30), now) == "10 years ago"
