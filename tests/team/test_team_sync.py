"""Three laptops (admin, lead, volunteer) through a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steward.jobs import run_to_end
from steward.moderation import queue, triage
from steward.safeguarding import flags as sg_flags
from steward.team import sync as team
from steward.team.keys import EnvelopeRefused
from steward.team.server import ServerUnreachable
from steward.workspace import Workspace
from tests.team.conftest import PASS
from tests.team.pgcluster import PASSWORD

__all__ = ["PASS"]


def _open(paths, who):
    return Workspace.unlock(paths[who], who if who != "admin" else "admin", PASS)


def _sync(paths, who):
    ws = _open(paths, who)
    try:
        return run_to_end(team.sync(ws, PASSWORD))
    finally:
        ws.lock()


def _digests(paths, who):
    ws = _open(paths, who)
    try:
        return team.digests(ws)
    finally:
        ws.lock()


def _open_items(ws):
    return [r.id for r in queue.list_items(ws)]


def test_offline_work_on_two_laptops_converges(laptops):
    admin = _open(laptops, "admin")
    items = _open_items(admin)
    assert len(items) >= 3
    triage.decide(admin, [items[0]], "approve", "Looks fine to me")
    triage.add_note(admin, "queue_item", items[1], "Asked the member to rephrase")
    flag_ids = [f.id for f in sg_flags.list_flags(admin)]
    admin.lock()

    lead = _open(laptops, "lead")
    assert sorted(_open_items(lead)) == sorted(items)
    lead_flags = [f.id for f in sg_flags.list_flags(lead)]
    assert sorted(lead_flags) == sorted(flag_ids)  # the lead reads every flag after joining
    triage.decide(lead, [items[2]], "remove", "Spam link")
    sg_flags.set_status(lead, lead_flags[0], "triaged", "Spoke to the member's parent")
    lead.lock()

    for who in ("admin", "lead", "admin", "vol"):
        _sync(laptops, who)
    d_admin, d_lead, d_vol = (_digests(laptops, w) for w in ("admin", "lead", "vol"))
    assert d_admin["staff"] == d_lead["staff"]
    assert d_admin["safeguarding"] == d_lead["safeguarding"]
    assert d_admin["volunteer"] == d_lead["volunteer"] == d_vol["volunteer"]
    assert set(d_vol) == {"volunteer"}

    admin = _open(laptops, "admin")
    try:
        detail = sg_flags.flag_detail(admin, lead_flags[0])
        assert any("Spoke to the member's parent" in json.dumps(e.body)
                   for e in detail.entries)
        with admin.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT status FROM flags WHERE id = ?",
                                        (lead_flags[0],)).scalar() == "triaged"
            assert conn.exec_driver_sql("SELECT status FROM queue_items WHERE id = ?",
                                        (items[2],)).scalar() == "removed"
    finally:
        admin.lock()
    # Syncing again changes nothing and applies nothing twice.
    again = _sync(laptops, "lead")
    assert again.conflicts == [] and again.pushed == 0
    assert _digests(laptops, "lead") == d_lead


def test_two_offline_decisions_on_one_item_first_in_server_order_stands(laptops):
    admin = _open(laptops, "admin")
    item = _open_items(admin)[0]
    triage.decide(admin, [item], "approve", "Admin says fine")
    admin.lock()
    lead = _open(laptops, "lead")
    triage.decide(lead, [item], "remove", "Lead says spam")
    lead.lock()

    first = _sync(laptops, "admin")
    assert first.conflicts == []
    second = _sync(laptops, "lead")
    assert len(second.conflicts) == 1
    assert "already decided by admin" in second.conflicts[0]
    assert "Lead says spam" in second.conflicts[0]
    _sync(laptops, "admin")
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            detail = queue.item_detail(ws, item)
            reasons = [d.reason for d in detail.decisions]
            assert "Admin says fine" in reasons and "Lead says spam" in reasons
            status = team.local_status(ws)
            assert [c["standing"]["reason"] for c in status["conflicts"]] == ["Admin says fine"]
            with ws.engine.connect() as conn:
                assert conn.exec_driver_sql(
                    "SELECT status FROM queue_items WHERE id = ?", (item,)).scalar() == "approved"
                assert conn.exec_driver_sql(
                    "SELECT count(*) FROM audit_events WHERE action = 'team.conflict'"
                ).scalar() == 1
        finally:
            ws.lock()
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]


def test_altered_envelope_is_refused_and_named(laptops, team_server, pg_cluster):
    admin = _open(laptops, "admin")
    triage.add_note(admin, "queue_item", _open_items(admin)[0], "A note")
    admin.lock()
    _sync(laptops, "admin")
    import psycopg

    with psycopg.connect(team_server, password=PASSWORD, autocommit=True) as conn:
        seq = conn.execute("SELECT max(seq) FROM steward_envelopes WHERE tier = 'staff'"
                           ).fetchone()[0]
        conn.execute("UPDATE steward_envelopes SET body = set_byte(body, 20, "
                     "get_byte(body, 20) # 1) WHERE seq = %s", (seq,))
    lead = _open(laptops, "lead")
    try:
        with pytest.raises(EnvelopeRefused, match=rf"envelope #{seq} .*altered"):
            run_to_end(team.sync(lead, PASSWORD))
        assert team.local_status(lead)["cursor"] == seq - 1 or \
            team.local_status(lead)["cursor"] < seq
    finally:
        lead.lock()


def test_server_stopped_mid_sync_then_the_next_sync_completes(laptops, pg_cluster,
                                                              monkeypatch):
    admin = _open(laptops, "admin")
    for item in _open_items(admin)[:3]:
        triage.add_note(admin, "queue_item", item, f"Note {item}")
    admin.lock()
    _sync(laptops, "admin")
    lead = _open(laptops, "lead")
    real_apply = team._apply_batch
    calls = {"n": 0}

    def stop_after_first(*args, **kwargs):
        real_apply(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            pg_cluster.stop()

    monkeypatch.setattr(team, "_apply_batch", stop_after_first)
    try:
        with pytest.raises(ServerUnreachable, match="cannot be reached.*run the sync again"):
            run_to_end(team.sync(lead, PASSWORD, pull_batch=1))
        pg_cluster.start()
        monkeypatch.setattr(team, "_apply_batch", real_apply)
        done = run_to_end(team.sync(lead, PASSWORD))
        assert done.applied >= 1
    finally:
        lead.lock()
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]


def test_server_holds_no_names_emails_or_texts_and_volunteer_holds_no_flag(
        laptops, team_server, pg_cluster):
    admin = _open(laptops, "admin")
    with admin.engine.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql(
            "SELECT display_name FROM persons WHERE length(display_name) > 5").all()]
        emails = [r[0] for r in conn.exec_driver_sql(
            "SELECT email FROM identities WHERE email IS NOT NULL").all()]
        texts = [r[0] for r in conn.exec_driver_sql(
            "SELECT text FROM messages WHERE length(text) > 30 LIMIT 200").all()]
    admin.lock()
    assert names and emails and texts
    dump = pg_cluster.pg_dump(team_server.rsplit("/", 1)[1])
    assert "steward_envelopes" in dump
    for secret in [*names, *emails, *(t[:30] for t in texts)]:
        assert secret not in dump

    vol = _open(laptops, "vol")
    try:
        assert vol.tier == "volunteer"
        with vol.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM persons").scalar() > 0
            assert conn.exec_driver_sql("SELECT count(*) FROM flags").scalar() == 0
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM messages WHERE text IS NOT NULL").scalar() == 0
    finally:
        vol.lock()
    # And the volunteer laptop's files hold no message text at all (its steward.db is empty).
    blob = b"".join(p.read_bytes() for p in Path(laptops["vol"]).iterdir() if p.is_file())
    for text in texts[:20]:
        assert text[:30].encode() not in blob


KILLED_CHILD = """
import os, signal, sys
from steward.jobs import run_to_end
from steward.team import sync as team
from steward import crypto
from steward.workspace import Workspace

crypto.KDF_FLOOR = {"memory_kib": 8192, "iterations": 1}  # the tests' fast key derivation
ws = Workspace.unlock(sys.argv[1], "lead", sys.argv[2])
real = team._apply_batch
done = {"n": 0}

def apply_then_die(*args, **kwargs):
    real(*args, **kwargs)
    done["n"] += 1
    if done["n"] == int(sys.argv[4]):
        os.kill(os.getpid(), signal.SIGKILL)

team._apply_batch = apply_then_die
run_to_end(team.sync(ws, sys.argv[3], pull_batch=2))
"""


def test_sync_killed_mid_way_resumes_with_nothing_lost_or_applied_twice(laptops):
    import os
    import signal
    import subprocess
    import sys

    admin = _open(laptops, "admin")
    items = _open_items(admin)
    for item in items[:4]:
        triage.add_note(admin, "queue_item", item, f"Checked item {item}")
    triage.decide(admin, items[:2], "approve", "Fine")
    admin.lock()
    _sync(laptops, "admin")

    child = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, str(laptops["lead"]), PASS, PASSWORD, "2"],
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])),
        capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr
    lead = _open(laptops, "lead")
    try:
        part_way = team.local_status(lead)["cursor"]
        assert part_way > 0
        run_to_end(team.sync(lead, PASSWORD))
        with lead.engine.connect() as conn:
            notes = conn.exec_driver_sql(
                "SELECT text, count(*) FROM notes WHERE text LIKE 'Checked item %' "
                "GROUP BY text").all()
            assert len(notes) == 4 and all(n == 1 for _, n in notes)
            assert conn.exec_driver_sql(
                "SELECT count(*) FROM decisions WHERE reason = 'Fine'").scalar() == 2
    finally:
        lead.lock()
    assert _digests(laptops, "lead")["staff"] == _digests(laptops, "admin")["staff"]


def _two_people(ws):
    with ws.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM persons WHERE erased_at IS NULL ORDER BY id LIMIT 3").all()]


def _owner(ws, person):
    with ws.engine.connect() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql(
            "SELECT id FROM identities WHERE person_id = ?", (person,)).all())


def test_a_merge_travels_and_two_merges_of_one_person_keep_the_first(laptops):
    from steward.hygiene.merge import merge

    admin = _open(laptops, "admin")
    p1, p2, p3 = _two_people(admin)
    moved = _owner(admin, p2)
    assert moved
    merge(admin, p1, person_ids=[p2])
    admin.lock()
    lead = _open(laptops, "lead")
    merge(lead, p3, person_ids=[p2])  # the same person, merged elsewhere, offline
    lead.lock()

    assert _sync(laptops, "admin").conflicts == []
    lost = _sync(laptops, "lead")
    assert len(lost.conflicts) == 1 and "already merged by admin" in lost.conflicts[0]
    _sync(laptops, "admin")
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            with ws.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT count(*) FROM persons WHERE id = ?",
                                            (p2,)).scalar() == 0
                assert conn.exec_driver_sql("SELECT count(*) FROM persons WHERE id = ?",
                                            (p3,)).scalar() == 1
            assert set(moved) <= set(_owner(ws, p1))
            assert not set(moved) & set(_owner(ws, p3))
        finally:
            ws.lock()
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]


def test_local_key_rotations_keep_the_team_keys(laptops):
    from steward.team import keys as team_keys

    admin = _open(laptops, "admin")
    admin.add_profile("helper", "safeguarding-lead", PASS)
    admin.remove_profile("helper")  # rotates the local safeguarding and volunteer keys
    held = team_keys.load_keys(admin, admin.team_block())
    assert set(held.keys) == {"staff", "safeguarding", "volunteer"}
    triage.add_note(admin, "queue_item", _open_items(admin)[0], "After the rotation")
    admin.lock()
    assert _sync(laptops, "admin").pushed >= 1
    assert _sync(laptops, "lead").applied >= 1
    assert _digests(laptops, "admin")["safeguarding"] == _digests(laptops, "lead")["safeguarding"]


def _decide_offline(ws, items: list[int], count: int, reason: str) -> None:
    """`count` queue decisions written as triage.decide writes them (without its audit event
    and platform outbox, which would make this test slow), cycling over `items`."""
    with ws.transaction() as s:
        conn = s.connection()
        conn.exec_driver_sql(
            "INSERT INTO decisions (queue_item_id, action, reason, actor, at) "
            "VALUES (?, 'approve', ?, ?, '2026-01-01 10:00:00')",
            [(items[n % len(items)], f"{reason} {n}", ws.actor) for n in range(count)])
        conn.exec_driver_sql("UPDATE queue_items SET status = 'approved' WHERE id IN "
                             f"({', '.join('?' * len(items))})", tuple(items))


def _statements_of_sync(paths, who) -> tuple[int, team.SyncResult]:
    """How many SQL statements this laptop's store runs during one sync (every connection,
    through SQLAlchemy or not)."""
    from sqlalchemy import event

    ws = _open(paths, who)
    count = [0]

    def traced(dbapi_conn, _record, _proxy):
        dbapi_conn.set_trace_callback(lambda _sql: count.__setitem__(0, count[0] + 1))

    try:
        event.listen(ws.engine, "checkout", traced)
        result = run_to_end(team.sync(ws, PASSWORD))
        event.remove(ws.engine, "checkout", traced)
        return count[0], result
    finally:
        ws.lock()


def test_receiving_many_decisions_costs_a_few_statements_each(laptops):
    """Decisions are captured and applied a page at a time: a few statements each, the same
    for 240 as for 60 (a statement count, not a time: it holds under load). Here 13 for each
    decision of a round (sealed and sent on this laptop, its own and the other laptop's
    applied); 32 before the apply was batched (each envelope's cursor, device number and op
    id recorded apart, an ORM flush for each conflict's audit event, ids looked up again)."""
    def one_round(count: int) -> tuple[int, team.SyncResult]:
        admin = _open(laptops, "admin")
        lead = _open(laptops, "lead")
        items = _open_items(admin)[:5]
        _decide_offline(admin, items, count, "Admin")
        _decide_offline(lead, items, count, "Lead")  # the same items: conflicts
        admin.lock()
        lead.lock()
        _sync(laptops, "lead")
        return _statements_of_sync(laptops, "admin")

    small, first = one_round(60)
    big, second = one_round(240)
    assert len(first.conflicts) == 60 and len(second.conflicts) == 240
    assert first.applied >= 60 and second.applied >= 240
    per_decision = (big - small) / (240 - 60)
    assert per_decision < 20, per_decision
    admin = _open(laptops, "admin")
    try:
        from steward.store import audit

        with admin.transaction() as s:
            assert audit.verify(s).ok
            assert s.connection().exec_driver_sql(
                "SELECT count(*) FROM audit_events WHERE action = 'team.conflict'"
            ).scalar() == 300
    finally:
        admin.lock()
    _sync(laptops, "lead")
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]
