"""`steward team remove NAME` rotates the team keys: a removed laptop reads nothing new."""

from __future__ import annotations

import json

import psycopg
import pytest

from steward.errors import StewardError
from steward.jobs import run_to_end
from steward.moderation import triage
from steward.team import keys as team_keys
from steward.team import sync as team
from steward.team.keys import EnvelopeRefused
from tests.team.conftest import PASS
from tests.team.pgcluster import PASSWORD
from tests.team.test_team_sync import _digests, _open, _open_items, _sync


def _envelopes_after(url: str, seq: int):
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
        return conn.execute(
            "SELECT seq, op_id::text, device_id::text, tier, device_seq, epoch, body "
            "FROM steward_envelopes WHERE seq > %s ORDER BY seq", (seq,)).fetchall()


def test_removing_a_laptop_rotates_the_keys_so_it_reads_nothing_new(laptops, team_server,
                                                                    tmp_path):
    from steward.hygiene.consent import record_consent

    for who in ("lead", "vol", "admin"):
        _sync(laptops, who)  # every laptop has told the team its device key
    lead = _open(laptops, "lead")
    block = lead.team_block()
    removed_keys = team_keys.load_keys(lead, block)
    assert set(removed_keys.keys) == {"staff", "safeguarding", "volunteer"}
    lead.lock()

    admin = _open(laptops, "admin")
    try:
        head = max(r[0] for r in _envelopes_after(team_server, 0))
        done = team.remove(admin, "lead", PASSWORD)
        assert done["epoch"] == removed_keys.epoch + 1 and done["granted"] == 1
        assert done["without_keys"] == []
        triage.add_note(admin, "queue_item", _open_items(admin)[0], "Written after removal")
        with admin.engine.connect() as conn:
            person = conn.exec_driver_sql("SELECT min(id) FROM persons").scalar()
        record_consent(admin, person, "withdrawn", "consent", source="phone call")
        run_to_end(team.sync(admin, PASSWORD))
    finally:
        admin.lock()

    after = [r for r in _envelopes_after(team_server, head) if not r[3].startswith("grant:")]
    tiers = {r[3] for r in after if r[5] == removed_keys.epoch + 1}
    assert {"staff", "volunteer"} <= tiers
    opened = 0
    for seq, op_id, device, tier, device_seq, epoch, body in after:
        aad = team_keys.envelope_aad(block["id"], tier, epoch, device, device_seq, op_id)
        key = removed_keys.key_at(epoch, tier) or removed_keys.key(tier)
        if epoch == removed_keys.epoch + 1:
            with pytest.raises(EnvelopeRefused):
                team_keys.open_op(key, bytes(body), aad, f"envelope #{seq}")
        else:
            team_keys.open_op(key, bytes(body), aad, f"envelope #{seq}")
            opened += 1
    assert opened < len(after)
    # No grant was made for the removed laptop, and the server refuses its syncs.
    grants = [r for r in _envelopes_after(team_server, head) if r[3].startswith("grant:")]
    assert [r[3] for r in grants] == [f"grant:{_device(laptops, 'vol')}"]
    with pytest.raises(StewardError, match="removed from the team"):
        _sync(laptops, "lead")

    # The volunteer laptop takes the new keys from its grant and keeps converging.
    _sync(laptops, "vol")
    vol = _open(laptops, "vol")
    try:
        assert team_keys.load_keys(vol, vol.team_block()).epoch == removed_keys.epoch + 1
    finally:
        vol.lock()
    assert _digests(laptops, "vol")["volunteer"] == _digests(laptops, "admin")["volunteer"]
    # A laptop invited after the rotation reads the whole history (earlier epochs too).
    admin = _open(laptops, "admin")
    try:
        invitation, code = team.invite(admin, "newlead", "safeguarding-lead", PASSWORD)
    finally:
        admin.lock()
    file = tmp_path / "newlead.invitation"
    file.write_text(json.dumps(invitation))
    laptops["newlead"] = tmp_path / "newlead"
    run_to_end(team.join(file, code, laptops["newlead"], PASS, PASSWORD))
    assert _digests(laptops, "newlead") == _digests(laptops, "admin")


def _device(laptops, who):
    ws = _open(laptops, who)
    try:
        return ws.team_block()["device"]
    finally:
        ws.lock()


def late_laptop(laptops, tmp_path):
    """A steward invited before `vol` is removed (a rotation) and joined after it."""
    admin = _open(laptops, "admin")
    try:
        invitation, code = team.invite(admin, "late", "steward", PASSWORD)
    finally:
        admin.lock()
    for who in ("lead", "vol"):
        _sync(laptops, who)
    admin = _open(laptops, "admin")
    try:
        done = team.remove(admin, "vol", PASSWORD)
        triage.add_note(admin, "queue_item", _open_items(admin)[0], "Written after rotating")
        run_to_end(team.sync(admin, PASSWORD))
    finally:
        admin.lock()
    file = tmp_path / "late.invitation"
    file.write_text(json.dumps(invitation))
    laptops["late"] = tmp_path / "late"
    return done, run_to_end(team.join(file, code, laptops["late"], PASS, PASSWORD))


def test_a_laptop_that_missed_a_rotation_asks_and_catches_up(laptops, tmp_path):
    """Invited before a rotation, joined after it: its keys are one epoch old. Its first sync
    stops at the first envelope under the new keys and asks; the lead's laptop (holding every
    key) grants them to its device key; its next sync converges. The removed laptop, refused
    by the server, can ask nothing."""
    done, joined = late_laptop(laptops, tmp_path)
    assert joined["waiting_for_keys"] == done["epoch"]
    late = _open(laptops, "late")
    try:
        assert team_keys.load_keys(late, late.team_block()).epoch == done["epoch"] - 1
        with late.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM notes WHERE text = ?",
                                        ("Written after rotating",)).scalar() == 0
    finally:
        late.lock()
    again = _sync(laptops, "late")  # nobody has answered yet: still waiting, nothing broken
    assert again.waiting_for_keys == done["epoch"]

    _sync(laptops, "lead")  # holds every key: grants them to the laptop that asked
    caught_up = _sync(laptops, "late")
    assert caught_up.waiting_for_keys is None
    late = _open(laptops, "late")
    try:
        held = team_keys.load_keys(late, late.team_block())
        assert held.epoch == done["epoch"] and set(held.keys) == {"staff", "volunteer"}
        with late.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM notes WHERE text = ?",
                                        ("Written after rotating",)).scalar() == 1
        triage.add_note(late, "queue_item", _open_items(late)[1], "From the late laptop")
    finally:
        late.lock()
    for who in ("late", "admin", "lead"):
        _sync(laptops, who)
    assert _digests(laptops, "late")["staff"] == _digests(laptops, "admin")["staff"] == \
        _digests(laptops, "lead")["staff"]
    with pytest.raises(StewardError, match="removed from the team"):
        _sync(laptops, "vol")
