"""Chart widgets for the engagement pages: a daily time chart and a cohort heatmap.

pyqtgraph is imported off the UI thread, never at start-up: by the unlock screen while the
passphrase is typed, else as the main window opens (`load_pyqtgraph`; imported beside a page
being built, it paused the window), and a chart's plot is built on first use
(`build`), so a page can build its charts one per turn of the event loop. Both charts show values
on hover, export their picture as PNG (pyqtgraph's SVG export breaks on line plots) and their
data as CSV (text cells neutralised against formula injection). An exported picture carries its
title, its axis labels and dated axis, so it still makes sense pasted into a report.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from steward.engagement.csvout import write_csv
from steward.safe_write import replaced_when_done

EPOCH = date(1970, 1, 1)
COLOURS = ("#1f6fb2", "#e07b00", "#2a9d55", "#8e44ad")


def load_pyqtgraph() -> None:
    """Import pyqtgraph (about a second on a laptop); safe off the UI thread, as no widget is
    made."""
    import pyqtgraph  # noqa: F401


def _pg():
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=False, background="w", foreground="#333")
    return pg


def _seconds(day: date) -> float:
    return float((day - EPOCH).days * 86400)


class ChartPanel(QWidget):
    """A titled chart with its hover line and its two export buttons."""

    def __init__(self, title: str, parent: QWidget | None = None, y_label: str = "Count"):
        super().__init__(parent)
        self.title = title
        self.y_label = y_label
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        heading = QLabel(title)
        heading.setObjectName("chartTitle")
        top.addWidget(heading)
        self.hover = QLabel(" ")
        self.hover.setAccessibleName(f"{title}: value under the pointer")
        top.addWidget(self.hover, 1)
        self.png_button = QPushButton("Save image…")
        self.png_button.setAccessibleName(f"Save {title} as PNG")
        self.png_button.clicked.connect(lambda: self._ask("png"))
        self.csv_button = QPushButton("Save data…")
        self.csv_button.setAccessibleName(f"Save {title} data as CSV")
        self.csv_button.clicked.connect(lambda: self._ask("csv"))
        top.addWidget(self.png_button)
        top.addWidget(self.csv_button)
        layout.addLayout(top)
        self._plot = None
        self._made = None  # made, not yet in place
        self._placeholder = QLabel("Drawing the chart…")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setMinimumHeight(120)
        layout.addWidget(self._placeholder, 1)

    @property
    def built(self) -> bool:
        return self._plot is not None

    @property
    def plot(self):
        """The pyqtgraph `PlotWidget`, built on first use."""
        if self._plot is None:
            self.build()
        return self._plot

    def make(self) -> None:
        """Make the plot's item (its axes, view box and menus: most of the time a pyqtgraph
        plot takes to make on the UI thread), not yet in a widget: a page can make it in one
        turn of the event loop and show it (`build`: the widget, its first paint) in the next."""
        if self._made is None and self._plot is None:
            pg = _pg()
            self._made = pg.PlotItem(viewBox=_view_box(pg), axisItems=self._axes(pg))

    def build(self) -> None:
        """Make the plot if need be and put it in place of its placeholder."""
        if self._plot is not None:
            return
        self.make()
        item, self._made = self._made, None
        plot = _pg().PlotWidget(plotItem=item)
        plot.setAccessibleName(f"{self.title} chart")
        plot.setMinimumHeight(120)
        self._plot = plot
        self.layout().replaceWidget(self._placeholder, plot)
        self._placeholder.deleteLater()
        self._setup_plot(_pg())

    def _setup_plot(self, pg) -> None:
        """What a kind of chart adds to its new plot."""

    def _axes(self, pg) -> dict:
        return {"left": _count_axis(pg)}

    def _ask(self, kind: str) -> None:
        name = self.title.lower().replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, f"Save {self.title}", f"{name}.{kind}",
            "PNG image (*.png)" if kind == "png" else "CSV (*.csv)")
        if path and not (self.export_png if kind == "png" else self.export_csv)(path):
            self.hover.setText(f"Could not save {path}")

    def export_png(self, path: str | Path) -> bool:
        """Save the chart as it looks now; False if it could not be written (nothing left
        behind)."""
        try:
            with replaced_when_done(path) as tmp:
                if not self.picture().save(str(tmp), "PNG"):
                    raise OSError("Qt could not write the picture")
        except OSError:
            return False
        return True

    def picture(self) -> QImage:
        """The chart as an image with its title drawn in (axis labels and dates are on it)."""
        from PySide6.QtCore import QCoreApplication

        item = self.plot.getPlotItem()
        item.setTitle(self.title, size="12pt", bold=True)
        legend = self._picture_legend(item)
        try:
            item.layout.activate()
            QCoreApplication.processEvents()  # let the plot make room for the title
            return self.plot.grab().toImage()
        finally:
            item.setTitle(None)
            if legend is not None:
                if legend.scene() is not None:
                    legend.scene().removeItem(legend)
                item.legend = None

    def _picture_legend(self, item):
        """A key drawn into an exported picture (on screen it is in the heading)."""
        return None

    def csv_header_rows(self) -> tuple[list[str], list[list]]:
        raise NotImplementedError

    def export_csv(self, path: str | Path) -> bool:
        """Save the chart's data as CSV; False if it could not be written."""
        header, rows = self.csv_header_rows()
        try:
            write_csv(path, header, rows)
        except OSError:
            return False
        return True


class TimeChart(ChartPanel):
    """Daily values on a date axis; hover shows the day's values; a click emits the day."""

    day_clicked = Signal(object)

    def __init__(self, title: str, parent: QWidget | None = None, y_label: str = "Count"):
        super().__init__(title, parent, y_label)
        # The key sits in the heading, not over the lines (an exported picture gets one).
        self.key = QLabel("")
        self.key.setAccessibleName(f"{title}: key")
        self.layout().itemAt(0).layout().insertWidget(1, self.key)
        self.days: list[date] = []
        self.series: dict[str, list[float]] = {}
        self.curves = []

    def _setup_plot(self, pg) -> None:
        item = self._plot.getPlotItem()
        item.setLabel("left", self.y_label)
        item.setLabel("bottom", "Date")
        item.setClipToView(True)  # pyqtgraph 0.14: plot(clipToView=True) raises
        item.setDownsampling(auto=True, mode="peak")
        # No grid: on a five-year axis its lines cost more to paint than the data.
        scene = self._plot.scene()
        scene.sigMouseMoved.connect(self._moved)
        scene.sigMouseClicked.connect(self._clicked)

    def _axes(self, pg) -> dict:
        return {"bottom": _date_axis(pg), "left": _count_axis(pg)}

    def set_series(self, days: list[date], series: dict[str, list[float]]) -> None:
        import numpy as np

        pg = _pg()
        item = self.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.days, self.series, self.curves = list(days), dict(series), []
        x = np.array([_seconds(d) for d in self.days], dtype=float)
        for n, (name, values) in enumerate(self.series.items()):
            pen = pg.mkPen(COLOURS[n % len(COLOURS)], width=1.5)
            curve = item.plot(x, np.asarray(values, dtype=float), pen=pen, name=name)
            self.curves.append(curve)
        self.key.setText("&nbsp;&nbsp;".join(
            f"<span style='color:{COLOURS[n % len(COLOURS)]}'>&#9472;&#9472;</span> {escape(name)}"
            for n, name in enumerate(self.series)))
        if len(x):
            item.setLabel("bottom", f"Date ({self.days[0].day} {self.days[0]:%b %Y} to "
                                    f"{self.days[-1].day} {self.days[-1]:%b %Y})")
            item.setXRange(x[0], x[-1] + 86400, padding=0.01)
            item.enableAutoRange(axis="y")

    def _picture_legend(self, item):
        if not self.curves:
            return None
        legend = item.addLegend(offset=(10, 5), colCount=len(self.curves))
        legend.setBrush("#ffffffd0")
        for curve, name in zip(self.curves, self.series, strict=False):
            legend.addItem(curve, name)
        return legend

    def index_at(self, scene_pos) -> int | None:
        """The day under a scene position, or None off the plot."""
        if not self.days or self._plot is None:
            return None
        item = self._plot.getPlotItem()
        if not item.vb.sceneBoundingRect().contains(scene_pos):
            return None
        x = item.vb.mapSceneToView(scene_pos).x()
        i = round((x - _seconds(self.days[0])) / 86400)
        return min(max(i, 0), len(self.days) - 1)

    def describe(self, i: int) -> str:
        values = ", ".join(f"{name}: {_fmt(vals[i])}" for name, vals in self.series.items())
        return f"{self.days[i]:%a %d %b %Y} — {values}"

    def _moved(self, pos) -> None:
        i = self.index_at(pos)
        self.hover.setText(self.describe(i) if i is not None else " ")

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        i = self.index_at(event.scenePos())
        if i is not None:
            self.day_clicked.emit(self.days[i])

    def csv_header_rows(self) -> tuple[list[str], list[list]]:
        names = list(self.series)
        rows = [[d.isoformat(), *(self.series[n][i] for n in names)]
                for i, d in enumerate(self.days)]
        return ["date", *names], rows


class CohortHeatmap(ChartPanel):
    """Rows: people grouped by the month they first posted; columns: months after; colour: the
    share of the group that posted in that month."""

    def __init__(self, title: str = "Do newcomers stay?", parent: QWidget | None = None):
        super().__init__(title, parent, "First posted in")
        self.image = None
        self.colour_bar = None
        self.cohorts: list = []

    def _setup_plot(self, pg) -> None:
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("viridis"))
        self._plot.addItem(self.image)
        item = self._plot.getPlotItem()
        item.invertY(True)
        item.setLabel("bottom", "Months after first message")
        item.setLabel("left", "First posted in (month)")
        item.getAxis("left").setWidth(90)
        item.setMouseEnabled(x=False, y=False)
        self._plot.scene().sigMouseMoved.connect(self._moved)

    def add_colour_bar(self) -> None:
        """The colour key beside the grid: a plot of its own, as long to make as the chart's,
        so a step of its own."""
        if self.colour_bar is not None:
            return
        self.build()
        pg = _pg()
        self.colour_bar = pg.ColorBarItem(values=(0, 1), colorMap=pg.colormap.get("viridis"),
                                          interactive=False, width=14,
                                          label="Share still posting")
        self.colour_bar.setImageItem(self.image, insert_in=self._plot.getPlotItem())

    def set_cohorts(self, cohorts: list) -> None:
        import numpy as np

        self.add_colour_bar()
        self.cohorts = list(cohorts)
        width = max((len(c.retention) for c in self.cohorts), default=0)
        grid = np.full((len(self.cohorts), max(width, 1)), np.nan)
        for r, c in enumerate(self.cohorts):  # None (a month not over yet) stays blank
            grid[r, :len(c.retention)] = [np.nan if v is None else v for v in c.retention]
        self.image.setImage(grid, levels=(0.0, 1.0), autoLevels=False)
        item = self.plot.getPlotItem()
        item.getAxis("left").setTicks([[(r + 0.5, f"{c.cohort} ({c.size:,})")
                                        for r, c in enumerate(self.cohorts)]])
        item.getAxis("bottom").setTicks([[(m + 0.5, str(m)) for m in range(width)]])
        item.setRange(xRange=(0, max(width, 1)), yRange=(0, max(len(self.cohorts), 1)),
                      padding=0)

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        if not self.cohorts or self._plot is None:
            return None
        item = self._plot.getPlotItem()
        if not item.vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = item.vb.mapSceneToView(scene_pos)
        row, col = int(point.y()), int(point.x())
        if 0 <= row < len(self.cohorts) and 0 <= col < len(self.cohorts[row].retention):
            return row, col
        return None

    def describe(self, row: int, col: int) -> str:
        c = self.cohorts[row]
        when = 'that month' if col == 0 else f'{col} month(s) later'
        if c.retention[col] is None:
            return f"First posted {c.cohort} ({c.size} people): {when} is not over yet"
        return f"First posted {c.cohort} ({c.size} people): {c.retention[col]:.0%} posted {when}"

    def _moved(self, pos) -> None:
        cell = self.cell_at(pos)
        self.hover.setText(self.describe(*cell) if cell else " ")

    def csv_header_rows(self) -> tuple[list[str], list[list]]:
        width = max((len(c.retention) for c in self.cohorts), default=0)
        rows = [[c.cohort, c.size, *("" if v is None else v for v in c.retention),
                 *([""] * (width - len(c.retention)))] for c in self.cohorts]
        return ["cohort", "people", *(f"month {m}" for m in range(width))], rows


def _view_box(pg):
    """pyqtgraph's view box, with its right-click menu made at the first right click instead
    of with the plot (the menu's two forms are about a third of the time to make a plot)."""

    class ViewBox(pg.ViewBox):
        def mouseClickEvent(self, ev):  # noqa: N802 (pyqtgraph's name)
            if ev.button() == Qt.MouseButton.RightButton and self.menu is None:
                self.setMenuEnabled(True)
            super().mouseClickEvent(ev)

    return ViewBox(enableMenu=False)


def _count_axis(pg):
    """A y axis that writes 1,200 and 15k, never 1.2 with a "(×1e3)" in the corner."""

    class CountAxis(pg.AxisItem):
        def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
            out = []
            for v in values:
                v = v * scale
                if abs(v) >= 10_000:
                    out.append(f"{v / 1000:,.0f}k")
                elif float(v).is_integer():
                    out.append(f"{v:,.0f}")
                else:
                    out.append(f"{v:,.2f}".rstrip("0").rstrip("."))
            return out

    axis = CountAxis(orientation="left")
    axis.enableAutoSIPrefix(False)
    return axis


# Tick steps, finest first: days, then months (as negative numbers of months).
DAY_STEPS = (1, 2, 7, 14)
MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)
DAY = 86400


def date_ticks(lo: float, hi: float, fits: int) -> tuple[float, list[float]]:
    """Tick positions (Unix seconds, UTC midnights) between `lo` and `hi` at one level only,
    at most `fits` of them: every day, every other day, Mondays, every other Monday, then the
    first of every 1, 2, 3, 6, 12, 24 or 60 months. Returns (spacing in seconds, positions)."""
    first, last = int(lo // DAY) + (lo % DAY > 0), int(hi // DAY)
    if last < first or fits < 1:
        return DAY, []
    span = last - first + 1
    for step in DAY_STEPS:
        if span / step <= fits:
            # Weeks start on Mondays (1970-01-01 was a Thursday).
            offset = 4 if step >= 7 else 0
            start = first + (-(first - offset)) % step
            return step * DAY, [d * DAY for d in range(start, last + 1, step)]
    first_month = _month_of(first)
    last_month = _month_of(last)
    for step in MONTH_STEPS:
        if (last_month - first_month + 1) / step <= fits or step == MONTH_STEPS[-1]:
            months = [m for m in range(first_month, last_month + 1) if m % step == 0]
            days = [_first_day_of(m) for m in months]
            return step * 30 * DAY, [d * DAY for d in days if first <= d <= last]
    return DAY, []  # unreachable


def date_labels(values: list[float], spacing: float) -> list[str]:
    """'4 Sep' for ticks days or weeks apart, 'Sep 2026' for months, '2026' for years."""
    days = [EPOCH.fromordinal(EPOCH.toordinal() + int(v // DAY)) for v in values]
    if spacing < 28 * DAY:
        return [f"{d.day} {d:%b}" for d in days]
    if spacing < 360 * DAY:
        return [f"{d:%b %Y}" for d in days]
    return [f"{d.year}" for d in days]


def _month_of(day: int) -> int:
    d = EPOCH.fromordinal(EPOCH.toordinal() + day)
    return (d.year - 1970) * 12 + d.month - 1


def _first_day_of(month: int) -> int:
    return (date(1970 + month // 12, month % 12 + 1, 1) - EPOCH).days


def _date_axis(pg):
    """A date axis with one level of ticks, spaced by the width of their labels, so dates
    never run into one another (pyqtgraph's own mixes months and days, which overlap on a
    narrow window)."""
    from PySide6.QtGui import QFontMetrics

    class DateAxis(pg.DateAxisItem):
        def tickValues(self, minVal, maxVal, size):  # noqa: N802,N803 (pyqtgraph's names)
            font = self.style.get("tickFont") or self.font()
            metrics = QFontMetrics(font)
            # The widest label of the finest level that could be chosen, and room around it.
            widest = max(metrics.horizontalAdvance(t) for t in ("30 Sep", "Sep 2026"))
            fits = max(1, int(size // (widest + 2 * metrics.averageCharWidth() + 12)))
            spacing, values = date_ticks(minVal, maxVal, fits)
            return [(spacing, values)]

        def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
            return date_labels(values, spacing)

    return DateAxis(orientation="bottom", utcOffset=0)


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
