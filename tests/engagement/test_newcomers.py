"""Newcomers waiting for a welcome."""

from datetime import datetime, timedelta

import pytest

from steward.engagement.newcomers import unwelcomed_newcomers
from tests.conftest import DEMO_NOW
from tests.engagement.activity import Activity

NOW = datetime(2026, 3, 10, 12, 0)


def test_demo_unanswered_newcomers_are_found(demo_ws):
    truth = demo_ws.get_setting("demo.truth")
    found = unwelcomed_newcomers(demo_ws, within_days=7, now=DEMO_NOW)
    ids = [n.person_id for n in found]
    assert set(truth["unanswered_newcomers"]) <= set(ids)
    first = next(n for n in found if n.person_id == truth["unanswered_newcomers"][0])
    assert first.space_name == "Welcome & introductions"
    assert first.days_waiting == 2  # posted 3 days minus one hour ago
    assert [n.first_message_at for n in found] == sorted(n.first_message_at for n in found)


def test_only_first_ever_unanswered_messages_by_real_people(workspace):
    a = Activity(workspace)
    welcome = a.space("welcome")
    old_hand = a.person("Old Hand")
    waiting = a.person("Waiting")
    self_answered = a.person("Talks To Self")
    welcomed = a.person("Welcomed")
    bot = a.person("Bot", bot=True)
    staff = a.person("Staff", staff=True)
    too_old = a.person("Too Old")
    a.post(welcome, old_hand, NOW - timedelta(days=40))
    a.post(welcome, old_hand, NOW - timedelta(days=1))  # not a newcomer: posted before
    a.post(welcome, waiting, NOW - timedelta(days=2))
    first = a.post(welcome, self_answered, NOW - timedelta(days=4))
    a.post(welcome, self_answered, NOW - timedelta(days=3), reply_to=first)
    a.post(welcome, bot, NOW - timedelta(days=3), reply_to=first)  # a bot is not a welcome
    hello = a.post(welcome, welcomed, NOW - timedelta(days=5))
    a.post(welcome, old_hand, NOW - timedelta(days=4), reply_to=hello)
    a.post(welcome, bot, NOW - timedelta(days=1))
    a.post(welcome, staff, NOW - timedelta(days=1))
    a.post(welcome, too_old, NOW - timedelta(days=9))

    found = unwelcomed_newcomers(workspace, within_days=7, now=NOW)
    assert [(n.display_name, n.days_waiting) for n in found] == [
        ("Talks To Self", 4), ("Waiting", 2)]
    assert [n.person_id for n in unwelcomed_newcomers(workspace, 10, NOW)] == [
        too_old, self_answered, waiting]


def test_empty_workspace_and_bad_window(workspace):
    assert unwelcomed_newcomers(workspace, now=NOW) == []
    with pytest.raises(ValueError):
        unwelcomed_newcomers(workspace, within_days=0)


def test_newcomers_suspected_of_spam_are_left_out(workspace):
    """Spam waiting in the queue, or removed as spam, keeps its author off the welcome list,
    whether the item names its author (the scan's) or only its message ("everything from
    this author"); approved spam items do not."""
    from steward.moderation import triage
    from steward.store.models import QueueItem

    a = Activity(workspace)
    welcome = a.space("welcome")
    people = {name: a.person(name) for name in ("Queued", "By Message", "Removed",
                                                "Approved", "Plain")}
    posts = {name: a.post(welcome, who, NOW - timedelta(days=2)) for name, who in people.items()}
    items = {}
    with workspace.transaction() as s:
        for name in ("Queued", "By Message", "Removed", "Approved"):
            item = QueueItem(kind="spam", message_id=posts[name], space_id=welcome,
                             identity_id=None if name == "By Message" else people[name],
                             priority=0, score=0.9, label="spam", reasons=[], status="open",
                             created_at=NOW)
            s.add(item)
            s.flush()
            items[name] = item.id
    triage.decide(workspace, [items["Removed"]], "remove", "spam")
    triage.decide(workspace, [items["Approved"]], "approve", "fine")
    found = {n.display_name for n in unwelcomed_newcomers(workspace, within_days=7, now=NOW)}
    assert found == {"Approved", "Plain"}
