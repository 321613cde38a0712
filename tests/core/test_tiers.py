"""Cryptographic tiers (issue 12, finding 1): with the keys their own passphrase yields and raw
SQL, a volunteer and a steward read no flag metadata and cannot tell which text was flagged."""

from __future__ import annotations

import json

import pytest

from steward import clock, crypto
from steward.jobs import run_to_end
from steward.safeguarding import cases, flags
from steward.safeguarding.scan import scan_job
from steward.store.engine import connect_raw
from steward.workspace import Workspace, _find_profile, _open_entry
from tests.conftest import PASSPHRASE


def _keys_of(path, name):
    """Exactly what this profile's passphrase yields, without Steward's help."""
    meta = json.loads((path / "workspace.json").read_text())
    entry = _find_profile(meta, name)
    kek = crypto.derive_kek(PASSPHRASE, crypto.unb64(entry["salt"]), meta["kdf"])
    return _open_entry(meta, entry, kek)


@pytest.fixture
def flagged(demo_path):
    """A steward's scan raised the flags; a lead added a note about one person."""
    steward = Workspace.unlock(demo_path, "steward", PASSPHRASE)
    counts = run_to_end(scan_job(steward))
    assert counts["flags"] >= 11
    steward.lock()
    lead = Workspace.unlock(demo_path, "lead", PASSPHRASE)
    row = flags.list_flags(lead, category="self_harm")[0]
    flags.add_note(lead, row.id, "spoke to the family")
    cases.add_person_note(lead, row.person_id, "known to the young carers' service")
    excerpt = row.excerpt
    lead.lock()
    return demo_path, excerpt


@pytest.mark.parametrize("name", ["volunteer", "steward"])
def test_raw_sql_with_a_profiles_own_keys_reads_no_flag_metadata(flagged, name):
    path, excerpt = flagged
    keys = _keys_of(path, name)
    assert keys.sk is None  # and without SK the drop box's private key stays sealed
    if name == "volunteer":  # the volunteer store is all a volunteer's key opens
        assert keys.wk is None
        conn = connect_raw(path / "volunteer.db", keys.vk)
    else:
        conn = connect_raw(path / "steward.db", keys.wk)
    rows = conn.execute("SELECT category, severity, message_id, person_id, space_id, due_at "
                        "FROM flags").fetchall()
    assert rows and set(rows) == {("", "", None, None, None, None)}
    # The join a curious volunteer ran before: category, name, flagged text.
    joined = conn.execute(
        "SELECT f.category, p.display_name, m.text FROM flags f "
        "JOIN messages m ON m.id = f.message_id JOIN persons p ON p.id = f.person_id").fetchall()
    assert joined == []
    assert conn.execute("SELECT count(*) FROM case_entries WHERE person_id IS NOT NULL"
                        ).fetchone()[0] == 0
    for (sealed,) in conn.execute("SELECT details_enc FROM flags"):
        assert sealed is None or excerpt[:20].encode() not in sealed
    box = json.loads((path / "workspace.json").read_text())["dropbox"]
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_sealed(keys.wk or keys.vk, crypto.unb64(box["private"]),
                           f"steward/{json.loads((path / 'workspace.json').read_text())['id']}"
                           "/dropbox/private".encode())
    conn.close()


def test_the_lead_still_sees_everything(flagged):
    path, _ = flagged
    lead = Workspace.unlock(path, "lead", PASSPHRASE)
    rows = flags.list_flags(lead)
    assert rows and all(r.category and r.severity and r.due_at for r in rows)
    row = flags.list_flags(lead, category="self_harm")[0]
    detail = flags.flag_detail(lead, row.id)
    assert detail.message_text and detail.row.person
    chron = cases.chronology(lead, row.person_id)
    assert any("young carers" in i.text for i in chron.items)
    lead.lock()


def test_rows_written_with_plain_metadata_are_sealed_at_the_next_lead_unlock(demo_path):
    """What older versions wrote: category, person and message in plain columns."""
    from steward.store.models import Flag

    admin = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with admin.transaction() as s:
        flag = Flag(category="self_harm", severity="high", status="new", message_id=1,
                    person_id=1, created_at=clock.now(), due_at=clock.now())
        s.add(flag)
        s.flush()
        fid = flag.id
    wk = admin._wk
    admin.lock()
    lead = Workspace.unlock(demo_path, "lead", PASSPHRASE)
    assert flags.metadata(lead)[fid].category == "self_harm"
    lead.lock()
    conn = connect_raw(demo_path / "steward.db", wk)
    assert conn.execute("SELECT category, message_id, person_id FROM flags WHERE id = ?",
                        (fid,)).fetchone() == ("", None, None)
    conn.close()


def test_a_volunteers_key_opens_no_messages_at_all(flagged):
    """Issue 12, volunteer tier: what the volunteer presets export, and nothing else."""
    import sqlcipher3.dbapi2 as sqlcipher

    path, excerpt = flagged
    keys = _keys_of(path, "volunteer")
    assert keys.wk is None and keys.ak is None and keys.vk is not None
    with pytest.raises(sqlcipher.DatabaseError, match="not a database"):
        connect_raw(path / "steward.db", keys.vk).execute("SELECT count(*) FROM messages")
    conn = connect_raw(path / "volunteer.db", keys.vk)
    assert conn.execute("SELECT count(*) FROM messages WHERE text IS NOT NULL").fetchone() == (0,)
    assert conn.execute("SELECT count(*) FROM identities WHERE phone IS NOT NULL "
                        "OR phone_e164 IS NOT NULL OR email_normalised IS NOT NULL"
                        ).fetchone() == (0,)
    emails = [e for (e,) in conn.execute("SELECT email FROM identities WHERE email IS NOT NULL")]
    assert emails and all("*" in e for e in emails if e)
    for table in ("case_entries", "notes", "queue_items", "decisions", "one_to_ones",
                  "platform_reports"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    assert conn.execute("SELECT count(*) FROM flags WHERE details_enc IS NOT NULL "
                        "OR outcome_enc IS NOT NULL").fetchone() == (0,)
    conn.close()


def test_volunteers_export_from_their_store_and_their_events_reach_the_chain(
        flagged, tmp_path, monkeypatch, capsys):
    from steward.cli import main
    from steward.store import audit

    path, _ = flagged
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "ping.csv"
    assert main(["export", "members", "--preset", "volunteer", "--format", "csv", "--purpose",
                 "welcome calls", "--out", str(out), "--workspace", str(path),
                 "--profile", "volunteer"]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert text.count("\n") > 100 and "@" in text and "*" in text
    code = main(["stats", "--json", "--workspace", str(path), "--profile", "volunteer"])
    stats = json.loads(capsys.readouterr().out.split("Exported", 1)[-1].split("\n", 1)[-1])
    assert code == 0 and stats["messages"] > 5000 and stats["flags_open"] >= 11
    steward = Workspace.unlock(path, "steward", PASSPHRASE)
    steward.lock()  # a steward's session carries the volunteer's export into the chain
    admin = Workspace.unlock(path, "admin", PASSPHRASE)
    with admin.session() as s:
        check = audit.verify(s)
        exports = s.execute(audit.select(audit.AuditEvent).where(
            audit.AuditEvent.action == "members.export")).scalars().all()
    assert check.ok and [e.actor for e in exports] == ["volunteer"]
    assert exports[0].details["via"] == "volunteer store"
    admin.lock()


def test_the_app_locks_at_once_and_refreshes_the_store_behind(demo_path):
    import threading

    from steward.store.models import Person

    admin = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    with admin.transaction() as s:
        s.add(Person(display_name="Newly Joined", created_at=clock.now()))
    admin.lock(wait=False)
    assert admin.is_locked
    for t in threading.enumerate():
        if t.name == "volunteer-store":
            t.join(60)
    vol = Workspace.unlock(demo_path, "volunteer", PASSPHRASE)
    with vol.engine.connect() as conn:
        names = {n for (n,) in conn.exec_driver_sql("SELECT display_name FROM persons")}
    vol.lock()
    assert "Newly Joined" in names


def test_a_store_written_before_an_upgrade_still_gets_the_flags_statuses(flagged):
    """A volunteer store from before a workspace column was added (the flags' scan tag) keeps
    "N concerns are with your lead" live instead of failing until the next rebuild."""
    from steward import volunteer_store

    path, _excerpt = flagged
    keys = _keys_of(path, "admin")
    conn = connect_raw(path / "volunteer.db", keys.vk)
    conn.execute("DROP INDEX IF EXISTS ux_flags_scan_tag")
    conn.execute("ALTER TABLE flags DROP COLUMN scan_tag")
    conn.execute("DELETE FROM flags")
    conn.commit()
    conn.close()
    volunteer_store.sync_flags(path, keys.wk, keys.vk)
    main = connect_raw(path / "steward.db", keys.wk)
    expected = main.execute("SELECT id, status FROM flags ORDER BY id").fetchall()
    main.close()
    conn = connect_raw(path / "volunteer.db", keys.vk)
    assert expected and conn.execute("SELECT id, status FROM flags ORDER BY id").fetchall() \
        == expected
    conn.close()
