"""A steward's laptop raises flags it cannot read; the leads' laptops read them (issue 19).

The steward's scan and escalations seal a flag's contents to the team drop box (its public
half only on the steward's laptop); the lead's and admin's laptops open them with the drop box
derived from the team's safeguarding key, resolve the message by platform id and seal them
again for their own leads.
"""

from __future__ import annotations

import json

import pytest

from steward.errors import AccessDenied
from steward.jobs import run_to_end
from steward.moderation import queue, triage
from steward.safeguarding import flags as sg_flags
from steward.team import keys as team_keys
from steward.team import sync as team
from steward.workspace import Workspace
from tests.team.conftest import PASS
from tests.team.pgcluster import PASSWORD
from tests.team.test_team_imports import CHAT, _import_and_scan
from tests.team.test_team_sync import _digests, _open, _sync


def _join_steward(laptops, tmp_path, name="stew"):
    admin = _open(laptops, "admin")
    try:
        invitation, code = team.invite(admin, name, "steward", PASSWORD)
    finally:
        admin.lock()
    file = tmp_path / f"{name}.invitation"
    file.write_text(json.dumps(invitation))
    laptops[name] = tmp_path / name
    run_to_end(team.join(file, code, laptops[name], PASS, PASSWORD))
    return laptops[name]


def _details(ws):
    return {f.id: sg_flags.flag_detail(ws, f.id) for f in sg_flags.list_flags(ws)}


def test_a_stewards_flags_reach_the_lead_with_what_and_why(laptops, tmp_path):
    _join_steward(laptops, tmp_path)
    stew = Workspace.unlock(laptops["stew"], "stew", PASS)
    try:
        block = stew.team_block()
        held = team_keys.load_keys(stew, block)
        assert held.key("safeguarding") is None and "dropbox" in block
        with stew.engine.connect() as conn:
            flags_before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM flags"
                                                ).scalar()
    finally:
        stew.lock()
    chat = tmp_path / "riverside.txt"
    chat.write_text(CHAT, encoding="utf-8")
    _import_and_scan(laptops["stew"], chat, "stew")

    stew = Workspace.unlock(laptops["stew"], "stew", PASS)
    try:
        with stew.engine.connect() as conn:
            raised = conn.exec_driver_sql("SELECT id, details_enc FROM flags WHERE id > ?",
                                          (flags_before,)).all()
        assert raised, "the steward's scan raised no flag"
        with pytest.raises(AccessDenied):
            stew.field_cipher()  # the steward cannot read what it raised
        spam = [r.id for r in queue.list_items(stew) if "cheap-followers" in (r.excerpt or "")]
        assert spam
        triage.decide(stew, spam[:1], "escalate", "Looks like grooming by a fake account")
    finally:
        stew.lock()

    for who in ("stew", "admin", "lead"):
        _sync(laptops, who)

    lead = _open(laptops, "lead")
    try:
        about = list(_details(lead).values())
        scanned = [d for d in about if "ending things" in (d.message_text or "")]
        assert scanned, "the lead cannot read the flag the steward's scan raised"
        assert scanned[0].reasons, "the flag reached the lead without its reasons"
        escalated = [d for d in about if d.handover_note ==
                     "Looks like grooming by a fake account"]
        assert escalated and "cheap-followers" in (escalated[0].message_text or "")
        assert escalated[0].handed_over_by == "stew"
    finally:
        lead.lock()
    # Every lead and admin laptop reads the same contents; the staff tier agrees everywhere.
    _sync(laptops, "stew")
    d_admin, d_lead, d_stew = (_digests(laptops, w) for w in ("admin", "lead", "stew"))
    assert d_admin == d_lead
    assert d_stew == {"staff": d_admin["staff"], "volunteer": d_admin["volunteer"]}


def test_a_steward_profile_on_a_leads_laptop_leaves_its_flags_for_a_lead_to_send(laptops,
                                                                                 tmp_path):
    """On a laptop that holds the team's safeguarding key (here the admin's) a flag is sealed
    to the workspace's own drop box, which a steward profile there cannot open, so its sync
    cannot send what the flag is about. The contents wait, and the next sync by a profile
    that can open them sends them: the lead's laptop reads the flag the steward raised."""
    admin = _open(laptops, "admin")
    try:
        admin.add_profile("deputy", "steward", PASS)
    finally:
        admin.lock()
    chat = tmp_path / "riverside.txt"
    chat.write_text(CHAT, encoding="utf-8")
    _import_and_scan(laptops["admin"], chat, "deputy")
    deputy = Workspace.unlock(laptops["admin"], "deputy", PASS)
    try:
        assert not deputy.holds_safeguarding_key
        run_to_end(team.sync(deputy, PASSWORD))
    finally:
        deputy.lock()

    def scanned():
        _sync(laptops, "lead")
        lead = _open(laptops, "lead")
        try:
            return [d for d in _details(lead).values()
                    if "ending things" in (d.message_text or "")]
        finally:
            lead.lock()

    assert scanned() == []  # the flag's row only, so far
    _sync(laptops, "admin")
    found = scanned()
    assert found and found[0].reasons
    assert _digests(laptops, "admin") == _digests(laptops, "lead")
