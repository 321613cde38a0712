"""Everything from this author (F on a queue item): every stored message by the person across
spaces, sources and merged accounts, and one decision on all of them, confirmed once.

Steward records the decision; it never removes or bans anyone on a platform itself. The
page's U undoes the whole step, as it does any bulk decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward.moderation import author
from steward.moderation.queue import COMMON_REASONS
from steward.moderation.reasons import shown
from steward.ui.i18n import translate
from steward.ui.pages.moderation_dialogs import attempt
from steward.ui.table_model import Column, PagedTableModel, format_day, list_source
from steward.ui.widgets import fit_columns, platform_title, result_label, show_result, table_view

if TYPE_CHECKING:
    from steward.ui.pages.moderation import ModerationPage

_COLUMN_TITLES = (QT_TRANSLATE_NOOP("Columns", "When"), QT_TRANSLATE_NOOP("Columns", "Where"),
                  QT_TRANSLATE_NOOP("Columns", "Account"), QT_TRANSLATE_NOOP("Columns", "Decision"))
HIDDEN = QT_TRANSLATE_NOOP("Moderation", "Hidden: may be distressing")
DECIDED_WORDS = {None: QT_TRANSLATE_NOOP("Moderation", "No decision yet"),
                 "approved": QT_TRANSLATE_NOOP("Moderation", "Kept"),
                 "removed": QT_TRANSLATE_NOOP("Moderation", "Removed"),
                 "answered": QT_TRANSLATE_NOOP("Moderation", "Answered")}
COLUMNS = [
    Column("at", "When", format=lambda at: f"{format_day(at)} {at:%H:%M}"),
    Column("where", "Where"),
    Column("account", "Account"),
    Column("message", "Message", sortable=False),
    Column("decided", "Decision",
           format=lambda d: translate("Moderation", DECIDED_WORDS.get(d, d or ""))),
]
MESSAGE_AT = 3


def _rows(found: author.AuthorMessages) -> list[tuple]:
    return [(m.at, f"{m.space} ({platform_title(m.platform)})", m.account,
             translate("Moderation", HIDDEN) if m.sensitive else m.excerpt, m.decided)
            for m in found.messages]


class AuthorDialog(QDialog):
    """The author's messages, a reason, and "Remove all N" behind one confirmation."""

    def __init__(self, page: ModerationPage, item_id: int):
        super().__init__(page)
        self.page = page
        self.found: author.AuthorMessages | None = None
        self.decided: list[int] = []
        self.setWindowTitle(translate("Moderation", "Everything from this author"))
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        self.summary = QLabel(translate("Moderation", "Finding every message by this author…"))
        self.summary.setWordWrap(True)
        self.summary.setObjectName("authorSummary")
        layout.addWidget(self.summary)
        self.model = PagedTableModel(COLUMNS, *list_source([], COLUMNS))
        self.table = table_view(self.model, translate("Moderation", "Messages by this author"))
        fit_columns(self.table, stretch=MESSAGE_AT, widths={1: 200})
        layout.addWidget(self.table, 1)

        self.steps = QStackedWidget()
        choose = QWidget()
        row = QHBoxLayout(choose)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(translate("Moderation", "Reason:")))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName(translate("Moderation", "Reason"))
        for reason in COMMON_REASONS:  # shown in the reader's language, recorded in English
            self.reason.addItem(shown(reason), reason)
        row.addWidget(self.reason, 1)
        self.remove_button = QPushButton(translate("Moderation", "Remove all…"))
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.ask)
        row.addWidget(self.remove_button)
        self.close_button = QPushButton(translate("Moderation", "Close"))
        self.close_button.clicked.connect(self.reject)
        row.addWidget(self.close_button)
        self.steps.addWidget(choose)

        check = QWidget()
        rows = QVBoxLayout(check)
        rows.setContentsMargins(0, 0, 0, 0)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.question.setObjectName("authorQuestion")
        rows.addWidget(self.question)
        answer = QHBoxLayout()
        self.yes_button = QPushButton()
        self.yes_button.clicked.connect(self.confirm)
        self.back_button = QPushButton(translate("Moderation", "Back"))
        self.back_button.clicked.connect(self.back)
        answer.addStretch(1)
        answer.addWidget(self.yes_button)
        answer.addWidget(self.back_button)
        rows.addLayout(answer)
        self.steps.addWidget(check)
        self.steps.setSizePolicy(self.steps.sizePolicy().horizontalPolicy(),
                                 self.steps.sizePolicy().Policy.Maximum)
        layout.addWidget(self.steps)
        self.result = result_label()
        layout.addWidget(self.result)
        ws = page.ctx.ws

        def find():
            person = author.person_of_item(ws, item_id)
            return None if person is None else author.messages_by_person(ws, person)

        page.ctx.run_query(lambda: attempt(find), self._show)

    def _show(self, outcome) -> None:
        ok, found = outcome
        if not ok or found is None:
            show_result(self.result, found if not ok else translate(
                "Moderation", "This item has no known author."), error=True)
            self.summary.setText("")
            return
        self.found = found
        self.setWindowTitle(translate("Moderation", "Everything from {name}").format(
            name=found.name))
        self.summary.setText(translate(
            "Moderation", "{name}: {n} messages in {spaces} spaces from {accounts} accounts; "
            "{open} without a decision.").format(
                name=found.name, n=f"{len(found.messages):,}", spaces=found.spaces,
                accounts=found.accounts, open=f"{len(found.to_decide):,}"))
        hidden = sum(1 for m in found.messages if m.sensitive)
        if hidden:  # a person's worst day is not spam: someone should read these first
            self.summary.setText(self.summary.text() + " " + translate(
                "Moderation", "{n} of them may be distressing and are hidden: read them, and "
                "escalate any to the safeguarding leads, before removing everything.").format(
                    n=f"{hidden:,}"))
        self.model.set_source(*list_source(_rows(found), COLUMNS))
        waiting = len(found.to_decide)
        self.remove_button.setText(translate("Moderation", "Remove all {n}…").format(
            n=f"{waiting:,}"))
        self.remove_button.setEnabled(bool(waiting))
        self.table.setFocus()

    def ask(self) -> None:
        """The one confirmation, inside the dialog: what will be recorded, and how to undo it."""
        if self.found is None or not self.found.to_decide:
            return
        reason = self.chosen_reason()
        if not reason:
            show_result(self.result, translate("Moderation", "A decision needs a reason."),
                        error=True)
            self.reason.setFocus()
            return
        n = len(self.found.to_decide)
        self.question.setText(translate(
            "Moderation", "Remove all {n} messages from {name} ({reason})? Steward records the "
            "decision and lists what to do on each platform; it removes nothing itself. U in "
            "the queue undoes the whole step.").format(n=f"{n:,}", name=self.found.name,
                                                        reason=shown(reason)))
        self.yes_button.setText(translate("Moderation", "Yes, remove all {n}").format(n=f"{n:,}"))
        self.steps.setCurrentIndex(1)
        self.yes_button.setFocus()

    def chosen_reason(self) -> str:
        """The reason as recorded (English for a common one, else the words typed)."""
        text = self.reason.currentText().strip()
        index = self.reason.findText(text)
        return self.reason.itemData(index) if index >= 0 else text

    def back(self) -> None:
        self.steps.setCurrentIndex(0)
        self.remove_button.setFocus()

    def confirm(self) -> None:
        if self.found is None:
            return
        person, reason = self.found.person_id, self.chosen_reason()
        ws = self.page.ctx.ws
        self.yes_button.setEnabled(False)
        self.page.ctx.run_query(
            lambda: attempt(lambda: author.decide_everything(ws, person, "remove", reason)),
            lambda outcome: self._decided(reason, outcome))

    def _decided(self, reason: str, outcome) -> None:
        self.yes_button.setEnabled(True)
        ok, value = outcome
        if not ok:
            self.steps.setCurrentIndex(0)
            show_result(self.result, value, error=True)
            return
        self.decided = value
        self.page.author_decided(reason, value)
        self.accept()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape and self.steps.currentIndex() == 1:
            self.back()  # Esc steps back from the question before it closes the window
            return
        super().keyPressEvent(event)
