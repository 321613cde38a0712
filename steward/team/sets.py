"""Tags on people, "not the same person" marks, email statuses, cohorts, and messages a
re-import found deleted or edited on the platform, as operations.

A tag on a person and a pair of identities marked as different people are rows that are
either there or not: each travels as `set.put` with its key in global ids (a tag by its name,
a pair sorted) and whether it is there now. An email status (a mailing platform's word on an
address) travels as `email.status`, keyed by the address and its source's name. The same
SQLite triggers as edits.py note them in `team_changed` (`rid`: the two key ids as `a:b`, or
the status's id); a capture sends the row's state at that moment, so adding and removing a tag
between two syncs sends one "not there".

Cohorts (by join month, space or programme) are built from the data at one moment: a build
travels as its result (`cohorts.build`: every cohort of that kind with its people by global
id), and every laptop, the building one included, replaces its cohorts of that kind with it
in server order, so the last build to reach the server is the one every laptop keeps.

A message a newer whole export lacks is marked deleted by the import (ingest.mark_deleted):
that travels as `message.deleted` (the message by global id), a fact applied everywhere, never
a conflict. A message a re-import found edited on the platform (a later `edited_at`) travels
as `message.edited` with its text and edit time; every laptop keeps the latest edit, whatever
order the edits reach it in (the same edit time twice: the greater text, so all agree). An
erased person's messages take no text back.

Conflicts follow the team's rule: the same tag added on one laptop and removed on another
offline, or an address given two statuses — the first in server order stands, the other is
kept in `team_conflicts` and the audit chain, and its author is told. The same value twice is
no conflict. An erased person gets no tag back, and a status is kept only for an address a
member here still has (an erasure removes both).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from steward.connectors.ingest import NOT_ERASED
from steward.team import state

# table: its two key columns, each with the table it refers to (a tag by its name).
SETS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "person_tags": (("person_id", "persons"), ("tag_id", "tags")),
    "not_same_person": (("identity_a", "identities"), ("identity_b", "identities")),
}
EMAIL = "email_statuses"
COHORTS = "cohorts"
DELETED_MESSAGES = "messages"
EDITED_MESSAGES = "message_edits"  # team_changed.tbl of a message edited (rid: the message)
TABLES = (*SETS, EMAIL, COHORTS, DELETED_MESSAGES, EDITED_MESSAGES)


def triggers(quiet: str) -> list[str]:
    """`quiet`: the condition that silences them while another laptop's changes apply."""
    out = []
    for table, ((a, _), (b, _)) in SETS.items():
        for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS team_set_{table}_{event.lower()} AFTER {event} "
                f"ON {table} WHEN {quiet} BEGIN INSERT OR REPLACE INTO team_changed "
                f"(tbl, rid, old) VALUES ('{table}', {row}.\"{a}\" || ':' || {row}.\"{b}\", "
                "NULL); END")
    for event in ("INSERT", "UPDATE OF status, at"):
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS team_{EMAIL}_{event.split()[0].lower()} AFTER "
            f"{event} ON {EMAIL} WHEN {quiet} BEGIN INSERT OR IGNORE INTO team_changed "
            f"(tbl, rid, old) VALUES ('{EMAIL}', NEW.id, NULL); END")
    for event, row in (("INSERT", "NEW"), ("DELETE", "OLD")):
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS team_{COHORTS}_{event.lower()} AFTER {event} ON "
            f"{COHORTS} WHEN {quiet} BEGIN INSERT OR IGNORE INTO team_changed (tbl, rid, old) "
            f"VALUES ('{COHORTS}', {row}.kind, NULL); END")
    out.append(
        "CREATE TRIGGER IF NOT EXISTS team_messages_deleted AFTER UPDATE OF deleted ON messages "
        f"WHEN NEW.deleted = 1 AND OLD.deleted = 0 AND {quiet} BEGIN INSERT OR IGNORE INTO "
        f"team_changed (tbl, rid, old) VALUES ('{DELETED_MESSAGES}', NEW.id, NULL); END")
    out.append(
        "CREATE TRIGGER IF NOT EXISTS team_messages_edited AFTER UPDATE OF edited_at ON "
        "messages WHEN NEW.edited_at IS NOT NULL AND (OLD.edited_at IS NULL OR "
        f"NEW.edited_at > OLD.edited_at) AND {quiet} BEGIN INSERT OR IGNORE INTO team_changed "
        f"(tbl, rid, old) VALUES ('{EDITED_MESSAGES}', NEW.id, NULL); END")
    return out


# --- capture -----------------------------------------------------------------------------------

def capture_one(conn, ids: state.Ids, tbl: str, rid: Any, erased: set, seen: int
                ) -> dict | None:
    """The operation for one noted row (None: nothing to send)."""
    if tbl == COHORTS:
        return _cohorts_op(conn, ids, str(rid))
    if tbl == DELETED_MESSAGES:
        return {"type": "message.deleted", "message": ids.gid("messages", rid)}
    if tbl == EDITED_MESSAGES:
        row = conn.exec_driver_sql(f"SELECT text, edited_at FROM messages WHERE id = ? AND "
                                   f"{NOT_ERASED}", (rid,)).first()
        if row is None:
            return None  # erased since (the erasure travels itself)
        return {"type": "message.edited", "message": ids.gid("messages", rid),
                "text": row[0], "edited_at": str(row[1])}
    if tbl == EMAIL:
        row = conn.exec_driver_sql(
            "SELECT e.email_normalised, s.name, e.status, e.at FROM email_statuses e "
            "LEFT JOIN sources s ON s.id = e.source_id WHERE e.id = ?", (rid,)).first()
        if row is None:
            return None  # gone since (an erasure, which travels itself)
        return {"type": "email.status", "email": row[0], "source": row[1], "status": row[2],
                "at": None if row[3] is None else str(row[3]), "seen": seen}
    local = [int(x) for x in str(rid).split(":")]
    (ca, ta), (cb, tb) = SETS[tbl]
    if ta == "persons" and local[0] in erased:
        return None
    present = conn.exec_driver_sql(f'SELECT 1 FROM "{tbl}" WHERE "{ca}" = ? AND "{cb}" = ?',
                                   tuple(local)).first() is not None
    key = [_global(conn, ids, ref, v) for ref, v in ((ta, local[0]), (tb, local[1]))]
    if None in key:
        return None
    if ta == tb:
        key.sort()
    return {"type": "set.put", "table": tbl, "key": key, "present": present, "seen": seen}


def _cohorts_op(conn, ids: state.Ids, kind: str) -> dict:
    persons = ids.all_gids("persons")
    cohorts: dict[str, list[str]] = {}
    for name, person in conn.exec_driver_sql(
            "SELECT c.name, m.person_id FROM cohorts c LEFT JOIN cohort_members m "
            "ON m.cohort_id = c.id WHERE c.kind = ? ORDER BY c.name, m.person_id", (kind,)):
        cohorts.setdefault(name, [])
        if person in persons:
            cohorts[name].append(persons[person])
    return {"type": "cohorts.build", "kind": kind, "cohorts": cohorts}


def _global(conn, ids: state.Ids, ref: str, local: int) -> str | None:
    if ref == "tags":
        return conn.exec_driver_sql("SELECT name FROM tags WHERE id = ?", (local,)).scalar()
    return ids.gid(ref, local)


# --- apply -------------------------------------------------------------------------------------

def apply_set(applier, seq: int, device: str, own: bool, op: dict) -> None:
    """A tag or a "not the same person" mark added or taken away on a laptop."""
    table = op["table"]
    if table not in SETS:
        return
    value = {"present": bool(op["present"])}
    _stand_or_conflict(applier, seq, device, own, op, f"set:{table}:{json.dumps(op['key'])}",
                       value, "present", lambda v: _put_set(applier, table, op["key"], v),
                       lambda standing: _what_set(applier, table, op["key"], standing))


def apply_message_deleted(applier, op: dict) -> None:
    local = applier.ids.local("messages", op["message"])
    if local is not None:
        applier.conn.exec_driver_sql("UPDATE messages SET deleted = 1 WHERE id = ? AND "
                                     "deleted = 0", (local,))


def apply_message_edited(applier, op: dict) -> None:
    """The latest edit stands on every laptop, in whatever order the edits arrive. It is not
    noted for this laptop's scans (`message_edits`): the laptop that imported it scans it, and
    what that scan raises travels, as for the messages themselves (rows.py)."""
    local = applier.ids.local("messages", op["message"])
    if local is not None:
        at, text = op["edited_at"], op["text"]
        applier.conn.exec_driver_sql(
            "UPDATE messages SET text = ?, edited_at = ? WHERE id = ? AND (edited_at IS NULL OR "
            "edited_at < ? OR (edited_at = ? AND coalesce(text, '') < coalesce(?, ''))) AND "
            f"{NOT_ERASED}", (text, at, local, at, at, text))


def apply_cohorts(applier, op: dict) -> None:
    """A cohort build (this laptop's own too): the cohorts of its kind replaced by its
    result, people resolved by global id (those this laptop does not hold left out)."""
    if applier.session is None:
        return
    from steward.hygiene.groups import replace_cohorts

    local = {gid: pid for pid, gid in applier.ids.all_gids("persons").items()}
    replace_cohorts(applier.session, op["kind"],
                    [(local[gid], name) for name, members in op["cohorts"].items()
                     for gid in members if gid in local])


def apply_email(applier, seq: int, device: str, own: bool, op: dict) -> None:
    """An address's status from a mailing platform, imported on a laptop."""
    named = json.dumps([op.get("source"), op["email"]]).encode()
    subject = f"email:{hashlib.sha256(named).hexdigest()[:32]}"
    value = {"status": op["status"], "at": op.get("at")}
    _stand_or_conflict(
        applier, seq, device, own, op, subject, value, "status",
        lambda v: _put_email(applier, op["email"], op.get("source"), v),
        lambda standing: f"an email status (already {standing['status']})")


def _stand_or_conflict(applier, seq: int, device: str, own: bool, op: dict, subject: str,
                       value: dict, compared: str, put, what) -> None:
    stands, standing = applier._stands(subject, seq, device, op)
    if not stands and standing.get(compared) == value[compared]:
        stands = True  # the same value twice is no conflict
    actor = op.get("actor", "")
    if stands:
        applier._stand(subject, seq, device, f"{device}:{seq}", actor, value)
        if not own:
            put(value)
        return
    put(standing)
    applier._conflict(seq, subject, None, standing, {"op": f"{device}:{seq}", "actor": actor,
                                                     **value}, device, own,
                      f"{what(standing)}: already changed on another laptop by "
                      f"{standing['actor']}; yours is kept in the record, theirs stands")


def _what_set(applier, table: str, key: list, standing: dict) -> str:
    done = "added" if standing["present"] else "taken away"
    local = _locals(applier, table, key, make=False)
    if table == "person_tags":
        person = local[0] if local else "?"
        return f"tag {key[1]!r} on person {person} ({done})"
    pair = " and ".join(str(i) for i in local) if local else "?"
    return f"identities {pair} marked as not the same person ({done})"


def _locals(applier, table: str, key: list, make: bool) -> list[int] | None:
    conn = applier.conn
    out = []
    for (_column, ref), value in zip(SETS[table], key, strict=True):
        if ref != "tags":
            out.append(applier.ids.local(ref, value))
            continue
        tag = conn.exec_driver_sql("SELECT id FROM tags WHERE name = ?", (value,)).scalar()
        if tag is None and make:
            conn.exec_driver_sql("INSERT INTO tags (name) VALUES (?)", (value,))
            tag = conn.exec_driver_sql("SELECT last_insert_rowid()").scalar()
        out.append(tag)
    if None in out:
        return None
    return sorted(out) if SETS[table][0][1] == SETS[table][1][1] else out


def _put_set(applier, table: str, key: list, value: dict) -> None:
    present = bool(value["present"])
    local = _locals(applier, table, key, make=present)
    if local is None:
        return  # what it names never reached this laptop (or no such tag to take away)
    conn = applier.conn
    if table == "person_tags" and conn.exec_driver_sql(
            "SELECT erased_at IS NOT NULL FROM persons WHERE id = ?", (local[0],)).scalar():
        return
    (ca, _), (cb, _) = SETS[table]
    if present:
        conn.exec_driver_sql(f'INSERT OR IGNORE INTO "{table}" ("{ca}", "{cb}") VALUES (?, ?)',
                             tuple(local))
    else:
        conn.exec_driver_sql(f'DELETE FROM "{table}" WHERE "{ca}" = ? AND "{cb}" = ?',
                             tuple(local))


def _put_email(applier, email: str, source: str | None, value: dict) -> None:
    conn = applier.conn
    if conn.exec_driver_sql("SELECT 1 FROM identities WHERE email_normalised = ? LIMIT 1",
                            (email,)).first() is None:
        return  # no member here has that address (or it was erased)
    source_id = None
    if source is not None:
        source_id = conn.exec_driver_sql("SELECT id FROM sources WHERE name = ?",
                                         (source,)).scalar()
        if source_id is None:
            return
    held = conn.exec_driver_sql("SELECT id FROM email_statuses WHERE email_normalised = ? "
                                "AND source_id IS ?", (email, source_id)).scalar()
    if held is None:
        conn.exec_driver_sql("INSERT INTO email_statuses (email_normalised, source_id, status, "
                             "at) VALUES (?, ?, ?, ?)", (email, source_id, value["status"],
                                                         value.get("at")))
    else:
        conn.exec_driver_sql("UPDATE email_statuses SET status = ?, at = ? WHERE id = ?",
                             (value["status"], value.get("at"), held))
