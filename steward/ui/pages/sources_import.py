"""Sources page additions: "Add source…" (choose the platform, see the steps to get its export,
pick or drop the files, preview, answer the time-zone and date-order questions, import with
progress and Cancel, read the summary) and "Live sources" (Discourse: test connection, sync now,
last sync, and the outbox of decisions with their statuses).

Everything slow runs as a core job through `ctx.run_job`; this module only lays out widgets.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import available_timezones

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import keychain
from steward.connectors import discourse, registry
from steward.connectors.base import ImportOptions
from steward.connectors.detect import guess_kind
from steward.connectors.files import local_timezone, parse_timezone
from steward.connectors.ingest import ImportPreview, ImportSummary, import_files, preview_files
from steward.connectors.outbox import list_outbox
from steward.connectors.sources import list_sources
from steward.moderation.scan import scan_job
from steward.safeguarding.spaces import AUDIENCE_TITLES, AUDIENCES, import_for_audience
from steward.ui.pages.sources import SourcesPage, register_toolbar_action
from steward.ui.registry import AppContext
from steward.ui.table_model import Column, PagedTableModel, format_ago, list_source
from steward.ui.widgets import platform_title, result_label, show_result, table_view

LIVE = "discourse"


def scan_new_messages(ctx: AppContext) -> None:
    """After an import or sync: the moderation and safeguarding scan over what arrived, then
    every page refreshed (so the queue shows what was held)."""
    ws = ctx.ws
    ctx.run_job(lambda token: scan_job(ws, token), lambda _counts: ctx.refresh_all(),
                "Scanning new messages")


def _when(at) -> str:
    return f"{at:%Y-%m-%d}" if at else "?"


def describe_preview(p: ImportPreview) -> str:
    """The preview in words, with the questions still to answer."""
    lines = [f"Source: {p.source}",
             f"Spaces found ({len(p.spaces)}): {', '.join(p.spaces[:8])}"
             + (" …" if len(p.spaces) > 8 else ""),
             f"{p.messages:,} messages from {p.people:,} people, "
             f"{_when(p.first)} to {_when(p.last)}"]
    if p.column_mapping:
        mapping = dict(p.column_mapping)
        kind = mapping.pop("list", "")
        lines.append(f"Read as: {kind}" if kind else "Columns:")
        lines.extend(f"  {field.replace('_', ' ')} ← {column}"
                     for field, column in mapping.items())
    if p.needs_timezone:
        lines.append("The file has no time zone: check the phone's time zone below.")
    if p.ambiguous_date_order:
        lines.append("Dates could be day/month or month/day: say which below (shown as "
                     "day/month).")
    return "\n".join(lines)


class AddSourceDialog(QDialog):
    """Choose a platform, read how to export from it, pick or drop files, preview, import."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Add source")
        self.setAcceptDrops(True)
        self.paths: list[Path] = []
        self.preview: ImportPreview | None = None
        self.worker = None
        self.kinds = registry.import_kinds()
        self.titles = {k: registry.importer(k).title for k in self.kinds}

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.platform = QComboBox()
        self.platform.setAccessibleName("Platform")
        for kind in self.kinds:
            self.platform.addItem(self.titles[kind], kind)
        self.platform.addItem(discourse.DiscourseForum.title, LIVE)
        form.addRow("Platform", self.platform)
        layout.addLayout(form)
        self.steps = QLabel()
        self.steps.setWordWrap(True)
        self.steps.setObjectName("pageSubtitle")
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.steps)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._file_panel())
        self.stack.addWidget(self._live_panel())
        layout.addWidget(self.stack)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.result = result_label()
        layout.addWidget(self.result)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self._cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.platform.currentIndexChanged.connect(self._platform_changed)
        self._platform_changed()
        self.resize(640, 520)

    # --- layout ------------------------------------------------------------------------------

    def _file_panel(self) -> QWidget:
        panel = QWidget()
        form = QFormLayout(panel)
        row = QHBoxLayout()
        self.files = QLineEdit()
        self.files.setReadOnly(True)
        self.files.setPlaceholderText("Choose the export files, or drop them on this window")
        self.files.setAccessibleName("Export files")
        choose = QPushButton("Choose files…")
        choose.clicked.connect(self._choose)
        row.addWidget(self.files, 1)
        row.addWidget(choose)
        form.addRow("Files", row)
        self.space = QLineEdit()
        self.space.setPlaceholderText("(optional) a name for the chat or list")
        form.addRow("Name", self.space)
        self.audience = QComboBox()
        self.audience.setAccessibleName("Who is this group for?")
        for audience in AUDIENCES:
            self.audience.addItem(AUDIENCE_TITLES[audience], audience)
        self.audience.setToolTip("Sets how urgent safeguarding flags from its new spaces are: "
                                 "higher for young people and vulnerable adults. You can change "
                                 "it later on the Sources page.")
        form.addRow("Who is this group for?", self.audience)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItems(sorted(available_timezones()))
        self.timezone.setCurrentText(getattr(local_timezone(), "key", "UTC"))
        self.timezone.setAccessibleName("Time zone of the phone")
        self.timezone_label = QLabel("Phone's time zone")
        form.addRow(self.timezone_label, self.timezone)
        self.date_order = QComboBox()
        self.date_order.addItem("Day/month (21/11/2026)", "dmy")
        self.date_order.addItem("Month/day (11/21/2026)", "mdy")
        self.date_order_label = QLabel("Date order")
        form.addRow(self.date_order_label, self.date_order)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Preview")
        form.addRow(self.summary)
        row = QHBoxLayout()
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.run_preview)
        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        row.addStretch(1)
        row.addWidget(self.preview_button)
        row.addWidget(self.import_button)
        form.addRow(row)
        return panel

    def _live_panel(self) -> QWidget:
        panel = QWidget()
        form = QFormLayout(panel)
        self.live_name = QLineEdit("Forum")
        self.live_url = QLineEdit()
        self.live_url.setPlaceholderText("https://forum.example.org")
        self.live_user = QLineEdit()
        self.live_user.setPlaceholderText("an admin or moderator user name")
        self.live_key = QLineEdit()
        self.live_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.live_key.setPlaceholderText("kept in this computer's keyring, never in the workspace")
        for label, widget in (("Name", self.live_name), ("Forum address", self.live_url),
                              ("API user name", self.live_user), ("API key", self.live_key)):
            widget.setAccessibleName(label)
            form.addRow(label, widget)
        row = QHBoxLayout()
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.add_live_button = QPushButton("Add and sync now")
        self.add_live_button.clicked.connect(self.add_live)
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.add_live_button)
        form.addRow(row)
        return panel

    # --- choosing ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return self.platform.currentData()

    def _platform_changed(self) -> None:
        live = self.kind == LIVE
        self.stack.setCurrentIndex(1 if live else 0)
        source = discourse.DiscourseForum if live else registry.importer(self.kind)
        self.steps.setText(getattr(source, "how_to_export", "") or
                           getattr(source, "how_to_connect", ""))
        self.needs_timezone = not live and getattr(source, "needs_timezone", False)
        self.timezone.setVisible(self.needs_timezone)
        self.timezone_label.setVisible(self.needs_timezone)
        self._reset_preview()

    def _reset_preview(self) -> None:
        self.ambiguous_dates = False
        self.date_order.hide()
        self.date_order_label.hide()
        self.preview = None
        self.import_button.setEnabled(False)
        self.summary.setText("")
        show_result(self.result, "")

    def set_files(self, paths: list[Path], kind: str | None = None) -> None:
        """Use these files; with `kind`, switch the platform to it (e.g. after a drop)."""
        if kind is not None and kind in self.kinds:
            self.platform.setCurrentIndex(self.kinds.index(kind))
        self.paths = [Path(p) for p in paths]
        self.files.setText("; ".join(p.name for p in self.paths))
        self._reset_preview()

    def _choose(self) -> None:
        patterns = " ".join(registry.importer(self.kind).file_patterns)
        names, _ = QFileDialog.getOpenFileNames(self, "Choose the export files", "",
                                                f"{self.titles[self.kind]} ({patterns});;"
                                                "All files (*)")
        if names:
            self.set_files([Path(n) for n in names])

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.set_files(paths, guess_kind(paths[0]))
            event.acceptProposedAction()

    # --- preview and import --------------------------------------------------------------------

    def options(self) -> ImportOptions:
        order = self.date_order.currentData() if self.ambiguous_dates else None
        zone = None
        if self.needs_timezone:
            zone = parse_timezone(self.timezone.currentText().strip() or "UTC")
        return ImportOptions(timezone=zone, date_order=order,
                             space_name=self.space.text().strip() or None)

    def _start(self, factory, on_done, text: str) -> None:
        show_result(self.result, "")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.worker = self.ctx.run_job(factory, on_done, text)
        if self.worker is not None:
            self.worker.progress.connect(self._progress)
            self.worker.failed.connect(lambda message: show_result(self.result, message, True))
            self.worker.done.connect(self._finished)

    def _progress(self, done: int, total: int, _text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _finished(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.worker = None

    def _cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            show_result(self.result, "Cancelled: nothing was imported.")

    def run_preview(self) -> None:
        if not self.paths:
            show_result(self.result, "Choose the export files first.", True)
            return
        try:
            kind, paths, options = self.kind, list(self.paths), self.options()
        except Exception as err:  # a time zone that does not exist
            show_result(self.result, str(err), True)
            return
        self._start(lambda token: preview_files(kind, paths, options, token), self._previewed,
                    f"Reading {paths[0].name}")

    def _previewed(self, preview: ImportPreview) -> None:
        self.preview = preview
        self.summary.setText(describe_preview(preview))
        self.ambiguous_dates = self.ambiguous_dates or preview.ambiguous_date_order
        self.date_order.setVisible(self.ambiguous_dates)
        self.date_order_label.setVisible(self.ambiguous_dates)
        self.import_button.setEnabled(True)

    def run_import(self) -> None:
        if self.preview is None:
            return
        ws, kind, paths, options = self.ctx.ws, self.kind, list(self.paths), self.options()
        expected = self.preview.messages or None
        self.import_button.setEnabled(False)
        audience = self.audience.currentData()
        self._start(lambda token: import_for_audience(
            ws, import_files(ws, kind, paths, options, token=token, expected_messages=expected),
            audience), self._imported, f"Importing {paths[0].name}")

    def _imported(self, result: tuple[ImportSummary, int]) -> None:
        summary, new_spaces = result
        text = summary.describe()
        if new_spaces:
            text += (f" {'Its new space is' if new_spaces == 1 else 'Its new spaces are'} "
                     f"marked for: {AUDIENCE_TITLES[self.audience.currentData()].lower()}.")
        show_result(self.result, text)
        self.ctx.refresh_all()
        scan_new_messages(self.ctx)

    # --- live sources ----------------------------------------------------------------------------

    def _live_config(self) -> tuple[str, dict, str]:
        return (self.live_name.text().strip(), {"url": self.live_url.text().strip(),
                                                 "api_username": self.live_user.text().strip()},
                self.live_key.text().strip())

    def test_connection(self) -> None:
        _name, config, key = self._live_config()
        show_result(self.result, "Testing the connection…")
        self.ctx.run_job(lambda token: _job(discourse.DiscourseForum().test_connection,
                                            config, key),
                         lambda text: show_result(self.result, text.capitalize() + "."),
                         "Testing the connection")

    def add_live(self) -> None:
        name, config, key = self._live_config()
        ws = self.ctx.ws
        try:
            discourse.add_source(ws, name, config["url"], config["api_username"], key)
        except Exception as err:
            show_result(self.result, str(err), True)
            return
        self._start(lambda token: discourse.sync(ws, name, key, token), self._synced,
                    f"Syncing {name}")

    def _synced(self, result: dict) -> None:
        show_result(self.result, sync_text(result))
        self.ctx.refresh_all()
        scan_new_messages(self.ctx)


def _job(fn, *args):
    """A quick network call as a job (runs off the UI thread, like every other job)."""
    yield from ()
    return fn(*args)


def sync_text(result: dict) -> str:
    return (f"Synced {result['source']}: {result['posts']:,} new posts, {result['people']:,} new "
            f"people, {result['reports']} new reports; decisions sent {result['actions_done']}, "
            f"failed {result['actions_failed']}.")


SOURCE_COLUMNS = [Column("name", "Source"), Column("platform", "Platform"),
                  Column("url", "Address"), Column("messages", "Messages"),
                  Column("outbox", "Decisions waiting"),
                  Column("last", "Last sync or import", format=lambda at: (
                      f"{at:%Y-%m-%d %H:%M} ({format_ago(at)})" if at else "never"))]
OUTBOX_COLUMNS = [Column("status", "Status"), Column("what", "Decision"),
                  Column("mode", "How"), Column("attempts", "Tries"),
                  Column("error", "Problem"), Column("created", "Decided",
                                                     format=lambda at: f"{at:%Y-%m-%d %H:%M}")]


class LiveSourcesDialog(QDialog):
    """Sources with their last sync, Sync now / Test connection, and the outbox."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Sources and decisions to send")
        layout = QVBoxLayout(self)
        self.sources_model = PagedTableModel(SOURCE_COLUMNS, *list_source([], SOURCE_COLUMNS))
        self.sources = table_view(self.sources_model, "Sources")
        layout.addWidget(self.sources, 1)
        row = QHBoxLayout()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.clicked.connect(self.sync_selected)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_selected)
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.sync_button)
        layout.addLayout(row)
        layout.addWidget(QLabel("Decisions to carry out on the platforms (sent at the next sync; "
                                "checklist items are for you to do there)"))
        self.outbox_model = PagedTableModel(OUTBOX_COLUMNS, *list_source([], OUTBOX_COLUMNS))
        self.outbox = table_view(self.outbox_model, "Outbox")
        layout.addWidget(self.outbox, 1)
        self.result = result_label()
        layout.addWidget(self.result)
        self.rows: list = []
        self.resize(820, 560)
        self.refresh()

    def refresh(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: (list_sources(ws), list_outbox(ws)), self._show)

    def _show(self, data) -> None:
        sources, outbox = data
        self.rows = sources
        rows = [(s.name, platform_title(s.platform), s.url or "", s.messages, s.outbox_pending,
                 s.last_sync_at) for s in sources]
        self.sources_model.set_source(*list_source(rows, SOURCE_COLUMNS))
        entries = [(e.status, e.description, "sent by Steward" if e.mode == "api" else
                    "checklist", e.attempts, e.error or "", e.created_at) for e in outbox]
        self.outbox_model.set_source(*list_source(entries, OUTBOX_COLUMNS))

    def selected_live(self) -> str | None:
        index = self.sources.currentIndex()
        if not index.isValid():
            live = [s for s in self.rows if s.live]
            return live[0].name if len(live) == 1 else None
        name = self.sources_model.row_values(index.row())[0]
        return name if any(s.name == name and s.live for s in self.rows) else None

    def _key(self, name: str) -> str | None:
        key = keychain.load_token(discourse.secret_name(self.ctx.ws, name))
        if key:
            return key
        key, ok = QInputDialog.getText(self, "API key", f"API key for {name} (not stored)",
                                       QLineEdit.EchoMode.Password)
        return key if ok and key else None

    def sync_selected(self) -> None:
        name = self.selected_live()
        if name is None:
            show_result(self.result, "Choose a live source (Discourse) first.", True)
            return
        key = self._key(name)
        if key is None:
            return
        ws = self.ctx.ws
        self.ctx.run_job(lambda token: discourse.sync(ws, name, key, token), self._synced,
                         f"Syncing {name}")

    def _synced(self, result: dict) -> None:
        show_result(self.result, sync_text(result))
        self.refresh()
        self.ctx.refresh_all()
        scan_new_messages(self.ctx)

    def test_selected(self) -> None:
        name = self.selected_live()
        if name is None:
            show_result(self.result, "Choose a live source (Discourse) first.", True)
            return
        key = self._key(name)
        if key is None:
            return
        info = next(s for s in self.rows if s.name == name)
        cfg = {"url": info.url, "api_username": info.api_username}
        self.ctx.run_job(lambda token: _job(discourse.DiscourseForum().test_connection, cfg, key),
                         lambda text: show_result(self.result, text.capitalize() + "."),
                         "Testing the connection")


def _open_add_source(ctx: AppContext, page: SourcesPage, paths: list[Path] | None = None):
    dialog = getattr(page, "add_source_dialog", None)
    if dialog is None:
        dialog = page.add_source_dialog = AddSourceDialog(ctx, page)
    if paths:
        dialog.set_files(paths, guess_kind(paths[0]))
    dialog.open()
    return dialog


def _open_live(ctx: AppContext, page: SourcesPage):
    dialog = getattr(page, "live_sources_dialog", None)
    if dialog is None:
        dialog = page.live_sources_dialog = LiveSourcesDialog(ctx, page)
    else:
        dialog.refresh()
    dialog.open()
    return dialog


class _DropTarget(QWidget):
    """Lets the Sources page take export files dropped anywhere on it."""

    def __init__(self, ctx: AppContext, page: SourcesPage):
        super().__init__(page)
        self.ctx, self.page = ctx, page
        page.setAcceptDrops(True)
        page.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and \
                event.mimeData().hasUrls():
            event.acceptProposedAction()
            return True
        if event.type() == QEvent.Type.Drop and event.mimeData().hasUrls():
            paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
            if paths:
                _open_add_source(self.ctx, self.page, paths)
                event.acceptProposedAction()
                return True
        return False


def _add_source_button(ctx: AppContext, page: SourcesPage) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    add = QPushButton("Add source…")
    add.setToolTip("Import a platform's export, or connect a Discourse forum "
                   "(you can also drop export files on this page)")
    add.clicked.connect(lambda: _open_add_source(ctx, page))
    live = QPushButton("Syncs and outbox…")
    live.setToolTip("Sync live sources now, and see the decisions waiting to reach platforms")
    live.clicked.connect(lambda: _open_live(ctx, page))
    row.addWidget(add)
    row.addWidget(live)
    page.drop_target = _DropTarget(ctx, page)
    return box


register_toolbar_action(_add_source_button)
