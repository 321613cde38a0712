"""Engagement metrics on small hand-built activity tables with known answers."""

from datetime import date, datetime, timedelta

import pytest

from steward.engagement.activity import forget_cached_activity
from steward.engagement.metrics import (
    Period,
    Scope,
    engagement_report,
    local_day_bounds_utc,
    set_workspace_timezone,
    silence_level,
)
from steward.errors import BadInput
from tests.engagement.activity import Activity

MARCH = datetime(2026, 3, 2, 9, 0)  # a Monday
PERIOD = Period(date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 4, 1, 12, 0)


@pytest.fixture
def community(workspace):
    """Two spaces (one never used), three members, a bot and a staff member."""
    a = Activity(workspace)
    forum = a.space("forum")
    empty = a.space("empty", created_at=datetime(2026, 3, 20))
    alice, bob, carol = a.person("Alice"), a.person("Bob"), a.person("Carol")
    bot, staff = a.person("Rota Bot", identity_bot=True), a.person("Sam Staff", staff=True)
    a.post(forum, alice, datetime(2026, 1, 15, 10))  # before the period: Alice returns
    t1 = a.post(forum, alice, MARCH)
    a.post(forum, bob, MARCH + timedelta(hours=2), reply_to=t1)  # 2 h
    a.post(forum, carol, MARCH + timedelta(hours=3), reply_to=t1)
    t2 = a.post(forum, bob, MARCH + timedelta(days=1))
    a.post(forum, bob, MARCH + timedelta(days=1, hours=1), reply_to=t2)  # own reply: no
    a.post(forum, staff, MARCH + timedelta(days=1, hours=10), reply_to=t2)  # staff: 10 h
    t3 = a.post(forum, carol, MARCH + timedelta(days=2))  # answered only by its author
    a.post(forum, carol, MARCH + timedelta(days=2, hours=1), reply_to=t3)
    t4 = a.post(forum, alice, MARCH + timedelta(days=3))  # answered only by a bot
    a.post(forum, bot, MARCH + timedelta(days=3, minutes=5), reply_to=t4)
    a.post(forum, staff, MARCH + timedelta(days=4))  # staff's own thread: not counted
    a.post(forum, bot, datetime(2026, 3, 30, 8))  # a bot does not break a silence
    return workspace, {"forum": forum, "empty": empty, "alice": alice, "bob": bob,
                       "carol": carol, "staff": staff}


def test_first_response_median_and_p90_not_mean(community):
    ws, _ = community
    r = engagement_report(ws, PERIOD, now=NOW)
    assert r.conversations_started == 4
    assert r.conversations_without_response == 2
    assert r.first_response_median_hours == 6.0
    assert r.first_response_p90_hours == pytest.approx(9.2)


def test_members_new_returning_bots_and_staff(community):
    ws, ids = community
    r = engagement_report(ws, PERIOD, now=NOW)
    assert r.messages == 8  # bot and staff messages are not members' messages
    assert r.new_contributors == 2  # Bob and Carol; Alice posted in January
    assert r.returning_members == 1
    assert r.active_per_day[1:5] == [3, 1, 1, 1]  # 2, 3, 4 and 5 March
    assert r.active_per_week[7] == 3  # 8 March: all three within the last 7 days
    assert r.active_per_week[8:12] == [3, 2, 1, 0]  # 9 March on: the days leave the window
    assert r.active_per_month[-1] == 3
    assert r.active_members == {"day": 0, "week": 0, "month": 3}  # as of 1 April 00:00
    assert r.contributor_absence_factor == 2  # Alice 3, Bob 2, Carol 3 of 8
    with_staff = engagement_report(ws, PERIOD, Scope(include_staff=True), now=NOW)
    assert with_staff.messages == 10
    assert with_staff.conversations_started == 5


def test_silence_per_space_including_an_empty_one(community):
    ws, ids = community
    r = engagement_report(ws, PERIOD, now=datetime(2026, 3, 12, 12))
    by_name = {a.name: a for a in r.silence}
    forum = by_name["forum"]
    assert forum.last_activity == MARCH + timedelta(days=4)  # staff counts, the bot does not
    assert forum.silent_days == 6 and forum.silence == "amber"
    assert by_name["empty"].last_activity is None
    late = engagement_report(ws, PERIOD, now=NOW)
    assert {a.name: a.silence for a in late.silence} == {"forum": "red", "empty": "red"}
    assert {a.name: a.silent_days for a in late.silence} == {"forum": 25, "empty": 12}
    assert [silence_level(d, 5, 7) for d in (0, 4, 5, 6, 7, None)] == [
        "ok", "ok", "amber", "amber", "red", "red"]


def test_thresholds_editable_per_space(community):
    from steward.engagement.silence import set_silence_thresholds

    ws, ids = community
    set_silence_thresholds(ws, ids["forum"], amber_days=10, red_days=20)
    r = engagement_report(ws, PERIOD, now=datetime(2026, 3, 18, 12))
    forum = next(a for a in r.silence if a.name == "forum")
    assert (forum.silent_days, forum.silence) == (12, "amber")
    with pytest.raises(BadInput):
        set_silence_thresholds(ws, ids["forum"], amber_days=8, red_days=8)
    with pytest.raises(BadInput):
        set_silence_thresholds(ws, 999, amber_days=3, red_days=8)


def test_scope_by_space_and_an_empty_space(community):
    ws, ids = community
    r = engagement_report(ws, PERIOD, Scope(space_ids=frozenset({ids["empty"]})), now=NOW)
    assert r.messages == 0 and r.conversations_started == 0
    assert r.first_response_median_hours is None
    assert r.leader_candidates == [] and r.cohorts == []
    assert r.contributor_absence_factor == 0 and r.stickiness is None
    assert [a.name for a in r.silence] == ["empty"]


def test_cohort_retention(community):
    ws, _ = community
    r = engagement_report(ws, Period(date(2026, 1, 1), date(2026, 3, 31)), now=NOW)
    by = {c.cohort: c for c in r.cohorts}
    assert by["2026-01"].size == 1 and by["2026-01"].retention == [1.0, 0.0, 1.0]
    assert by["2026-03"].size == 2 and by["2026-03"].retention == [1.0]
    assert "2026-02" not in by


def test_days_follow_the_time_zone_across_clock_changes(workspace):
    a = Activity(workspace)
    space = a.space("chat")
    who = a.person("Night Owl")
    for at in (datetime(2026, 3, 28, 23, 30),  # 23:30 GMT on the 28th
               datetime(2026, 3, 29, 23, 30),  # 00:30 BST on the 30th
               datetime(2026, 10, 24, 23, 30),  # 00:30 BST on the 25th
               datetime(2026, 10, 25, 23, 30)):  # 23:30 GMT on the 25th
        a.post(space, who, at)
    spring = Period(date(2026, 3, 28), date(2026, 3, 30))
    autumn = Period(date(2026, 10, 24), date(2026, 10, 26))
    now = datetime(2026, 11, 1)
    assert engagement_report(workspace, spring, now=now).messages_per_day == [1, 1, 0]
    set_workspace_timezone(workspace, "Europe/London")
    assert engagement_report(workspace, spring, now=now).messages_per_day == [1, 0, 1]
    assert engagement_report(workspace, autumn, now=now).messages_per_day == [0, 2, 0]
    start, end = local_day_bounds_utc(date(2026, 3, 29), "Europe/London")
    assert end - start == timedelta(hours=23)
    start, end = local_day_bounds_utc(date(2026, 10, 25), "Europe/London")
    assert (start, end - start) == (datetime(2026, 10, 24, 23), timedelta(hours=25))
    with pytest.raises(BadInput):
        set_workspace_timezone(workspace, "Not/AZone")


def test_bad_period(workspace):
    with pytest.raises(BadInput):
        engagement_report(workspace, Period(date(2026, 3, 2), date(2026, 3, 1)))


def test_leaders_ranked_by_quality_not_volume(workspace):
    a = Activity(workspace)
    space = a.space("help")
    loud, helpful, asker, other = (a.person(n) for n in ("Loud", "Helpful", "Asker", "Other"))
    start = datetime(2026, 3, 2, 10)
    for i in range(30):  # thirty posts in two weeks, nobody answers, nobody reacts
        a.post(space, loud, start + timedelta(hours=i, days=7 * (i % 2)))
    for week in range(4):
        day = start + timedelta(weeks=week)
        question = a.post(space, asker, day)
        a.post(space, helpful, day + timedelta(hours=1), reply_to=question, reactions=4)
        tip = a.post(space, helpful, day + timedelta(hours=2), reactions=3)
        a.post(space, other, day + timedelta(hours=3), reply_to=tip)
        a.post(space, asker, day + timedelta(hours=4), reply_to=tip)
        a.post(space, other, day + timedelta(days=1))
        a.post(space, other, day + timedelta(days=2))
    r = engagement_report(workspace, PERIOD, now=NOW)
    names = [c.name for c in r.leader_candidates]
    assert names == ["Helpful"]  # four active members: room for one, and Loud is not it
    helpful_row = r.leader_candidates[0]
    assert helpful_row.answers == 4 and helpful_row.replies_received == 8
    assert helpful_row.reactions == 28 and helpful_row.weeks_active == 4
    assert any("reactions per post" in reason for reason in helpful_row.reasons)


def test_demo_quiet_space_and_leaders(demo_ws):
    from tests.conftest import DEMO_NOW

    truth = demo_ws.get_setting("demo.truth")
    r = engagement_report(demo_ws, now=DEMO_NOW)
    alerts = {a.space_id: a for a in r.silence}
    quiet = alerts[truth["quiet_space"]]
    assert (quiet.silent_days, quiet.silence) == (6, "amber")
    assert r.silence[0].space_id == truth["quiet_space"]
    assert all(a.silence == "ok" for a in r.silence[1:])
    assert 1 <= len(r.leader_candidates) <= 10
    assert all(c.score >= 60 for c in r.leader_candidates)
    assert {c.person_id for c in r.leader_candidates} & set(truth["top_contributors"])
    assert not {c.person_id for c in r.leader_candidates} & {1, 2, 3}  # staff
    assert all(c.reasons for c in r.leader_candidates)


def test_scope_by_cohort_and_platform(community):
    from steward.engagement.scope import resolve_scope
    from steward.store.models import Cohort, CohortMember

    ws, ids = community
    with ws.transaction() as s:
        cohort = Cohort(name="Spring intake", kind="manual")
        s.add(cohort)
        s.flush()
        s.add(CohortMember(cohort_id=cohort.id, person_id=ids["alice"]))
    scope = resolve_scope(ws, cohort="Spring intake")
    r = engagement_report(ws, PERIOD, scope, now=NOW)
    assert r.messages == 2 and r.new_contributors == 0 and r.returning_members == 1
    assert (r.conversations_started, r.first_response_median_hours) == (2, 2.0)  # Bob still answers
    assert engagement_report(ws, PERIOD, resolve_scope(ws, platforms=["discourse"]),
                             now=NOW).messages == 8


def test_the_stored_activity_snapshot_follows_every_change(workspace, monkeypatch):
    """The columns kept in the store (the narrow activity table and the snapshot blob) equal the
    same columns worked out from `messages` after adds, edits and deletions."""
    from steward.engagement import activity

    monkeypatch.setattr(activity, "SNAPSHOT_MIN_ROWS", 1)
    monkeypatch.setattr(activity, "SNAPSHOT_REWRITE_ROWS", 1)
    a = Activity(workspace, platform="whatsapp")
    group = a.space("group")
    ann, ben = a.person("Ann"), a.person("Ben")
    first = [a.post(group, ann, MARCH + timedelta(minutes=i)) for i in range(5)]

    def fresh():
        activity.catch_up(workspace)
        with workspace.session() as s:
            conn = s.connection().connection.driver_connection
            truth = activity.read_columns_from_messages(conn)
            table = activity.read_message_columns(conn)  # the activity table kept by triggers
            assert {k: v.tolist() for k, v in table.items()} == {
                k: v.tolist() for k, v in truth.items()}
            return truth

    def same(table, scan):
        return all(list(table.columns[k]) == list(scan[k]) for k in scan if k != "identity")

    def snapshot_rows():
        with workspace.session() as s:
            return s.connection().exec_driver_sql(
                "SELECT max_message_id, message_rows FROM activity_snapshot WHERE id = 1").all()

    assert same(activity.load_activity(workspace), fresh())
    assert snapshot_rows() == [(first[-1], 5)]
    added = a.post(group, ben, MARCH + timedelta(hours=1), reply_to=first[0])
    activity.forget_cached_activity()
    used = []
    real = activity._from_snapshot
    monkeypatch.setattr(activity, "_from_snapshot",
                        lambda conn, key: used.append(real(conn, key)[0] is not None) or
                        real(conn, key))
    assert same(activity.load_activity(workspace), fresh())
    assert used == [True]  # the stored columns, plus the one message added since
    assert snapshot_rows() == [(added, 6)]
    with workspace.transaction() as s:  # deleted on the platform; a reaction counted
        s.connection().exec_driver_sql(f"UPDATE messages SET deleted = 1 WHERE id = {first[1]}")
        s.connection().exec_driver_sql(
            f"UPDATE messages SET reaction_count = 3 WHERE id = {first[2]}")
    activity.forget_cached_activity()
    table = activity.load_activity(workspace)
    assert same(table, fresh()) and first[1] not in table.msg.tolist()
    assert table.reactions[table.msg.tolist().index(first[2])] == 3
    with workspace.transaction() as s:  # a message erased
        s.connection().exec_driver_sql(f"DELETE FROM messages WHERE id = {first[3]}")
    activity.forget_cached_activity()
    assert same(activity.load_activity(workspace), fresh())
    with workspace.transaction() as s:  # moved, re-threaded, turned into a system line, undeleted
        c = s.connection()
        c.exec_driver_sql(f"UPDATE messages SET space_id = space_id, identity_id = {ben}, "
                          f"parent_id = {first[0]}, thread_id = {first[0]} WHERE id = {first[4]}")
        c.exec_driver_sql(f"UPDATE messages SET kind = 'system' WHERE id = {first[0]}")
        c.exec_driver_sql(f"UPDATE messages SET deleted = 0 WHERE id = {first[1]}")
    activity.forget_cached_activity()
    table = activity.load_activity(workspace)
    assert same(table, fresh()) and first[1] in table.msg.tolist()
    assert first[0] not in table.msg.tolist()


def test_the_cached_table_follows_people_changes(workspace):
    """Kept in memory between calls, the table still shows a merge, a bot or a staff member at
    once (triggers bump a generation the cache is keyed on), and a new message."""
    from steward.engagement import activity

    a = Activity(workspace, platform="slack")
    group = a.space("general")
    ann, ben = a.person("Ann"), a.person("Ben")
    a.post(group, ann, MARCH)
    a.post(group, ben, MARCH + timedelta(minutes=5))
    first = activity.load_activity(workspace)
    assert activity.load_activity(workspace) is first  # nothing changed: the same table
    with workspace.transaction() as s:
        s.connection().exec_driver_sql(f"UPDATE identities SET person_id = {ann} "
                                       f"WHERE id = {ben}")  # Ben's account is Ann's
    merged = activity.load_activity(workspace)
    assert merged is not first and merged.person.tolist() == [ann, ann]
    with workspace.transaction() as s:
        s.connection().exec_driver_sql(f"UPDATE persons SET is_staff = 1 WHERE id = {ann}")
    assert activity.load_activity(workspace).is_staff.tolist() == [True, True]
    with workspace.transaction() as s:
        s.connection().exec_driver_sql(f"UPDATE identities SET is_bot = 1 WHERE id = {ben}")
    assert activity.load_activity(workspace).is_bot.tolist() == [False, True]
    a.post(group, ann, MARCH + timedelta(minutes=9))
    assert len(activity.load_activity(workspace)) == 3


def test_the_stored_copy_of_who_is_whom_follows_marks_and_merges(workspace, monkeypatch):
    """Who is a bot or staff and whose identity is whose, kept in the store between restarts,
    is read again as soon as a mark, a merge or a new person makes it stale."""
    from steward.engagement import activity

    monkeypatch.setattr(activity, "PEOPLE_SNAPSHOT_MIN", 1)
    a = Activity(workspace, platform="discourse")
    forum = a.space("forum")
    ann, ben = a.person("Ann"), a.person("Ben")
    for i in range(3):
        a.post(forum, ann, MARCH + timedelta(minutes=i))
    a.post(forum, ben, MARCH + timedelta(hours=1))
    read = []
    real = activity.read_int_columns
    monkeypatch.setattr(activity, "read_int_columns",
                        lambda conn, cols, source: read.append(source) or real(conn, cols,
                                                                             source))

    def load():
        forget_cached_activity()
        read.clear()
        return activity.load_activity(workspace)

    def people_read():
        return {"identities", "persons"} <= set(read)

    t = load()
    assert people_read() and not t.is_bot.any()
    t = load()
    assert not people_read()  # the stored copy
    assert (t.person == [ann, ann, ann, ben]).all()
    with workspace.transaction() as s:
        s.connection().exec_driver_sql(f"UPDATE persons SET is_bot = 1 WHERE id = {ben}")
    t = load()
    assert people_read() and t.is_bot.tolist() == [False, False, False, True]
    with workspace.transaction() as s:  # Ben's identity merged into Ann
        s.connection().exec_driver_sql(f"UPDATE identities SET person_id = {ann} "
                                       f"WHERE id = {ben}")
    t = load()
    assert people_read() and (t.person == [ann] * 4).all()
    assert not load().is_bot.any() and not people_read()
    a.person("Cat", staff=True)  # a new person: the highest id moves
    load()
    assert people_read()


@pytest.mark.parametrize("ufunc", ["minimum", "maximum"])
def test_reduce_at_in_slices_matches_one_call(ufunc):
    """The least (or greatest) value per index is the same whether the messages are taken in one
    call or in slices, with an index repeated across slice boundaries."""
    import numpy as np

    from steward.engagement.activity import AT_CHUNK, reduce_at

    rng = np.random.default_rng(7)
    size = 2 * AT_CHUNK + 123
    index = rng.integers(0, 50, size)
    values = rng.integers(-10**9, 10**9, size)
    start = np.iinfo(np.int64).max if ufunc == "minimum" else np.iinfo(np.int64).min
    once, sliced = np.full(50, start), np.full(50, start)
    getattr(np, ufunc).at(once, index, values)
    reduce_at(getattr(np, ufunc), sliced, index, values)
    assert (once == sliced).all()


def _random_table(rng, n: int):
    """An activity table of `n` messages with gaps in the ids, replies to parents and to
    threads, and targets the table does not hold (deleted or never imported)."""
    import numpy as np

    from steward.engagement.activity import ActivityTable

    msg = np.sort(rng.choice(np.arange(1, 4 * n), n, replace=False)).astype(np.int64)
    roots = rng.random(n) < 0.3
    thread = np.where(roots, msg, rng.choice(np.concatenate([msg, [4 * n + 5]]), n))
    parent = np.where(rng.random(n) < 0.4, rng.choice(msg, n), 0)
    columns = {"msg": msg, "thread": thread, "parent": parent,
               "person": rng.integers(1, 40, n), "space": rng.integers(1, 6, n)}
    return ActivityTable(columns, [], np.zeros(50, dtype=bool), np.zeros(50, dtype=bool))


def test_message_positions_and_reply_targets_match_a_plain_lookup():
    """The dense lookups the leaders use find the same rows as a dictionary would, for a few
    rows of the table and for most of it (where every row's target is kept with the table)."""
    import numpy as np

    rng = np.random.default_rng(11)
    table = _random_table(rng, 3_000)
    row_of = {int(m): i for i, m in enumerate(table.msg)}
    asked = np.concatenate([table.msg[::7], [0, -3, 5, 10**7], rng.integers(0, 12_000, 200)])
    assert table.positions(asked).tolist() == [row_of.get(int(i), -1) for i in asked]
    for rows in (np.arange(0, 3_000, 9), np.arange(100, 3_000)):  # a few rows, then most
        expected = []
        for r in rows:
            target = table.parent[r] or table.thread[r]
            expected.append(-1 if target == table.msg[r] else row_of.get(int(target), -1))
        assert table.reply_targets(rows).tolist() == expected


def test_distinct_counts_the_same_on_sorted_and_unsorted_input():
    import numpy as np

    from steward.engagement.activity import distinct
    from steward.engagement.metrics import _distinct_people_per_space, _rolling_distinct

    rng = np.random.default_rng(3)
    values = rng.integers(0, 500, 5_000)
    assert distinct(values).tolist() == sorted(set(values.tolist()))
    assert distinct(np.sort(values)).tolist() == sorted(set(values.tolist()))
    space, person = rng.integers(0, 8, 5_000), rng.integers(0, 300, 5_000)
    pairs = set(zip(space.tolist(), person.tolist(), strict=True))
    expected = [sum(1 for s, _ in pairs if s == k) for k in range(8)]
    assert _distinct_people_per_space(space, person, 8).tolist() == expected  # dense grid
    wide = person * 10_000  # too many people for the grid: pairs are sorted instead
    assert _distinct_people_per_space(space, wide, 8).tolist() == expected
    # Rolling windows of several widths in one pass, against each person's days one by one.
    pair = distinct(person.astype(np.int64) * 1_000_000 + rng.integers(100, 200, 5_000))
    p_person, p_day = pair // 1_000_000, pair % 1_000_000
    week, month = _rolling_distinct(p_person, p_day, (7, 30), 150, 40)
    for width, got in ((7, week), (30, month)):
        for k, day in enumerate(range(150, 190)):
            window = (p_day > day - width) & (p_day <= day)
            assert got[k] == len(set(p_person[window].tolist()))
