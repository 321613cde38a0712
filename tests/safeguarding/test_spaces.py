"""Space risk settings: `steward space list|set|rescan`, who may change them, the audit trail,
and the same message raising a higher flag in a young people's space."""

from __future__ import annotations

import json

import pytest

from steward import clock
from steward.cli import main
from steward.jobs import run_to_end
from steward.safeguarding import flags, spaces
from steward.safeguarding.policy import severity_rank
from steward.safeguarding.scan import scan_job
from steward.store.models import AuditEvent, Identity, Message, Person, Source, Space
from tests.conftest import PASSPHRASE

WORRYING = "i used to self harm when i was younger"


@pytest.fixture
def run(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)

    def _run(*argv, profile="admin"):
        code = main([*argv, "--workspace", str(demo_path), "--profile", profile])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def _two_spaces_same_message(ws) -> tuple[int, int]:
    now = clock.now()
    with ws.transaction() as s:
        source = Source(platform="discord", name="Test server", created_at=now)
        s.add(source)
        s.flush()
        person = Person(display_name="Member", created_at=now)
        s.add(person)
        s.flush()
        identity = Identity(person_id=person.id, source_id=source.id, platform_id="u1")
        s.add(identity)
        ids = []
        for n, name in enumerate(("adults-chat", "youth-club")):
            space = Space(source_id=source.id, platform_id=f"c{n}", name=name)
            s.add(space)
            s.flush()
            s.add(Message(source_id=source.id, space_id=space.id, identity_id=identity.id,
                          platform_id=f"m{n}", created_at=now, text=WORRYING))
            ids.append(space.id)
    return ids[0], ids[1]


def test_the_same_message_is_flagged_higher_in_a_young_peoples_space(workspace):
    general, youth = _two_spaces_same_message(workspace)
    assert {sp.audience for sp in spaces.list_spaces(workspace)} == {"general"}
    spaces.set_space(workspace, youth, audience="young-people")
    run_to_end(scan_job(workspace))
    by_space = {f.space: f.severity for f in flags.list_flags(workspace)
                if f.category == "self_harm"}
    assert severity_rank(by_space["youth-club"]) > severity_rank(by_space["adults-chat"])


def test_rescan_reads_a_space_again_with_its_new_setting(workspace):
    general, _youth = _two_spaces_same_message(workspace)
    run_to_end(scan_job(workspace))
    before = {f.id for f in flags.list_flags(workspace)}
    # the space's message was flagged by the scan: reading it again raises nothing twice
    counts = run_to_end(spaces.rescan_job(workspace, general))
    assert counts["messages"] == 1 and counts["flags"] == 0
    assert {f.id for f in flags.list_flags(workspace)} == before
    with workspace.session() as s:
        actions = [e.action for e in s.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-1] == "safeguarding.rescan"


def test_space_list_and_set_from_the_command_line(run):
    code, out, _ = run("space", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and listed
    assert {"id", "name", "source", "audience", "visibility", "dormant", "messages"} <= set(
        listed[0])
    target = next(sp for sp in listed if sp["messages"])
    code, out, err = run("space", "set", str(target["id"]), "--audience", "young-people",
                         "--visibility", "open", "--dormant")
    assert code == 0, err
    assert "steward space rescan" in out
    after = {sp["id"]: sp for sp in json.loads(run("space", "list", "--json")[1])}
    assert after[target["id"]]["audience"] == "young_people"
    assert after[target["id"]]["visibility"] == "open"
    assert after[target["id"]]["dormant"] is True
    code, out, _ = run("space", "set", str(target["id"]), "--no-dormant", "--json")
    assert code == 0 and json.loads(out)["dormant"] is False
    assert run("audit", "verify")[0] == 0


def test_only_admins_and_leads_change_a_space(run):
    listed = json.loads(run("space", "list", "--json", profile="volunteer")[1])
    space = str(listed[0]["id"])
    code, out, err = run("space", "set", space, "--audience", "general", profile="steward")
    assert code == 1 and "only an admin or a safeguarding lead" in err and out == ""
    assert run("space", "set", space, "--visibility", "open", profile="lead")[0] == 0


def test_bad_space_settings_are_refused_clearly(run):
    code, _out, err = run("space", "set", "no such group", "--audience", "general")
    assert code == 2 and "no space called 'no such group'" in err
    listed = json.loads(run("space", "list", "--json")[1])
    code, _out, err = run("space", "set", str(listed[0]["id"]))
    assert code == 2 and "--audience" in err
    code, _out, err = run("space", "set", str(listed[0]["id"]), "--audience", "kids")
    assert code == 2


def test_audience_names_are_checked():
    assert spaces.check_audience("Young-People") == "young_people"
    assert spaces.check_audience("vulnerable_adults") == "vulnerable_adults"
    with pytest.raises(Exception, match="choose one of general, young-people"):
        spaces.check_audience("teens")
