"""Tags, "not the same person" marks, email statuses and the queue items "everything from this
author" makes travel between laptops, each idempotent and with explicit conflicts (issue 19)."""

from __future__ import annotations

from steward.hygiene.groups import tag_people, untag_people
from steward.hygiene.merge import mark_not_same
from steward.moderation import author
from tests.team.test_team_imports import _cli, _count
from tests.team.test_team_sync import _digests, _open, _sync


def _staff_digests_agree(laptops) -> None:
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]


def _people(ws, n):
    with ws.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT p.id FROM persons p WHERE EXISTS (SELECT 1 FROM identities i "
            "WHERE i.person_id = p.id) ORDER BY p.id LIMIT ?", (n,)).all()]


def _tagged(ws, tag):
    with ws.engine.connect() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql(
            "SELECT pt.person_id FROM person_tags pt JOIN tags t ON t.id = pt.tag_id "
            "WHERE t.name = ?", (tag,)).all())


def test_tags_and_not_the_same_person_travel_and_a_tag_taken_away_and_kept_conflicts(laptops):
    admin = _open(laptops, "admin")
    try:
        p1, p2, p3, p4 = _people(admin, 4)
        assert tag_people(admin, "Mentor", [p1, p2]) == 2
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:
        pairs = mark_not_same(lead, p3, p4)
        assert pairs >= 1
    finally:
        lead.lock()
    for who in ("admin", "lead", "admin", "vol"):
        _sync(laptops, who)
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            assert _tagged(ws, "Mentor") == [p1, p2]
            assert _count(ws, "SELECT count(*) FROM not_same_person") == pairs
        finally:
            ws.lock()
    _staff_digests_agree(laptops)
    vol = _open(laptops, "vol")
    try:  # a volunteer laptop keeps its lists only
        assert _count(vol, "SELECT count(*) FROM person_tags") == 0
    finally:
        vol.lock()

    # Offline: the admin takes the tag away from p1; the lead takes it away and gives it back
    # (keeps it). The admin's reaches the server first and stands; the lead is told.
    admin = _open(laptops, "admin")
    try:
        assert untag_people(admin, "Mentor", [p1]) == 1
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:
        untag_people(lead, "Mentor", [p1])
        tag_people(lead, "Mentor", [p1, p2])
    finally:
        lead.lock()
    assert _sync(laptops, "admin").conflicts == []
    told = _sync(laptops, "lead").conflicts
    assert [line for line in told if "tag 'Mentor' on person" in line and "by admin" in line]
    _sync(laptops, "admin")
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            assert _tagged(ws, "Mentor") == [p2]
            assert _count(ws, "SELECT count(*) FROM team_conflicts WHERE subject LIKE "
                          "'set:person_tags:%'") == 1
        finally:
            ws.lock()
    _staff_digests_agree(laptops)
    # Idempotent: syncing again changes nothing and tells nothing.
    assert _sync(laptops, "lead").conflicts == [] and _sync(laptops, "admin").conflicts == []
    _staff_digests_agree(laptops)


MAILCHIMP = "Email Address,First Name,Last Name,OPTIN_TIME,LAST_CHANGED\n"


def _mailchimp(tmp_path, status: str, rows: list[str], n: int) -> str:
    path = tmp_path / f"{status}_members_export_{n}.csv"
    path.write_text(MAILCHIMP + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return str(path)


def _status(ws, email):
    with ws.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT status FROM email_statuses WHERE "
                                    "email_normalised = ?", (email,)).scalar()


def _import_list(laptops, who, file):
    _cli("import", "members-csv", file, "--space", "Riverside list", "--workspace",
         str(laptops[who]), "--profile", who)


def test_email_statuses_travel_and_two_statuses_for_one_address_conflict(laptops, tmp_path):
    ana = "Ana,Ferreira,2026-11-01 10:00:00,2026-11-01 10:00:00"
    ben = "Ben,Okafor,2026-11-02 10:00:00,2026-11-02 10:00:00"
    _import_list(laptops, "admin", _mailchimp(tmp_path, "subscribed", [
        f"ana.ferreira@example.org,{ana}", f"ben.okafor@example.org,{ben}"], 1))
    _sync(laptops, "admin")
    _sync(laptops, "lead")
    lead = _open(laptops, "lead")
    try:
        assert _status(lead, "ana.ferreira@example.org") == "subscribed"
        assert _status(lead, "ben.okafor@example.org") == "subscribed"
    finally:
        lead.lock()
    _staff_digests_agree(laptops)

    # Offline, each laptop imports a different word on Ana's address: the first to reach
    # the server stands on both, the other is told and kept in the record.
    _import_list(laptops, "admin", _mailchimp(tmp_path, "cleaned", [
        f"ana.ferreira@example.org,{ana}"], 2))
    _import_list(laptops, "lead", _mailchimp(tmp_path, "unsubscribed", [
        f"ana.ferreira@example.org,{ana}"], 3))
    _sync(laptops, "admin")
    told = _sync(laptops, "lead").conflicts
    assert [line for line in told if "email status (already cleaned)" in line]
    assert not [line for line in told if "example.org" in line]  # no address in the line
    _sync(laptops, "admin")
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            assert _status(ws, "ana.ferreira@example.org") == "cleaned"
            assert _status(ws, "ben.okafor@example.org") == "subscribed"
            assert _count(ws, "SELECT count(*) FROM team_conflicts WHERE subject LIKE "
                          "'email:%'") == 1
        finally:
            ws.lock()
    _staff_digests_agree(laptops)


def test_everything_from_an_author_on_two_laptops_makes_one_item_per_message(laptops):
    """Both laptops decide everything from one author offline, each making queue items for
    the messages that had none: after syncing each message has one item on each laptop, the
    admin's decision (first on the server) stands, and the lead is told."""
    admin = _open(laptops, "admin")
    try:
        person = next(p for p in _people(admin, 40)
                      if sum(m.item_id is None for m in
                             author.messages_by_person(admin, p).to_decide) >= 2)
        author.decide_everything(admin, person, "remove", "Spam run, all of it")
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:
        messages = [m.message_id for m in author.messages_by_person(lead, person).to_decide]
        author.decide_everything(lead, person, "approve", "Looks fine to me")
    finally:
        lead.lock()
    assert _sync(laptops, "admin").conflicts == []
    told = _sync(laptops, "lead").conflicts
    assert len([line for line in told if "already decided by admin" in line]) >= 2
    _sync(laptops, "admin")
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            with ws.engine.connect() as conn:
                made = conn.exec_driver_sql(
                    f"SELECT message_id, count(*), min(status), max(status) FROM queue_items "
                    f"WHERE label = ? AND message_id IN ({', '.join('?' * len(messages))}) "
                    f"GROUP BY message_id", (author.LABEL, *messages)).all()
        finally:
            ws.lock()
        assert len(made) >= 2
        assert all(n == 1 and lo == hi == "removed" for _m, n, lo, hi in made), made
    _staff_digests_agree(laptops)


def _cohorts(ws):
    from steward.hygiene.groups import list_cohorts

    return sorted((c.kind, c.name, c.members) for c in list_cohorts(ws))


def test_cohorts_built_on_one_laptop_reach_the_others_and_the_last_build_stands(laptops):
    from steward.hygiene.groups import build_cohorts

    admin = _open(laptops, "admin")
    try:
        assert build_cohorts(admin, "space")
        built = _cohorts(admin)
    finally:
        admin.lock()
    for who in ("admin", "lead"):
        _sync(laptops, who)
    lead = _open(laptops, "lead")
    try:
        assert _cohorts(lead) == built
        with lead.engine.connect() as conn:  # the programme the lead gives someone
            person = conn.exec_driver_sql("SELECT min(id) FROM persons WHERE is_bot = 0 AND "
                                          "erased_at IS NULL").scalar()
        with lead.transaction() as s:
            s.connection().exec_driver_sql(
                "UPDATE persons SET programme = 'Peer mentors' WHERE id = ?", (person,))
        build_cohorts(lead, "programme")
    finally:
        lead.lock()
    admin = _open(laptops, "admin")
    try:  # offline, the admin builds the same kind before it has the lead's change
        build_cohorts(admin, "programme")
    finally:
        admin.lock()
    for who in ("admin", "lead", "admin"):
        assert _sync(laptops, who).conflicts == []
    cohorts = {}
    for who in ("admin", "lead"):
        ws = _open(laptops, who)
        try:
            cohorts[who] = _cohorts(ws)
        finally:
            ws.lock()
    assert cohorts["admin"] == cohorts["lead"]
    assert ("programme", "Programme: Peer mentors", 1) in cohorts["admin"]
    _staff_digests_agree(laptops)


def test_messages_a_newer_export_lacks_or_shows_edited_change_on_every_laptop(laptops,
                                                                              tmp_path):
    from steward.jobs import run_to_end
    from steward.moderation.scan import scan_job
    from steward.safeguarding import flags
    from tests.connectors.helpers import discord_channel as _channel
    from tests.connectors.helpers import run_import
    from tests.connectors.test_edits_scanned import DISCLOSURE
    from tests.connectors.test_hostile_files import _deleted, _text

    def flagged(ws, platform_id):
        return [f for f in flags.list_flags(ws, statuses=None)
                if f.platform == "discord" and f.message_platform_id == platform_id]

    first = list(range(101, 121))
    admin = _open(laptops, "admin")
    try:
        run_import(admin, "discord-export", [_channel(tmp_path / "v1.json", first)])
        run_to_end(scan_job(admin))
    finally:
        admin.lock()
    for who in ("admin", "lead"):
        _sync(laptops, who)
    admin = _open(laptops, "admin")
    try:  # the whole channel again: two messages deleted on Discord since, two edited (one
        # into a disclosure, scanned on this laptop), one new
        newer = [i for i in first if i not in (105, 110)] + [121]
        fixed = {103: ("message 103, corrected", "2026-11-22T09:00:00+00:00"),
                 107: (DISCLOSURE, "2026-11-22T09:00:00+00:00")}
        summary = run_import(admin, "discord-export",
                             [_channel(tmp_path / "v2.json", newer, edits=fixed)])
        assert (summary.marked_deleted, summary.edited) == (2, 2)
        scanned = run_to_end(scan_job(admin))
        assert flagged(admin, "107") and scanned["safeguarding"]["edited"] == 2
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:  # offline, the lead imports an export from before that edit, with an earlier one
        earlier = {103: ("message 103, first try", "2026-11-21T12:00:00+00:00")}
        assert run_import(lead, "discord-export",
                          [_channel(tmp_path / "v1b.json", first, edits=earlier)]).edited == 1
    finally:
        lead.lock()
    for who in ("lead", "admin", "lead", "admin"):
        _sync(laptops, who)
    for who in ("admin", "lead"):  # the latest edit stands on both, whichever synced first
        ws = _open(laptops, who)
        try:
            assert _deleted(ws) == ["105", "110"]
            assert _count(ws, "SELECT count(*) FROM messages WHERE text = 'message 121'") == 1
            assert _text(ws, "103") == "message 103, corrected"
        finally:
            ws.lock()
    # The edit was scanned where it was imported; its flag travelled, and the lead's own scan
    # raises no second one for it
    lead = _open(laptops, "lead")
    try:
        raised = flagged(lead, "107")
        assert raised and "Edited on the platform" in flags.flag_detail(lead, raised[0].id
                                                                         ).reasons[0]
        run_to_end(scan_job(lead))
        assert len(flagged(lead, "107")) == len(raised)
    finally:
        lead.lock()
    _staff_digests_agree(laptops)
