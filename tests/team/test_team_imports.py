"""Imports and scans made after `team create` travel to the other laptops (issue 19)."""

from __future__ import annotations

import os
from pathlib import Path

from steward.moderation import queue, triage
from steward.safeguarding import flags as sg_flags
from tests.team.test_team_sync import PASS, _digests, _open, _sync

CHAT = "\n".join([
    '02/12/2026, 09:00 - Rhiannon Pryce created group "Riverside young carers"',
    "02/12/2026, 09:01 - Rhiannon Pryce added Gethin Morgan",
    "02/12/2026, 09:05 - Rhiannon Pryce: Welcome everyone, the first meet-up is on Thursday",
    "02/12/2026, 09:07 - Gethin Morgan: Thanks Rhiannon, I will bring the biscuits",
    "02/12/2026, 09:20 - Gethin Morgan: honestly some days I think about ending things, "
    "nobody would care if i was gone",
    "02/12/2026, 09:31 - Marek Wisniewski: Cheap followers!!! Buy 10000 followers now at "
    "http://cheap-followers.example/buy http://cheap-followers.example/now",
    "02/12/2026, 09:40 - Rhiannon Pryce: Gethin, I will message you privately now",
    ""])


def _cli(*args) -> None:
    from steward.cli import main

    os.environ["STEWARD_PASSPHRASE"] = PASS
    try:
        assert main([*args, "--json"]) == 0
    finally:
        os.environ.pop("STEWARD_PASSPHRASE", None)


def _count(ws, sql, *params):
    with ws.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).scalar()


def _import_and_scan(path: Path, chat: Path, profile: str) -> None:
    _cli("import", "whatsapp", str(chat), "--space", "Riverside young carers",
         "--timezone", "Europe/London", "--date-order", "dmy", "--workspace", str(path),
         "--profile", profile)
    _cli("scan", "--workspace", str(path), "--profile", profile)


def test_an_import_and_its_scan_on_one_laptop_reach_the_others(laptops, tmp_path):
    chat = tmp_path / "riverside.txt"
    chat.write_text(CHAT, encoding="utf-8")
    admin = _open(laptops, "admin")
    flags_before = _count(admin, "SELECT count(*) FROM flags")
    admin.lock()
    _import_and_scan(laptops["admin"], chat, "admin")
    admin = _open(laptops, "admin")
    try:
        assert _count(admin, "SELECT count(*) FROM messages WHERE text LIKE '%biscuits%'") == 1
        new_flags = _count(admin, "SELECT count(*) FROM flags") - flags_before
        assert new_flags >= 1
        new_items = [r.id for r in queue.list_items(admin)
                     if "cheap-followers" in (r.excerpt or "")]
    finally:
        admin.lock()

    for who in ("admin", "lead", "vol", "admin", "lead", "vol"):
        _sync(laptops, who)
    d_admin, d_lead, d_vol = (_digests(laptops, w) for w in ("admin", "lead", "vol"))
    assert d_admin == d_lead
    assert d_vol == {"volunteer": d_admin["volunteer"]}

    lead = _open(laptops, "lead")
    try:
        assert _count(lead, "SELECT count(*) FROM messages WHERE text LIKE '%biscuits%'") == 1
        assert _count(lead, "SELECT count(*) FROM persons WHERE display_name = 'Gethin Morgan'"
                      ) == 1
        # The flag arrived with what it is about, readable by the lead.
        about = [sg_flags.flag_detail(lead, f.id) for f in sg_flags.list_flags(lead)]
        assert any("ending things" in (d.message_text or "") for d in about)
        spam = [r.id for r in queue.list_items(lead) if "cheap-followers" in (r.excerpt or "")]
        assert len(spam) == len(new_items) >= 1
        triage.decide(lead, spam[:1], "remove", "Follower spam")
        # The lead's own scan finds nothing new: those messages were scanned on the admin's.
        flags_here = _count(lead, "SELECT count(*) FROM flags")
        items_here = _count(lead, "SELECT count(*) FROM queue_items")
    finally:
        lead.lock()
    _cli("scan", "--workspace", str(laptops["lead"]), "--profile", "lead")
    # The same export imported again on the lead's laptop adds nothing anywhere.
    _import_and_scan(laptops["lead"], chat, "lead")
    lead = _open(laptops, "lead")
    try:
        assert _count(lead, "SELECT count(*) FROM flags") == flags_here
        assert _count(lead, "SELECT count(*) FROM queue_items") == items_here
    finally:
        lead.lock()

    for who in ("lead", "admin", "vol", "lead"):
        _sync(laptops, who)
    d_admin, d_lead, d_vol = (_digests(laptops, w) for w in ("admin", "lead", "vol"))
    assert d_admin == d_lead
    assert d_vol == {"volunteer": d_admin["volunteer"]}
    admin = _open(laptops, "admin")
    try:
        assert _count(admin, "SELECT count(*) FROM messages WHERE text LIKE '%biscuits%'") == 1
        assert _count(admin, "SELECT status FROM queue_items WHERE id = ?",
                      new_items[0]) == "removed"
    finally:
        admin.lock()

    vol = _open(laptops, "vol")
    try:
        assert _count(vol, "SELECT count(*) FROM persons WHERE display_name = 'Gethin Morgan'"
                      ) == 1
        assert _count(vol, "SELECT count(*) FROM flags") == 0
        assert _count(vol, "SELECT count(*) FROM messages WHERE text IS NOT NULL") == 0
    finally:
        vol.lock()
    blob = b"".join(p.read_bytes() for p in Path(laptops["vol"]).iterdir() if p.is_file())
    assert b"biscuits" not in blob and b"ending things" not in blob
