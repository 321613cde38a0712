"""The same figure reads the same on Overview and on Engagement: quiet days and newcomers to
welcome each come from one place."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest

from steward import clock
from steward.engagement import metrics, newcomers
from steward.jobs import run_to_end
from steward.moderation import queue, scan
from steward.ui import workers
from steward.ui.main_window import MainWindow
from steward.ui.pages.overview import SPACE_COLUMNS
from steward.ui.table_model import format_ago
from tests.ui.conftest import wait_for_workers


@pytest.fixture
def clock_at():
    """Move Steward's clock to a chosen time for one test, then put it back."""
    before = clock.offset()
    yield clock.move_to
    clock.set_offset(before)


def _quietest_with_a_late_message(ws):
    """A space that needs attention whose last message came after 00:30 on its day."""
    for alert in metrics.silence_alerts(ws):
        if alert.last_activity is not None and alert.last_activity.time() > time(0, 30):
            return alert
    pytest.skip("no space with a message after 00:30")


def _window(ws, qtbot):
    window = MainWindow(ws)
    qtbot.addWidget(window)
    window.show()
    wait_for_workers(qtbot)
    return window


def test_quiet_days_on_the_tile_and_in_the_overview_table_agree(demo_ws, qtbot, clock_at):
    alert = _quietest_with_a_late_message(demo_ws)
    # 00:30 a week of calendar days later: six whole days have passed, seven dates have.
    last = alert.last_activity
    clock_at(datetime.combine(last.date() + timedelta(days=7), time(0, 30)))
    alerts = {a.space_id: a for a in metrics.silence_alerts(demo_ws)}
    assert alerts[alert.space_id].silent_days == 6
    assert format_ago(last) == "6 days ago" == f"{alerts[alert.space_id].silent_days} days ago"

    window = _window(demo_ws, qtbot)
    try:
        page = window.page("overview")
        table = page.spaces
        at = [c.key for c in SPACE_COLUMNS].index("last_activity")
        shown = {}
        for row in range(table.rowCount()):
            values = table.row_values(row)
            shown[values[0]] = table.data(table.index(row, at))
        for a in alerts.values():
            if a.last_activity is not None and a.silent_days >= 2 and a.silent_days < 28:
                assert shown[a.name] == f"{a.silent_days} days ago", a.name
        tile = next(t for t in page.tiles if t.spec.key == "engagement.quiet")
        for name, days in re.findall(r"([^:,]+?) \((\d+) days\)", tile.detail.text()):
            assert shown[name.strip()] == f"{days} days ago"
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)


def test_every_day_count_follows_one_rule(demo_ws):
    from steward.ui.table_model import days_since

    now = clock.now()
    for a in metrics.silence_alerts(demo_ws, now=now):
        if a.last_activity is not None:
            assert days_since(a.last_activity, now) == a.silent_days


def test_newcomers_to_welcome_read_the_same_on_overview_and_engagement(demo_ws, qtbot):
    run_to_end(scan.scan_job(demo_ws))  # the moderation welcome list is filled too
    waiting = len(newcomers.unwelcomed_newcomers(demo_ws))
    window = _window(demo_ws, qtbot)
    try:
        page = window.page("overview")
        texts = {t.spec.key: (t.value.text(), t.detail.text()) for t in page.tiles}
        assert texts["engagement.newcomers"][0] == str(waiting)
        # no other tile gives its own count of newcomers to welcome
        others = [k for k, (_v, detail) in texts.items()
                  if k != "engagement.newcomers" and "welcome" in detail]
        assert others == []
        window.open_page("engagement")
        wait_for_workers(qtbot, 60_000)
        engagement = window.page("engagement")
        assert engagement.tabs.tabText(2) == f"Newcomers to welcome ({waiting})"
        # and the Moderation welcome list holds the same newcomers
        assert queue.count_items(demo_ws, queue.QueueFilters(kind="welcome")) == waiting
    finally:
        window.shutdown()
        workers.wait_for_all(20_000)
