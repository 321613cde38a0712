"""An erasure reaches the server (issue 19): after a person is erased on one laptop, the
server's envelopes hold nothing about them that the team's own keys can read, and a laptop
that joins afterwards ends in the same state as the others."""

from __future__ import annotations

import json

import psycopg

from steward.hygiene.consent import forget_person
from steward.jobs import run_to_end
from steward.team import keys as team_keys
from steward.team import sync as team
from tests.team.conftest import PASS
from tests.team.pgcluster import PASSWORD
from tests.team.test_team_sync import _digests, _open, _sync


def _server_ops(ws, url) -> list[str]:
    """Every staff and volunteer envelope on the server, opened with this laptop's team keys
    (what anyone holding them could read), as JSON text."""
    block = team.team_of(ws)
    keys = team._keys(ws, block)
    with psycopg.connect(url, password=PASSWORD) as conn:
        rows = conn.execute(
            "SELECT seq, team_id::text, tier, epoch, device_id::text, device_seq, op_id::text, "
            "body FROM steward_envelopes WHERE tier IN ('staff', 'volunteer') ORDER BY seq"
        ).fetchall()
    out = []
    for seq, team_id, tier, epoch, device, device_seq, op_id, body in rows:
        aad = team_keys.envelope_aad(team_id, tier, epoch, device, device_seq, op_id)
        op = team_keys.open_op(keys.key_at(epoch, tier), bytes(body), aad, f"#{seq}")
        out.append(json.dumps(op, ensure_ascii=False))
    return out


def _held(ops: list[str], secrets: list[str]) -> list[str]:
    return [s for s in secrets if any(s in op for op in ops)]


def _join_late(laptops, tmp_path, invitation, code, order) -> dict:
    """A laptop joins after the erasure, then the laptops in `order` sync."""
    (tmp_path / "late.invitation").write_text(json.dumps(invitation))
    laptops = dict(laptops, late=tmp_path / "late")
    run_to_end(team.join(tmp_path / "late.invitation", code, laptops["late"], PASS, PASSWORD))
    for who in order:
        _sync(laptops, who)
    return laptops


def test_an_erased_person_leaves_nothing_readable_on_the_server(laptops, team_server,
                                                                 tmp_path):
    admin = _open(laptops, "admin")
    try:
        with admin.engine.connect() as conn:
            person, name = conn.exec_driver_sql(
                "SELECT p.id, p.display_name FROM persons p JOIN identities i ON "
                "i.person_id = p.id JOIN messages m ON m.identity_id = i.id WHERE "
                "i.email IS NOT NULL AND length(m.text) > 30 GROUP BY p.id "
                "ORDER BY count(*) DESC LIMIT 1").first()
            emails = [r[0] for r in conn.exec_driver_sql(
                "SELECT email FROM identities WHERE person_id = ? AND email IS NOT NULL",
                (person,)).all()]
            texts = [r[0] for r in conn.exec_driver_sql(  # theirs alone (not a common line)
                "SELECT m.text FROM messages m JOIN identities i ON i.id = m.identity_id "
                "WHERE i.person_id = ? AND length(m.text) > 30 AND NOT EXISTS (SELECT 1 FROM "
                "messages o JOIN identities oi ON oi.id = o.identity_id WHERE o.text = m.text "
                "AND oi.person_id != i.person_id)", (person,)).all()]
        secrets = [json.dumps(name, ensure_ascii=False), *emails, *texts]
        assert texts and emails
        assert _held(_server_ops(admin, team_server), secrets) == secrets  # all there
        forget_person(admin, person)
        result = run_to_end(team.sync(admin, PASSWORD))
        assert _held(_server_ops(admin, team_server), secrets) == []
        assert result.redacted > 0
        invitation, code = team.invite(admin, "late", "steward", PASSWORD)
    finally:
        admin.lock()

    # The laptops that held the person erase them; one joining now starts from the redacted
    # history, applies the erasure, and agrees with them all.
    laptops = _join_late(laptops, tmp_path, invitation, code, ("lead", "vol", "late"))
    admin_digests = _digests(laptops, "admin")
    assert _digests(laptops, "lead") == admin_digests
    assert _digests(laptops, "late")["staff"] == admin_digests["staff"]
    assert _digests(laptops, "vol") == {"volunteer": admin_digests["volunteer"]}
    late = _open(laptops, "late")
    try:
        with late.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT erased_at IS NOT NULL, display_name FROM "
                                        "persons WHERE id = ?", (person,)).first() == \
                (1, f"Erased person {person}")
    finally:
        late.lock()


CHAT = "\n".join([
    '02/12/2026, 09:00 - Rhiannon Pryce created group "Riverside carers"',
    "02/12/2026, 09:05 - Rhiannon Pryce: Welcome everyone, the first meet-up is on Thursday",
    "02/12/2026, 09:07 - +44 7911 123987: Thanks, I will bring my accordion and the big urn",
    "02/12/2026, 09:09 - Gethin Morgan: Put me down for the hall on Thursday, with the kites",
    "02/12/2026, 09:12 - Rhiannon Pryce: Lovely, see you both there",
    ""])


def test_an_erasure_aliases_the_platform_ids_that_other_rows_refer_to(laptops, team_server,
                                                                      tmp_path):
    """WhatsApp names its accounts by phone number or name, and rows imported after the team
    was made travel under ids built from them (a message's author, a membership, the person).
    After an erasure no envelope holds them, and a laptop joining later agrees with the rest."""
    from tests.team.test_team_imports import _cli

    chat = tmp_path / "riverside.txt"
    chat.write_text(CHAT, encoding="utf-8")
    _cli("import", "whatsapp", str(chat), "--space", "Riverside carers", "--timezone",
         "Europe/London", "--date-order", "dmy", "--workspace", str(laptops["lead"]),
         "--profile", "lead")
    _sync(laptops, "lead")
    _sync(laptops, "admin")
    secrets = ["+44 7911 123987", "7911 123987", "7911123987", "Gethin Morgan",
               "bring my accordion", "with the kites"]
    admin = _open(laptops, "admin")
    try:
        with admin.engine.connect() as conn:
            people = [r[0] for r in conn.exec_driver_sql(
                "SELECT person_id FROM identities WHERE platform_id IN "
                "('+44 7911 123987', 'Gethin Morgan')").all()]
        assert len(people) == 2
        ops = _server_ops(admin, team_server)
        assert _held(ops, secrets[:1] + secrets[3:]) == secrets[:1] + secrets[3:]
        for person in people:
            forget_person(admin, person)
        run_to_end(team.sync(admin, PASSWORD))
        assert _held(_server_ops(admin, team_server), secrets) == []
        invitation, code = team.invite(admin, "late", "steward", PASSWORD)
    finally:
        admin.lock()
    laptops = _join_late(laptops, tmp_path, invitation, code, ("lead", "late", "admin"))
    staff = _digests(laptops, "admin")["staff"]
    assert _digests(laptops, "lead")["staff"] == staff
    assert _digests(laptops, "late")["staff"] == staff
    for who in ("admin", "lead", "late"):  # every laptop's own map of ids, too
        ws = _open(laptops, who)
        try:
            with ws.engine.connect() as conn:
                gids = [r[0] for r in conn.exec_driver_sql("SELECT gid FROM team_ids").all()]
                assert not [g for g in gids if "7911 123987" in g or "Gethin Morgan" in g], who
                assert any("Rhiannon Pryce" in g for g in gids), who
        finally:
            ws.lock()
