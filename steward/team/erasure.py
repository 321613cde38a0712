"""An erasure on the server (issue 19): what the team's envelopes held about an erased person.

The server cannot read an envelope, so it cannot find what names a person; the laptop that
erased them can. After pushing the erasure, that laptop's sync reads back every envelope of the
staff and volunteer tiers under a key it holds, takes the person's data out of each one that
holds some (their name and programme, their accounts' names, handles, emails, phones and
platform ids, their member details, message texts, membership requests, notes about them, 1:1
notes and follow-ups, consent wordings, queue labels, email statuses of their addresses, and
every earlier volunteer list) and seals it again in place: same envelope, same associated data
(team, tier, epoch, device, device change number, op id), so each device's run of changes
stays whole for the laptops that check it as they pull; the op says it was redacted. Laptops that
applied those envelopes erased the person when the erasure reached them; a laptop that joins
later applies the redacted history, then the erasure, and ends in the same state.

Left as they are: the safeguarding tier (flags and case entries are kept under their own
retention duty, as on every laptop) and envelopes under a key this laptop does not hold (it
says how many). The global ids of imported rows name the platform's ids of the person's
accounts (for WhatsApp, a name or phone number) wherever another row refers to them; those
references stay. PostgreSQL keeps a replaced body as a dead row version until VACUUM reclaims
it; the sync runs VACUUM on the envelope table when the server lets it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

from steward.team import keys as team_keys
from steward.team import state

log = logging.getLogger(__name__)

DROP = "drop"  # the row goes (member details: an erasure deletes them)
NAME = "name"  # the erased person's new display name
ERASED_ID = "erased-id"  # a platform id that names nothing
# table: personal column → what it becomes (or DROP: the whole row).
BLANK: dict[str, dict[str, object] | str] = {
    "persons": {"display_name": NAME, "programme": None},
    "identities": {"platform_id": ERASED_ID, "handle": None, "display_name": None,
                   "email": None, "email_normalised": None, "phone": None, "phone_e164": None},
    "member_details": DROP,
    "messages": {"text": None},
    "memberships": {"request_text": None},
    "notes": {"text": "[erased]"},
    "one_to_ones": {"notes": None},
    "follow_ups": {"text": "[erased]"},
    "consents": {"wording": None},
    "queue_items": {"label": ""},
}
TIERS = ("staff", "volunteer")
PULL = 200


@dataclass
class Erased:
    """One erased person's rows on this laptop: local ids and global ids by table."""

    name: str
    local: dict[str, set[int]]
    gids: dict[str, set[str]]
    person: str
    emails: set[str] = field(default_factory=set)


@dataclass
class Redacted:
    read: int = 0
    rewritten: int = 0
    not_opened: int = 0


def _rows(conn, ids: state.Ids, person_gid: str) -> Erased | None:
    person = ids.local("persons", person_gid)
    if person is None:
        return None

    def q(sql: str, *params) -> set[int]:
        return {r[0] for r in conn.exec_driver_sql(sql, params).all()}

    identities = q("SELECT id FROM identities WHERE person_id = ?", person)
    marks = ",".join("?" * len(identities)) or "NULL"
    messages = q(f"SELECT id FROM messages WHERE identity_id IN ({marks})", *identities)
    talks = q("SELECT id FROM one_to_ones WHERE person_id = ?", person)
    local = {
        "persons": {person},
        "identities": identities,
        "member_details": identities,
        "messages": messages,
        "memberships": q(f"SELECT id FROM memberships WHERE identity_id IN ({marks})",
                         *identities),
        "notes": q("SELECT id FROM notes WHERE subject_type = 'person' AND subject_id = ?",
                   person),
        "one_to_ones": talks,
        "follow_ups": q(f"SELECT id FROM follow_ups WHERE one_to_one_id IN "
                        f"({','.join('?' * len(talks)) or 'NULL'})", *talks),
        "consents": q("SELECT id FROM consents WHERE person_id = ?", person),
        "queue_items": q(f"SELECT id FROM queue_items WHERE identity_id IN ({marks}) OR "
                         f"message_id IN (SELECT id FROM messages WHERE identity_id IN "
                         f"({marks}))", *identities, *identities),
    }
    gids = {t: {ids.gid("identities" if t == "member_details" else t, i) for i in rows}
            for t, rows in local.items()}
    name = conn.exec_driver_sql("SELECT display_name FROM persons WHERE id = ?",
                                (person,)).scalar()
    return Erased(name, local, gids, person_gid)


def _blank(who: Erased, table: str, values: dict, key) -> dict | None:
    """A row's values with the person's data taken out (None: the row goes)."""
    spec = BLANK[table]
    if spec == DROP:
        return None
    out = dict(values)
    for column, becomes in spec.items():
        if column not in out:
            continue
        if becomes == NAME:
            becomes = who.name
        elif becomes == ERASED_ID:
            becomes = f"erased-{hashlib.sha256(str(key).encode()).hexdigest()[:16]}"
        out[column] = becomes
    return out


def _emails(who: Erased, op: dict) -> None:
    """The person's addresses, as the envelopes hold them (the laptop has forgotten them)."""
    kind, table = op.get("type"), op.get("table")
    if table != "identities":
        return
    if kind == "snapshot.rows":
        cols = op["columns"]
        for r in op["rows"]:
            row = dict(zip(cols, r, strict=True))
            if row.get("id") in who.local["identities"] and row.get("email_normalised"):
                who.emails.add(row["email_normalised"])
    elif kind == "rows.put":
        for r in op["rows"]:
            if r["gid"] in who.gids["identities"] and r["values"].get("email_normalised"):
                who.emails.add(r["values"]["email_normalised"])
    elif kind == "row.edit" and op["gid"] in who.gids["identities"] and \
            op["values"].get("email_normalised"):
        who.emails.add(op["values"]["email_normalised"])


def redact_op(who: Erased, op: dict, volunteer_digest: str | None) -> dict | None:
    """The op with the person's data taken out; None when it held none."""
    kind, table = op.get("type"), op.get("table")
    if kind == "volunteer.part":
        return None if op.get("digest") == volunteer_digest else \
            {"type": "redacted", "was": kind}
    if kind == "email.status":
        return {"type": "redacted", "was": kind} if op.get("email") in who.emails else None
    out = None
    if kind == "snapshot.rows" and (table in BLANK or table in ("email_statuses", "merges")):
        cols = op["columns"]
        key = "identity_id" if table == "member_details" else "id"
        at = cols.index(key) if key in cols else None
        rows, changed = [], False
        for r in op["rows"]:
            if table in BLANK and (at is None or r[at] not in who.local[table]):
                rows.append(r)  # another person's row (most of them)
                continue
            row = dict(zip(cols, r, strict=True))
            if table == "email_statuses":
                if row.get("email_normalised") in who.emails:
                    changed = True
                    continue
            elif table == "merges":
                new = _merge_before(who, row.get("before"))
                if new is not None:
                    row["before"], changed = new, True
            elif row.get(key) in who.local[table]:
                changed = True
                row = _blank(who, table, row, f"{table}:{row.get(key)}")
                if row is None:
                    continue
            rows.append([row[c] for c in cols])
        if changed:
            out = dict(op, rows=rows)
    elif kind == "rows.put" and table in BLANK:
        rows, changed = [], False
        for r in op["rows"]:
            if r["gid"] in who.gids[table]:
                changed = True
                values = _blank(who, table, r["values"], r["gid"])
                if values is None:
                    continue
                r = dict(r, values=values)
            rows.append(r)
        if changed:
            out = dict(op, rows=rows)
    elif kind == "row.edit" and table in BLANK and op["gid"] in who.gids[table]:
        values = _blank(who, table, op["values"], op["gid"])
        out = dict(op, values=values if values is not None else
                   {c: None for c in op["values"]})
    elif kind == "row.add" and table == "consents" and op["gid"] in who.gids["consents"]:
        out = dict(op, values=_blank(who, table, op["values"], op["gid"]))
    elif kind == "note.add" and (op["gid"] in who.gids["notes"] or (
            op.get("subject_type") == "person" and op.get("subject") == who.person)):
        out = dict(op, text="[erased]")
    elif kind == "message.edited" and op["message"] in who.gids["messages"]:
        out = dict(op, text=None)
    elif kind == "person.merge" and who.person in (op["into"], *op["persons"]):
        out = dict(op, values=_blank(who, "persons", op.get("values", {}), None))
    if out is not None:
        out["redacted"] = True
    return out


def _merge_before(who: Erased, before) -> str | None:
    """A merge's record of the people before it, without the erased person's name."""
    if not before:
        return None
    data = json.loads(before) if isinstance(before, str) else before
    touched = False
    for row in [data.get("into", {}), *data.get("absorbed", [])]:
        if isinstance(row, dict) and row.get("id") in who.local["persons"] and \
                (row.get("display_name") != who.name or row.get("programme") is not None):
            row["display_name"], row["programme"] = who.name, None
            touched = True
    if not touched:
        return None
    return json.dumps(data) if isinstance(before, str) else data


def people(conn, ids: state.Ids, person_gids: list[str]) -> list[Erased]:
    """The rows of these erased people on this laptop."""
    return [who for who in (_rows(conn, ids, g) for g in person_gids) if who is not None]


def redact(server, block: dict, keys, people: list[Erased],
           volunteer_digest: str | None) -> Redacted:
    """Rewrite, in place on the server, every envelope this laptop can open that holds data
    about these erased people (two passes: their addresses first, then the rewrite)."""
    done = Redacted()
    if not people:
        return done

    def envelopes():
        after = 0
        while True:
            batch = server.pull(block["id"], block["device"], after, list(TIERS), PULL)
            if not batch:
                return
            for e in batch:
                key = keys.key_at(e.epoch, e.tier)
                if key is None:
                    continue
                aad = team_keys.envelope_aad(block["id"], e.tier, e.epoch, e.device_id,
                                             e.device_seq, e.op_id)
                yield e, key, aad, team_keys.open_op(key, e.body, aad, f"envelope #{e.seq}")
            after = batch[-1].seq

    for _e, _key, _aad, op in envelopes():
        for who in people:
            _emails(who, op)
    for e, key, aad, op in envelopes():
        done.read += 1
        new = None
        for who in people:
            new = redact_op(who, new or op, volunteer_digest) or new
        if new is not None:
            server.replace_body(block["id"], block["device"], e.seq, e.op_id,
                                team_keys.seal_op(key, new, aad))
            done.rewritten += 1
    done.not_opened = server.count(block["id"], list(TIERS)) - done.read
    if done.rewritten:
        server.vacuum()
    return done
