"""Moderation: one queue for every platform, triaged by keyboard.

J/K move, A approve, R remove, E escalate to the safeguarding leads, S snooze, U undo, X mark
for a bulk decision, V read a blurred (distressing) message, F everything from this author
(every message the person posted, in every space, decided in one step). Every decision asks
for a reason: 1-6 pick a common one, or type your own and press Enter. Rules are edited,
checked and tested over the stored history in the Rules window before they are switched on.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QItemSelectionModel, QObject, QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from steward import permissions
from steward.moderation import author, queue, triage
from steward.moderation.queue import COMMON_REASONS, QueueFilters
from steward.moderation.reasons import shown
from steward.ui import workers
from steward.ui.i18n import translate
from steward.ui.pages.moderation_author import AuthorDialog
from steward.ui.pages.moderation_dialogs import (
    RulesDialog,
    SensitivityDialog,
    attempt,
)
from steward.ui.registry import AppContext, TileData
from steward.ui.table_model import (
    Column,
    PagedTableModel,
    format_ago,
    format_day,
    list_source,
)
from steward.ui.widgets import (
    Deferred,
    EmptyState,
    PageHeader,
    fit_columns,
    platform_title,
    result_label,
    share_width,
    show_result,
    table_view,
)

BLURRED = QT_TRANSLATE_NOOP("Moderation", "Hidden: may be distressing — press V to read")
# Translated where they are shown: translate("Moderation", ACTION_WORDS[action]).
ACTION_WORDS = {"approve": QT_TRANSLATE_NOOP("Moderation", "Approve"),
                "remove": QT_TRANSLATE_NOOP("Moderation", "Remove"),
                "escalate": QT_TRANSLATE_NOOP("Moderation", "Escalate to the safeguarding leads"),
                "snooze": QT_TRANSLATE_NOOP("Moderation", "Snooze for a day")}
DONE_WORDS = {"approve": QT_TRANSLATE_NOOP("Moderation", "approved"),
              "remove": QT_TRANSLATE_NOOP("Moderation", "removed"),
              "escalate": QT_TRANSLATE_NOOP("Moderation", "escalated to the safeguarding leads"),
              "snooze": QT_TRANSLATE_NOOP("Moderation", "snoozed")}
MARK = "✓ "  # what a row marked for a bulk decision starts with
MARKED_COLOUR = QColor(248, 220, 140)  # amber: marked rows; the current row is framed
KEYS = {Qt.Key.Key_A: "approve", Qt.Key.Key_R: "remove", Qt.Key.Key_E: "escalate",
        Qt.Key.Key_S: "snooze"}
PRIORITY_WORDS = {4: QT_TRANSLATE_NOOP("Moderation", "Urgent"),
                  3: QT_TRANSLATE_NOOP("Moderation", "High"),
                  2: QT_TRANSLATE_NOOP("Moderation", "Medium"),
                  1: QT_TRANSLATE_NOOP("Moderation", "Low")}
COLUMNS = [
    Column("priority", "Priority",
           format=lambda p: translate("Moderation", PRIORITY_WORDS.get(p, str(p))),
           align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
    Column("label", "Why", format=lambda why: shown(why[0]),
           hint=lambda why: "\n".join(shown(r) for r in why[1])),
    Column("message", "Message", sortable=False),
    Column("author", "From", sortable=False),
    Column("created", "Queued", format=lambda at: format_ago(at),
           hint=lambda at: f"{format_day(at)} {at:%H:%M}"),
    Column("assignee", "Claimed by"),
]
MESSAGE_AT = 2
# after the columns, each row tuple carries the item's kind, id and whether it is sensitive
KIND_AT, ID_AT, SENSITIVE_AT = len(COLUMNS), len(COLUMNS) + 1, len(COLUMNS) + 2
NOTHING_CHOSEN = ("<p style='color:gray'>Choose an item in the list to see the whole thread, "
                  "who posted it and why it is here.</p>")


def _rows(items: list[queue.QueueRow], revealed: set[int]) -> list[tuple]:
    return [
        (r.priority, (r.label, r.reasons),
         translate("Moderation", BLURRED) if r.sensitive and r.id not in revealed
         else r.excerpt,
         translate("Moderation", "{author} in {space} ({platform})").format(
             author=r.author, space=r.space, platform=platform_title(r.platform))
         if r.space else r.author,
         r.created_at, r.assignee or "", r.kind, r.id, r.sensitive)
        for r in items
    ]


class QueueView(QTableView):
    """The queue's table. Its cells are painted by Qt alone (a Python delegate painting every
    cell was the dearest part of the page's first paint): marked rows (X, for a bulk decision)
    are the view's selection, amber in its palette, with a tick (`MarkDelegate`); the row the
    detail panel shows is tinted and framed over the cells, once per paint, so the two never
    look alike."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        palette = self.palette()
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            palette.setColor(group, QPalette.ColorRole.Highlight, MARKED_COLOUR)
            palette.setColor(group, QPalette.ColorRole.HighlightedText, Qt.GlobalColor.black)
        self.setPalette(palette)
        self.setItemDelegateForColumn(0, MarkDelegate(self))

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        row, model = self.currentIndex().row(), self.model()
        top = self.rowViewportPosition(row) if row >= 0 else -1
        if top < 0 or not model.columnCount():
            return
        last = model.columnCount() - 1
        left = self.columnViewportPosition(0)
        rect = QRect(left, top, self.columnViewportPosition(last) + self.columnWidth(last) - left,
                     self.rowHeight(row))
        if not rect.intersects(event.rect()):
            return
        colour = QApplication.palette(self).color(QPalette.ColorRole.Highlight)
        painter = QPainter(self.viewport())
        tint = QColor(colour)
        tint.setAlpha(60)
        painter.fillRect(rect, tint)
        pen = QPen(colour)
        pen.setWidth(2)
        painter.setPen(pen)
        r = rect.adjusted(0, 1, 0, -1)
        painter.drawLine(r.topLeft(), r.topRight())
        painter.drawLine(r.bottomLeft(), r.bottomRight())
        painter.end()


class MarkDelegate(QStyledItemDelegate):
    """The first column of a marked row starts with a tick."""

    def initStyleOption(self, option: QStyleOptionViewItem, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        if option.state & QStyle.StateFlag.State_Selected:
            option.text = MARK + option.text


class ReasonBar(QWidget):
    """Asks why, inline: 1-6 pick a common reason, or type one and press Enter; Esc cancels."""

    def __init__(self, page: ModerationPage):
        super().__init__(page)
        self.page = page
        self.action: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        self.prompt = QLabel()
        self.prompt.setObjectName("reasonPrompt")
        layout.addWidget(self.prompt)
        layout.addWidget(QLabel("   ".join(f"[{n}] {shown(text)}"
                                           for n, text in enumerate(COMMON_REASONS, 1))))
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(translate(
            "Moderation", "…or type a reason and press Enter (Esc cancels)"))
        self.edit.setAccessibleName(translate("Moderation", "Reason"))
        self.edit.installEventFilter(self)
        self.edit.returnPressed.connect(self._typed)
        layout.addWidget(self.edit)
        self.hide()

    def ask(self, action: str, count: int) -> None:
        self.action = action
        items = _items(count) if count != 1 else translate("Moderation", "this item")
        self.prompt.setText(translate("Moderation", "{action} — {items}. Why?").format(
            action=translate("Moderation", ACTION_WORDS[action]), items=items))
        self.edit.clear()
        self.show()
        self.edit.setFocus()

    def choose(self, reason: str) -> None:
        action, self.action = self.action, None
        self.hide()
        if action and reason.strip():
            self.page.decide(action, reason.strip())

    def cancel(self) -> None:
        self.action = None
        self.hide()
        self.page.table.setFocus()

    def _typed(self) -> None:
        if self.edit.text().strip():
            self.choose(self.edit.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.cancel()
                return True
            text = event.text()
            if not self.edit.text() and text.isdigit() and 1 <= int(text) <= len(COMMON_REASONS):
                self.choose(COMMON_REASONS[int(text) - 1])
                return True
        return False


class ItemPanel(QWidget):
    """Beside the list: the chosen item's thread, author and reasons, and what to do with it."""

    def __init__(self, page: ModerationPage):
        super().__init__(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.detail_view = QTextBrowser()
        self.detail_view.setAccessibleName(translate("Moderation", "Item detail"))
        self.detail_view.setHtml(NOTHING_CHOSEN)
        layout.addWidget(self.detail_view, 1)
        self.read_button = QPushButton(translate("Moderation", "Read the hidden text (V)"))
        self.read_button.clicked.connect(page.reveal)
        self.read_button.hide()
        layout.addWidget(self.read_button)
        actions = QGridLayout()
        self.buttons = {}
        for n, (action, key) in enumerate((("approve", "A"), ("remove", "R"),
                                           ("escalate", "E"), ("snooze", "S"))):
            button = QPushButton(f"{translate('Moderation', action.capitalize())} ({key})")
            button.clicked.connect(lambda _=False, a=action: page.ask_reason(a))
            actions.addWidget(button, n // 3, n % 3)
            self.buttons[action] = button
        self.undo_button = QPushButton(translate("Moderation", "Undo (U)"))
        self.undo_button.clicked.connect(page.undo)
        actions.addWidget(self.undo_button, 1, 1)
        self.claim_button = QPushButton(translate("Moderation", "Claim"))
        self.claim_button.setToolTip(translate(
            "Moderation", "Take these items on, so others know you are on them"))
        self.claim_button.clicked.connect(page.claim)
        actions.addWidget(self.claim_button, 1, 2)
        self.author_button = QPushButton(translate(
            "Moderation", "Everything from this author… (F)"))
        self.author_button.setToolTip(translate(
            "Moderation", "Every message this person posted, in every space, and one decision "
            "on all of them"))
        self.author_button.clicked.connect(page.open_author)
        self.author_button.setVisible(permissions.may_run(page.ctx.ws.profile.role,
                                                          author.COMMAND))
        actions.addWidget(self.author_button, 2, 0, 1, 3)
        layout.addLayout(actions)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(translate(
            "Moderation", "A private note for the other moderators…"))
        self.note_edit.setAccessibleName(translate("Moderation", "Note"))
        layout.addWidget(self.note_edit)
        notes = QHBoxLayout()
        self.note_item_button = QPushButton(translate("Moderation", "Note on item"))
        self.note_person_button = QPushButton(translate("Moderation", "Note on person"))
        self.note_item_button.clicked.connect(lambda: page.add_note("queue_item"))
        self.note_person_button.clicked.connect(lambda: page.add_note("person"))
        notes.addWidget(self.note_item_button)
        notes.addWidget(self.note_person_button)
        layout.addLayout(notes)


_MOVE_KEYS = (Qt.Key.Key_J, Qt.Key.Key_K, Qt.Key.Key_X, Qt.Key.Key_U, Qt.Key.Key_V, Qt.Key.Key_F)


class ModerationPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.filters = QueueFilters()
        self.revealed: set[int] = set()
        self.detail: queue.ItemDetail | None = None
        # after the next reload: (the item to stand on, items to mark, the row if it is gone)
        self._plan: tuple[int | None, list[int], int] | None = None
        # this session's decisions, newest last: (action, reason, items) for U to undo as one
        self._done: list[tuple[str, str, list[int]]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = PageHeader(
            translate("Moderation", "Moderation"),
            translate("Moderation", "Every platform's queue in one place. J/K move · A approve "
                      "· R remove · E escalate · S snooze · U undo · X mark for bulk "
                      "· V read hidden text · F everything from this author"))
        self.scan_button = self.header.add_action(QPushButton(translate("Moderation", "Scan now")))
        self.rules_button = self.header.add_action(QPushButton(translate("Moderation", "Rules…")))
        self.sensitivity_button = self.header.add_action(QPushButton(translate(
            "Moderation", "Sensitivity…")))
        self.scan_button.clicked.connect(self.scan)
        self.rules_button.clicked.connect(self.open_rules)
        self.sensitivity_button.clicked.connect(self.open_sensitivity)
        layout.addWidget(self.header)

        bar = QHBoxLayout()
        t = lambda text: translate("Moderation", text)  # noqa: E731
        self.list_choice = self._combo(translate("Moderation", "List"), [
            (translate("Moderation", "Moderation queue"), None),
            (translate("Moderation", "Newcomers to welcome"), "welcome")])
        self.kind_choice = self._combo(translate("Moderation", "Kind"), [
            (translate("Moderation", "Every kind"), None),
            (translate("Moderation", "Possible spam"), "spam"),
            (translate("Moderation", "Rule hits"), "rule"),
            (translate("Moderation", "Reports"), "report"),
            (translate("Moderation", "Membership requests"), "membership")])
        self.status_choice = self._combo(translate("Moderation", "Status"), [(t(s.capitalize()), s)
                                                       for s in queue.STATUSES])
        self.assignee_choice = self._combo(translate("Moderation", "Claimed by"), [
            (translate("Moderation", "Claimed or not"), None),
            (translate("Moderation", "Claimed by me"), "mine"),
            (translate("Moderation", "Not claimed"), "")])
        self.platform_choice = self._combo(translate("Moderation", "Platform"), [
            (translate("Moderation", "Every platform"), None)])
        self.space_choice = self._combo(translate("Moderation", "Space"), [
            (translate("Moderation", "Every space"), None)])
        for combo in (self.list_choice, self.kind_choice, self.status_choice,
                      self.assignee_choice, self.platform_choice, self.space_choice):
            bar.addWidget(combo)
            combo.currentIndexChanged.connect(self._filters_changed)
        bar.addStretch(1)
        self.marked_label = QLabel()
        self.marked_label.setObjectName("markedCount")
        self.marked_label.setToolTip(translate(
            "Moderation", "A, R, E or S decides every marked item at once; X marks or unmarks "
            "the current one"))
        self.marked_label.hide()
        bar.addWidget(self.marked_label)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal)
        # Empty until the page has painted: the queue is asked for in the next turn of the
        # event loop, so the first paint is the page alone and the rows paint in a turn of
        # their own (both at once were the longest stall of opening the page).
        self.model = PagedTableModel(COLUMNS, *list_source([], COLUMNS))
        workers.run_in_steps([self._first_load])
        self.table = table_view(self.model, translate("Moderation", "Moderation queue"),
                                kind=QueueView)
        self.table.setSelectionMode(self.table.SelectionMode.MultiSelection)
        # the message gets the spare width; Why and From start narrow enough to leave it room
        # in Welsh at 1280×720 too (they can be dragged wider)
        fit_columns(self.table, stretch=MESSAGE_AT, widths={1: 110, 3: 130})
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.selectionModel().selectionChanged.connect(self._update_marked)
        split.addWidget(self.table)
        # The item panel is built in a turn of its own, after the list first paints.
        self._panel = Deferred(lambda: ItemPanel(self))
        split.addWidget(self._panel)
        self.author_dialog: AuthorDialog | None = None
        share_width(split, 0.64)
        self.empty = EmptyState("", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.reason_bar = ReasonBar(self)
        layout.addWidget(self.reason_bar)
        self.result = result_label()
        layout.addWidget(self.result)
        self.rules_dialog: RulesDialog | None = None
        self.sensitivity_dialog: SensitivityDialog | None = None
        self.count_label.setText(translate("Moderation", "Loading…"))
        self.model.total_changed.connect(self._update_count)
        self.model.load_failed.connect(lambda message: self.ctx.notify(
            translate("Moderation", "Could not load the queue: {message}").format(
                message=message), error=True))
        ctx.run_query(lambda: (queue.platforms(ctx.ws), queue.spaces(ctx.ws)),
                      self._fill_choices)

    @property
    def panel(self) -> ItemPanel:
        """The item panel beside the list, built now if it was not yet."""
        return self._panel.widget

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self.stack.currentIndex() == 0:
            self.table.setFocus()  # J/K and the decision keys work at once

    # --- the query ---------------------------------------------------------------------------

    def _first_load(self) -> None:
        self.model.set_source(self._fetch, self._count)
        self.model.after_load(lambda: self._select_row(0))

    def _combo(self, name: str, choices: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for text, value in choices:
            combo.addItem(text, value)
        return combo

    def _fill_choices(self, found) -> None:
        platforms, spaces = found
        for combo, values in ((self.platform_choice, [(platform_title(p), p) for p in platforms]),
                              (self.space_choice, [(label, sid) for sid, label in spaces])):
            combo.blockSignals(True)
            for text, value in values:
                combo.addItem(text, value)
            combo.blockSignals(False)

    def _filters_changed(self) -> None:
        welcome = self.list_choice.currentData() == "welcome"
        self.kind_choice.setEnabled(not welcome)
        assignee = self.assignee_choice.currentData()
        self.filters = QueueFilters(
            platform=self.platform_choice.currentData(), space_id=self.space_choice.currentData(),
            kind="welcome" if welcome else self.kind_choice.currentData(),
            status=self.status_choice.currentData(),
            assignee=self.ctx.ws.actor if assignee == "mine" else assignee)
        self.reload()

    def _fetch(self, offset: int, limit: int, sort_key: str | None, descending: bool):
        if sort_key is None:
            sort_key, descending = "priority", True
        items = queue.list_items(self.ctx.ws, self.filters, offset, limit, sort_key, descending)
        return _rows(items, self.revealed)

    def _count(self) -> int:
        return queue.count_items(self.ctx.ws, self.filters)

    def _update_count(self, total: int) -> None:
        self.count_label.setText(_items(total))
        self.stack.setCurrentIndex(0 if total else 1)
        if not total:
            self.empty.set_text(*self.empty_text())

    def empty_text(self) -> tuple[str, str]:
        """What the empty list says: nothing waiting at all, or nothing under these filters."""
        f = self.filters
        if f.kind == "welcome" and f.status == "open":
            return (translate("Moderation", "No newcomers waiting for a welcome"),
                    translate("Moderation", "Steward lists people whose first post has had no "
                              "reply; press Scan now after an import to check again."))
        if f.status not in ("open", "all"):
            return (translate("Moderation", "No {status} items").format(
                status=translate("Moderation", f.status.capitalize()).lower()),
                translate("Moderation", "Choose Open to see what is waiting."))
        if (f.kind, f.platform, f.space_id, f.assignee) != (None, None, None, None):
            return (translate("Moderation", "Nothing waiting that matches these choices"),
                    translate("Moderation", "Choose Every kind, Claimed or not, Every platform "
                              "and Every space to see the whole queue."))
        return (translate("Moderation", "Nothing waiting"),
                translate("Moderation", "Steward scans new messages after every import; press "
                          "Scan now to check again."))

    def reload(self, keep_row: int = 0) -> None:
        self.model.reload()  # in the background: choose the row once the list is back
        self.model.after_load(
            lambda: self._select_row(min(keep_row, self.model.rowCount() - 1)))

    def refresh(self) -> None:
        """Reload, standing on the planned item (after a decision or an undo) or the same one."""
        plan, self._plan = self._plan, None
        if plan is None:
            plan = (self.current_item_id(), [], self._current_row())
        self.model.reload()  # in the background: stand on the item once the list is back
        self.model.after_load(lambda: self._stand_on(*plan))

    def _stand_on(self, stand_on: int | None, to_mark: list[int], fallback: int,
                  limit: int = 5000) -> None:
        """Select `stand_on` and mark `to_mark` where they are in the list, loading further
        pages in the background (up to `limit` rows) until they are found."""
        wanted = {i for i in (stand_on, *to_mark) if i is not None}
        rows = {item_id: row for row in range(self.model.rowCount())
                if (item_id := self.model.row_values(row)[ID_AT]) in wanted}
        if wanted - rows.keys() and self.model.canFetchMore() \
                and self.model.rowCount() < limit:
            self.model.when_rows(self.model.rowCount() + 1,
                                 lambda: self._stand_on(stand_on, to_mark, fallback, limit))
            return
        self._select_row(rows.get(stand_on, min(fallback, self.model.rowCount() - 1)))
        for item_id in to_mark:
            if item_id in rows:
                self.table.selectionModel().select(
                    self.model.index(rows[item_id], 0),
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows)

    # --- moving and marking --------------------------------------------------------------------

    def _current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else 0

    def _select_row(self, row: int) -> None:
        self.table.clearSelection()
        if row < 0 or self.model.rowCount() == 0:
            self.detail = None
            self.panel.detail_view.setHtml(NOTHING_CHOSEN)
            self.panel.read_button.hide()
            return
        self._move_to(row)

    def _move_to(self, row: int) -> None:
        if row >= self.model.rowCount() and self.model.canFetchMore():
            self.model.when_rows(row + 1, lambda: self._move_to(row))  # loads in the background
            return
        row = max(0, min(row, self.model.rowCount() - 1))
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.NoUpdate)
        self.table.scrollTo(index)

    def current_item_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_values(index.row())[ID_AT]

    def marked_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.row_values(r)[ID_AT] for r in rows]

    def toggle_mark(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.table.selectionModel().select(
                index, QItemSelectionModel.SelectionFlag.Toggle
                | QItemSelectionModel.SelectionFlag.Rows)

    def _update_marked(self, *_args) -> None:
        n = len(self.table.selectionModel().selectedRows())
        self.marked_label.setText(MARK + translate("Moderation", "{n} marked ·").format(
            n=f"{n:,}") if n else "")
        self.marked_label.setVisible(bool(n))

    def next_unreviewed(self, decided: list[int]) -> tuple[int | None, int]:
        """The item to stand on once `decided` leave the list, and its row then: the current
        one if it is not among them, else the first undecided one below them (else above)."""
        decided_set = set(decided)
        rows = [r for r in range(self.model.rowCount())
                if self.model.row_values(r)[ID_AT] in decided_set]
        current = self._current_row()
        undecided = [r for r in range(self.model.rowCount()) if r not in set(rows)]
        if current in undecided:
            row = current
        else:
            anchor = max([current, *rows])
            below = [r for r in undecided if r > anchor]
            above = [r for r in undecided if r < anchor]
            row = below[0] if below else above[-1] if above else None
        if row is None:
            return None, 0
        return self.model.row_values(row)[ID_AT], row - sum(1 for r in rows if r < row)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.table and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return self.handle_key(event.key())
        return False

    def handle_key(self, key) -> bool:
        """The triage keys; True when the key was one of them. While the list reloads (after
        a decision) a key waits for it, so it acts on the item the list stands on next."""
        if self.model.loading and (key in KEYS or key in _MOVE_KEYS):
            self.model.after_load(lambda: self.handle_key(key))
            return True
        if key == Qt.Key.Key_J:
            self._move_to(self._current_row() + 1)
        elif key == Qt.Key.Key_K:
            self._move_to(self._current_row() - 1)
        elif key == Qt.Key.Key_X:
            self.toggle_mark()
        elif key == Qt.Key.Key_U:
            self.undo()
        elif key == Qt.Key.Key_V:
            self.reveal()
        elif key == Qt.Key.Key_F:
            self.open_author()
        elif key in KEYS:
            self.ask_reason(KEYS[key])
        else:
            return False
        return True

    # --- the detail panel ----------------------------------------------------------------------

    def _current_changed(self, current, _previous) -> None:
        self.table.viewport().update()  # move the tint to the new current row
        item_id = self.current_item_id()
        if item_id is None:
            return
        self.ctx.run_query(lambda: attempt(lambda: queue.item_detail(self.ctx.ws, item_id)),
                           lambda outcome: self._show_detail(item_id, outcome))

    def _show_detail(self, item_id: int, outcome) -> None:
        if item_id != self.current_item_id():
            return  # the moderator has moved on
        ok, detail = outcome
        if not ok:
            self.detail = None
            self.panel.detail_view.setHtml(f"<p>{escape(detail)}</p>")
            return
        self.detail = detail
        self.panel.read_button.setVisible(detail.row.sensitive and item_id not in self.revealed)
        self.panel.detail_view.setHtml(self._detail_html(detail))

    def _detail_html(self, d: queue.ItemDetail) -> str:
        hidden = d.row.sensitive and d.row.id not in self.revealed
        why = translate("Moderation", "Why it is here")
        out = [f"<h3>{escape(shown(d.row.label))}</h3>",
               f"<p>{escape(self._summary(d.row))}</p>",
               f"<h4>{escape(why)}</h4><ul>"]
        out += [f"<li>{escape(shown(r))}</li>" for r in d.row.reasons]
        out.append("</ul>")
        if d.request_text:
            their = translate("Moderation", "Their request:")
            out.append(f"<p><i>{escape(their)}</i> {escape(d.request_text)}</p>")
        if d.thread:
            out.append("<h4>" + escape(translate("Moderation", "The thread")) + "</h4>")
            for m in d.thread:
                text = translate("Moderation", BLURRED) if hidden and m.is_item \
                    else escape(m.text)
                style = " style='background:#fff3c4; color:#000'" if m.is_item else ""
                out.append(f"<p{style}><b>{escape(m.author)}</b> {format_day(m.at)} "
                           f"{m.at:%H:%M}<br>{text}</p>")
        if d.author:
            a = d.author
            out.append("<h4>" + escape(translate("Moderation", "{name} across platforms")
                                       .format(name=a.name)) + "</h4><ul>")
            for acc in a.accounts:
                posts = translate("Moderation", "{n} posts").format(n=f"{acc['posts']:,}")
                joined = translate("Moderation", ", joined {day}").format(
                    day=format_day(acc["joined_at"])) if acc["joined_at"] else ""
                out.append(f"<li>{escape(platform_title(acc['platform']))} "
                           f"({escape(acc['source'])}): {escape(str(acc['handle']))}, "
                           f"{escape(posts)}{escape(joined)}</li>")
            out.append("</ul>")
            if a.decisions:
                earlier = translate("Moderation", "Earlier decisions:")
                out.append(f"<p><i>{escape(earlier)}</i></p><ul>")
                undone = translate("Moderation", " (undone)")
                out += [f"<li>{format_day(x.at)} "
                        f"{escape(translate('Moderation', x.action.capitalize()))}"
                        f"{undone if x.undone else ''}: {escape(shown(x.reason))} "
                        f"— {escape(x.actor)}</li>" for x in a.decisions[:10]]
                out.append("</ul>")
            out += [f"<p><i>Note on person ({escape(n.author)}):</i> {escape(n.text)}</p>"
                    for n in a.notes]
        out += [f"<p><i>Note ({escape(n.author)}):</i> {escape(n.text)}</p>" for n in d.notes]
        if d.outbox:
            where = translate("Moderation", "On the platform:")
            out.append(f"<p><i>{escape(where)}</i> " + escape("; ".join(d.outbox)) + "</p>")
        return "".join(out)

    @staticmethod
    def _summary(r: queue.QueueRow) -> str:
        """Where, who, how urgent: one line under the item's title."""
        priority = translate("Moderation", PRIORITY_WORDS.get(r.priority, str(r.priority)))
        parts = [platform_title(r.platform), r.space, r.author,
                 translate("Moderation", "{priority} priority").format(priority=priority)]
        if r.kind == "welcome":
            parts.append(translate("Moderation", "waiting {n} days").format(n=f"{r.score:.0f}"))
        elif r.score:
            parts.append(translate("Moderation", "score {score}").format(score=f"{r.score:.2f}"))
        parts.append(translate("Moderation", "queued {when}").format(
            when=f"{format_day(r.created_at)} {r.created_at:%H:%M}"))
        return " · ".join(p for p in parts if p)

    def reveal(self) -> None:
        """Show the current item's hidden (distressing) text: the moderator chose to read it."""
        item_id = self.current_item_id()
        if item_id is None:
            return
        self.revealed.add(item_id)
        self.panel.read_button.hide()
        if self.detail is not None and self.detail.row.id == item_id:
            self.panel.detail_view.setHtml(self._detail_html(self.detail))

    # --- deciding ------------------------------------------------------------------------------

    def decision_targets(self) -> list[int]:
        marked = self.marked_ids()
        if marked:
            return marked
        current = self.current_item_id()
        return [current] if current is not None else []

    def ask_reason(self, action: str) -> None:
        targets = self.decision_targets()
        if targets:
            self.reason_bar.ask(action, len(targets))

    def decide(self, action: str, reason: str) -> None:
        targets = self.decision_targets()
        stand_on, row = self.next_unreviewed(targets)
        words = translate("Moderation", "{items} {done} ({reason}). U undoes them.").format(
            items=_items(len(targets)), done=translate("Moderation", DONE_WORDS[action]),
            reason=shown(reason))

        def done(outcome) -> None:
            if outcome[0]:
                self._done.append((action, reason, list(targets)))
            self._after(outcome, (stand_on, [], row), words)

        self.ctx.run_query(
            lambda: attempt(lambda: triage.decide(self.ctx.ws, targets, action, reason)), done)

    def undo(self) -> None:
        """Undo the last decision as one step: every item of a bulk decision comes back,
        marked, and the message names what was undone."""
        action, reason, items = self._done[-1] if self._done else (None, "", [None])
        row = self._current_row()

        def done(outcome) -> None:
            ok, reopened = outcome
            if not ok:
                self._after(outcome, None, "")
                return
            if self._done:
                self._done.pop()
            if action is not None:
                words = translate("Moderation", "Undone: {items} {done} ({reason}).").format(
                    items=_items(len(reopened)),
                    done=translate("Moderation", DONE_WORDS[action]), reason=shown(reason))
            else:
                words = translate("Moderation", "Undone: your last decision ({items}).").format(
                    items=_items(len(reopened)))
            marks = reopened if len(reopened) > 1 else []
            self._after(outcome, (reopened[0] if reopened else None, marks, row), words)

        self.ctx.run_query(
            lambda: attempt(lambda: triage.undo_last(self.ctx.ws, len(items))), done)

    def open_author(self) -> AuthorDialog | None:
        """Everything from the current item's author, to review and decide in one step."""
        item_id = self.current_item_id()
        if item_id is None or not permissions.may_run(self.ctx.ws.profile.role, author.COMMAND):
            return None
        if self.author_dialog is not None:
            self.author_dialog.deleteLater()
        self.author_dialog = AuthorDialog(self, item_id)
        self.author_dialog.show()
        return self.author_dialog

    def author_decided(self, reason: str, items: list[int]) -> None:
        """The author dialog recorded its decision: U undoes it as one step, like a bulk one."""
        stand_on, row = self.next_unreviewed(items)
        self._done.append(("remove", reason, list(items)))
        words = translate("Moderation", "{items} {done} ({reason}). U undoes them.").format(
            items=_items(len(items)), done=translate("Moderation", DONE_WORDS["remove"]),
            reason=shown(reason))
        self._after((True, items), (stand_on, [], row), words)

    def claim(self) -> None:
        targets = self.decision_targets()
        self.ctx.run_query(lambda: attempt(lambda: triage.claim(self.ctx.ws, targets)),
                           lambda outcome: self._after(outcome, None,
                                                       translate("Moderation", "Claimed.")))

    def add_note(self, subject_type: str) -> None:
        text = self.panel.note_edit.text()
        if self.detail is None:
            return
        if subject_type == "person":
            if self.detail.author is None:
                show_result(self.result, translate(
                    "Moderation", "This item has no known person."), error=True)
                return
            subject_id = self.detail.author.person_id
        else:
            subject_id = self.detail.row.id
        self.panel.note_edit.clear()
        self.ctx.run_query(
            lambda: attempt(lambda: triage.add_note(self.ctx.ws, subject_type, subject_id, text)),
            lambda outcome: self._after(outcome, None, translate("Moderation", "Note added.")))

    def _after(self, outcome, plan: tuple[int | None, list[int], int] | None, done: str) -> None:
        ok, value = outcome
        show_result(self.result, done if ok else value, error=not ok)
        self._plan = plan
        if ok:
            self.ctx.refresh_all()  # the Overview's counts change too; calls our refresh()
        else:
            self.refresh()
        self.table.setFocus()

    # --- scan and rules ------------------------------------------------------------------------

    def scan(self) -> None:
        from steward.moderation.scan import scan_job

        self.ctx.run_job(lambda token: scan_job(self.ctx.ws, token), self._scanned,
                         translate("Moderation", "Scanning for moderation and safeguarding"))

    def _scanned(self, result: dict) -> None:
        m = result["moderation"]
        self.ctx.notify(f"Scan: {m['messages']:,} new messages; {m['spam']} possible spam, "
                        f"{m['rule']} rule hits, {m['report']} reports, {m['membership']} "
                        f"membership requests, {m.get('welcome', 0)} newcomers to welcome.")
        self.ctx.refresh_all()

    def open_rules(self) -> RulesDialog:
        if self.rules_dialog is None:
            self.rules_dialog = RulesDialog(self)
        self.rules_dialog.show()
        return self.rules_dialog

    def open_sensitivity(self) -> SensitivityDialog:
        if self.sensitivity_dialog is None:
            self.sensitivity_dialog = SensitivityDialog(self)
        self.sensitivity_dialog.show()
        return self.sensitivity_dialog

    def show_item(self, item_id: int | None = None, **_kw) -> None:
        """Open the page on one item (e.g. from an Overview tile)."""
        if item_id is None:
            return
        for row in range(self.model.rowCount()):
            if self.model.row_values(row)[ID_AT] == item_id:
                self._move_to(row)
                return


def _items(n: int) -> str:
    """'1 item', '12 items' (Welsh: '12 eitem', a singular noun after a number)."""
    if n == 1:
        return translate("Moderation", "{n} item").format(n=f"{n:,}")
    return translate("Moderation", "{n} items").format(n=f"{n:,}")


def open_items_tile(ws) -> TileData:
    counts = queue.open_counts(ws)
    waiting = sum(counts[k] for k in queue.QUEUE_KINDS)
    # Newcomers to welcome have their own tile (engagement.newcomers), counted in one place.
    detail = translate("Moderation", "{spam} spam · {rule} rules · {report} reports").format(
        spam=counts["spam"], rule=counts["rule"], report=counts["report"])
    return TileData(f"{waiting:,}", detail, "warn" if waiting else "good")
