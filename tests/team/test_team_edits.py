"""Edits after import travel as operations (issue 19): a space's setting, 1:1s with their
follow-ups, cadences, the library (added and removed) and erasures; the same field edited
offline on two laptops follows the explicit-conflict rule, different fields of one row both
stand."""

from __future__ import annotations

from datetime import datetime

from steward.engagement import connections, library
from steward.hygiene.consent import forget_person
from steward.safeguarding.spaces import set_space
from tests.team.test_team_sync import _digests, _open, _sync


def _one(ws, sql, *params):
    with ws.engine.connect() as conn:
        return conn.exec_driver_sql(sql, params).first()


def _people(ws):
    with ws.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql(
            "SELECT DISTINCT p.id FROM persons p JOIN identities i ON i.person_id = p.id "
            "WHERE p.erased_at IS NULL ORDER BY p.id").all()]


def test_edits_after_import_travel_and_conflicting_edits_are_explicit(laptops):
    for who in ("lead", "vol"):
        _sync(laptops, who)
    admin = _open(laptops, "admin")
    try:
        person, other = _people(admin)[:2]
        space = _one(admin, "SELECT id, name FROM spaces ORDER BY id")
        message = _one(admin, "SELECT id FROM messages WHERE text IS NOT NULL ORDER BY id")[0]
        set_space(admin, space[0], audience="young-people")
        talk = connections.log_one_to_one(
            admin, person, datetime(2026, 11, 30, 10, 0), "coffee", "member",
            notes="Wants to help run the Thursday group",
            follow_ups=[("Send the volunteer pack", datetime(2026, 12, 7))])
        resource = library.mark_as_resource(admin, message, title="How to join",
                                            tags=["welcome"])
        connections.set_cadence(admin, person, 30)
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:  # offline, before seeing any of that
        assert _one(lead, "SELECT id FROM spaces WHERE id = ?", space[0]) is not None
        set_space(lead, space[0], visibility="open")  # another field of the same space
        connections.set_cadence(lead, person, 14)  # the same field: a conflict
    finally:
        lead.lock()

    _sync(laptops, "admin")
    lead_result = _sync(laptops, "lead")
    assert any("1:1 cadence" in line and "already changed" in line
               for line in lead_result.conflicts), lead_result.conflicts
    _sync(laptops, "admin")
    d_admin, d_lead = _digests(laptops, "admin"), _digests(laptops, "lead")
    assert d_admin["staff"] == d_lead["staff"]

    lead = _open(laptops, "lead")
    try:
        assert _one(lead, "SELECT audience, visibility FROM spaces WHERE id = ?",
                    space[0]) == ("young_people", "open")
        assert _one(lead, "SELECT every_days FROM cadences WHERE person_id = ?",
                    person)[0] == 30  # the admin's reached the server first
        conflict = _one(lead, "SELECT overruled FROM team_conflicts WHERE subject LIKE "
                        "'field:cadences:%'")
        assert conflict is not None and '"value": 14' in conflict[0]  # kept in the record
        talk_here = _one(lead, "SELECT id, channel, notes FROM one_to_ones WHERE person_id = ?",
                         person)
        assert talk_here[1:] == ("coffee", "Wants to help run the Thursday group")
        follow = _one(lead, "SELECT id, text FROM follow_ups WHERE one_to_one_id = ?",
                      talk_here[0])
        assert follow[1] == "Send the volunteer pack"
        assert _one(lead, "SELECT title FROM resources WHERE message_id = ?",
                    message)[0] == "How to join"
        connections.complete_follow_up(lead, follow[0])
        with lead.engine.connect() as conn:
            events = conn.exec_driver_sql("SELECT count(*) FROM audit_events "
                                          "WHERE action = 'team.conflict'").scalar()
        assert events >= 1
    finally:
        lead.lock()
    admin = _open(laptops, "admin")
    try:
        forget_person(admin, other)
        library.remove_resource(admin, resource)
    finally:
        admin.lock()

    for who in ("lead", "admin", "lead", "vol"):
        _sync(laptops, who)
    d_admin, d_lead, d_vol = (_digests(laptops, w) for w in ("admin", "lead", "vol"))
    assert d_admin == d_lead
    assert d_vol == {"volunteer": d_admin["volunteer"]}
    admin = _open(laptops, "admin")
    try:
        assert _one(admin, "SELECT done_at IS NOT NULL FROM follow_ups WHERE one_to_one_id = ?",
                    talk)[0] == 1
    finally:
        admin.lock()
    lead = _open(laptops, "lead")
    try:
        erased = _one(lead, "SELECT erased_at IS NOT NULL, display_name FROM persons "
                      "WHERE id = ?", other)
        assert erased == (1, f"Erased person {other}")
        assert _one(lead, "SELECT count(*) FROM resources WHERE message_id = ?",
                    message)[0] == 0
        assert _one(lead, "SELECT count(*) FROM messages m JOIN identities i "
                    "ON i.id = m.identity_id WHERE i.person_id = ? AND m.text IS NOT NULL",
                    other)[0] == 0
    finally:
        lead.lock()
    # Nothing more to send or apply: every change was applied once.
    again = _sync(laptops, "lead")
    assert again.pushed == 0 and again.applied == 0 and not again.conflicts


def test_a_merge_undone_on_one_laptop_is_undone_on_the_others(laptops):
    """A merge every laptop holds, undone and made again before the next sync, stands on
    every laptop (the undoing travels before the new merge); undone again, it is undone."""
    from steward.hygiene.merge import merge, unmerge
    from tests.team.test_team_sync import _owner

    admin = _open(laptops, "admin")
    try:
        p1, p2 = _people(admin)[:2]
        moved = _owner(admin, p2)
        merged = merge(admin, p1, person_ids=[p2])
    finally:
        admin.lock()
    for who in ("admin", "lead"):
        _sync(laptops, who)
    lead = _open(laptops, "lead")
    try:
        assert _one(lead, "SELECT count(*) FROM persons WHERE id = ?", p2)[0] == 0
        assert set(moved) <= set(_owner(lead, p1))
    finally:
        lead.lock()
    admin = _open(laptops, "admin")
    try:
        unmerge(admin, merged)
        merged = merge(admin, p1, person_ids=[p2])
    finally:
        admin.lock()
    for who in ("admin", "lead", "admin"):
        _sync(laptops, who)
    lead = _open(laptops, "lead")
    try:
        assert _one(lead, "SELECT count(*) FROM persons WHERE id = ?", p2)[0] == 0
        assert set(moved) <= set(_owner(lead, p1))
        assert _one(lead, "SELECT count(*) FROM merges WHERE undone_at IS NULL")[0] == 1
    finally:
        lead.lock()
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]
    admin = _open(laptops, "admin")
    try:
        unmerge(admin, merged)
    finally:
        admin.lock()
    for who in ("admin", "lead", "admin"):
        _sync(laptops, who)
    _apart_on_the_lead(laptops, p2, moved)


def _apart_on_the_lead(laptops, p2, moved) -> None:
    """The lead's laptop holds `p2` again, with what it owned, no merge in force, and the
    same staff state as the admin's."""
    from tests.team.test_team_sync import _owner

    lead = _open(laptops, "lead")
    try:
        assert _one(lead, "SELECT count(*) FROM persons WHERE id = ?", p2)[0] == 1
        assert _owner(lead, p2) == moved
        assert _one(lead, "SELECT count(*) FROM merges WHERE undone_at IS NULL")[0] == 0
    finally:
        lead.lock()
    assert _digests(laptops, "admin")["staff"] == _digests(laptops, "lead")["staff"]


def test_a_merge_undone_before_the_next_sync_is_not_applied_on_the_others(laptops):
    """Merge, then undo it at once, then sync: the others receive the merge before its undo
    (not the other way round), so every laptop ends with the two people apart."""
    from steward.hygiene.merge import merge, unmerge
    from tests.team.test_team_sync import _owner

    admin = _open(laptops, "admin")
    try:
        p1, p2 = _people(admin)[:2]
        moved = _owner(admin, p2)
        unmerge(admin, merge(admin, p1, person_ids=[p2]))
    finally:
        admin.lock()
    for who in ("admin", "lead", "admin"):
        _sync(laptops, who)
    _apart_on_the_lead(laptops, p2, moved)

