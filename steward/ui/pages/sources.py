"""Sources: every source and space Steward reads, with platform, message count and first and last
activity.

Other areas add controls to the page's toolbar (e.g. "Add source") without editing this file:

    from steward.ui.pages.sources import register_toolbar_action
    register_toolbar_action(lambda ctx, page: make_add_source_button(ctx, page))

Each factory gets the `AppContext` and the page, and returns a widget for the toolbar; call
`page.refresh()` (or `ctx.refresh_all()`) after changing the data.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHeaderView, QLabel, QStackedWidget, QVBoxLayout, QWidget

from steward import overview
from steward.ui.registry import AppContext, PageSpec, register_page
from steward.ui.table_model import Column, PagedTableModel, format_ago, list_source
from steward.ui.widgets import (
    EmptyState,
    PageHeader,
    audience_title,
    platform_title,
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
        self.refresh()

    def add_toolbar_widget(self, widget: QWidget) -> QWidget:
        """Put a control (e.g. an "Add source" button) in the page's toolbar."""
        return self.header.add_action(widget)

    def refresh(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: overview.space_activity(ws), self._show)

    def _show(self, spaces: list[overview.SpaceActivity]) -> None:
        rows = [(s.source, platform_title(s.platform), s.name, audience_title(s.audience),
                 s.messages, s.first_activity, s.last_activity) for s in spaces]
        self.model.set_source(*list_source(rows, COLUMNS))
        self.body.setCurrentWidget(self.table if rows else self.empty)
        sources = len({s.source for s in spaces})
        messages = sum(s.messages for s in spaces)
        self.summary.setText(f"{sources} sources · {len(spaces)} spaces · {messages:,} messages"
                             if rows else "")
        header = self.table.horizontalHeader()
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 2
                                        else QHeaderView.ResizeMode.ResizeToContents)


register_page(PageSpec("sources", "Sources", SourcesPage, order=90))
