"""Safeguarding: flags for the leads (overdue first), the case record of each, signposting,
case-record PDF export and the retention review. Registered only for profiles that hold the
safeguarding key; everyone else sees one line on the Overview.

All reading and writing goes through `steward.safeguarding`; flagged text is blurred until
the lead chooses to read it. Nothing here sends, removes or bans anything.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
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
from steward.ui.pages.safeguarding_panel import FlagPanel
from steward.ui.registry import (
    AppContext,
    PageSpec,
    TileData,
    TileSpec,
    register_page,
    register_tile,
)
from steward.ui.table_model import Column, PagedTableModel, format_day, list_source
from steward.ui.widgets import (
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
    Column("severity", "Severity", format=str.capitalize),
    Column("category", "Concern", format=lambda c: policy.CATEGORY_TITLES.get(c, c),
           hint=lambda c: policy.CATEGORY_TITLES.get(c, c)),
    Column("status", "Status", format=str.capitalize),
    Column("person", "Who and where", sortable=False),
    Column("assigned_to", "Lead"),
]  # each row tuple ends with the flag's id, after the columns
STATUS_FILTERS = (("Open flags", policy.OPEN_STATUSES), ("Every flag", None)) + tuple(
    (f"{s.capitalize()} only", (s,)) for s in policy.STATUSES)
RETENTION_COLUMNS = [Column("flag_id", "Flag"), Column("category", "Concern"),
                     Column("closed_at", "Closed"), Column("retain_until", "Kept until"),
                     Column("entries", "Entries")]


def _row(r: flags.FlagRow, now: datetime) -> tuple:
    exact = f"Triage due {format_day(r.due_at)} {r.due_at:%H:%M}" if r.due_at else ""
    where = f"{r.space} ({platform_title(r.platform)})" if r.space else ""
    who = " in ".join(x for x in (r.person, where) if x)
    return ((_due_text(r, now), exact), r.severity, r.category, r.status, who,
            r.assigned_to or "", r.id)


def _due_text(r: flags.FlagRow, now: datetime) -> str:
    """'Overdue 3 h', 'in 40 min', 'in 2 days': how long the lead has to triage a new flag."""
    if r.due_at is None or r.status != "new":
        return ""
    minutes = int(abs((r.due_at - now).total_seconds()) // 60)
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h"
    else:
        span = f"{minutes // (24 * 60)} days"
    return f"Overdue {span}" if r.overdue else f"in {span}"


class SafeguardingPage(QWidget):
    """The leads' list of flags beside the selected flag's record."""

    def __init__(self, ctx: AppContext):
        super().__init__()
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        header = PageHeader(
            "Safeguarding",
            "Concerns for the safeguarding leads, overdue first. Steward flags for you to "
            "judge; it never contacts, removes or bans anyone.")
        self.status = QComboBox()
        self.status.setAccessibleName("Which flags")
        for label, statuses in STATUS_FILTERS:
            self.status.addItem(label, statuses)
        self.category = QComboBox()
        self.category.setAccessibleName("Concern")
        self.category.addItem("Every concern", None)
        for c in policy.CATEGORIES:
            self.category.addItem(policy.CATEGORY_TITLES[c], c)
        self.scan_button = QPushButton("Scan new messages")
        self.scan_button.setAccessibleName("Scan new messages for concerns")
        self.scan_button.clicked.connect(self.scan)
        self.helplines_button = QPushButton("Helplines…")
        self.helplines_button.setAccessibleName("Edit this workspace's helplines")
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
        self.review_button = QPushButton("Review…")
        self.review_button.setAccessibleName("Review cases past their retention period")
        self.review_button.clicked.connect(self.review_retention)
        review.addWidget(self.review_line, 1)
        review.addWidget(self.review_button)
        layout.addLayout(review)

        self.model = PagedTableModel(FLAG_COLUMNS, *self._source())
        self.model.total_changed.connect(self._show_count)
        self.table = make_table(self.model, "Flags")
        fit_columns(self.table, stretch=4, widths={2: 160})
        self.table.selectionModel().currentRowChanged.connect(self._flag_chosen)
        self.panel = FlagPanel(self)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.panel)
        share_width(split, 0.6)
        self.empty = EmptyState("", "")
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self._show_count(self.model.total)
        self._check_retention()

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
        summary = flags.lead_summary(self.ctx.ws)
        self.count_label.setText(
            f"{total:,} flag{'s' if total != 1 else ''} shown · {summary['open']:,} open, "
            f"{summary['overdue']:,} overdue")
        self.stack.setCurrentIndex(0 if total else 1)
        if not total:
            self.empty.set_text(*self.empty_text())

    def empty_text(self) -> tuple[str, str]:
        """What the empty list says: no concerns at all, or none under these choices."""
        if self.category.currentData() is not None or self.status.currentIndex() > 1:
            return ("No flags match these choices",
                    "Choose Every flag and Every concern to see all of them.")
        return ("No open concerns", "Steward checks new messages after every import, and "
                "moderators' escalations arrive here too; press Scan new messages to check "
                "again.")

    def reload_flags(self, *_args) -> None:
        selected = self.panel.flag_id
        self.model.set_source(*self._source())
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
        due = retention.due_for_review(self.ctx.ws)
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
            self.ctx.notify("Helplines saved for this workspace.")

    def review_retention(self) -> None:
        RetentionDialog(self).exec()
        self._check_retention()
        self.reload_flags()


class HelplinesDialog(QDialog):
    """Edit the workspace's helplines: one per line, name | number | when | categories."""

    def __init__(self, page: SafeguardingPage, text: str):
        super().__init__(page)
        self.page = page
        self.setWindowTitle("Helplines for this workspace")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("One per line: name | number | when to use it | categories "
                                "(comma-separated, * for every concern)"))
        self.text = QPlainTextEdit(text)
        self.text.setAccessibleName("Helplines")
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
        self.setWindowTitle("Retention review")
        layout = QVBoxLayout(self)
        self.model = PagedTableModel(RETENTION_COLUMNS, *self._source())
        self.table = make_table(self.model, "Cases due for review")
        layout.addWidget(self.table)
        row = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Why keep it longer")
        self.reason.setPlaceholderText("Why keep it another year")
        keep = QPushButton("Keep a year longer")
        keep.setAccessibleName("Keep the selected case a year longer")
        keep.clicked.connect(self.keep)
        purge = QPushButton("Purge…")
        purge.setAccessibleName("Purge the selected case")
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


def _leads_tile(ws) -> TileData:
    s = flags.lead_summary(ws)
    if not s["open"]:
        waiting = unscanned_count(ws)
        if waiting:  # never "no concerns" over messages nobody has checked
            return TileData("0", f"None so far; {waiting:,} message"
                            f"{'' if waiting == 1 else 's'} not yet checked", "warn")
        return TileData("0", "No open concerns", "good")
    return TileData(f"{s['open']:,}", f"{s['overdue']:,} overdue · {s['critical']:,} critical",
                    "alert" if s["overdue"] else "warn")


def _others_tile(ws) -> TileData:
    count = flags.concerns_with_lead(ws)
    return TileData(f"{count:,}", flags.concerns_line(count), "neutral")


register_page(PageSpec("safeguarding", "Safeguarding", SafeguardingPage, order=30,
                       visible=lambda p: p.holds_safeguarding_key))
register_tile(TileSpec("safeguarding.flags", "Safeguarding flags", _leads_tile,
                       page="safeguarding", order=10,
                       visible=lambda p: p.holds_safeguarding_key))
register_tile(TileSpec("safeguarding.concerns", "Safeguarding", _others_tile, order=10,
                       visible=lambda p: not p.holds_safeguarding_key))
