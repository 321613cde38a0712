"""Small building blocks every page can use: a page header, an empty state, a lazy table view."""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from steward.ui import look, workers

SORT_SHORTCUT = "Ctrl+Shift+S"  # in a table: sort by the current cell's column (again: reverse)

PLATFORM_TITLES = {
    "discourse": "Discourse", "slack": "Slack", "discord": "Discord", "whatsapp": "WhatsApp",
    "telegram": "Telegram", "mbox": "Mailing list", "facebook-group": "Facebook group",
    "members-csv": "Members list",
}


def audience_title(audience: str) -> str:
    """"young_people" → "Young people"."""
    return audience.replace("_", " ").replace("-", " ").capitalize()


def platform_title(platform: str) -> str:
    """How a platform's id reads to a person ("whatsapp" → "WhatsApp")."""
    return PLATFORM_TITLES.get(platform, platform.replace("-", " ").capitalize())


class PageHeader(QWidget):
    """A page's title, a one-line explanation, and a toolbar row on the right for its actions."""

    def __init__(self, title: str, subtitle: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 8)
        text = QVBoxLayout()
        self.title = QLabel(title)
        self.title.setObjectName("pageTitle")
        self.title.setAccessibleName(title)
        text.addWidget(self.title)
        self.subtitle = QLabel(subtitle)
        self.subtitle.setObjectName("pageSubtitle")
        self.subtitle.setWordWrap(True)
        self.subtitle.setVisible(bool(subtitle))
        text.addWidget(self.subtitle)
        layout.addLayout(text, 1)
        self.toolbar = QHBoxLayout()
        self.toolbar.setSpacing(6)
        layout.addLayout(self.toolbar)

    def add_action(self, widget: QWidget) -> QWidget:
        """Put a button (or any control) in the header's toolbar row."""
        self.toolbar.addWidget(widget)
        return widget


def section_title(title: str) -> QLabel:
    """A heading inside a panel (a person's accounts, a flag's case record)."""
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    label.setIndent(0)
    return label


class EmptyState(QFrame):
    """What a page shows when it has nothing yet: what this is, and what to do next."""

    def __init__(self, headline: str, next_step: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.headline = QLabel(headline)
        self.headline.setObjectName("emptyHeadline")
        self.headline.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_step = QLabel(next_step)
        self.next_step.setWordWrap(True)
        self.next_step.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.next_step.setMinimumWidth(380)
        layout.addWidget(self.headline)
        layout.addWidget(self.next_step)

    def set_text(self, headline: str, next_step: str) -> None:
        self.headline.setText(headline)
        self.next_step.setText(next_step)

    def add_action(self, button: QWidget) -> QWidget:
        """A button under the text for the next step (e.g. "Open Sources")."""
        self.layout().addWidget(button, 0, Qt.AlignmentFlag.AlignCenter)
        return button


class Deferred(QWidget):
    """The place of a part of a page that is built after the page first paints, in a turn of
    the event loop of its own (so opening a big page is not one long stall), or at once when
    code asks for it first (`widget`)."""

    def __init__(self, build: Callable[[], QWidget], parent: QWidget | None = None):
        super().__init__(parent)
        self._build = build
        self._widget: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        workers.run_in_steps([lambda: shiboken6.isValid(self) and self.widget])

    @property
    def built(self) -> bool:
        return self._widget is not None

    @property
    def widget(self) -> QWidget:
        """The part, built now if it was not yet."""
        if self._widget is None:
            self._widget = self._build()
            self.layout().addWidget(self._widget)
        return self._widget


def table_view(model: QAbstractItemModel, name: str, parent: QWidget | None = None,
               kind: type[QTableView] = QTableView) -> QTableView:
    """A read-only, row-selecting, sortable table view over a (lazy) model (`kind`: a
    subclass of QTableView that paints something of its own)."""
    view = kind(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)  # sorts by the indicator: none yet, so no extra query
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setSortIndicatorShown(True)
    # Columns that fit their contents measure the rows on screen, not every loaded row (200
    # rows of Python `data()` calls on each reload were a visible stall on a big workspace).
    view.horizontalHeader().setResizeContentsPrecision(0)
    # Tab leaves the table (arrows move inside it); otherwise Tab walks cell by cell forever,
    # and on a page that opens the current row (Safeguarding) each press opens another item.
    view.setTabKeyNavigation(False)
    sort = QShortcut(QKeySequence(SORT_SHORTCUT), view)
    sort.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    sort.activated.connect(lambda: sort_by_current_column(view))
    if hasattr(model, "loading_changed"):
        view.loading_label = LoadingLabel(view, model)  # type: ignore[attr-defined]
    return view


class LoadingLabel(QLabel):
    """"Loading…" over a table's top right corner while its model waits for a page: the old
    rows stay readable underneath until the new ones arrive."""

    def __init__(self, view: QTableView, model: QAbstractItemModel):
        super().__init__(QApplication.translate("Table", "Loading…"), view.viewport())
        self.setObjectName("tableLoading")
        self.setAccessibleName(QApplication.translate("Table", "Loading"))
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAutoFillBackground(True)
        self.setContentsMargins(8, 2, 8, 2)
        self.adjustSize()
        self._view = view
        view.viewport().installEventFilter(self)
        model.loading_changed.connect(self._loading)
        self._loading(bool(getattr(model, "loading", False)))

    def _loading(self, loading: bool) -> None:
        self._place()
        self.setVisible(loading)
        if loading:
            self.raise_()

    def _place(self) -> None:
        port = self._view.viewport()
        self.move(max(0, port.width() - self.width() - 6), 4)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


def sort_by_current_column(view: QTableView) -> None:
    """The keyboard's header click: sort by the column of the current cell (Left/Right choose
    it; the first column if none), ascending, or reversed if it is already the sort column."""
    header = view.horizontalHeader()
    current = view.currentIndex()
    column = current.column() if current.isValid() else 0
    if header.sortIndicatorSection() == column:
        ascending = header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
        order = Qt.SortOrder.DescendingOrder if ascending else Qt.SortOrder.AscendingOrder
    else:
        order = Qt.SortOrder.AscendingOrder
    view.sortByColumn(column, order)


def fit_columns(view: QTableView, stretch: int, widths: dict[int, int] | None = None) -> None:
    """Lay out a table's columns: column `stretch` takes the spare width, columns in `widths`
    start that many pixels wide (and can be dragged), every other column fits its contents."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    widths = widths or {}
    for column in range(view.model().columnCount()):
        if column == stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        elif column in widths:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, widths[column])
        else:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)


def share_width(split: QSplitter, first: float) -> None:
    """Give a two-pane splitter's first pane (the list) `first` of the width."""
    split.setChildrenCollapsible(False)
    split.setSizes([round(1000 * first), round(1000 * (1 - first))])
    split.setStretchFactor(0, round(100 * first))
    split.setStretchFactor(1, round(100 * (1 - first)))


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask before something that cannot be undone; the safe answer is the default."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        parent, title, text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


def result_label() -> QLabel:
    """An inline line under a form that says what happened (or what went wrong)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName("Result")
    label.hide()
    return label


def show_result(label: QLabel, text: str, error: bool = False) -> None:
    label.setObjectName("inlineError" if error else "")
    label.setText(text)
    label.setVisible(bool(text))
    if look.installed():
        look.style(label)


_TEXT_BOXES = (QPlainTextEdit, QTextEdit)
_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


_INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
    QEvent.Type.Wheel, QEvent.Type.TouchBegin,
})


class _AppRules(QObject):
    """The one application-wide event filter (every event of every widget passes through it,
    so it stays one, and cheap): Tab leaves multi-line text boxes (Ctrl+Tab types a tab),
    Enter/Return presses the focused push button as Space does, a widget gets its part of the
    look when polished (`look.style`), and the time of the last keyboard or mouse input is
    kept for auto-lock."""

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.last_input = time.monotonic()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if isinstance(watched, _TEXT_BOXES):
                watched.setTabChangesFocus(True)
            if look.installed() and isinstance(watched, QWidget):  # not a QGraphicsWidget
                look.style(watched)
            return False
        if kind not in _INPUT_EVENTS:
            return False
        self.last_input = time.monotonic()
        if kind == QEvent.Type.KeyPress:
            key = event.key()
            if key in _ENTER_KEYS:
                return self._press(watched, event)
            if (key == Qt.Key.Key_Tab and event.modifiers() == Qt.KeyboardModifier.ControlModifier
                    and isinstance(watched, _TEXT_BOXES) and not watched.isReadOnly()):
                watched.insertPlainText("\t")
                return True
        return False

    @staticmethod
    def _press(watched: QObject, event) -> bool:
        if not isinstance(watched, (QPushButton, QToolButton)) or event.isAutoRepeat():
            return False
        plain = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if plain != Qt.KeyboardModifier.NoModifier or not watched.isEnabled():
            return False
        watched.click()
        return True


_app_rules: _AppRules | None = None


def install_keyboard_rules() -> None:
    """Install the app-wide rules once (before the windows are built)."""
    global _app_rules
    app = QApplication.instance()
    if _app_rules is None and app is not None:
        _app_rules = _AppRules(app)
        app.installEventFilter(_app_rules)


def seconds_since_input() -> float:
    """How long since the last key press, click, mouse move, wheel or touch anywhere."""
    return time.monotonic() - _app_rules.last_input if _app_rules is not None else 0.0
