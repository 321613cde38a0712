"""The defects of issue 16, each on a small community whose right answer the test works out on
its own (plain Python over the same posts), not by calling the code under test twice."""

from datetime import date, datetime, timedelta

import pytest

from steward.engagement.activity import forget_cached_activity
from steward.engagement.metrics import Period, engagement_report
from steward.engagement.report import report_as_json
from steward.safeguarding.spaces import set_space
from tests.engagement.activity import Activity


def _posts_by_day(posts):
    by_day: dict[date, set[int]] = {}
    for who, at in posts:
        by_day.setdefault(at.date(), set()).add(who)
    return by_day


def test_stickiness_for_a_week_uses_the_thirty_days_ending_on_its_last_day(workspace):
    a = Activity(workspace)
    space = a.space("chat")
    people = [a.person(n) for n in ("Ann", "Ben", "Cat", "Dev")]
    until = date(2026, 3, 31)
    posts = []
    # Ann every day of the last week; Ben on three days earlier in March; Cat once in the
    # week; Dev once, 40 days back (outside the 30 days).
    for d in range(7):
        posts.append((people[0], datetime(2026, 3, 25 + d, 10)))
    for d in (3, 9, 15):
        posts.append((people[1], datetime(2026, 3, d, 12)))
    posts.append((people[2], datetime(2026, 3, 28, 9)))
    posts.append((people[3], datetime(2026, 2, 19, 9)))
    for who, at in posts:
        a.post(space, who, at)
    # Independently: the mean of daily active over 30 days ÷ distinct people in those days.
    days = [until - timedelta(days=i) for i in range(30)]
    by_day = _posts_by_day(posts)
    dau = [len(by_day.get(d, ())) for d in days]
    mau = len(set().union(*(by_day.get(d, set()) for d in days)))
    expected = round(sum(dau) / 30 / mau, 3)
    assert expected == pytest.approx(0.122, abs=0.001)  # 11 person-days / 30 / 3 people
    for period in (Period(date(2026, 3, 25), until), Period(until, until),
                   Period(date(2026, 1, 1), until)):
        r = engagement_report(workspace, period, now=datetime(2026, 4, 1, 12))
        assert r.stickiness == expected, period


def test_the_month_not_yet_over_has_no_retention_figure(workspace):
    a = Activity(workspace)
    space = a.space("chat")
    ann, ben, cat = (a.person(n) for n in ("Ann", "Ben", "Cat"))
    for who in (ann, ben, cat):
        a.post(space, who, datetime(2026, 1, 10, 9))  # the January cohort: three people
    a.post(space, ann, datetime(2026, 2, 10, 9))  # 1 of 3 in February
    a.post(space, ben, datetime(2026, 3, 2, 9))  # March is two days old: 1 so far
    now = datetime(2026, 3, 3, 12)
    r = engagement_report(workspace, Period(date(2026, 1, 1), date(2026, 3, 3)), now=now)
    january = next(c for c in r.cohorts if c.cohort == "2026-01")
    assert january.size == 3
    assert january.retention == [1.0, round(1 / 3, 3), None]
    row = report_as_json(r)["cohort_retention"][0]
    assert row["retention"][-1] is None
    # Once March is over it counts: 1 of 3.
    r = engagement_report(workspace, Period(date(2026, 1, 1), date(2026, 3, 31)),
                          now=datetime(2026, 4, 2))
    january = next(c for c in r.cohorts if c.cohort == "2026-01")
    assert january.retention == [1.0, round(1 / 3, 3), round(1 / 3, 3)]


def test_in_a_group_of_ten_one_leader_stands_out_and_weeks_add_up(workspace):
    a = Activity(workspace)
    space = a.space("group")
    people = [a.person(f"Member {i}") for i in range(10)]
    start = datetime(2026, 3, 1, 10)  # a 15-day period: 1 to 15 March
    for i, who in enumerate(people):
        for k in range(6):  # everyone eligible: 6 posts over two or more weeks
            a.post(space, who, start + timedelta(days=1 + 2 * k, hours=i))
    helper = people[3]
    for k in range(5):  # one member answers others and is valued for it
        q = a.post(space, people[(k + 4) % 10], start + timedelta(days=k, hours=20))
        a.post(space, helper, start + timedelta(days=k, hours=21), reply_to=q, reactions=5)
    late = a.person("Late starter")
    for d in (1, 7, 13, 14):
        a.post(space, late, start + timedelta(days=d, hours=2))
        a.post(space, late, start + timedelta(days=d, hours=3))
    r = engagement_report(workspace, Period(date(2026, 3, 1), date(2026, 3, 15)),
                          now=datetime(2026, 3, 20))
    # 11 active members: room for ceil(11 / 10) = 2, and only those scoring 60 or more.
    assert 1 <= len(r.leader_candidates) <= 2
    assert r.leader_candidates[0].name == "Member 3"
    for c in r.leader_candidates:
        assert c.weeks_active <= c.weeks
        assert not any(" of " in reason and int(reason.split()[2]) > int(reason.split()[4])
                       for reason in c.reasons if reason.startswith("active in"))


def test_leader_weeks_never_exceed_the_weeks_counted(workspace):
    a = Activity(workspace)
    space = a.space("group")
    asker, late = a.person("Asker"), a.person("Late")
    start = datetime(2026, 3, 1, 10)
    # Late first posts on 2 March; period 1-15 March. Days 2..15 = 14 days = 2 weeks of their
    # own; the old count used weeks from 1 March and saw three (2-7, 8-14, 15).
    for d in (1, 7, 14):
        q = a.post(space, asker, start + timedelta(days=d))
        a.post(space, late, start + timedelta(days=d, hours=1), reply_to=q, reactions=2)
        a.post(space, late, start + timedelta(days=d, hours=2), reactions=2)
    r = engagement_report(workspace, Period(date(2026, 3, 1), date(2026, 3, 15)),
                          now=datetime(2026, 3, 20))
    (row,) = r.leader_candidates
    assert (row.name, row.weeks, row.weeks_active) == ("Late", 2, 2)


def test_archived_and_dormant_spaces_never_need_attention(workspace):
    a = Activity(workspace, platform="slack")
    live, old, resting = a.space("general"), a.space("old-project", archived=True), \
        a.space("summer-camp")
    never = a.space("never-used")
    ann = a.person("Ann")
    for sp in (live, old, resting):
        a.post(sp, ann, datetime(2026, 3, 1, 9))
    set_space(workspace, resting, dormant=True)  # steward space set --dormant
    r = engagement_report(workspace, Period(date(2026, 3, 1), date(2026, 3, 31)),
                          now=datetime(2026, 4, 1))
    by_name = {s.name: s for s in r.silence}
    assert {n: s.silence for n, s in by_name.items()} == {
        "general": "red", "old-project": "red", "summer-camp": "red", "never-used": "red"}
    assert {n for n, s in by_name.items() if s.needs_attention} == {"general", "never-used"}
    assert (by_name["old-project"].state, by_name["summer-camp"].state) == ("archived",
                                                                            "dormant")
    spaces = {s["name"]: s for s in report_as_json(r)["spaces"]}
    assert spaces["old-project"]["needs_attention"] is False
    assert spaces["never-used"]["silent_days"] is None
    assert spaces["general"]["conversation_model"] == "conversations"
    assert never


def test_a_never_used_channel_says_so(workspace, monkeypatch, capsys, tmp_path):
    from steward.cli import main
    from tests.conftest import PASSPHRASE

    a = Activity(workspace, platform="slack")
    a.space("never-used")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    workspace_path = workspace.path
    workspace.lock()
    assert main(["engagement", "--workspace", str(workspace_path)]) == 0
    out = capsys.readouterr().out
    assert "never-used" in out and "no messages yet" in out and "ever days" not in out


def test_slack_archived_channels_are_stored_archived_at_import(workspace, tmp_path):
    import json
    import zipfile

    from tests.connectors.helpers import run_import

    path = tmp_path / "Tiny Slack export Jan 1 2026 - Jan 2 2026.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("users.json", json.dumps([{"id": "U1", "name": "sam",
                                              "profile": {"real_name": "Sam"}}]))
        z.writestr("channels.json", json.dumps([
            {"id": "C1", "name": "general", "created": 1, "members": ["U1"]},
            {"id": "C2", "name": "old-project", "created": 1, "members": ["U1"],
             "is_archived": True}]))
        for channel in ("general", "old-project"):
            z.writestr(f"{channel}/2026-01-01.json", json.dumps([
                {"type": "message", "user": "U1", "ts": "1767225700.000200", "text": "hi"}]))
    run_import(workspace, "slack-export", [path])
    forget_cached_activity()
    r = engagement_report(workspace, Period(date(2026, 1, 1), date(2026, 3, 1)),
                          now=datetime(2026, 3, 2))
    states = {a.name: (a.state, a.silence, a.needs_attention) for a in r.silence}
    assert states == {"general": ("active", "red", True),
                      "old-project": ("archived", "red", False)}
