"""Knowledge library page: helpful messages gathered, tagged, searched, and shared back.

Other pages add a message with `ask_and_mark_resource(ctx, message_id, parent)` (asks for tags)
or `mark_message_as_resource(ctx, message_id, tags)` (no questions).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from steward.engagement import library
from steward.ui.registry import AppContext
from steward.ui.table_model import Column, PagedTableModel, list_source
from steward.ui.widgets import EmptyState, PageHeader, result_label, show_result, table_view

COLUMNS = [Column("title", "Title"), Column("tags", "Tags"), Column("space", "Space"),
           Column("posted", "Posted"), Column("added_by", "Added by")]


def mark_message_as_resource(ctx: AppContext, message_id: int, tags=(), title: str | None = None,
                             on_done: Callable[[int], None] | None = None) -> None:
    """Add a message to the library off the UI thread; tells the user and refreshes pages."""

    def mark():
        try:
            return library.mark_as_resource(ctx.ws, message_id, title=title, tags=tags)
        except Exception as exc:  # BadInput: said in the notification area
            return str(exc)

    def done(result) -> None:
        if isinstance(result, str):
            ctx.notify(f"Could not add to the library: {result}", error=True)
            return
        ctx.notify("Added to the knowledge library.")
        ctx.refresh_all()
        if on_done is not None:
            on_done(result)

    ctx.run_query(mark, done)


def ask_and_mark_resource(ctx: AppContext, message_id: int, parent: QWidget) -> None:
    """Ask for tags (comma-separated), then add the message to the library."""
    tags, ok = QInputDialog.getText(parent, "Add to the knowledge library",
                                    "Tags, separated by commas (e.g. money, school):")
    if ok:
        mark_message_as_resource(ctx, message_id, tags)


class LibraryPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[library.LibraryItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = PageHeader("Knowledge library", "Helpful messages worth sharing again. Add one "
                            "from any list of messages; export a digest for the community.")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search titles, tags, notes and messages")
        self.search.setAccessibleName("Search the library")
        self.search.setClearButtonEnabled(True)
        self.tag = QComboBox()
        self.tag.setAccessibleName("Tag")
        self.tag.addItem("All tags", None)
        self.export_md = QPushButton("Digest (Markdown)…")
        self.export_html = QPushButton("Digest (HTML)…")
        for w in (self.search, self.tag, self.export_md, self.export_html):
            header.add_action(w)
        layout.addWidget(header)
        self.search.returnPressed.connect(self.refresh)
        self.search.textChanged.connect(lambda text: text or self.refresh())
        self.tag.activated.connect(lambda _i: self.refresh())
        self.export_md.clicked.connect(lambda: self._ask_export("markdown"))
        self.export_html.clicked.connect(lambda: self._ask_export("html"))

        self.empty = EmptyState("The library is empty",
                                "Select a message on the Engagement page (click a day on a "
                                "chart) or in the moderation queue and choose Add to library.")
        layout.addWidget(self.empty)
        split = QSplitter()
        self.model = PagedTableModel(COLUMNS, *list_source([], COLUMNS))
        self.view = table_view(self.model, "Library resources")
        self.view.selectionModel().currentRowChanged.connect(self._selected)
        self.view.setColumnWidth(0, 280)
        split.addWidget(self.view)
        editor = QWidget()
        form = QFormLayout(editor)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.tags = QLineEdit()
        self.tags.setAccessibleName("Tags")
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setMaximumHeight(70)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setAccessibleName("Message")
        form.addRow("Title", self.title)
        form.addRow("Tags", self.tags)
        form.addRow("Note", self.note)
        form.addRow("Message", self.text)
        buttons = QHBoxLayout()
        self.save = QPushButton("Save")
        self.remove = QPushButton("Remove from library")
        self.save.clicked.connect(self._save)
        self.remove.clicked.connect(self._remove)
        buttons.addWidget(self.save)
        buttons.addWidget(self.remove)
        form.addRow(buttons)
        self.result = result_label()
        form.addRow(self.result)
        split.addWidget(editor)
        split.setSizes([600, 400])
        self.split = split
        layout.addWidget(split, 1)
        self._set_editing(False)
        self.refresh()

    def refresh(self) -> None:
        ws, text, tag = self.ctx.ws, self.search.text(), self.tag.currentData()
        self.ctx.run_query(lambda: (library.search_library(ws, text, tag),
                                    library.library_tags(ws)), self._show)

    def _show(self, result) -> None:
        self.items, tags = result
        rows = [(i.title, ", ".join(i.tags), i.space, i.posted_at, i.added_by, i.id)
                for i in self.items]
        self.model.set_source(*list_source(rows, COLUMNS))
        current = self.tag.currentData()
        self.tag.blockSignals(True)
        self.tag.clear()
        self.tag.addItem("All tags", None)
        for name, count in tags:
            self.tag.addItem(f"{name} ({count})", name)
        self.tag.setCurrentIndex(max(self.tag.findData(current), 0))
        self.tag.blockSignals(False)
        filtered = bool(self.search.text() or self.tag.currentData())
        self.empty.setVisible(not self.items and not filtered)
        self._set_editing(False)

    def _set_editing(self, on: bool) -> None:
        for w in (self.title, self.tags, self.note, self.save, self.remove):
            w.setEnabled(on)
        if not on:
            self.title.clear()
            self.tags.clear()
            self.note.clear()
            self.text.clear()

    def selected(self) -> library.LibraryItem | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        rid = self.model.row_values(index.row())[-1]
        return next((i for i in self.items if i.id == rid), None)

    def _selected(self, *_args) -> None:
        item = self.selected()
        if item is None:
            return
        self._set_editing(True)
        self.title.setText(item.title)
        self.tags.setText(", ".join(item.tags))
        self.note.setPlainText(item.note)
        self.text.setText(item.text[:1500])

    def _save(self) -> None:
        item = self.selected()
        if item is None:
            return
        ws, title, tags, note = (self.ctx.ws, self.title.text(), self.tags.text(),
                                 self.note.toPlainText())
        self._write(lambda: library.update_resource(ws, item.id, title, tags, note), "Saved.")

    def _remove(self) -> None:
        item = self.selected()
        if item is not None:
            ws = self.ctx.ws
            self._write(lambda: library.remove_resource(ws, item.id), "Removed from the library.")

    def _write(self, change, said: str) -> None:
        def done(_result) -> None:
            self.ctx.notify(said)
            self.refresh()

        self.ctx.run_query(change, done, lambda problem: show_result(self.result, problem,
                                                                     error=True))

    def _ask_export(self, fmt: str) -> None:
        suffix = "md" if fmt == "markdown" else "html"
        path, _ = QFileDialog.getSaveFileName(self, "Save the digest", f"digest.{suffix}",
                                              f"{fmt.capitalize()} (*.{suffix})")
        if path:
            self.export_digest(path, fmt)

    def export_digest(self, path: str | Path, fmt: str, on_done=None) -> None:
        """Write the resources listed now (search and tag applied) as a digest."""
        ws, items = self.ctx.ws, list(self.items)

        def done(count: int) -> None:
            self.ctx.notify(f"Digest of {count} resources saved to {path}")
            if on_done is not None:
                on_done(count)

        self.ctx.run_query(lambda: library.export_digest(ws, path, items, fmt), done)

    def show_item(self, search: str | None = None, **_kw) -> None:
        if search is not None:
            self.search.setText(search)
            self.refresh()
