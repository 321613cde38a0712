"""1:1 connections: logging, follow-ups, cadences and who to contact next."""

from datetime import datetime, timedelta

import pytest

from steward.engagement.activity import forget_cached_activity
from steward.engagement.connections import (
    add_follow_up,
    complete_follow_up,
    due_by_cadence,
    find_people,
    follow_ups_due,
    log_one_to_one,
    never_had_one_to_one,
    newcomers_without_connection,
    one_to_ones,
    set_cadence,
)
from steward.errors import BadInput
from tests.engagement.activity import Activity

NOW = datetime(2026, 6, 1, 12)


@pytest.fixture
def people(workspace):
    forget_cached_activity()
    a = Activity(workspace)
    space = a.space("forum")
    leader, regular, newcomer = a.person("Lee Leader"), a.person("Rae Regular"), a.person("Nia New")
    staff, bot = a.person("Sam Staff", staff=True), a.person("Bot", bot=True)
    for days in (200, 40, 10, 5):
        a.post(space, leader, NOW - timedelta(days=days))
        a.post(space, regular, NOW - timedelta(days=days, hours=1))
    a.post(space, regular, NOW - timedelta(days=2))
    a.post(space, newcomer, NOW - timedelta(days=3))
    a.post(space, staff, NOW - timedelta(days=1))
    a.post(space, bot, NOW - timedelta(days=1))
    yield workspace, {"leader": leader, "regular": regular, "newcomer": newcomer}
    forget_cached_activity()


def test_log_a_one_to_one_with_follow_ups(people):
    ws, p = people
    mid = log_one_to_one(ws, p["leader"], NOW - timedelta(days=20), "video", "member",
                         "Wants to run the Thursday chat.",
                         [("Send the host guide", NOW - timedelta(days=1)),
                          ("Introduce to the events team", NOW + timedelta(days=3)),
                          ("Check in next term", NOW + timedelta(days=60))])
    [record] = one_to_ones(ws, p["leader"], now=NOW)
    assert record.id == mid and record.channel == "video" and record.recorded_by == "admin"
    assert [f.overdue for f in record.follow_ups] == [True, False, False]
    due = follow_ups_due(ws, within_days=7, now=NOW)
    assert [f.text for f in due] == ["Send the host guide", "Introduce to the events team"]
    complete_follow_up(ws, due[0].id)
    assert [f.text for f in follow_ups_due(ws, now=NOW)] == ["Introduce to the events team"]
    add_follow_up(ws, mid, "Ask about the summer rota", NOW + timedelta(days=1))
    assert [f.text for f in follow_ups_due(ws, now=NOW)][0] == "Ask about the summer rota"
    with pytest.raises(BadInput):
        add_follow_up(ws, 999, "x", None)


@pytest.mark.parametrize("kw,text", [
    ({"channel": " "}, "how the 1:1 happened"),
    ({"agenda_set_by": "nobody"}, "who set the agenda"),
    ({"follow_ups": [("  ", None)]}, "needs some text"),
    ({"person_id": 999}, "no person"),
])
def test_bad_one_to_one_changes_nothing(people, kw, text):
    ws, p = people
    args = {"person_id": p["leader"], "at": NOW, "channel": "call", "agenda_set_by": "staff",
            "notes": "", "follow_ups": []} | kw
    with pytest.raises(BadInput, match=text):
        log_one_to_one(ws, **args)
    assert one_to_ones(ws) == []


def test_cadence_and_who_to_contact(people):
    ws, p = people
    set_cadence(ws, p["leader"], 30)
    set_cadence(ws, p["regular"], 30)
    log_one_to_one(ws, p["regular"], NOW - timedelta(days=10), "coffee", "both")
    due = due_by_cadence(ws, now=NOW)
    assert [d.person_id for d in due] == [p["leader"]] and "no 1:1 yet" in due[0].reason
    log_one_to_one(ws, p["leader"], NOW - timedelta(days=31), "call", "staff")
    assert "31 days ago" in due_by_cadence(ws, now=NOW)[0].reason
    set_cadence(ws, p["leader"], None)
    assert due_by_cadence(ws, now=NOW) == []
    with pytest.raises(BadInput):
        set_cadence(ws, p["leader"], 0)

    never = never_had_one_to_one(ws, active_days=90, now=NOW)
    assert [n.person_id for n in never] == [p["newcomer"]]  # no staff, no bots
    assert [n.person_id for n in newcomers_without_connection(ws, 30, now=NOW)] == [
        p["newcomer"]]


def test_find_people(people):
    ws, p = people
    assert [c.id for c in find_people(ws, "lee")] == [p["leader"]]
    assert find_people(ws, "") == [] and find_people(ws, "%") == []
    assert find_people(ws, "bot") == []
