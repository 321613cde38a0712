"""Members: every person across platforms, one lazy table; a person panel; duplicates with
side-by-side merge; and the safe export dialog.

Filtering, searching and sorting happen in SQL (`steward.hygiene.people`); this module only
lays out widgets and calls core functions.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from steward.hygiene import consent, export, matching, merge, people, review
from steward.hygiene.activity import lapsed_members
from steward.ui.registry import (
    AppContext,
    PageSpec,
    TileData,
    TileSpec,
    register_page,
    register_tile,
)
from steward.ui.table_model import Column, PagedTableModel, format_ago, format_day, list_source
from steward.ui.widgets import (
    EmptyState,
    PageHeader,
    confirm,
    fit_columns,
    platform_title,
    result_label,
    share_width,
    show_result,
    table_view,
)

PEOPLE_COLUMNS = [
    Column("name", "Name"),
    Column("platforms", "Platforms", sortable=False,
           format=lambda v: ", ".join(platform_title(p) for p in sorted(v.split(","))) if v
           else ""),
    Column("programme", "Programme"),
    Column("last_active", "Last active", format=format_ago,
           hint=lambda at: format_day(at) if at else "No messages seen"),
    Column("consent", "Consent", format=lambda c: {"none": "not recorded"}.get(c, c)),
]  # each row tuple ends with the person's id, after the columns
DUPLICATE_COLUMNS = [
    Column("score", "Score", format=lambda v: f"{v:g}"),
    Column("chance", "Chance", format=lambda v: "—" if v is None else f"{v:.0%}"),
    Column("name_a", "Person"),
    Column("name_b", "Possible duplicate"),
    Column("reasons", "Why"),
]
MANAGERS = ("steward", "safeguarding-lead", "admin")


class Sparkline(QWidget):
    """Weekly activity as a small line: oldest week on the left."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.values: list[int] = []
        self.setMinimumHeight(36)
        self.setAccessibleName("Activity by week")

    def set_values(self, values: list[int]) -> None:
        self.values = list(values)
        self.setToolTip(f"{sum(values)} messages in the last {len(values)} weeks")
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, 40)

    def paintEvent(self, _event) -> None:  # noqa: N802
        if len(self.values) < 2:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width() - 4, self.height() - 4
        top = max(self.values) or 1
        step = w / (len(self.values) - 1)
        line = QPolygonF([QPointF(2 + i * step, 2 + h - h * v / top)
                          for i, v in enumerate(self.values)])
        painter.setPen(QPen(QColor("#2b7a78"), 2))
        painter.drawPolyline(line)
        painter.end()


def _section(title: str) -> QLabel:
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    label.setIndent(0)
    return label


class PersonPanel(QScrollArea):
    """One person: identities, activity sparkline, consent ledger, notes, and actions."""

    def __init__(self, page: MembersPage):
        super().__init__()
        self.page = page
        self.person_id: int | None = None
        self.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.name = QLabel("Choose a person")
        self.name.setObjectName("pageTitle")
        self.summary = QLabel("Pick someone in the list to see their accounts, activity, "
                              "consent and notes.")
        self.summary.setWordWrap(True)
        self.sparkline = Sparkline()
        self.identities = QLabel()
        self.identities.setWordWrap(True)
        self.identities.setTextFormat(Qt.TextFormat.PlainText)
        self.consent = QLabel()
        self.consent.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.note_input = QLineEdit()
        self.note_input.setPlaceholderText("Add a note (not for safeguarding concerns)")
        self.note_input.setAccessibleName("New note")
        self.note_input.returnPressed.connect(self.add_note)
        buttons = QGridLayout()
        self.given = QPushButton("Consent given")
        self.withdrawn = QPushButton("Consent withdrawn")
        self.forget = QPushButton("Forget this person…")
        self.given.clicked.connect(partial(self.record_consent, "given"))
        self.withdrawn.clicked.connect(partial(self.record_consent, "withdrawn"))
        self.forget.clicked.connect(self.forget_person)
        for n, b in enumerate((self.given, self.withdrawn, self.forget)):
            buttons.addWidget(b, n // 2, n % 2)
        manager = page.ctx.ws.profile.role in MANAGERS
        for b in (self.given, self.withdrawn, self.forget):
            b.setVisible(manager)
        self.result = result_label()
        for widget in (self.name, self.summary, self.sparkline, _section("Accounts"),
                       self.identities, _section("Consent"), self.consent, _section("Notes"),
                       self.notes, self.note_input):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addWidget(self.result)
        layout.addStretch(1)
        self.setWidget(body)
        self.setEnabled(False)

    def show_person(self, person_id: int) -> None:
        self.person_id = person_id
        ws = self.page.ctx.ws
        self.page.ctx.run_query(lambda: people.person_detail(ws, person_id), self._fill)

    def _fill(self, d: people.PersonDetail) -> None:
        if d.id != self.person_id:
            return  # another person was chosen meanwhile
        self.setEnabled(True)
        self.name.setText(d.display_name)
        self.summary.setText(
            f"{d.messages:,} messages · last active "
            f"{format_ago(d.last_active) if d.last_active else 'never'}"
            + (f" · {d.programme}" if d.programme else "")
            + (f" · tags: {', '.join(d.tags)}" if d.tags else ""))
        self.sparkline.set_values(d.weekly_messages)
        self.identities.setText("\n".join(
            f"{platform_title(i.platform)}: {i.handle or i.display_name or '—'}"
            + (f" · {i.email}" if i.email else "") + (f" · {i.phone}" if i.phone else "")
            + (f"\n    in {', '.join(i.spaces)}" if i.spaces else "")
            for i in d.identities) or "No identities")
        self.consent.setText("\n".join(
            f"{format_day(c.at)}: {c.state} ({c.basis}{', ' + c.source if c.source else ''})"
            for c in d.consents) or "No consent recorded")
        self.notes.setText("\n".join(f"{format_day(at)}, {author}: {text}"
                                     for at, author, text in d.notes) or "No notes")

    def _after_change(self, message: str) -> None:
        show_result(self.result, message)
        if self.person_id is not None:
            self.show_person(self.person_id)
        self.page.reload_people()

    def _run(self, fn, message: str) -> None:
        try:
            fn()
        except Exception as exc:  # a refusal or bad input: say it where the person looks
            show_result(self.result, str(exc), error=True)
            return
        self._after_change(message)

    def add_note(self) -> None:
        text, pid = self.note_input.text(), self.person_id
        if pid is None:
            return
        self._run(lambda: people.add_note(self.page.ctx.ws, pid, text), "Note added.")
        if self.result.objectName() != "inlineError":
            self.note_input.clear()

    def record_consent(self, state: str) -> None:
        pid = self.person_id
        if pid is not None:
            self._run(lambda: consent.record_consent(self.page.ctx.ws, pid, state, "consent",
                                                     "recorded in Steward"),
                      f"Consent {state} recorded.")

    def forget_person(self) -> None:
        pid = self.person_id
        if pid is None or not self.page.confirm_forget(pid):
            return
        self._run(lambda: consent.forget_person(self.page.ctx.ws, pid),
                  "Personal data erased; counts kept.")


def describe_candidate(c: matching.DuplicateCandidate) -> str:
    """A candidate in words: score, chance, and each field that agreed or disagreed."""
    head = f"Score {c.score:g}"
    if c.probability is not None:
        head += f" (chance they are one person: {c.probability:.0%})"
    text = head + ": " + ", ".join(c.reasons)
    if c.agreeing or c.disagreeing:
        label = matching.linkage.LABELS
        text += ("\nAgree: " + (", ".join(label[f] for f in c.agreeing) or "—")
                 + "\nDiffer: " + (", ".join(label[f] for f in c.disagreeing) or "—"))
    return text


class MergePanel(QWidget):
    """Two people side by side; choose per field which value the merged person keeps."""

    FIELDS = (("display_name", "Name"), ("programme", "Programme"))

    def __init__(self, page: MembersPage):
        super().__init__()
        self.page = page
        self.candidate: matching.DuplicateCandidate | None = None
        layout = QVBoxLayout(self)
        self.grid = QGridLayout()
        self.headers = [QLabel("Person A"), QLabel("Person B")]
        self.grid.addWidget(self.headers[0], 0, 1)
        self.grid.addWidget(self.headers[1], 0, 2)
        self.choices: dict[str, QButtonGroup] = {}
        self.radios: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        for row, (key, label) in enumerate(self.FIELDS, start=1):
            self.grid.addWidget(QLabel(label), row, 0)
            group = QButtonGroup(self)
            pair = (QRadioButton(), QRadioButton())
            for col, radio in enumerate(pair):
                radio.setAccessibleName(f"Keep {label} of person {'AB'[col]}")
                group.addButton(radio, col)
                self.grid.addWidget(radio, row, col + 1)
            pair[0].setChecked(True)
            self.choices[key], self.radios[key] = group, pair
        self.identities = (QLabel(), QLabel())
        self.grid.addWidget(QLabel("Identities"), len(self.FIELDS) + 1, 0)
        for col, label in enumerate(self.identities):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(label, len(self.FIELDS) + 1, col + 1)
        layout.addLayout(self.grid)
        self.reasons = QLabel()
        self.reasons.setWordWrap(True)
        layout.addWidget(self.reasons)
        buttons = QHBoxLayout()
        self.merge_button = QPushButton("Merge into person A")
        self.not_same_button = QPushButton("Not the same person")
        self.undo_button = QPushButton("Undo last merge")
        self.merge_button.clicked.connect(self.merge)
        self.not_same_button.clicked.connect(self.not_same)
        self.undo_button.clicked.connect(self.undo)
        for b in (self.merge_button, self.not_same_button, self.undo_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.result = result_label()
        layout.addWidget(self.result)
        self.last_merge: int | None = None
        self.undo_button.setEnabled(False)
        self.set_candidate(None)

    def set_candidate(self, c: matching.DuplicateCandidate | None) -> None:
        self.candidate = c
        for b in (self.merge_button, self.not_same_button):
            b.setEnabled(c is not None)
        if c is None:
            self.reasons.setText("Choose a pair to compare them side by side.")
            return
        self.reasons.setText(describe_candidate(c))
        ws = self.page.ctx.ws
        self.page.ctx.run_query(
            lambda: (people.person_detail(ws, c.person_a), people.person_detail(ws, c.person_b)),
            partial(self._fill, c))

    def _fill(self, c, details) -> None:
        if c is not self.candidate:
            return
        for col, d in enumerate(details):
            self.headers[col].setText(f"Person {'AB'[col]} (id {d.id})")
            self.radios["display_name"][col].setText(d.display_name)
            self.radios["programme"][col].setText(d.programme or "—")
            self.identities[col].setText("\n".join(
                f"{platform_title(i.platform)}: {i.handle or i.display_name or '—'}"
                + (f" · {i.email}" if i.email else "") + (f" · {i.phone}" if i.phone else "")
                for i in d.identities))

    def merge(self) -> None:
        c = self.candidate
        if c is None:
            return
        choices = {key: (c.person_a, c.person_b)[group.checkedId()]
                   for key, group in self.choices.items()}
        try:
            self.last_merge = merge.merge(self.page.ctx.ws, c.person_a, [c.person_b],
                                          choices=choices)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        show_result(self.result, f"Merged person {c.person_b} into person {c.person_a}.")
        self.undo_button.setEnabled(True)
        self.page.candidate_resolved(c, merged=True)

    def not_same(self) -> None:
        c = self.candidate
        if c is None:
            return
        try:
            merge.mark_not_same(self.page.ctx.ws, c.person_a, c.person_b)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        show_result(self.result, "Remembered: they will not be proposed again.")
        self.page.candidate_resolved(c, merged=False)

    def undo(self) -> None:
        if self.last_merge is None:
            return
        try:
            summary = merge.unmerge(self.page.ctx.ws, self.last_merge)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.last_merge = None
        self.undo_button.setEnabled(False)
        show_result(self.result, f"Merge undone: person "
                                 f"{', '.join(map(str, summary.absorbed_person_ids))} is back.")
        self.page.reload_people()


class ExportDialog(QDialog):
    """Export the filtered member list: preset, columns within the profile's reach, purpose."""

    def __init__(self, page: MembersPage, people_filter: people.PeopleFilter):
        super().__init__(page)
        self.page = page
        self.people_filter = people_filter
        self.setWindowTitle("Export members")
        role = page.ctx.ws.profile.role
        form = QFormLayout(self)
        self.preset = QComboBox()
        self.preset.setAccessibleName("Preset")
        presets = ["volunteer"] if role == "volunteer" else list(export.PRESETS)
        for name in presets:
            self.preset.addItem(name.capitalize(), name)
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        self.format.addItem("Excel (XLSX)", "xlsx")
        self.format.addItem("CSV", "csv")
        self.columns: dict[str, QCheckBox] = {}
        box = QGroupBox("Columns")
        grid = QGridLayout(box)
        for n, key in enumerate(export.allowed_columns(role)):
            check = QCheckBox(export.COLUMNS[key][0])
            self.columns[key] = check
            grid.addWidget(check, n // 2, n % 2)
        self.purpose = QLineEdit()
        self.purpose.setAccessibleName("Purpose")
        self.purpose.setPlaceholderText("Why is this list needed? (required)")
        self.path = QLineEdit(str(Path.home() / "members.xlsx"))
        self.path.setAccessibleName("Save to")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_path)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)
        form.addRow("Preset", self.preset)
        form.addRow("Format", self.format)
        form.addRow(box)
        form.addRow("Purpose", self.purpose)
        form.addRow("Save to", where)
        form.addRow(QLabel(f"Filter: {people_filter.describe() or 'everyone'} · people who "
                           "withdrew consent are never included"))
        self.result = result_label()
        form.addRow(self.result)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.purpose.textChanged.connect(self._update_button)
        self._preset_changed()
        self._update_button()

    def _preset_changed(self) -> None:
        chosen = set(export.PRESETS[self.preset.currentData()])
        for key, check in self.columns.items():
            check.setChecked(key in chosen)

    def _format_changed(self) -> None:
        path = Path(self.path.text() or "members")
        self.path.setText(str(path.with_suffix("." + self.format.currentData())))

    def _update_button(self) -> None:
        self.export_button.setEnabled(bool(self.purpose.text().strip()))

    def choose_path(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export members", self.path.text())
        if name:
            self.path.setText(name)

    def request(self) -> export.ExportRequest:
        columns = tuple(k for k, c in self.columns.items() if c.isChecked())
        return export.ExportRequest(self.preset.currentData(), self.format.currentData(),
                                    Path(self.path.text()), self.purpose.text(), columns,
                                    self.people_filter)

    def start(self) -> None:
        req = self.request()
        ws = self.page.ctx.ws
        try:
            export.check_request(ws, req)
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.export_button.setEnabled(False)
        self.page.ctx.run_job(lambda token: export.export_members_job(ws, req, token),
                              self._done, "Exporting members")

    def _done(self, result: export.ExportResult) -> None:
        self.page.ctx.notify(f"Exported {result.rows:,} people to {result.path}")
        self.page.last_export = result
        self.accept()


class MembersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.people_filter = people.PeopleFilter()
        self.last_export: export.ExportResult | None = None
        self.candidates: list[matching.DuplicateCandidate] = []
        self._filling = True  # no filter queries while the widgets are being built
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.header = PageHeader(
            "Members", "One person across every platform: tidy duplicates, find who has gone "
            "quiet, honour consent, and export lists safely.")
        self.export_button = self.header.add_action(QPushButton("Export…"))
        self.export_button.clicked.connect(self.open_export)
        layout.addWidget(self.header)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.tabs.addTab(self._people_tab(), "People")
        if ctx.ws.profile.role in MANAGERS:
            self.tabs.addTab(self._duplicates_tab(), "Duplicates")
        self._filling = False
        self.refresh()

    # --- people --------------------------------------------------------------------------

    def _people_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names, handles, emails…")
        self.search.setAccessibleName("Search members")
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        filters.addWidget(self.search, 2)
        self.space = self._combo("Space")
        self.platform = self._combo("Platform")
        self.tag = self._combo("Tag")
        self.cohort = self._combo("Cohort")
        self.consent = self._combo("Consent")
        for label, value in (("Consent: any", None), ("Given", "given"),
                             ("Withdrawn", "withdrawn"), ("Not recorded", "none")):
            self.consent.addItem(label, value)
        self.lapsed = QCheckBox(f"Lapsed ({people.LAPSED_DAYS}+ days)")
        self.lapsed.toggled.connect(self.apply_filters)
        for w in (self.space, self.platform, self.tag, self.cohort, self.consent):
            filters.addWidget(w, 1)
        filters.addWidget(self.lapsed)
        layout.addLayout(filters)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        self.model = PagedTableModel(PEOPLE_COLUMNS, *self._source(self.people_filter))
        self.model.total_changed.connect(self._show_count)
        self.table = table_view(self.model, "Members")
        fit_columns(self.table, stretch=1, widths={0: 190})
        self.table.selectionModel().currentRowChanged.connect(self._person_chosen)
        self.panel = PersonPanel(self)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.panel)
        share_width(split, 0.62)
        self.empty = EmptyState("", "")
        self.sources_button = self.empty.add_action(QPushButton("Open Sources"))
        self.sources_button.clicked.connect(lambda: self.ctx.open_page("sources"))
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self._show_count(self.model.total)
        return tab

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.currentIndexChanged.connect(self.apply_filters)
        return combo

    def _source(self, f: people.PeopleFilter):
        ws = self.ctx.ws

        def fetch(offset: int, limit: int, sort: str | None, descending: bool) -> list[tuple]:
            return [(r.display_name, r.platforms, r.programme, r.last_active, r.consent, r.id)
                    for r in people.list_people(ws, f, offset, limit, sort or "name",
                                                descending)]

        return fetch, lambda: people.count_people(ws, f)

    def _show_count(self, total: int) -> None:
        self.count_label.setText(f"{total:,} {'person' if total == 1 else 'people'}")
        self.stack.setCurrentIndex(0 if total else 1)
        if total:
            self._keep_choice()
            return
        filtered = self.people_filter != people.PeopleFilter()
        self.sources_button.setVisible(not filtered)
        if filtered:
            self.empty.set_text("Nobody matches", "Clear the search, or set the filters back "
                                "to 'any', to see everyone.")
        else:
            self.empty.set_text("No people yet", "Import your first export from Sources: "
                                "everyone in it appears here, one person across platforms.")

    def _keep_choice(self) -> None:
        """After the list loads, stay on the chosen person (or choose the first)."""
        if self.table.currentIndex().isValid():
            return
        row = next((r for r in range(self.model.rowCount())
                    if self.model.row_values(r)[-1] == self.panel.person_id), 0)
        self.table.setCurrentIndex(self.model.index(row, 0))

    def current_filter(self) -> people.PeopleFilter:
        return replace(
            self.people_filter, search=self.search.text(), space_id=self.space.currentData(),
            platform=self.platform.currentData(), tag_id=self.tag.currentData(),
            cohort_id=self.cohort.currentData(), consent=self.consent.currentData(),
            lapsed=self.lapsed.isChecked())

    def apply_filters(self) -> None:
        if self._filling:
            return
        self.people_filter = self.current_filter()
        self.model.set_source(*self._source(self.people_filter))

    def reload_people(self) -> None:
        self.model.reload()

    def refresh(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: people.filter_options(ws), self._fill_options)
        self.reload_people()

    def _fill_options(self, options: people.FilterOptions) -> None:
        self._filling = True
        try:
            for combo, label, items in (
                (self.space, "Space: any", options.spaces),
                (self.platform, "Platform: any",
                 [(p, platform_title(p)) for p in options.platforms]),
                (self.tag, "Tag: any", options.tags),
                (self.cohort, "Cohort: any", options.cohorts),
            ):
                current = combo.currentData()
                combo.clear()
                combo.addItem(label, None)
                for value, text in items:
                    combo.addItem(text, value)
                combo.setCurrentIndex(max(0, combo.findData(current)))
        finally:
            self._filling = False

    def _person_chosen(self, current, _previous) -> None:
        if current.isValid():
            self.panel.show_person(self.model.row_values(current.row())[-1])

    def show_item(self, person_id: int | None = None, **_kw) -> None:
        if person_id is not None:
            self.tabs.setCurrentIndex(0)
            self.panel.show_person(person_id)

    def confirm_forget(self, person_id: int) -> bool:
        return confirm(self, "Forget this person",
                       f"Erase person {person_id}'s names, contact details and message text? "
                       "Counts are kept. This cannot be undone.")

    # --- duplicates ----------------------------------------------------------------------

    def _duplicates_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.find_button = QPushButton("Find duplicates")
        self.find_button.clicked.connect(self.find_duplicates)
        self.rules = QComboBox()
        self.rules.setAccessibleName("Matching rules")
        for name in ("standard", "strict", "broad"):
            self.rules.addItem(f"{name.capitalize()} rules", name)
        self.duplicates_label = QLabel("Not searched yet")
        row.addWidget(self.find_button)
        row.addWidget(self.rules)
        row.addWidget(self.duplicates_label, 1)
        layout.addLayout(row)
        batch = QHBoxLayout()
        batch.addWidget(QLabel("Every pair scoring at least"))
        self.batch_above = QDoubleSpinBox()
        self.batch_above.setAccessibleName("Batch score")
        self.batch_above.setRange(-100.0, 200.0)
        self.batch_above.setDecimals(1)
        self.batch_above.setValue(10.0)
        batch.addWidget(self.batch_above)
        self.batch_policy = QComboBox()
        self.batch_policy.setAccessibleName("Merged fields")
        for label, key in (("keep the most complete fields", "most_complete"),
                           ("keep the newest fields", "newest"),
                           ("keep person A's fields", "kept")):
            self.batch_policy.addItem(label, key)
        batch.addWidget(self.batch_policy)
        self.accept_all_button = QPushButton("Merge them all")
        self.reject_all_button = QPushButton("Not the same: all")
        self.undo_batch_button = QPushButton("Undo last batch")
        self.accept_all_button.clicked.connect(lambda: self.review_batch("accept"))
        self.reject_all_button.clicked.connect(lambda: self.review_batch("reject"))
        self.undo_batch_button.clicked.connect(self.undo_batch)
        for b in (self.accept_all_button, self.reject_all_button, self.undo_batch_button):
            batch.addWidget(b)
        self.batch_result = result_label()
        batch.addWidget(self.batch_result, 1)
        layout.addLayout(batch)
        self.weights_label = QLabel()  # the learned weights, read as CiviCRM-style rules
        self.weights_label.setWordWrap(True)
        self.weights_label.setObjectName("pageSubtitle")
        layout.addWidget(self.weights_label)
        self._batch_buttons(False)
        self.duplicate_model = PagedTableModel(DUPLICATE_COLUMNS, *list_source([], []))
        self.duplicate_table = table_view(self.duplicate_model, "Duplicate candidates")
        fit_columns(self.duplicate_table, stretch=4, widths={2: 200, 3: 200})
        self.duplicate_table.selectionModel().currentRowChanged.connect(self._pair_chosen)
        self.merge_panel = MergePanel(self)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.duplicate_table)
        split.addWidget(self.merge_panel)
        layout.addWidget(split, 1)
        return tab

    def find_duplicates(self) -> None:
        ws = self.ctx.ws
        rules = matching.preset(self.rules.currentData())
        self.find_button.setEnabled(False)
        self.ctx.run_job(lambda token: matching.find_duplicates(ws, rules, token),
                         self._show_duplicates, "Finding duplicates")

    def _show_duplicates(self, result: matching.MatchResult) -> None:
        self.find_button.setEnabled(True)
        self.weights_label.setText(matching.describe_weights(result.weights))
        self.candidates = list(result.candidates)
        self._show_candidates()

    def _show_candidates(self) -> None:
        rows = [(c.score, c.probability, f"{c.name_a} ({c.person_a})",
                 f"{c.name_b} ({c.person_b})", ", ".join(c.reasons), i)
                for i, c in enumerate(self.candidates)]
        self.duplicate_model.set_source(*list_source(rows, DUPLICATE_COLUMNS))
        self.duplicates_label.setText(f"{len(self.candidates):,} possible duplicates")
        self.merge_panel.set_candidate(None)
        self._batch_buttons(True)

    def _batch_buttons(self, searched: bool) -> None:
        for b in (self.accept_all_button, self.reject_all_button):
            b.setEnabled(searched and bool(self.candidates))

    def review_batch(self, action: str) -> None:
        """Accept or reject every candidate scoring at least the chosen score, in one step."""
        ws, found = self.ctx.ws, list(self.candidates)
        above, policy = self.batch_above.value(), self.batch_policy.currentData()
        self._batch_buttons(False)
        self.ctx.run_query(lambda: review.review_batch(ws, found, action, above, policy),
                           self._batch_done,
                           on_failed=lambda message: self._batch_failed(message))

    def undo_batch(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: review.undo_batch(ws), self._batch_done,
                           on_failed=lambda message: self._batch_failed(message))

    def _batch_done(self, batch: review.ReviewBatch) -> None:
        show_result(self.batch_result, batch.describe())
        self.undo_batch_button.setEnabled(batch.undone_at is None)
        self.reload_people()
        self.find_duplicates()

    def _batch_failed(self, message: str) -> None:
        show_result(self.batch_result, message, error=True)
        self._batch_buttons(True)

    def _pair_chosen(self, current, _previous) -> None:
        if current.isValid():
            index = self.duplicate_model.row_values(current.row())[-1]
            self.merge_panel.set_candidate(self.candidates[index])

    def candidate_resolved(self, c: matching.DuplicateCandidate, merged: bool) -> None:
        """Drop the pair from the list (and, after a merge, every pair with the merged-away
        person, who no longer exists)."""
        self.candidates = [x for x in self.candidates if x is not c and not (
            merged and c.person_b in (x.person_a, x.person_b))]
        self._show_candidates()
        self.reload_people()

    # --- export --------------------------------------------------------------------------

    def open_export(self) -> ExportDialog:
        dialog = ExportDialog(self, self.current_filter())
        dialog.open()
        return dialog


def lapsed_tile(ws) -> TileData:
    """Overview tile: how many members have gone quiet (a ping list waiting)."""
    count = len(lapsed_members(ws, people.LAPSED_DAYS))
    return TileData(f"{count:,}", f"no activity for {people.LAPSED_DAYS}+ days",
                    "warn" if count else "good")


register_page(PageSpec("members", "Members", MembersPage, order=40))
register_tile(TileSpec("lapsed", "Lapsed members", lapsed_tile, page="members", order=60))
