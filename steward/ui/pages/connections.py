"""1:1s page: who to talk to next, and a form to log a 1:1 with its follow-ups."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import QDate, QStringListModel
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from steward.engagement import connections as core
from steward.ui.registry import AppContext, TileData
from steward.ui.table_model import Column, PagedTableModel, list_source
from steward.ui.widgets import Deferred, PageHeader, result_label, show_result, table_view

FOLLOW_UP_COLUMNS = [Column("due", "Due"), Column("person", "With"), Column("text", "Follow-up"),
                     Column("overdue", "Overdue")]
PEOPLE_COLUMNS = [Column("name", "Person"), Column("reason", "Why"),
                  Column("last", "Last 1:1")]
HISTORY_COLUMNS = [Column("at", "When"), Column("person", "With"), Column("channel", "How"),
                   Column("agenda", "Agenda set by"), Column("notes", "Notes"),
                   Column("follow_ups", "Follow-ups")]


class ConnectionsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.person_id: int | None = None
        self.pending: list[tuple[str, datetime | None]] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(PageHeader("1:1s", "Keep 1:1 connections going: follow-ups due, people "
                                    "due a conversation, and who has never had one."))
        split = QSplitter()
        layout.addWidget(split, 1)

        self.lists = QTabWidget()
        self.lists.setAccessibleName("Who to talk to")
        self.models = {}
        views = (("follow_ups", "Follow-ups due", FOLLOW_UP_COLUMNS),
                 ("cadence", "Due by cadence", PEOPLE_COLUMNS),
                 ("newcomers", "Newcomers, no 1:1", PEOPLE_COLUMNS),
                 ("never", "Never had a 1:1", PEOPLE_COLUMNS),
                 ("history", "Recent 1:1s", HISTORY_COLUMNS))
        self.views = {}
        for n, (key, title, columns) in enumerate(views):
            self.models[key] = PagedTableModel(columns, *list_source([], columns))
            # the first list now, the others (out of sight) after the page first paints
            self.lists.addTab(self._list_view(key, title) if n == 0
                              else Deferred(lambda k=key, t=title: self._list_view(k, t)), title)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.lists)
        self.done_button = QPushButton("Mark follow-up done")
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(self._follow_up_done)
        col.addWidget(self.done_button)
        split.addWidget(box)
        split.addWidget(self._form())
        split.setSizes([650, 420])
        self.refresh()

    def _list_view(self, key: str, title: str) -> QTableView:
        view = table_view(self.models[key], title)
        view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self._row_chosen(key, cur))
        self.views[key] = view
        return view

    def _form(self) -> QWidget:
        box = QWidget()
        outer = QVBoxLayout(box)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)
        find = QHBoxLayout()
        self.find = QLineEdit()
        self.find.setPlaceholderText("Type a name and press Enter")
        self.find.setAccessibleName("Find a person")
        self.find.returnPressed.connect(self._find)
        self.people = QComboBox()
        self.people.setAccessibleName("Person")
        self.people.currentIndexChanged.connect(self._person_changed)
        find.addWidget(self.find)
        find.addWidget(self.people, 1)
        form.addRow("Person", find)
        self.when = QDateEdit(QDate.currentDate(), calendarPopup=True)
        self.when.setAccessibleName("Date")
        self.when.setDisplayFormat("yyyy-MM-dd")
        form.addRow("Date", self.when)
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.addItems(core.CHANNELS)
        self.channel.setAccessibleName("Channel")
        form.addRow("How", self.channel)
        self.agenda = QComboBox()
        self.agenda.addItems(core.AGENDA_SET_BY)
        self.agenda.setAccessibleName("Agenda set by")
        form.addRow("Agenda set by", self.agenda)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setMaximumHeight(90)
        form.addRow("Notes", self.notes)
        row = QHBoxLayout()
        self.follow_up = QLineEdit()
        self.follow_up.setAccessibleName("Follow-up")
        self.follow_up.setPlaceholderText("A follow-up action")
        self.due = QDateEdit(QDate.currentDate().addDays(7), calendarPopup=True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.due.setAccessibleName("Follow-up due")
        add = QPushButton("Add")
        add.setAccessibleName("Add follow-up")
        add.clicked.connect(self._add_follow_up)
        row.addWidget(self.follow_up, 1)
        row.addWidget(self.due)
        row.addWidget(add)
        form.addRow("Follow-ups", row)
        self.pending_model = QStringListModel()
        pending = QListView()
        pending.setModel(self.pending_model)
        pending.setAccessibleName("Follow-ups to save")
        pending.setMaximumHeight(70)
        form.addRow("", pending)
        self.save = QPushButton("Log 1:1")
        self.save.clicked.connect(self._save)
        form.addRow(self.save)
        cadence = QHBoxLayout()
        self.cadence = QSpinBox(minimum=0, maximum=366)
        self.cadence.setSpecialValueText("none")
        self.cadence.setSuffix(" days")
        self.cadence.setAccessibleName("Cadence in days")
        set_cadence = QPushButton("Set cadence")
        set_cadence.clicked.connect(self._set_cadence)
        cadence.addWidget(QLabel("A 1:1 every"))
        cadence.addWidget(self.cadence)
        cadence.addWidget(set_cadence)
        form.addRow("Cadence", cadence)
        self.result = result_label()
        form.addRow(self.result)
        return box

    # --- data ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        ws = self.ctx.ws

        def load():
            return {
                "follow_ups": core.follow_ups_due(ws, within_days=14),
                "cadence": core.due_by_cadence(ws),
                "newcomers": core.newcomers_without_connection(ws),
                "never": core.never_had_one_to_one(ws),
                "history": core.one_to_ones(ws, limit=200),
            }

        self.ctx.run_query(load, self._show)

    def _show(self, data: dict) -> None:
        self.data = data
        rows = {
            "follow_ups": [(f.due, f.person_name, f.text, f.overdue, f.person_id, f.id)
                           for f in data["follow_ups"]],
            "history": [(m.at, m.person_name, m.channel, m.agenda_set_by, m.notes,
                         "; ".join(f.text for f in m.follow_ups), m.person_id)
                        for m in data["history"]],
        }
        for key in ("cadence", "newcomers", "never"):
            rows[key] = [(p.name, p.reason, p.last_one_to_one, p.person_id) for p in data[key]]
        for key, model in self.models.items():
            model.set_source(*list_source(rows[key], model.columns))
        counts = {"follow_ups": "Follow-ups due", "cadence": "Due by cadence",
                  "newcomers": "Newcomers, no 1:1", "never": "Never had a 1:1"}
        for n, (key, title) in enumerate(counts.items()):
            self.lists.setTabText(n, f"{title} ({len(rows[key])})")
        self.done_button.setEnabled(False)

    def _row_chosen(self, key: str, current) -> None:
        if not current.isValid():
            return
        values = self.models[key].row_values(current.row())
        person_id = values[4] if key == "follow_ups" else values[-1]
        name = values[1] if key in ("follow_ups", "history") else values[0]
        self.choose_person(person_id, name)
        self.done_button.setEnabled(key == "follow_ups")

    def choose_person(self, person_id: int, name: str) -> None:
        """Put a person in the form (from a list, a search or another page)."""
        at = self.people.findData(person_id)
        if at < 0:
            self.people.addItem(name, person_id)
            at = self.people.count() - 1
        self.people.setCurrentIndex(at)

    def _person_changed(self, _index: int) -> None:
        self.person_id = self.people.currentData()
        pid, ws = self.person_id, self.ctx.ws
        if pid is not None:
            self.ctx.run_query(lambda: core.cadence_of(ws, pid),
                               lambda every: self.cadence.setValue(every or 0))

    def _find(self) -> None:
        ws, text = self.ctx.ws, self.find.text()

        def shown(found) -> None:
            self.people.clear()
            for p in found:
                self.people.addItem(p.name, p.id)
            if not found:
                show_result(self.result, f"Nobody called {text!r}.", error=True)

        self.ctx.run_query(lambda: core.find_people(ws, text), shown)

    def _add_follow_up(self) -> None:
        text = self.follow_up.text().strip()
        if not text:
            return
        due = datetime.combine(self.due.date().toPython(), time(9))
        self.pending.append((text, due))
        self.pending_model.setStringList([f"{t} — due {d:%d %b %Y}" for t, d in self.pending])
        self.follow_up.clear()

    def _save(self) -> None:
        if self.person_id is None:
            show_result(self.result, "Choose a person first.", error=True)
            return
        ws, pid = self.ctx.ws, self.person_id
        at = datetime.combine(self.when.date().toPython(), time(12))
        channel, agenda = self.channel.currentText(), self.agenda.currentText()
        notes, follow_ups = self.notes.toPlainText(), list(self.pending)
        self._write(lambda: core.log_one_to_one(ws, pid, at, channel, agenda, notes,
                                                follow_ups), "1:1 logged.", clear=True)

    def _set_cadence(self) -> None:
        if self.person_id is None:
            show_result(self.result, "Choose a person first.", error=True)
            return
        ws, pid, every = self.ctx.ws, self.person_id, self.cadence.value() or None
        self._write(lambda: core.set_cadence(ws, pid, every), "Cadence saved.")

    def _follow_up_done(self) -> None:
        index = self.views["follow_ups"].currentIndex()
        if not index.isValid():
            return
        fid, ws = self.models["follow_ups"].row_values(index.row())[-1], self.ctx.ws
        self._write(lambda: core.complete_follow_up(ws, fid), "Follow-up done.")

    def _write(self, change, said: str, clear: bool = False) -> None:
        def done(_result) -> None:
            show_result(self.result, said)
            if clear:
                self.notes.clear()
                self.pending.clear()
                self.pending_model.setStringList([])
            self.refresh()

        self.ctx.run_query(change, done, lambda problem: show_result(self.result, problem,
                                                                     error=True))

    def show_item(self, person_id: int | None = None, name: str = "", **_kw) -> None:
        if person_id is not None:
            self.choose_person(person_id, name or f"person {person_id}")


def follow_ups_tile(ws) -> TileData:
    due = core.follow_ups_due(ws, within_days=7)
    overdue = sum(f.overdue for f in due)
    if not due:
        return TileData("0", "No 1:1 follow-up due this week", "good")
    return TileData(str(len(due)), f"{overdue} overdue; next: {due[0].text[:60]}",
                    "warn" if overdue else "neutral")
