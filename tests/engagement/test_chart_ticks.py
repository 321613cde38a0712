"""Dates on the engagement charts never run into one another, at any width and span."""

from datetime import date, timedelta

import pytest

from steward.ui.pages.engagement_charts import TimeChart, date_labels, date_ticks

DAY = 86400


def _s(d: date) -> float:
    return float((d - date(1970, 1, 1)).days * DAY)


def test_ticks_are_one_level_and_fit():
    lo, hi = _s(date(2026, 9, 4)), _s(date(2026, 12, 3))
    spacing, values = date_ticks(lo, hi, 12)
    assert spacing == 14 * DAY and len(values) <= 12
    labels = date_labels(values, spacing)
    assert labels[0] == "14 Sep" and all(len(t.split()) == 2 for t in labels)
    # Weekly ticks fall on Mondays.
    _, weekly = date_ticks(lo, hi, 40)
    assert {date(1970, 1, 1) + timedelta(days=v // DAY) for v in weekly} and all(
        (date(1970, 1, 1) + timedelta(days=v // DAY)).weekday() == 0 for v in weekly)
    spacing, values = date_ticks(_s(date(2021, 1, 1)), _s(date(2026, 1, 1)), 12)
    assert date_labels(values, spacing)[:2] == ["Jan 2021", "Jul 2021"]
    spacing, values = date_ticks(_s(date(2021, 1, 1)), _s(date(2026, 1, 1)), 4)
    assert date_labels(values, spacing) == ["2022", "2024", "2026"]
    assert date_ticks(hi, lo, 10)[1] == []


@pytest.mark.parametrize("days", [7, 30, 90, 365, 5 * 365])
@pytest.mark.parametrize("width", [700, 1000, 1600])
def test_labels_on_the_axis_leave_room_between_them(qtbot, width, days):
    from PySide6.QtGui import QFontMetrics

    chart = TimeChart("Messages and active members per day")
    qtbot.addWidget(chart)
    chart.resize(width, 260)
    chart.show()
    span = [date(2024, 1, 1) + timedelta(days=i) for i in range(days)]
    chart.set_series(span, {"Messages": [i % 7 for i in range(days)]})
    qtbot.wait(10)
    axis = chart.plot.getPlotItem().getAxis("bottom")
    lo, hi = axis.range
    size = axis.geometry().width()
    ((spacing, values),) = axis.tickValues(lo, hi, size)
    labels = axis.tickStrings(values, 1, spacing)
    assert len(values) >= 2 or days < 3
    metrics = QFontMetrics(axis.style.get("tickFont") or axis.font())
    px_per_second = size / (hi - lo)
    gaps = [(b - a) * px_per_second for a, b in zip(values, values[1:], strict=False)]
    widest = max(metrics.horizontalAdvance(t) for t in labels)
    assert min(gaps, default=widest + 10) >= widest + 8
