"""One clock: the demo and the views that read "now" agree on any day, including far ahead."""

from datetime import timedelta

import pytest

from steward import clock, demo
from steward.engagement.metrics import engagement_report
from steward.engagement.newcomers import unwelcomed_newcomers
from steward.jobs import run_to_end
from steward.moderation import queue, scan
from tests.conftest import PASSPHRASE


@pytest.fixture
def moved_clock():
    """The clock 400 days ahead of wherever the suite runs it; put back afterwards."""
    before = clock.offset()
    clock.set_offset(before + timedelta(days=400))
    yield clock.now()
    clock.set_offset(before)


@pytest.fixture(params=["400 days ahead", "2028-12-02"])
def demo_day(request, moved_clock):
    """400 days ahead, or a fixed day whose demo once put a spam post in the quiet space (so its
    silence read 2 days, not 6): the demo's planted facts must hold on any day."""
    if request.param == "2028-12-02":
        from datetime import UTC, datetime

        day = datetime(2028, 12, 2, 9, 30)
        clock.set_offset(day - datetime.now(UTC).replace(tzinfo=None))
    return clock.now()


def test_the_clock_moves_and_ticks(moved_clock):
    from datetime import UTC, datetime

    assert clock.now() >= moved_clock  # it keeps ticking
    real = datetime.now(UTC).replace(tzinfo=None)
    assert abs(clock.now() - real - clock.offset()) < timedelta(seconds=5)
    assert clock.offset() >= timedelta(days=400)
    assert clock.today() >= moved_clock.date() - timedelta(days=1)


def test_demo_queue_welcome_and_engagement_on_any_day(demo_day, tmp_path):
    from steward.workspace import Workspace

    ws, _ = Workspace.create(tmp_path / "ws", "Ahead", PASSPHRASE)
    run_to_end(demo.generate(ws, members=120, messages=2500, seed=5))  # "today", by the clock
    truth = ws.get_setting("demo.truth")
    run_to_end(scan.scan_job(ws))

    # The queue: planted spam held, newest-first view not empty, nothing snoozed into the past.
    spam_items = queue.list_items(ws, queue.QueueFilters(kind="spam"), limit=500)
    assert {r.message_id for r in spam_items} >= set(truth["spam_messages"])

    # The welcome list: the planted newcomers, waiting 2 to 7 days, by the moved clock.
    found = {n.person_id: n for n in unwelcomed_newcomers(ws, within_days=7)}
    assert set(truth["unanswered_newcomers"]) <= set(found)
    assert all(0 <= found[p].days_waiting <= 7 for p in truth["unanswered_newcomers"])

    # Engagement: the quiet space is the one planted six days before "now".
    report = engagement_report(ws)
    assert report.period.until >= demo_day.date() - timedelta(days=1)
    quiet = {a.space_id: a for a in report.silence}[truth["quiet_space"]]
    # Planted six days before the demo's midnight; later in the day it reads as seven.
    assert quiet.silent_days in (6, 7) and quiet.silence in ("amber", "red")
    assert report.silence[0].space_id == truth["quiet_space"]
    assert report.messages > 100
    ws.lock()
