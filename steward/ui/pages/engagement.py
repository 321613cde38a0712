"""Engagement page: which spaces went quiet, who to welcome, who could lead, and the trends.

Charts and tables are filled from one `engagement_report`, computed off the UI thread for the
chosen period and spaces. Clicking a day on a chart lists that day's messages below; any of them
can go into the knowledge library. Also registers the Overview tiles for quiet spaces,
newcomers to welcome and leader candidates, and prints the trustee report to PDF.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from steward import clock
from steward.engagement import drilldown, metrics, newcomers, silence, trustee
from steward.engagement import scope as scopes
from steward.engagement.metrics import Period, Scope
from steward.jobs import Progress
from steward.ui import workers
from steward.ui.pages.engagement_charts import CohortHeatmap, TimeChart, load_pyqtgraph
from steward.ui.registry import AppContext, TileData
from steward.ui.table_model import Column, PagedTableModel, format_ago, list_source
from steward.ui.widgets import (
    Deferred,
    PageHeader,
    platform_title,
    result_label,
    show_result,
    table_view,
)

PERIODS = (("Last 30 days", 30), ("Last 90 days", 90), ("Last 12 months", 365),
           ("Last 5 years", 5 * 365 + 1), ("Chosen dates", 0))

SILENCE_COLUMNS = [Column("name", "Space"), Column("source", "Source"),
                   Column("silence", "Silence", format=lambda v: str(v).upper()),
                   Column("silent_days", "Quiet days"),
                   Column("last_activity", "Last message", format=format_ago),
                   Column("amber", "Amber after"), Column("red", "Red after"),
                   Column("state", "State"), Column("model", "Read as"),
                   Column("gap", "New conversation after (min)")]
LEADER_COLUMNS = [Column("name", "Member"), Column("score", "Score"), Column("posts", "Posts"),
                  Column("replies", "Replies received"), Column("reactions", "Reactions"),
                  Column("answers", "Answers"), Column("weeks", "Weeks active"),
                  Column("reasons", "Why")]
NEWCOMER_COLUMNS = [Column("name", "Newcomer"), Column("space", "Space"),
                    Column("first", "First message"), Column("waiting", "Days waiting")]
SPACE_COLUMNS = [Column("name", "Space"), Column("platform", "Platform", format=platform_title),
                 Column("messages", "Messages"), Column("active", "Active members"),
                 Column("new", "New contributors"),
                 Column("ttfr", "Median first reply (h)"), Column("model", "Read as"),
                 Column("unanswered", "Conversations with no reply")]
DAY_COLUMNS = [Column("at", "When"), Column("space", "Space"), Column("author", "Author"),
               Column("text", "Message", sortable=False)]
FIGURES = (("active_day", "Active today"), ("active_week", "Active this week"),
           ("active_month", "Active this month"),
           ("stickiness", "Come back most days (day ÷ month)"),
           ("messages", "Messages"), ("new", "New contributors"), ("returning", "Returning"),
           ("ttfr", "First reply: median / p90"),
           ("unanswered", "Conversations with no reply"),
           ("absence", "People writing half the messages"))


def _empty_source():
    return list_source([], [])


class ActivityTab(QSplitter):
    """The first tab: the three daily charts, and the messages of the day clicked on one."""

    def __init__(self, page: EngagementPage):
        super().__init__(Qt.Orientation.Vertical)
        self.activity_chart = TimeChart("Messages and active members per day",
                                        y_label="Per day")
        self.active_chart = TimeChart("Active members: day, week, month", y_label="Members")
        self.new_chart = TimeChart("New contributors per day", y_label="People")
        for chart in (self.activity_chart, self.active_chart, self.new_chart):
            chart.day_clicked.connect(page.show_day)
            self.addWidget(chart)
        below = QWidget()
        col = QVBoxLayout(below)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.day_title = QLabel("Click a day on a chart to see the messages behind it.")
        row.addWidget(self.day_title, 1)
        self.add_to_library = QPushButton("Add to library…")
        self.add_to_library.setEnabled(False)
        self.add_to_library.clicked.connect(page.add_selected_to_library)
        row.addWidget(self.add_to_library)
        col.addLayout(row)
        self.day_model = PagedTableModel(DAY_COLUMNS, *_empty_source())
        self.day_view = table_view(self.day_model, "Messages on the chosen day")
        self.day_view.selectionModel().currentRowChanged.connect(
            lambda cur, _prev: self.add_to_library.setEnabled(cur.isValid()))
        col.addWidget(self.day_view)
        self.addWidget(below)
        self.setSizes([260, 200, 140, 260])


class EngagementPage(QWidget):
    """Layout and wiring; every number comes from `steward.engagement`."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.report: metrics.EngagementReport | None = None
        self.scope = Scope()
        self.timezone = "UTC"
        self.selected_day: date | None = None
        self._drawing: list[workers.UiSteps] = []  # the charts being drawn
        self._cohorts_of: metrics.EngagementReport | None = None  # drawn (or drawing) in it
        self._generation = 0
        self._choices: tuple = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        header = PageHeader("Engagement", "Quiet spaces, newcomers, possible leaders, trends.")
        # Unwrapped, so the page fits the window instead of asking its scroll area for the
        # charts' preferred height.
        header.subtitle.setWordWrap(False)
        self.period = QComboBox()
        self.period.setAccessibleName("Period")
        for label, days in PERIODS:
            self.period.addItem(label, days)
        self.period.setCurrentIndex(1)
        self.since = QDateEdit(calendarPopup=True)
        self.until = QDateEdit(calendarPopup=True)
        for edit, name in ((self.since, "From"), (self.until, "To")):
            edit.setAccessibleName(name)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
        self.space = QComboBox()
        self.space.setAccessibleName("Spaces")
        self.space.setMinimumContentsLength(22)
        self.space.addItem("All spaces", "all")
        self.staff = QCheckBox("Count staff")
        self.apply = QPushButton("Show")
        self.report_button = QPushButton("Trustee report…")
        self.report_button.setAccessibleName("Save the trustee report as PDF")
        header.add_action(self.report_button)
        layout.addWidget(header)
        controls = QHBoxLayout()
        for w in (QLabel("Period"), self.period, self.since, self.until, QLabel("Spaces"),
                  self.space, self.staff, self.apply):
            controls.addWidget(w)
        controls.addStretch(1)
        layout.addLayout(controls)
        self.period.currentIndexChanged.connect(self._period_changed)
        self.apply.clicked.connect(self.refresh)
        self.space.activated.connect(lambda _i: self.refresh())
        self.staff.toggled.connect(lambda _on: self.refresh())
        self.report_button.clicked.connect(self._ask_trustee_report)

        figures = QFrame()
        figures.setObjectName("figures")
        grid = QGridLayout(figures)
        self.figures: dict[str, QLabel] = {}
        for n, (key, title) in enumerate(FIGURES):
            value = QLabel("…")
            value.setObjectName("statValue")
            value.setAccessibleName(title)
            row, column = 2 * (n // 5), n % 5
            grid.addWidget(value, row, column)
            grid.addWidget(QLabel(title), row + 1, column)
            self.figures[key] = value
        layout.addWidget(figures)
        self.status = result_label()
        layout.addWidget(self.status)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Engagement views")
        layout.addWidget(self.tabs, 1)
        # Built once the page has painted, in a turn of its own (as the tabs behind it are).
        self._activity = Deferred(lambda: ActivityTab(self))
        self.tabs.addTab(self._activity, "Activity")
        self.silence_model = PagedTableModel(SILENCE_COLUMNS, *_empty_source())
        self.newcomer_model = PagedTableModel(NEWCOMER_COLUMNS, *_empty_source())
        self.leader_model = PagedTableModel(LEADER_COLUMNS, *_empty_source())
        self.cohorts = CohortHeatmap()
        self.space_model = PagedTableModel(SPACE_COLUMNS, *_empty_source())
        # The tabs behind the first are filled one per turn of the event loop, once the page
        # has painted: building them all at once was half the time to open the page.
        steps = []
        for title, fill in (
            ("Quiet spaces", self._silence_tab),
            ("Newcomers to welcome", lambda: table_view(self.newcomer_model,
                                                        "Newcomers to welcome")),
            ("Leader candidates", lambda: table_view(self.leader_model, "Leader candidates")),
            ("Cohorts", lambda: self.cohorts),
            ("By space", lambda: table_view(self.space_model, "Figures per space")),
        ):
            tab = QWidget()
            QVBoxLayout(tab).setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(tab, title)
            steps.append(lambda tab=tab, fill=fill: tab.layout().addWidget(fill()))
        steps.append(self._draw_cohorts)  # in case its tab was chosen before it was there
        workers.run_in_steps(steps)
        self.tabs.currentChanged.connect(lambda _i: self._draw_cohorts())
        self.refresh()

    @property
    def activity(self) -> ActivityTab:
        """The Activity tab, built now if it was not yet."""
        return self._activity.widget

    # --- tabs --------------------------------------------------------------------------------

    def _silence_tab(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        self.silence_view = table_view(self.silence_model, "Quiet spaces")
        col.addWidget(self.silence_view)
        row = QHBoxLayout()
        row.addWidget(QLabel("For the selected space: amber after"))
        self.amber = QSpinBox(minimum=1, maximum=365, value=5)
        self.amber.setAccessibleName("Amber after days")
        self.red = QSpinBox(minimum=2, maximum=366, value=7)
        self.red.setAccessibleName("Red after days")
        row.addWidget(self.amber)
        row.addWidget(QLabel("days, red after"))
        row.addWidget(self.red)
        row.addWidget(QLabel("days"))
        self.save_thresholds = QPushButton("Save thresholds")
        self.save_thresholds.clicked.connect(self._save_thresholds)
        row.addWidget(self.save_thresholds)
        row.addStretch(1)
        col.addLayout(row)
        row = QHBoxLayout()  # a second row: both on one would not fit a 1280-pixel window
        self.gap_label = QLabel("Chat: a new conversation after")
        row.addWidget(self.gap_label)
        self.gap = QSpinBox(minimum=1, maximum=7 * 24 * 60, value=60, suffix=" quiet minutes")
        self.gap.setAccessibleName("New conversation after quiet minutes")
        row.addWidget(self.gap)
        self.save_gap = QPushButton("Save")
        self.save_gap.setAccessibleName("Save the conversation gap")
        self.save_gap.clicked.connect(self._save_gap)
        row.addWidget(self.save_gap)
        for w in (self.gap_label, self.gap, self.save_gap):
            w.setEnabled(False)
        row.addStretch(1)
        col.addLayout(row)
        self.silence_view.selectionModel().currentRowChanged.connect(self._silence_selected)
        return box

    # --- loading -----------------------------------------------------------------------------

    def _period_changed(self) -> None:
        custom = self.period.currentData() == 0
        self.since.setEnabled(custom)
        self.until.setEnabled(custom)
        if not custom:
            self.refresh()

    def chosen_period(self, today: date) -> Period:
        days = self.period.currentData()
        if days:
            return Period.last_days(days, today)
        since, until = self.since.date().toPython(), self.until.date().toPython()
        return Period(min(since, until), max(since, until))

    def chosen_scope(self) -> Scope:
        """The picker's choice; a cohort's people are looked up in the background job."""
        kind, _, value = (self.space.currentData() or "all").partition(":")
        include = self.staff.isChecked()
        if kind == "cohort":
            return Scope(person_ids=frozenset(), include_staff=include)
        if kind == "space":
            return Scope(space_ids=frozenset({int(value)}), include_staff=include)
        if kind == "platform":
            return Scope(platforms=frozenset({value}), include_staff=include)
        return Scope(include_staff=include)

    def refresh(self) -> None:
        """Recompute everything for the chosen period and spaces, off the UI thread."""
        self._generation += 1
        generation = self._generation
        ws = self.ctx.ws
        scope = self.chosen_scope()
        kind, _, cohort = (self.space.currentData() or "all").partition(":")
        days = self.period.currentData()
        period = None if days else self.chosen_period(clock.today())

        def job(token):
            yield Progress(0, 3, "Reading activity")
            load_pyqtgraph()  # here, not on the UI thread (about a second)
            tz = metrics.workspace_timezone(ws)
            choices = (scopes.space_choices(ws), scopes.cohort_names(ws))
            chosen_scope = (scopes.resolve_scope(ws, cohort=cohort,
                                                 include_staff=scope.include_staff)
                            if kind == "cohort" else scope)
            chosen = period or Period.last_days(days, metrics.today_in(tz))
            token.check()
            yield Progress(1, 3, "Computing engagement")
            report = metrics.engagement_report(ws, chosen, chosen_scope, timezone=tz)
            waiting = newcomers.unwelcomed_newcomers(ws, now=report.as_of)
            return generation, choices, chosen_scope, report, waiting

        self.status.hide()
        self.ctx.run_job(job, self._show, "Engagement figures")

    def _show(self, result) -> None:
        generation, choices, scope, report, waiting = result
        if generation != self._generation:
            return  # a newer request is on its way
        self.report, self.scope, self.timezone = report, scope, report.timezone
        self._fill_space_picker(choices)
        if self.period.currentData() != 0:
            self.since.setDate(QDate(report.period.since))
            self.until.setDate(QDate(report.period.until))
        am = report.active_members
        ttfr = (f"{_h(report.first_response_median_hours)} / "
                f"{_h(report.first_response_p90_hours)}")
        values = {
            "active_day": f"{am['day']:,}", "active_week": f"{am['week']:,}",
            "active_month": f"{am['month']:,}",
            "stickiness": f"{report.stickiness:.0%}" if report.stickiness is not None else "—",
            "messages": f"{report.messages:,}", "new": f"{report.new_contributors:,}",
            "returning": f"{report.returning_members:,}", "ttfr": ttfr,
            "unanswered": f"{report.conversations_without_response:,} of "
                          f"{report.conversations_started:,}",
            "absence": f"{report.contributor_absence_factor:,}",
        }
        for key, text in values.items():
            self.figures[key].setText(text)
        self._draw_charts(report)
        self.silence_model.set_source(*list_source(
            [(a.name, a.source, a.silence, a.silent_days, a.last_activity, a.amber_days,
              a.red_days, a.state, a.model, a.gap_minutes, a.space_id)
             for a in report.silence], SILENCE_COLUMNS))
        self.leader_model.set_source(*list_source(
            [(c.name, c.score, c.posts, c.replies_received, c.reactions, c.answers,
              f"{c.weeks_active} of {c.weeks}", "; ".join(c.reasons), c.person_id)
             for c in report.leader_candidates], LEADER_COLUMNS))
        self.newcomer_model.set_source(*list_source(
            [(n.display_name, n.space_name, n.first_message_at, n.days_waiting,
              n.first_message_id) for n in waiting], NEWCOMER_COLUMNS))
        self.space_model.set_source(*list_source(
            [(s.name, s.platform, s.messages, s.active_members, s.new_contributors,
              s.median_first_response_hours, _reading(s.model, s.gap_minutes),
              f"{s.conversations_without_response:,} of {s.conversations_started:,}")
             for s in report.spaces], SPACE_COLUMNS))
        quiet = [a for a in report.silence if a.needs_attention]
        self.tabs.setTabText(1, f"Quiet spaces ({len(quiet)})" if quiet else "Quiet spaces")
        self.tabs.setTabText(2, f"Newcomers to welcome ({len(waiting)})")

    def _draw_charts(self, report) -> None:
        """Build and fill the charts one step per turn of the event loop (a plot takes 30 to
        70 ms to make and as long to draw the first time), so the window never stalls. The
        cohort chart waits until its tab is shown."""
        for drawing in self._drawing:
            drawing.cancel()  # a newer report: its own steps draw it
        self._drawing, self._cohorts_of = [], None
        steps, tab = [], self.activity
        for chart, series in (
            (tab.activity_chart, {"Messages": report.messages_per_day,
                                  "Active members": report.active_per_day}),
            (tab.active_chart, {"Daily": report.active_per_day,
                                "Weekly": report.active_per_week,
                                "Monthly": report.active_per_month}),
            (tab.new_chart, {"New contributors": report.new_per_day}),
        ):
            steps += [chart.make, chart.build,
                      lambda c=chart, v=series: c.set_series(report.days, v)]
        self._draw_in_steps(steps)
        self._draw_cohorts()

    def _draw_cohorts(self) -> None:
        """Build and fill the cohort chart if its tab is showing and it does not show the
        report yet."""
        report = self.report
        if (report is None or self._cohorts_of is report
                or self.tabs.currentWidget() is not self.cohorts.parentWidget()):
            return
        self._cohorts_of = report
        self._draw_in_steps([self.cohorts.build, self.cohorts.add_colour_bar,
                             lambda: self.cohorts.set_cohorts(report.cohorts)])

    def _draw_in_steps(self, steps: list) -> None:
        drawing = workers.run_in_steps(steps)
        drawing.failed.connect(lambda message: self.ctx.notify(
            f"Could not draw the charts: {message}", error=True))
        self._drawing.append(drawing)

    def _fill_space_picker(self, choices: tuple) -> None:
        if choices == self._choices:
            return
        self._choices = choices
        spaces, cohorts = choices
        current = self.space.currentData()
        self.space.blockSignals(True)
        self.space.clear()
        self.space.addItem("All spaces", "all")
        for platform in sorted({c.platform for c in spaces}):
            self.space.addItem(f"All of {platform_title(platform)}", f"platform:{platform}")
        for c in spaces:
            self.space.addItem(c.label, f"space:{c.id}")
        for name in cohorts:
            self.space.addItem(f"Cohort: {name}", f"cohort:{name}")
        at = self.space.findData(current)
        self.space.setCurrentIndex(max(at, 0))
        self.space.blockSignals(False)

    # --- actions -----------------------------------------------------------------------------

    def show_day(self, day: date) -> None:
        """List the messages a chart point counts (members' messages on that local day)."""
        self.selected_day = day
        ws, scope, tz, activity = self.ctx.ws, self.scope, self.timezone, self.activity

        def fetch(offset, limit, key, desc):
            return [(m.at, m.space, m.author, m.text, m.id)
                    for m in drilldown.day_messages(ws, day, scope, tz, offset, limit, key, desc)]

        def count():
            return drilldown.day_message_count(ws, day, scope, tz)

        def shown() -> None:
            if self.selected_day == day:
                activity.day_title.setText(
                    f"{day:%A %d %B %Y}: {activity.day_model.total:,} messages")

        activity.day_model.set_source(fetch, count)  # in the background; the title when it lands
        self.tabs.setCurrentIndex(0)
        activity.day_model.after_load(shown)

    def selected_message_id(self) -> int | None:
        activity = self.activity
        index = activity.day_view.currentIndex()
        if not index.isValid():
            return None
        return activity.day_model.row_values(index.row())[-1]

    def add_selected_to_library(self) -> None:
        """Add the message chosen in the day's list to the knowledge library (asks for tags)."""
        from steward.ui.pages.library import ask_and_mark_resource

        message_id = self.selected_message_id()
        if message_id is not None:
            ask_and_mark_resource(self.ctx, message_id, self)

    def _silence_selected(self, current, _previous) -> None:
        if current.isValid():
            row = self.silence_model.row_values(current.row())
            self.amber.setValue(row[5])
            self.red.setValue(row[6])
            chat = row[8] == "conversations"
            for w in (self.gap_label, self.gap, self.save_gap):
                w.setEnabled(chat)
            if chat:
                self.gap.setValue(row[9])

    def _save_thresholds(self) -> None:
        index = self.silence_view.currentIndex()
        if not index.isValid():
            show_result(self.status, "Choose a space in the list first.", error=True)
            return
        space_id = self.silence_model.row_values(index.row())[-1]
        amber, red = self.amber.value(), self.red.value()
        ws = self.ctx.ws

        def done(_result) -> None:
            show_result(self.status, "Thresholds saved.")
            self.refresh()

        self.ctx.run_query(lambda: silence.set_silence_thresholds(ws, space_id, amber, red), done,
                           lambda problem: show_result(self.status, problem, error=True))

    def _save_gap(self) -> None:
        index = self.silence_view.currentIndex()
        if not index.isValid():
            show_result(self.status, "Choose a space in the list first.", error=True)
            return
        space_id, minutes, ws = self.silence_model.row_values(index.row())[-1], \
            self.gap.value(), self.ctx.ws

        def done(_result) -> None:
            show_result(self.status, f"Conversations now end after {minutes} quiet minutes.")
            self.refresh()

        self.ctx.run_query(lambda: silence.set_conversation_gap(ws, space_id, minutes), done,
                           lambda problem: show_result(self.status, problem, error=True))

    def _ask_trustee_report(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the trustee report",
                                              "trustee-report.pdf", "PDF (*.pdf)")
        if path:
            self.save_trustee_report(path)

    def save_trustee_report(self, path: str | Path, on_done=None) -> None:
        """Build and write the report off the UI thread (the core draws its charts too)."""
        ws, period, scope = self.ctx.ws, self.report.period, self.scope

        def done(_report: trustee.TrusteeReport) -> None:
            self.ctx.notify(f"Trustee report saved to {path}")
            if on_done is not None:
                on_done(path)

        def failed(message: str) -> None:
            self.ctx.notify(f"The trustee report could not be saved to {path}", message,
                            error=True)

        self.ctx.run_query(lambda: trustee.save_trustee_report(ws, period, Path(path), scope),
                           done, failed)

    def show_item(self, tab: str | None = None, day: date | None = None, **_kw) -> None:
        names = {"activity": 0, "quiet": 1, "newcomers": 2, "leaders": 3, "cohorts": 4,
                 "spaces": 5}
        if tab in names:
            self.tabs.setCurrentIndex(names[tab])
        if day is not None:
            self.show_day(day)


def _reading(model: str, gap: int | None) -> str:
    return f"conversations ({gap} min)" if model == "conversations" else "threads"


def _h(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} h" if value < 10 else f"{value:,.0f} h"


# --- Overview tiles ------------------------------------------------------------------------------


def quiet_spaces_tile(ws) -> TileData:
    alerts = metrics.silence_alerts(ws)
    quiet = [a for a in alerts if a.needs_attention]
    if not quiet:
        return TileData("0", "Every space has had a message in the last few days", "good")
    detail = ", ".join(f"{a.name} ({a.silent_days} days)" if a.silent_days is not None
                       else f"{a.name} (no messages yet)" for a in quiet[:3])
    tone = "alert" if any(a.silence == "red" for a in quiet) else "warn"
    return TileData(str(len(quiet)), f"Quiet: {detail}", tone)


def _waited(days: int) -> str:
    return "since today" if days == 0 else "1 day" if days == 1 else f"{days} days"


def newcomers_tile(ws) -> TileData:
    waiting = newcomers.unwelcomed_newcomers(ws)
    if not waiting:
        return TileData("0", "No newcomer is waiting for a first reply", "good")
    names = ", ".join(f"{n.display_name} ({_waited(n.days_waiting)})" for n in waiting[:3])
    return TileData(str(len(waiting)), f"Waiting for a reply: {names}", "warn")


def leaders_tile(ws) -> TileData:
    report = metrics.engagement_report(ws)
    top = report.leader_candidates[:3]
    if not top:
        return TileData("—", "Not enough activity in the last 90 days to suggest leaders")
    return TileData(str(len(report.leader_candidates)),
                    "Top: " + ", ".join(c.name for c in top), "neutral")
