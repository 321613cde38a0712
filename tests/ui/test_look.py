"""The look is given widget by widget (`steward.ui.look`), not as one application-wide style
sheet (which put every widget under Qt's slow style-sheet style): it must paint exactly as the
whole sheet did, and leave the widgets no rule names alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from steward.resources import resource_path
from steward.ui.widgets import EmptyState, PageHeader, section_title, show_result, table_view


def _composition() -> tuple[QWidget, QLabel]:
    root = QWidget()
    root.resize(640, 720)
    layout = QVBoxLayout(root)
    header = PageHeader("Moderation", "What waits for a decision, oldest first.")
    header.add_action(QPushButton("Scan now"))
    primary = QPushButton("Unlock")
    primary.setObjectName("primary")
    header.add_action(primary)
    layout.addWidget(header)
    layout.addWidget(section_title("Accounts"))
    box = QGroupBox("Backups")
    QVBoxLayout(box).addWidget(QLabel("Last backup: never"))
    layout.addWidget(box)
    model = QStandardItemModel(3, 2)
    for row in range(3):
        for column in range(2):
            model.setItem(row, column, QStandardItem(f"cell {row}.{column}"))
    layout.addWidget(table_view(model, "Cells"), 1)
    result = QLabel()
    layout.addWidget(result)
    layout.addWidget(EmptyState("Nothing here yet", "Import a community export to begin."))
    return root, result


def _picture(qtbot, root: QWidget):
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    return root.grab().toImage()


def test_the_look_widget_by_widget_paints_as_the_whole_sheet(qtbot, steward_look):
    scoped, scoped_result = _composition()
    show_result(scoped_result, "That passphrase is not right.", error=True)
    with_look = _picture(qtbot, scoped)

    from steward.ui import look

    look.uninstall()  # the reference: the whole sheet over every widget, as before
    whole, whole_result = _composition()
    whole.setStyleSheet(resource_path("ui", "steward.qss").read_text(encoding="utf-8"))
    show_result(whole_result, "That passphrase is not right.", error=True)
    whole_result.style().unpolish(whole_result)
    whole_result.style().polish(whole_result)
    reference = _picture(qtbot, whole)

    assert with_look.size() == reference.size()
    assert with_look == reference


def test_widgets_no_rule_names_get_no_style_sheet(qtbot, steward_look):
    root, result = _composition()
    line, combo = QLineEdit(), QComboBox()
    root.layout().addWidget(line)
    root.layout().addWidget(combo)
    qtbot.addWidget(root)
    root.show()
    qtbot.waitExposed(root)
    header = root.findChild(PageHeader)
    assert "#pageTitle" in header.title.styleSheet()
    assert "padding" in root.findChild(QPushButton).styleSheet()
    assert "gridline-color" in root.findChild(QTableView).styleSheet()
    for plain in (line, combo, header, root.findChild(QTableView).viewport()):
        assert plain.styleSheet() == ""
    show_result(result, "Could not save.", error=True)
    assert "#inlineError" in result.styleSheet()
    show_result(result, "Saved.")  # no longer an error: the red rule goes with the name
    assert result.styleSheet() == ""
    assert result.palette().color(result.foregroundRole()) != Qt.GlobalColor.red
