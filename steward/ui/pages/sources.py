"""Sources: every source and space Steward reads, with platform, message count and first and last
activity.

Other areas add controls to the page's toolbar (e.g. "Add source") without editing this file:

    from steward.ui.pages.sources import register_toolbar_action
    register_toolbar_action(lambda ctx, page: make_add_source_button(ctx, page))

Each factory gets the `AppContext` and the page, and returns a widget for the toolbar; call
`page.refresh()` (or `ctx.refresh_all()`) after changing the data.

"Who is each group for…" (admins and safeguarding leads) sets a space's risk setting: its
audience (general, young people, vulnerable adults), whether it is open or closed, and whether
it is dormant; it offers to read the space's history again with the new setting.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import overview
from steward.safeguarding import spaces
from steward.ui.registry import AppContext
from steward.ui.table_model import Column, PagedTableModel, counted, format_ago, list_source
from steward.ui.widgets import (
    EmptyState,
    PageHeader,
    audience_title,
    platform_title,
    result_label,
    show_result,
    table_view,
)

ToolbarAction = Callable[[AppContext, "SourcesPage"], QWidget]
TOOLBAR_ACTIONS: list[ToolbarAction] = []

COLUMNS = [
    Column("source", "Source"),
    Column("platform", "Platform"),
    Column("name", "Space"),
    Column("audience", "Audience"),
    Column("messages", "Messages"),
    Column("first_activity", "First activity", format=lambda at: f"{at:%Y-%m-%d}" if at else ""),
    Column("last_activity", "Last activity", format=lambda at: (
        f"{at:%Y-%m-%d} ({format_ago(at)})" if at else "never")),
]


def register_toolbar_action(factory: ToolbarAction) -> ToolbarAction:
    """Add a control to the Sources toolbar (in every Sources page built from now on)."""
    TOOLBAR_ACTIONS.append(factory)
    return factory


class SourcesPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = PageHeader(
            "Sources", "Every platform and group Steward reads from, and how lively each is.")
        layout.addWidget(self.header)
        self.settings_dialog: SpaceSettingsDialog | None = None
        self.settings_button = QPushButton("Who is each group for…")
        self.settings_button.setToolTip("Each space's audience, open or closed, and dormancy: "
                                        "they set how urgent safeguarding flags are")
        self.settings_button.clicked.connect(self.open_space_settings)
        self.settings_button.setVisible(spaces.may_set(ctx.ws))
        self.add_toolbar_widget(self.settings_button)
        for factory in TOOLBAR_ACTIONS:
            self.add_toolbar_widget(factory(ctx, self))
        self.summary = QLabel()
        self.summary.setObjectName("pageSubtitle")
        layout.addWidget(self.summary)
        self.body = QStackedWidget()
        self.empty = EmptyState(
            "No sources yet",
            "Import your first export — Slack, Discord, WhatsApp, Telegram, a mailbox (mbox), a "
            "Facebook group or a members CSV — or connect a Discourse forum. Its groups and "
            "channels will be listed here with their activity.",
        )
        self.body.addWidget(self.empty)
        fetch, count = list_source([], COLUMNS)
        self.model = PagedTableModel(COLUMNS, fetch, count)
        self.table = table_view(self.model, "Sources and spaces")
        self.body.addWidget(self.table)
        layout.addWidget(self.body, 1)
        self.spaces: list[overview.SpaceActivity] = []
        self.refresh()

    def add_toolbar_widget(self, widget: QWidget) -> QWidget:
        """Put a control (e.g. an "Add source" button) in the page's toolbar."""
        return self.header.add_action(widget)

    def refresh(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: overview.space_activity(ws), self._show)

    def selected_space(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        source, name = (self.model.index(rows[0].row(), c).data() for c in (0, 2))
        return next((s.space_id for s in self.spaces if (s.source, s.name) == (source, name)),
                    None)

    def open_space_settings(self) -> None:
        self.settings_dialog = SpaceSettingsDialog(self.ctx, self.selected_space(), self)
        self.settings_dialog.show()

    def _show(self, spaces: list[overview.SpaceActivity]) -> None:
        self.spaces = spaces
        rows = [(s.source, platform_title(s.platform), s.name, audience_title(s.audience),
                 s.messages, s.first_activity, s.last_activity) for s in spaces]
        self.model.set_source(*list_source(rows, COLUMNS))
        self.body.setCurrentWidget(self.table if rows else self.empty)
        sources = len({s.source for s in spaces})
        messages = sum(s.messages for s in spaces)
        self.summary.setText(f"{counted(sources, 'source')} · {counted(len(spaces), 'space')} · "
                             f"{counted(messages, 'message')}" if rows else "")
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 2
                                        else QHeaderView.ResizeMode.ResizeToContents)


class SpaceSettingsDialog(QDialog):
    """One space's risk setting: who it is for, open or closed, dormant; then an offer to
    read its history again with the new setting."""

    def __init__(self, ctx: AppContext, space_id: int | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Who is each group for?")
        self.settings: list[spaces.SpaceSetting] = []
        layout = QVBoxLayout(self)
        intro = QLabel("A space's audience sets how urgent its safeguarding flags are: the same "
                       "message raises a higher flag in a young people's or vulnerable adults' "
                       "group. Contact details and sexual content count for more in an open "
                       "group, which anyone can read. Changes apply from the next scan.")
        intro.setWordWrap(True)
        intro.setObjectName("pageSubtitle")
        layout.addWidget(intro)
        form = QFormLayout()
        self.space = QComboBox()
        self.space.setAccessibleName("Space")
        form.addRow("Space", self.space)
        self.audience = QComboBox()
        self.audience.setAccessibleName("Who is this group for?")
        for audience in spaces.AUDIENCES:
            self.audience.addItem(spaces.AUDIENCE_TITLES[audience], audience)
        form.addRow("Who is this group for?", self.audience)
        self.visibility = QComboBox()
        self.visibility.setAccessibleName("Who can read it")
        self.visibility.addItem("Closed: members only", "closed")
        self.visibility.addItem("Open: anyone can read it", "open")
        form.addRow("Who can read it", self.visibility)
        self.dormant = QCheckBox("Dormant: the group has ended on purpose")
        form.addRow("", self.dormant)
        layout.addLayout(form)
        self.result = result_label()
        layout.addWidget(self.result)
        buttons = QHBoxLayout()
        self.rescan_button = QPushButton("Read its history again")
        self.rescan_button.setToolTip("Scan every earlier message of this space with its "
                                      "current setting")
        self.rescan_button.setEnabled(False)
        self.rescan_button.clicked.connect(self.rescan)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.rescan_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.space.currentIndexChanged.connect(self._space_changed)
        self.wanted = space_id
        ws = ctx.ws
        ctx.run_query(lambda: spaces.list_spaces(ws), self._loaded)
        self.resize(560, 320)

    def _loaded(self, settings: list[spaces.SpaceSetting]) -> None:
        self.settings = settings
        self.space.blockSignals(True)
        self.space.clear()
        for sp in settings:
            self.space.addItem(f"{sp.name} ({sp.source}, {sp.messages:,} messages)", sp.id)
        self.space.blockSignals(False)
        index = self.space.findData(self.wanted) if self.wanted is not None else 0
        self.space.setCurrentIndex(max(index, 0))
        self._space_changed()

    def current(self) -> spaces.SpaceSetting | None:
        wanted = self.space.currentData()
        return next((sp for sp in self.settings if sp.id == wanted), None)

    def _space_changed(self) -> None:
        sp = self.current()
        if sp is None:
            return
        self.wanted = sp.id
        self.audience.setCurrentIndex(self.audience.findData(sp.audience))
        self.visibility.setCurrentIndex(self.visibility.findData(sp.visibility))
        self.dormant.setChecked(sp.dormant)

    def save(self) -> None:
        sp = self.current()
        if sp is None:
            return
        ws, audience, visibility, dormant = (self.ctx.ws, self.audience.currentData(),
                                             self.visibility.currentData(),
                                             self.dormant.isChecked())
        self.ctx.run_query(lambda: spaces.set_space(ws, sp.id, audience, visibility, dormant),
                           self._saved, lambda text: show_result(self.result, text, True))

    def _saved(self, sp: spaces.SpaceSetting) -> None:
        self.settings = [sp if old.id == sp.id else old for old in self.settings]
        text = (f"Saved: {sp.name} is for {spaces.AUDIENCE_TITLES[sp.audience].lower()}, "
                f"{sp.visibility}. The next scan uses it.")
        if sp.messages:
            text += f" Read its {sp.messages:,} earlier messages again with this setting?"
        self.rescan_button.setEnabled(bool(sp.messages))
        show_result(self.result, text)
        self.ctx.refresh_all()

    def rescan(self) -> None:
        sp = self.current()
        if sp is None:
            return
        ws = self.ctx.ws
        self.rescan_button.setEnabled(False)
        self.ctx.run_job(lambda token: spaces.rescan_job(ws, sp.id, token), self._rescanned,
                         f"Reading {sp.name} again")

    def _rescanned(self, counts: dict) -> None:
        show_result(self.result, f"Read {counts['messages']:,} messages again: "
                                 f"{counts['flags']} new flags for the safeguarding leads.")
        self.ctx.refresh_all()
