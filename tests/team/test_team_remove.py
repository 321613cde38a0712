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


def _forge_request(url, team_id, old_keys, device, body, sig):
    """What a server operator holding an older team key (a removed laptop's) can do: list a
    device of its own and push a key request sealed under that key."""
    import uuid

    op_id = str(uuid.uuid4())
    op = {"type": "keys.request", "body": body, "sig": sig, "actor": "x"}
    aad = team_keys.envelope_aad(team_id, "volunteer", old_keys.epoch, device, 1, op_id)
    with psycopg.connect(url, password=PASSWORD, autocommit=True) as conn:
        conn.execute("INSERT INTO steward_devices (device_id, team_id, role, label) "
                     "VALUES (%s, %s, 'admin', %s)", (device, team_id, b"x"))
        conn.execute("INSERT INTO steward_envelopes (team_id, op_id, device_id, tier, "
                     "device_seq, epoch, body) VALUES (%s, %s, %s, 'volunteer', 1, %s, %s)",
                     (team_id, op_id, device, old_keys.epoch,
                      team_keys.seal_op(old_keys.key("volunteer"), op, aad)))


def test_a_key_request_not_signed_by_the_laptops_own_key_is_refused_and_audited(
        laptops, team_server, tmp_path):
    """The removed volunteer's old key and the server's operator together: a request from a
    device the operator invented, unsigned, and one signed with a key of its own naming the
    late laptop's invitation. The lead's laptop grants neither, says why and audits each
    (once); the real late laptop, which signs with the key its invitation gave it, is
    granted and catches up."""
    import uuid

    from steward import crypto
    from steward.team import trust

    done, _joined = late_laptop(laptops, tmp_path)
    vol = _open(laptops, "vol")
    try:
        old = team_keys.load_keys(vol, vol.team_block())
        team_id = vol.team_block()["id"]
    finally:
        vol.lock()
    assert old.epoch == done["epoch"] - 1
    late = _open(laptops, "late")
    try:
        late_block = late.team_block()
        held = late_block["keys"]["device"]
        own_seed = team_keys.device_signing(late, late_block)
    finally:
        late.lock()
    attacker_public, _private = crypto.new_dropbox_keypair()
    fake_seed = trust.new_seed()
    unsigned, named = str(uuid.uuid4()), str(uuid.uuid4())
    base = {"role": "admin", "public": crypto.b64(attacker_public), "since": old.epoch}
    _forge_request(team_server, team_id, old, unsigned,
                   dict(base, device=unsigned, sign=None, invite=None), None)
    claim = dict(base, device=named, sign=trust.public_of(fake_seed), invite=held["invite"])
    _forge_request(team_server, team_id, old, named, claim,
                   trust.sign(fake_seed, team_id, "request", claim))

    result = _sync(laptops, "lead")
    assert len(result.refused) == 2
    assert "laptop " + unsigned[:8] in result.refused[0]
    assert "not signed with a laptop's own key" in result.refused[0]
    assert "not signed by the key its invitation gave" in result.refused[1]
    grants = {r[3] for r in _envelopes_after(team_server, 0) if r[3].startswith("grant:")}
    assert f"grant:{late_block['device']}" in grants
    assert not {f"grant:{unsigned}", f"grant:{named}"} & grants
    assert _sync(laptops, "lead").refused == []  # each refused once
    lead = _open(laptops, "lead")
    try:
        with lead.engine.connect() as conn:
            refused = conn.exec_driver_sql(
                "SELECT details FROM audit_events WHERE action = 'team.key_request_refused' "
                "ORDER BY id").scalars().all()
            roster = trust.Roster.of(conn, team_id)
    finally:
        lead.lock()
    assert [json.loads(d)["device"] if isinstance(d, str) else d["device"] for d in refused] \
        == [unsigned[:8], named[:8]]
    # The late laptop's own request, its device key swapped for the operator's: refused too.
    own = {"device": late_block["device"], "role": "steward", "public": held["public"],
           "sign": held["sign"], "invite": held["invite"], "since": old.epoch}
    assert roster.refusal("request", own, trust.sign(own_seed, team_id, "request", own)) is None
    swapped = dict(own, public=crypto.b64(attacker_public))
    assert "not signed by that laptop's own key" in roster.refusal(
        "request", swapped, trust.sign(own_seed, team_id, "request", own))
    assert _sync(laptops, "late").waiting_for_keys is None
