"""Members: every person across platforms, one lazy table; a person panel; duplicates with
side-by-side merge; and the safe export dialog.

Filtering, searching and sorting happen in SQL (`steward.hygiene.people`); this module only
lays out widgets and calls core functions.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from steward import permissions
from steward.hygiene import export, matching, people, review
from steward.hygiene.activity import lapsed_members
from steward.ui.pages.members_panels import ExportDialog, MergePanel, PersonPanel
from steward.ui.registry import AppContext, TileData
from steward.ui.table_model import Column, PagedTableModel, format_ago, format_day, list_source
from steward.ui.widgets import (
    Deferred,
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
    Column("match", "Match", format=lambda v: v.capitalize(),
           tooltip="How sure: strong, likely or possible (see the legend above)"),
    Column("chance", "Chance", format=lambda v: "—" if v is None else f"{v:.0%}"),
    Column("score", "Evidence", format=lambda v: f"{v:+g}",
           tooltip="Evidence score: each point doubles (or halves) the odds"),
    Column("name_a", "Person"),
    Column("name_b", "Possible duplicate"),
    Column("reasons", "Why"),
]


class MembersPage(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.people_filter = people.PeopleFilter()
        self.last_export: export.ExportResult | None = None
        self.candidates: list[matching.DuplicateCandidate] = []
        self.match_rules: matching.MatchRules | None = None
        self.batch_confirm_box: QMessageBox | None = None
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
        self._filling = False
        self.refresh()
        if permissions.may_run(ctx.ws.profile.role, "duplicates"):
            # Built in a later turn of the event loop: the People list paints first.
            self.tabs.addTab(Deferred(self._duplicates_tab), "Duplicates")

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
        self.model.load_failed.connect(
            lambda message: self.ctx.notify(f"Could not load the members: {message}",
                                            error=True))
        self.table = table_view(self.model, "Members")
        fit_columns(self.table, stretch=1, widths={0: 190})
        self.table.selectionModel().currentRowChanged.connect(self._person_chosen)
        # The person's details beside the list are built in the next turn of the event loop
        self._panel = Deferred(lambda: PersonPanel(self))
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self._panel)
        share_width(split, 0.62)
        self.empty = EmptyState("", "")
        self.sources_button = self.empty.add_action(QPushButton("Open Sources"))
        self.sources_button.clicked.connect(lambda: self.ctx.open_page("sources"))
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.count_label.setText("Loading…")  # the first page arrives in the background
        return tab

    @property
    def panel(self) -> PersonPanel:
        return self._panel.widget

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
        batch.addWidget(QLabel("Every pair with evidence of at least"))
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
        self.legend = QLabel(matching.STRENGTH_LEGEND)
        self.legend.setWordWrap(True)
        self.legend.setObjectName("pageSubtitle")
        layout.addWidget(self.legend)
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
        rules = self.match_rules = matching.preset(self.rules.currentData())
        self.find_button.setEnabled(False)
        self.ctx.run_job(lambda token: matching.find_duplicates(ws, rules, token),
                         self._show_duplicates, "Finding duplicates")

    def _show_duplicates(self, result: matching.MatchResult) -> None:
        self.find_button.setEnabled(True)
        self.weights_label.setText(matching.describe_weights(result.weights))
        self.candidates = list(result.candidates)
        self._show_candidates()

    def _show_candidates(self) -> None:
        threshold = self.match_rules.threshold if self.match_rules else None
        self.legend.setText(matching.STRENGTH_LEGEND if self.match_rules is None
                            or self.match_rules.method == "linkage"
                            else matching.WEIGHTS_LEGEND)
        rows = [(matching.match_strength(c, threshold), c.probability, c.score,
                 f"{c.name_a} ({c.person_a})", f"{c.name_b} ({c.person_b})",
                 ", ".join(c.reasons), i)
                for i, c in enumerate(self.candidates)]
        self.duplicate_model.set_source(*list_source(rows, DUPLICATE_COLUMNS))
        self.duplicates_label.setText(f"{len(self.candidates):,} possible duplicates")
        self.merge_panel.set_candidate(None)
        self._batch_buttons(True)

    def select_candidate(self, c: matching.DuplicateCandidate) -> None:
        """Choose `c` in the list (the compare panel follows)."""
        if c not in self.candidates:
            return
        index = self.candidates.index(c)
        row = next(r for r in range(self.duplicate_model.rowCount())
                   if self.duplicate_model.row_values(r)[-1] == index)
        self.duplicate_table.setCurrentIndex(self.duplicate_model.index(row, 0))
        if self.merge_panel.candidate is not c:
            self.merge_panel.set_candidate(c)

    def _batch_buttons(self, searched: bool) -> None:
        for b in (self.accept_all_button, self.reject_all_button):
            b.setEnabled(searched and bool(self.candidates))

    def review_batch(self, action: str, confirmed: bool = False) -> None:
        """Accept or reject every candidate scoring at least the chosen score, in one step."""
        ws, found = self.ctx.ws, list(self.candidates)
        above, policy = self.batch_above.value(), self.batch_policy.currentData()
        if action == "accept" and not confirmed:
            count = sum(1 for c in found if c.score >= above)
            box = self.batch_confirm_box = QMessageBox(
                QMessageBox.Icon.Question, "Merge every pair",
                f"Merge all {count:,} pairs with an evidence score of {above:g} or more? "
                "'Undo last batch' takes the whole batch back.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
            box.setDefaultButton(QMessageBox.StandardButton.Cancel)
            box.button(QMessageBox.StandardButton.Yes).setText("Merge them all")

            def answered(_result: int) -> None:
                self.batch_confirm_box = None
                box.deleteLater()
                if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                    self.review_batch(action, confirmed=True)

            box.finished.connect(answered)
            box.open()
            return
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

    def candidate_resolved(self, c: matching.DuplicateCandidate, merged: bool
                           ) -> list[matching.DuplicateCandidate]:
        """Drop the pair from the list (and, after a merge, every pair with the merged-away
        person, who no longer exists); returns what was dropped, so an undo can put it back."""
        dropped = [x for x in self.candidates if x is c or (
            merged and c.person_b in (x.person_a, x.person_b))]
        self.candidates = [x for x in self.candidates if x not in dropped]
        self._show_candidates()
        self.reload_people()
        return dropped

    def candidates_restored(self, restored: list[matching.DuplicateCandidate],
                            chosen: matching.DuplicateCandidate | None) -> None:
        """After an undone merge: the pairs come back in the list and `chosen` is compared."""
        back = [x for x in restored if x not in self.candidates]
        self.candidates = sorted([*self.candidates, *back],
                                 key=lambda x: (-x.score, x.person_a, x.person_b))
        self._show_candidates()
        if chosen is not None:
            self.select_candidate(chosen)
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
