"""Overview: what needs attention today — counts, the tiles other areas register, and the last
activity in each space. Everything is read off the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import overview, permissions
from steward.ui.i18n import translate
from steward.ui.registry import AppContext, TileData, TileSpec, tiles_for
from steward.ui.table_model import Column, PagedTableModel, format_ago, list_source
from steward.ui.widgets import EmptyState, PageHeader, platform_title, table_view

COUNTS = (("persons", QT_TRANSLATE_NOOP("Overview", "People")),
          ("spaces", QT_TRANSLATE_NOOP("Overview", "Spaces")),
          ("messages", QT_TRANSLATE_NOOP("Overview", "Messages")),
          ("sources", QT_TRANSLATE_NOOP("Overview", "Sources")))
SPACE_COLUMNS = [
    Column("name", "Space"),
    Column("source", "Source"),
    Column("platform", "Platform"),
    Column("messages", "Messages"),
    Column("last_activity", "Last activity", format=format_ago),
]


class StatBox(QFrame):
    """A plain count: a big number and what it counts."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("statBox")
        layout = QVBoxLayout(self)
        self.value = QLabel("…")
        self.value.setObjectName("statValue")
        layout.addWidget(self.value)
        layout.addWidget(QLabel(translate("Overview", title)))

    def set_value(self, value: int) -> None:
        self.value.setText(f"{value:,}")


class Tile(QPushButton):
    """A registered Overview tile: its title, its big value, one line of detail; clicking opens
    the tile's page."""

    def __init__(self, spec: TileSpec, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.setObjectName("tile")
        self.setProperty("tone", "neutral")
        self.setMinimumSize(200, 104)
        self.title_text = translate("Tiles", spec.title)
        self.setAccessibleName(self.title_text)
        if spec.page:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QVBoxLayout(self)
        self.title = QLabel(self.title_text)
        self.title.setObjectName("tileTitle")
        self.value = QLabel("…")
        self.value.setObjectName("tileValue")
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        for label in (self.title, self.value, self.detail):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(label)

    def show_data(self, data: TileData) -> None:
        self.value.setText(data.value)
        self.detail.setText(data.detail)
        self.setAccessibleName(f"{self.title_text}: {data.value}")
        self.setAccessibleDescription(data.detail)
        self.setProperty("tone", data.tone)
        self.style().unpolish(self)
        self.style().polish(self)

    def show_problem(self, message: str) -> None:
        self.value.setText("—")
        self.detail.setText(translate("Overview", "Could not be worked out: {problem}")
                            .format(problem=message))


class OverviewPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.header = PageHeader(
            translate("Overview", "Overview"),
            translate("Overview", "What needs attention today, across every space."))
        outer.addWidget(self.header)

        self.body = QStackedWidget()
        outer.addWidget(self.body, 1)
        self.empty = EmptyState(
            translate("Overview", "Nothing here yet"),
            translate("Overview", "Import your first export or connect a platform on the Sources "
                      "page; its people, spaces and messages will show up here."),
        )
        go = QPushButton(translate("Overview", "Go to Sources"))
        go.setAccessibleName(translate("Overview", "Go to Sources"))
        go.clicked.connect(lambda: ctx.open_page("sources"))
        self.empty.layout().addWidget(go, 0, Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(self.empty)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        # Said before any count: how many messages no scan has read yet (no "No open
        # concerns" over messages nobody has checked).
        self.unscanned = QLabel()
        self.unscanned.setObjectName("unscannedNotice")
        self.unscanned.setWordWrap(True)
        self.unscanned.setAccessibleName(translate("Overview", "Messages not yet checked"))
        self.unscanned.hide()
        self.unscanned_counts: dict[str, int] = {}
        self.auto_scan = ""  # the scan on open: "" not started, "running", "done"
        column.addWidget(self.unscanned)
        counts = QHBoxLayout()
        self.counts = {key: StatBox(title) for key, title in COUNTS}
        for box in self.counts.values():
            counts.addWidget(box)
        column.addLayout(counts)

        self.tiles = [Tile(spec) for spec in tiles_for(ctx.ws.profile)]
        if self.tiles:
            heading = QLabel(translate("Overview", "Needs attention"))
            heading.setObjectName("sectionTitle")
            column.addWidget(heading)
            grid = QGridLayout()
            for n, tile in enumerate(self.tiles):
                grid.addWidget(tile, n // 3, n % 3)
                if tile.spec.page:
                    tile.clicked.connect(lambda _=False, p=tile.spec.page: ctx.open_page(p))
            column.addLayout(grid)

        heading = QLabel(translate("Overview", "Last activity in each space"))
        heading.setObjectName("sectionTitle")
        column.addWidget(heading)
        fetch, count = list_source([], SPACE_COLUMNS)
        self.spaces = PagedTableModel(SPACE_COLUMNS, fetch, count)
        self.space_table = table_view(self.spaces,
                                      translate("Overview", "Last activity in each space"))
        self.space_table.setMinimumHeight(220)
        column.addWidget(self.space_table, 1)
        scroll.setWidget(content)
        self.body.addWidget(scroll)
        self.body.setCurrentWidget(scroll)
        self.refresh()

    def refresh(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: overview.workspace_stats(ws), self._show_counts)
        self.ctx.run_query(lambda: overview.unscanned_messages(ws), self._show_unscanned)
        self.ctx.run_query(lambda: _spaces_with_last_activity(ws), self._show_spaces)
        for tile in self.tiles:
            self.ctx.run_query(lambda spec=tile.spec: _compute(spec, ws), tile_result(tile))

    def _show_counts(self, stats: dict[str, int]) -> None:
        for key, box in self.counts.items():
            box.set_value(stats.get(key, 0))
        nothing = not stats.get("sources") and not stats.get("persons")
        self.body.setCurrentIndex(0 if nothing else 1)

    def _show_unscanned(self, counts: dict[str, int]) -> None:
        self.unscanned_counts = counts
        text = overview.describe_unscanned(counts)
        if text and self.auto_scan == "" and getattr(self.ctx, "scan_on_open", False) \
                and permissions.may_run(self.ctx.ws.profile.role, "scan"):
            ws = self.ctx.ws
            worker = self.ctx.run_job(lambda token: _scan(ws, token),
                                      lambda _counts: self.ctx.refresh_all(),
                                      "Checking new messages")
            self.auto_scan = "running"
            if worker is not None:
                worker.done.connect(self._auto_scan_ended)
        if text and self.auto_scan == "running":
            text += " " + translate("Overview", "Checking them now in the background…")
        self.unscanned.setText(text)
        self.unscanned.setVisible(bool(text))

    def _auto_scan_ended(self) -> None:
        """Once per window (finished, failed or cancelled): say what is still unchecked."""
        self.auto_scan = "done"
        ws = self.ctx.ws
        self.ctx.run_query(lambda: overview.unscanned_messages(ws), self._show_unscanned)

    def _show_spaces(self, spaces: list[overview.SpaceActivity]) -> None:
        # Quietest first: the spaces that may need a nudge come to the top.
        ordered = sorted(spaces, key=lambda s: (s.last_activity is not None, s.last_activity))
        rows = [(s.name, s.source, platform_title(s.platform), s.messages, s.last_activity)
                for s in ordered]
        self.spaces.set_source(*list_source(rows, SPACE_COLUMNS))
        header = self.space_table.horizontalHeader()
        for column in range(len(SPACE_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch if column == 0
                                        else QHeaderView.ResizeMode.ResizeToContents)


def _scan(ws, token):
    """The scan on opening, imported on the worker that runs it: the window opens on this page,
    and it needs neither NumPy nor the moderation signals to show."""
    from steward.moderation.scan import scan_job

    return (yield from scan_job(ws, token))


def _spaces_with_last_activity(ws) -> list[overview.SpaceActivity]:
    """Every space, its last activity read where the Quiet spaces tile reads it (people's
    messages, not bots'), so "7 days ago" here and "quiet for 7 days" there agree."""
    from dataclasses import replace

    spaces = overview.space_activity(ws)
    if getattr(ws, "tier", "staff") == "volunteer":  # its store holds no messages
        return spaces
    try:
        from steward.engagement import metrics
    except ModuleNotFoundError:  # a build without engagement: every message counts
        return spaces
    last = {a.space_id: a.last_activity for a in metrics.silence_alerts(ws)}
    return [replace(s, last_activity=last.get(s.space_id, s.last_activity)) for s in spaces]


def _compute(spec: TileSpec, ws) -> TileData | str:
    """A tile's data, or the reason it could not be computed (one bad tile spoils nothing)."""
    try:
        return spec.compute(ws)
    except Exception as exc:
        from steward.ui.workers import error_text

        return error_text(exc)


def tile_result(tile: Tile):
    def show(result: TileData | str) -> None:
        if isinstance(result, TileData):
            tile.show_data(result)
        else:
            tile.show_problem(result)

    return show
