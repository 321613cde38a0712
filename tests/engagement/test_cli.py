"""`steward engagement --json` in DESIGN.md's shape."""

import json
from datetime import timedelta

import pytest

from steward.cli import main
from tests.conftest import DEMO_NOW, PASSPHRASE

# The demo is built "today": dates are relative to its now.
DAY_BEFORE = (DEMO_NOW - timedelta(days=1)).date()
UNTIL = DAY_BEFORE.isoformat()
SINCE_20 = (DAY_BEFORE - timedelta(days=19)).isoformat()
SINCE_90 = (DAY_BEFORE - timedelta(days=89)).isoformat()


@pytest.fixture
def run(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)

    def run(*argv):
        code = main(["engagement", "--workspace", str(demo_path), *argv])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_engagement_json_shape(run, demo_ws):
    truth = demo_ws.get_setting("demo.truth")
    code, out, _ = run("--json", "--until", UNTIL)
    assert code == 0
    data = json.loads(out)
    assert set(data["spaces"][0]) >= {"name", "last_activity", "silent_days", "silence"}
    assert data["spaces"][0]["name"] == "events" and data["spaces"][0]["silence"] == "amber"
    assert set(data["active_members"]) == {"day", "week", "month"}
    assert all(isinstance(v, int) for v in data["active_members"].values())
    assert set(data["time_to_first_response_hours"]) == {"median", "p90"}
    leaders = data["leader_candidates"]
    assert leaders and set(leaders[0]) >= {"name", "score", "reasons"}
    newcomers = {n["person_id"] for n in data["newcomers_to_welcome"]}
    # The planted ones, plus any the random chat left alone (checked independently).
    assert newcomers >= set(truth["unanswered_newcomers"])  # as of the period's end
    for extra in newcomers - set(truth["unanswered_newcomers"]):
        assert _really_unanswered(demo_ws, extra, data["as_of"])
    assert data["period"] == {"since": SINCE_90, "until": UNTIL, "timezone": "UTC"}


def test_engagement_one_space_and_period(run):
    code, out, _ = run("--json", "--space", "events", "--since", SINCE_20,
                       "--until", UNTIL)
    data = json.loads(out)
    assert [s["name"] for s in data["spaces"]] == ["events"]
    assert len(data["daily"]) == 20
    code, out, _ = run("--space", "events", "--until", UNTIL)
    assert code == 0 and "AMBER events" in out


@pytest.mark.parametrize("argv,text", [
    (["--since", "yesterday"], "is not a date"),
    (["--since", "2026-11-20", "--until", "2026-11-01"], "starts"),
    (["--space", "no such space"], "no space named"),
    (["--platform", "myspace"], "no spaces on platform"),
    (["--cohort", "nobody"], "no cohort named"),
    (["--timezone", "Mars/Olympus"], "unknown time zone"),
])
def test_engagement_bad_input(run, argv, text):
    code, out, err = run(*argv)
    assert code == 2 and text in err and len(err.strip().splitlines()) == 1


def test_volunteers_are_refused(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    code = main(["engagement", "--workspace", str(demo_path), "--profile", "volunteer"])
    err = capsys.readouterr().err
    assert code != 0 and "ask a steward" in err


def _really_unanswered(ws, person_id, as_of):
    """From the rows: nobody else wrote in the thread, or (chat) within the hour after, or in
    reply, before `as_of`."""
    from datetime import datetime

    with ws.session() as s:
        c = s.connection().connection.driver_connection
        mid, space, at, thread, platform = c.execute(
            "SELECT m.id, m.space_id, m.created_at, coalesce(m.thread_id, m.id), so.platform "
            "FROM messages m JOIN identities i ON i.id = m.identity_id "
            "JOIN sources so ON so.id = m.source_id WHERE i.person_id = ? AND m.kind = "
            "'message' ORDER BY m.created_at LIMIT 1", (person_id,)).fetchone()
        later = c.execute(
            "SELECT m.created_at, coalesce(m.thread_id, m.id), m.parent_id FROM messages m "
            "JOIN identities i ON i.id = m.identity_id JOIN persons p ON p.id = i.person_id "
            "WHERE m.space_id = ? AND m.created_at >= ? AND m.created_at <= ? AND m.id != ? "
            "AND i.is_bot = 0 AND p.is_bot = 0 AND p.id != ? AND m.kind = 'message' "
            "AND m.deleted = 0 ORDER BY m.created_at",
            (space, at, as_of.replace("T", " "), mid, person_id)).fetchall()
    start = datetime.fromisoformat(at)
    for when, their_thread, parent in later:
        if their_thread == thread or parent == mid:
            return False
        chat = platform in ("whatsapp", "telegram", "slack", "discord")
        if chat and (datetime.fromisoformat(when) - start).total_seconds() <= 3600:
            return False
    return True
