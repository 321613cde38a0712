"""Safeguarding: flags for the leads (overdue first), the case record of each, signposting,
case-record PDF export and the retention review. Registered only for profiles that hold the
safeguarding key; everyone else sees one line on the Overview.

All reading and writing goes through `steward.safeguarding`; flagged text is blurred until
the lead chooses to read it. Nothing here sends, removes or bans anything.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from steward import clock
from steward.safeguarding import flags, policy, retention, signposting
from steward.safeguarding.scan import scan_job, unscanned_count
from steward.ui.i18n import translate
from steward.ui.pages.safeguarding_panel import FlagPanel
from steward.ui.registry import AppContext, TileData
from steward.ui.table_model import Column, PagedTableModel, format_day, list_source
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
)
from steward.ui.widgets import table_view as make_table

FLAG_COLUMNS = [
    Column("due_at", "Triage due", format=lambda due: due[0], hint=lambda due: due[1]),
    Column("severity", "Severity", format=lambda v: _t(v.capitalize())),
    Column("category", "Concern", format=lambda c: category_title(c),
           hint=lambda c: category_title(c)),
    Column("status", "Status", format=lambda v: _t(v.capitalize())),
    Column("person", "Who and where", sortable=False),
    Column("assigned_to", "Lead"),
]  # each row tuple ends with the flag's id, after the columns
STATUS_FILTERS = ((QT_TRANSLATE_NOOP("Safeguarding", "Open flags"), policy.OPEN_STATUSES),
                  (QT_TRANSLATE_NOOP("Safeguarding", "Every flag"), None)) + tuple(
    (s.capitalize(), (s,)) for s in policy.STATUSES)  # shown as "{status} only"
RETENTION_COLUMNS = [Column("flag_id", "Flag"), Column("category", "Concern"),
                     Column("closed_at", "Closed"), Column("retain_until", "Kept until"),
                     Column("entries", "Entries")]


def _t(text: str) -> str:
    return translate("Safeguarding", text)


def category_title(category: str) -> str:
    """A concern's name in the window's language."""
    return _t(policy.CATEGORY_TITLES.get(category, category))


def _row(r: flags.FlagRow, now: datetime) -> tuple:
    exact = (translate("Safeguarding", "Triage due {day} {time}").format(
        day=format_day(r.due_at), time=f"{r.due_at:%H:%M}") if r.due_at else "")
    where = f"{r.space} ({platform_title(r.platform)})" if r.space else ""
    who = translate("Safeguarding", "{person} in {place}").format(
        person=r.person, place=where) if r.person and where else r.person or where
    return ((_due_text(r, now), exact), r.severity, r.category, r.status, who,
            r.assigned_to or "", r.id)


def _due_text(r: flags.FlagRow, now: datetime) -> str:
    """'Overdue 3 h', 'in 40 min', 'in 2 days': how long the lead has to triage a new flag."""
    if r.due_at is None or r.status != "new":
        return ""
    minutes = int(abs((r.due_at - now).total_seconds()) // 60)
    if minutes < 60:
        span = translate("Safeguarding", "{n} min").format(n=minutes)
    elif minutes < 48 * 60:
        span = translate("Safeguarding", "{n} h").format(n=minutes // 60)
    else:
        span = translate("Safeguarding", "{n} days").format(n=minutes // (24 * 60))
    return (translate("Safeguarding", "Overdue {span}") if r.overdue
            else translate("Safeguarding", "in {span}")).format(span=span)


class SafeguardingPage(QWidget):
    """The leads' list of flags beside the selected flag's record."""

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = PageHeader(
            translate("Safeguarding", "Safeguarding"),
            translate("Safeguarding", "Concerns for the safeguarding leads, overdue first. "
                      "Steward flags for you to judge; it never contacts, removes or bans "
                      "anyone."))
        self.status = QComboBox()
        self.status.setAccessibleName(translate("Safeguarding", "Which flags"))
        for label, statuses in STATUS_FILTERS:
            text = (translate("Safeguarding", label) if statuses is None or len(statuses) > 1
                    else translate("Safeguarding", "{status} only").format(status=_t(label)))
            self.status.addItem(text, statuses)
        self.category = QComboBox()
        self.category.setAccessibleName(translate("Safeguarding", "Concern"))
        self.category.addItem(translate("Safeguarding", "Every concern"), None)
        for c in policy.CATEGORIES:
            self.category.addItem(category_title(c), c)
        self.scan_button = QPushButton(translate("Safeguarding", "Scan new messages"))
        self.scan_button.setAccessibleName(translate(
            "Safeguarding", "Scan new messages for concerns"))
        self.scan_button.clicked.connect(self.scan)
        self.helplines_button = QPushButton(translate("Safeguarding", "Helplines…"))
        self.helplines_button.setAccessibleName(translate(
            "Safeguarding", "Edit this workspace's helplines"))
        self.helplines_button.clicked.connect(self.edit_helplines)
        for w in (self.scan_button, self.helplines_button):
            header.add_action(w)
        self.status.currentIndexChanged.connect(self.reload_flags)
        self.category.currentIndexChanged.connect(self.reload_flags)
        layout.addWidget(header)

        bar = QHBoxLayout()
        bar.addWidget(self.status)
        bar.addWidget(self.category)
        bar.addStretch(1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        layout.addLayout(bar)
        review = QHBoxLayout()
        self.review_line = QLabel()
        self.review_button = QPushButton(translate("Safeguarding", "Review…"))
        self.review_button.setAccessibleName(translate(
            "Safeguarding", "Review cases past their retention period"))
        self.review_button.clicked.connect(self.review_retention)
        review.addWidget(self.review_line, 1)
        review.addWidget(self.review_button)
        self.review_line.hide()  # until the background check finds cases due for review
        self.review_button.hide()
        layout.addLayout(review)

        self.model = PagedTableModel(FLAG_COLUMNS, *self._source())
        self.model.total_changed.connect(self._show_count)
        self.model.load_failed.connect(lambda message: self.ctx.notify(
            translate("Safeguarding", "Could not load the flags: {message}").format(
                message=message), error=True))
        self.table = make_table(self.model, "Flags")
        # Concern and Who and where share the spare width, so both keep room to read in Welsh
        # at 1280×720 and the concern reads in full on a wide screen
        fit_columns(self.table, stretch=4)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._flag_chosen)
        # The flag's record beside the list is built in the next turn of the event loop
        self._panel = Deferred(lambda: FlagPanel(self))
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self._panel)
        share_width(split, 0.62)
        self.empty = EmptyState("", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.count_label.setText(translate("Safeguarding", "Loading…"))
        self._check_retention()

    @property
    def panel(self) -> FlagPanel:
        return self._panel.widget

    def _source(self):
        ws = self.ctx.ws
        statuses, category = self.status.currentData(), self.category.currentData()

        def fetch(offset: int, limit: int, sort_key: str | None, descending: bool):
            now = clock.now()
            return [_row(r, now) for r in flags.list_flags(
                ws, statuses=statuses, category=category, sort=sort_key, descending=descending,
                offset=offset, limit=limit)]

        return fetch, lambda: flags.count_flags(ws, statuses=statuses, category=category)

    def _show_count(self, total: int) -> None:
        self.stack.setCurrentIndex(0 if total else 1)
        if not total:
            self.empty.set_text(*self.empty_text())
        ws = self.ctx.ws
        self.ctx.run_query(lambda: flags.lead_summary(ws),
                           lambda summary: self._show_summary(total, summary))

    def _show_summary(self, total: int, summary: dict) -> None:
        shown = (translate("Safeguarding", "1 flag shown") if total == 1 else
                 translate("Safeguarding", "{n} flags shown").format(n=f"{total:,}"))
        self.count_label.setText(shown + " · " + translate(
            "Safeguarding", "{open} open, {overdue} overdue").format(
            open=f"{summary['open']:,}", overdue=f"{summary['overdue']:,}"))

    def empty_text(self) -> tuple[str, str]:
        """What the empty list says: no concerns at all, or none under these choices."""
        if self.category.currentData() is not None or self.status.currentIndex() > 1:
            return (_t("No flags match these choices"),
                    _t("Choose Every flag and Every concern to see all of them."))
        return (_t("No open concerns"),
                translate("Safeguarding", "Steward checks new messages after every import, "
                          "and moderators' escalations arrive here too; press Scan new "
                          "messages to check again."))

    def reload_flags(self, *_args) -> None:
        selected = self.panel.flag_id
        self.model.set_source(*self._source())  # in the background
        self.model.after_load(lambda: self._reselect(selected))

    def _reselect(self, selected: int | None) -> None:
        for row in range(self.model.loaded):
            if self.model.row_values(row)[-1] == selected:
                self.table.selectRow(row)
                break

    def refresh(self) -> None:
        self.reload_flags()
        self._check_retention()

    def show_item(self, flag_id: int | None = None, **_kw) -> None:
        if flag_id is None:
            return
        self.panel.show_flag(flag_id)

    def _flag_chosen(self, current, _previous) -> None:
        if current.isValid():
            self.panel.show_flag(self.model.row_values(current.row())[-1])

    def _check_retention(self) -> None:
        ws = self.ctx.ws
        self.ctx.run_query(lambda: retention.due_for_review(ws), self._show_retention)

    def _show_retention(self, due: list) -> None:
        self.review_line.setText(
            f"{len(due)} closed case{'s are' if len(due) != 1 else ' is'} past the retention "
            "period: review, then keep longer or purge." if due else "")
        self.review_line.setVisible(bool(due))
        self.review_button.setVisible(bool(due))

    def scan(self) -> None:
        def done(counts: dict) -> None:
            self.ctx.notify(f"Scanned {counts['messages']:,} messages: {counts['flags']:,} new "
                            "flags.")
            self.ctx.refresh_all()

        self.ctx.run_job(lambda token: scan_job(self.ctx.ws, token), done,
                         "Scanning for safeguarding concerns")

    def edit_helplines(self) -> None:
        current = signposting.current_helplines(self.ctx.ws)
        dialog = HelplinesDialog(self, signposting.helplines_as_text(current))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.ctx.notify(translate("Safeguarding", "Helplines saved for this workspace."))

    def review_retention(self) -> None:
        RetentionDialog(self).exec()
        self._check_retention()
        self.reload_flags()


class HelplinesDialog(QDialog):
    """Edit the workspace's helplines: one per line, name | number | when | categories."""

    def __init__(self, page: SafeguardingPage, text: str):
        super().__init__(page)
        self.page = page
        self.setWindowTitle(translate("Safeguarding", "Helplines for this workspace"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("One per line: name | number | when to use it | categories "
                                "(comma-separated, * for every concern)"))
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName(translate("Safeguarding", "Helplines"))
        layout.addWidget(self.text)
        self.result = result_label()
        layout.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 360)

    def save(self) -> None:
        try:
            signposting.save_helplines(self.page.ctx.ws,
                                       signposting.helplines_from_text(self.text.toPlainText()))
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        self.accept()


class RetentionDialog(QDialog):
    """Closed cases past their retention period: keep one longer (with a reason) or purge."""

    def __init__(self, page: SafeguardingPage):
        super().__init__(page)
        self.page = page
        self.setWindowTitle(translate("Safeguarding", "Retention review"))
        layout = QVBoxLayout(self)
        self.model = PagedTableModel(RETENTION_COLUMNS, *self._source())
        self.table = make_table(self.model, "Cases due for review")
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setAccessibleName(translate("Safeguarding", "Why keep it longer"))
        self.reason.setPlaceholderText(translate("Safeguarding", "Why keep it another year"))
        keep = QPushButton(translate("Safeguarding", "Keep a year longer"))
        keep.setAccessibleName(translate("Safeguarding", "Keep the selected case a year longer"))
        keep.clicked.connect(self.keep)
        purge = QPushButton(translate("Safeguarding", "Purge…"))
        purge.setAccessibleName(translate("Safeguarding", "Purge the selected case"))
        purge.clicked.connect(self.purge)
        row.addWidget(self.reason, 1)
        row.addWidget(keep)
        row.addWidget(purge)
        layout.addLayout(row)
        self.result = result_label()
        layout.addWidget(self.result)
        self.resize(640, 360)

    def _source(self):
        rows = [(i.flag_id, i.category, i.closed_at, i.retain_until, i.entries)
                for i in retention.due_for_review(self.page.ctx.ws)]
        return list_source(rows, RETENTION_COLUMNS)

    def _selected(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.row_values(index.row())[0] if index.isValid() else None

    def keep(self) -> None:
        fid = self._selected()
        if fid is None:
            return
        try:
            retention.extend(self.page.ctx.ws, fid, 365, self.reason.text())
        except Exception as exc:
            show_result(self.result, str(exc), error=True)
            return
        show_result(self.result, f"Flag {fid} kept another year.")
        self.model.set_source(*self._source())

    def purge(self) -> None:
        fid = self._selected()
        if fid is None or not confirm(self, "Purge case", f"Remove flag {fid} and its case "
                                      "record for good? The purge is logged."):
            return
        removed = retention.purge(self.page.ctx.ws, fid)
        show_result(self.result, f"Flag {fid} purged with {removed} entries (logged).")
        self.model.set_source(*self._source())


def leads_tile(ws) -> TileData:
    s = flags.lead_summary(ws)
    if not s["open"]:
        waiting = unscanned_count(ws)
        if waiting:  # never "no concerns" over messages nobody has checked
            text = (_t("None so far; 1 message not yet checked") if waiting == 1 else
                    _t("None so far; {n} messages not yet checked").format(n=f"{waiting:,}"))
            return TileData("0", text, "warn")
        return TileData("0", _t("No open concerns"), "good")
    return TileData(f"{s['open']:,}", _t("{overdue} overdue · {critical} critical").format(
        overdue=f"{s['overdue']:,}", critical=f"{s['critical']:,}"),
        "alert" if s["overdue"] else "warn")


def others_tile(ws) -> TileData:
    count = flags.concerns_with_lead(ws)
    return TileData(f"{count:,}", flags.concerns_line(count), "neutral")
