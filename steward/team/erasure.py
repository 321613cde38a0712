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
says how many).

The global ids of imported rows name the platform's ids of the person's accounts (for
WhatsApp, a name or a phone number) wherever another row refers to them: a message's author,
a membership, the person, a reply's account. In every envelope, and in each laptop's own map
of global ids, such an id becomes an alias, `erased-` and an HMAC of the account under a random
salt the erasure carries (sealed like every operation): each laptop that applies the erasure
aliases its own map the same way, so a laptop that joins later, which sees only aliases, agrees
with them all, and nothing in the server's envelopes says what the account was (a laptop that
had not synced when the envelopes were rewritten finds the person by the alias). Left as they
are: the person's name or number written inside other people's message texts (a mention).

PostgreSQL keeps a replaced body as a dead row version until VACUUM reclaims it; the sync runs
VACUUM on the envelope table when the server lets it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
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
    """One erased person's rows on this laptop: local ids and global ids by table; `salt`
    and `accounts` ((source name, platform id) of their accounts) alias the ids that name
    their accounts."""

    name: str
    local: dict[str, set[int]]
    gids: dict[str, set[str]]
    person: str
    emails: set[str] = field(default_factory=set)
    salt: str | None = None
    accounts: set[tuple[str, str]] = field(default_factory=set)
    sources: dict[int, str] = field(default_factory=dict)  # snapshot source ids → names


def new_salt() -> str:
    return secrets.token_hex(16)


def alias(salt: str, source: str, platform_id: str) -> str:
    """What an erased account's platform id becomes in the team's global ids."""
    mac = hmac.new(bytes.fromhex(salt), json.dumps([source, platform_id]).encode(), "sha256")
    return f"erased-{mac.hexdigest()[:24]}"


def alias_gid(gid, salt: str | None, accounts: set[tuple[str, str]]):
    """A natural global id with each erased account in it (however deep) aliased."""
    if salt is None or not accounts or not isinstance(gid, str) or \
            not gid.startswith(state.NATURAL):
        return gid
    try:
        key = json.loads(gid[len(state.NATURAL) - 1:])
    except ValueError:
        return gid
    if not isinstance(key, list) or not key:
        return gid
    parts = [alias_gid(part, salt, accounts) for part in key]
    if parts[0] == "identities" and len(parts) == 3 and (parts[1], parts[2]) in accounts \
            and not str(parts[2]).startswith("erased-"):
        parts[2] = alias(salt, parts[1], parts[2])
    return gid if parts == key else state.natural_gid(*parts)


def _accounts_in(gid) -> set[tuple[str, str]]:
    """The accounts a natural global id names (however deep)."""
    if not isinstance(gid, str) or not gid.startswith(state.NATURAL):
        return set()
    try:
        key = json.loads(gid[len(state.NATURAL) - 1:])
    except ValueError:
        return set()
    if not isinstance(key, list) or not key:
        return set()
    found = set().union(*(_accounts_in(part) for part in key))
    if key[0] == "identities" and len(key) == 3:
        found.add((str(key[1]), str(key[2])))
    return found


def aliased_person(conn, gid: str, salt: str | None) -> int | None:
    """The person an erasure names by an aliased id, on a laptop that holds them under their
    accounts' own ids (it had not synced when the erasing laptop rewrote the envelopes)."""
    if salt is None or not gid.startswith(state.NATURAL) or "erased-" not in gid:
        return None
    for known, local in state.raw(conn).execute(
            "SELECT gid, local_id FROM team_ids WHERE tbl = 'persons' AND gid LIKE 'n[%'"):
        accounts = _accounts_in(known)
        if accounts and alias_gid(known, salt, accounts) == gid:
            return int(local)
    return None


def _scrub(value, salt: str, accounts: set[tuple[str, str]]):
    """Every natural global id inside an operation, aliased."""
    if isinstance(value, str):
        return alias_gid(value, salt, accounts)
    if isinstance(value, list):
        return [_scrub(v, salt, accounts) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, salt, accounts) for k, v in value.items()}
    return value


def accounts_of(conn, person: int) -> set[tuple[str, str]]:
    """The person's accounts as this laptop's map of global ids names them."""
    out: set[tuple[str, str]] = set()
    for (gid,) in state.raw(conn).execute(
            "SELECT t.gid FROM team_ids t JOIN identities i ON i.id = t.local_id "
            "WHERE t.tbl = 'identities' AND i.person_id = ? AND t.gid LIKE 'n[%'", (person,)):
        out |= {a for a in _accounts_in(gid) if not a[1].startswith("erased-")}
    return out


def alias_local(conn, person: int, salt: str | None) -> list[list[str]]:
    """An erasure applied here (or made here): every global id in this laptop's map that
    names one of the person's accounts, aliased as the server's envelopes are. Returns the
    accounts (for the redaction of the server's envelopes, on the laptop that erased)."""
    accounts = accounts_of(conn, person)
    if salt is None or not accounts:
        return [list(a) for a in accounts]
    raw = state.raw(conn)
    for _source, platform_id in accounts:
        for gid, in raw.execute("SELECT gid FROM team_ids WHERE instr(gid, ?) > 0",
                                (json.dumps(platform_id, ensure_ascii=False)[1:-1],)).fetchall():
            new = alias_gid(gid, salt, accounts)
            if new != gid:
                raw.execute("UPDATE OR REPLACE team_ids SET gid = ? WHERE gid = ?", (new, gid))
    return [list(a) for a in accounts]


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


def _blank(who: Erased, table: str, values: dict, key, source: str | None = None
           ) -> dict | None:
    """A row's values with the person's data taken out (None: the row goes). An account's
    platform id becomes its alias when its source is known (`source`), as the ids naming it."""
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
            platform_id = out[column]
            becomes = alias(who.salt, source, platform_id) if who.salt and source and \
                isinstance(platform_id, str) and not platform_id.startswith("erased-") else \
                f"erased-{hashlib.sha256(str(key).encode()).hexdigest()[:16]}"
        out[column] = becomes
    return out


def _source_of(who: Erased, values: dict) -> str | None:
    """The source name of an identity row (a snapshot row: a source id; else a global id)."""
    source = values.get("source_id")
    if isinstance(source, int):
        return who.sources.get(source)
    if isinstance(source, str) and source.startswith(state.NATURAL):
        key = json.loads(source[len(state.NATURAL) - 1:])
        return str(key[1]) if len(key) == 2 else None
    return None


def _emails(who: Erased, op: dict) -> None:
    """The person's addresses and accounts, as the envelopes hold them (the laptop has
    forgotten them), and the names of the snapshot's sources."""
    kind, table = op.get("type"), op.get("table")
    if kind == "snapshot.rows" and table == "sources":
        cols = op["columns"]
        for r in op["rows"]:
            row = dict(zip(cols, r, strict=True))
            who.sources[row["id"]] = row["name"]
    if table != "identities":
        return
    if kind == "snapshot.rows":
        cols = op["columns"]
        for r in op["rows"]:
            row = dict(zip(cols, r, strict=True))
            if row.get("id") not in who.local["identities"]:
                continue
            if row.get("email_normalised"):
                who.emails.add(row["email_normalised"])
            source = who.sources.get(row.get("source_id"))
            if source is not None and isinstance(row.get("platform_id"), str) and \
                    not row["platform_id"].startswith("erased-"):  # not redacted before
                who.accounts.add((source, row["platform_id"]))
    elif kind == "rows.put":
        for r in op["rows"]:
            if alias_gid(r["gid"], who.salt, who.accounts) in who.gids["identities"] and \
                    r["values"].get("email_normalised"):
                who.emails.add(r["values"]["email_normalised"])
    elif kind == "row.edit" and alias_gid(op["gid"], who.salt, who.accounts) in \
            who.gids["identities"] and op["values"].get("email_normalised"):
        who.emails.add(op["values"]["email_normalised"])


def redact_op(who: Erased, op: dict, volunteer_digest: str | None) -> dict | None:
    """The op with the person's data taken out, the ids naming their accounts aliased; None
    when it held none."""
    # Snapshot rows carry local ids, not global ids (their platform ids: _blank).
    scrubbed = op if not (who.salt and who.accounts) or \
        op.get("type") in ("snapshot.rows", "volunteer.part") else \
        _scrub(op, who.salt, who.accounts)
    out = _redact(who, scrubbed, volunteer_digest)
    if out is None and scrubbed != op:
        out = dict(scrubbed, redacted=True)
    return out


def _redact(who: Erased, op: dict, volunteer_digest: str | None) -> dict | None:
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
                row = _blank(who, table, row, f"{table}:{row.get(key)}", _source_of(who, row))
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
                values = _blank(who, table, r["values"], r["gid"], _source_of(who, r["values"]))
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


def people(conn, ids: state.Ids, erased: list) -> list[Erased]:
    """The rows of these erased people on this laptop: each {"person": global id as the
    erasure named them, "salt", "accounts"} (or, from before aliases, the global id alone)."""
    out = []
    for entry in erased:
        if isinstance(entry, str):
            entry = {"person": entry}
        salt = entry.get("salt")
        accounts = {tuple(a) for a in entry.get("accounts", ())}
        who = _rows(conn, ids, alias_gid(entry["person"], salt, accounts))
        if who is not None:
            who.salt, who.accounts = salt, accounts
            out.append(who)
    return out


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
