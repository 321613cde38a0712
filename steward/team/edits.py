"""Edits after import, as operations: changes to rows the team already holds (a space's risk
setting, a person's name or programme, a member's contact details and member-list details, a
membership's status), rows made on one laptop that are not imports (1:1 conversations and
their follow-ups, cadences, the library), and erasures.

SQLite triggers, installed with the team's tables on staff laptops, note each changed row in
`team_changed` with its values from before its first change since the last capture. A capture
sends only the columns whose values differ, each column its own subject: two laptops editing
different fields of one member both stand; two editing the same field offline follow the
explicit-conflict rule (the first in server order stands, the other is kept in
`team_conflicts` and the audit chain, and its author is told). The triggers are silent while
another laptop's operations are applied: the `applying` marker is set and cleared inside the
applying transaction, so no other connection ever sees it.

A row made on a laptop and deleted there (a library item removed, a cadence cleared) is
deleted on the others. A merge undone (`unmerge`) is undone on every laptop that applied it;
merges and their undoing are noted here in the order they happen, and ops._merges sends
them in that order (an undo then the same merge again stands everywhere).
An erasure (`forget_person`) travels as its own operation and always wins: edits of an erased
person that arrive later are not applied. Tags, "not the same person" marks and email statuses
are noted by the same table and sent by sets.py.
"""

from __future__ import annotations

import json
from typing import Any

from steward.team import erasure, sets, state

# table: (key column, the table a key column refers to (rows keyed by another row), the
# columns whose edits travel, references among them: column → table).
EDITED: dict[str, tuple[str, str | None, tuple[str, ...], dict[str, str]]] = {
    "spaces": ("id", None, ("name", "visibility", "audience", "dormant", "silence_amber_days",
                            "silence_red_days", "entry_requirements", "size_cap",
                            "conversation_gap_minutes"), {}),
    "persons": ("id", None, ("display_name", "programme", "is_staff", "is_bot"), {}),
    "identities": ("id", None, ("handle", "display_name", "email", "email_normalised", "phone",
                                "phone_e164", "is_bot"), {}),
    "member_details": ("identity_id", "identities", ("first_name", "last_name", "address",
                                                     "town", "postcode", "date_of_birth",
                                                     "notes"), {}),
    "memberships": ("id", None, ("role", "status", "left_at"), {}),
}
# Rows made on a laptop (sent whole when new, then by edited column).
MADE: dict[str, tuple[str, str | None, tuple[str, ...], dict[str, str]]] = {
    "one_to_ones": ("id", None, ("person_id", "at", "channel", "agenda_set_by", "notes",
                                 "recorded_by"), {"person_id": "persons"}),
    "follow_ups": ("id", None, ("one_to_one_id", "text", "due", "done_at"),
                   {"one_to_one_id": "one_to_ones"}),
    "resources": ("id", None, ("message_id", "title", "tags", "note", "created_by",
                               "created_at"), {"message_id": "messages"}),
    "cadences": ("person_id", "persons", ("every_days",), {}),
}
SPEC = {**EDITED, **MADE}
ERASE = "erase"  # team_changed.tbl of an erasure (rid: the person)
MERGE = "merge"  # team_changed.tbl of a merge made here (rid: the merge); ops._merges
UNMERGE = "unmerge"  # team_changed.tbl of a merge undone (rid: the merge)
DELETED = "deleted"  # team_changed.old of a row made on a laptop and deleted since
# What a conflict line names (no personal data in it).
WHAT = {"spaces": "space", "persons": "person", "identities": "identity",
        "member_details": "member details of identity", "memberships": "membership",
        "one_to_ones": "1:1", "follow_ups": "follow-up", "resources": "library item",
        "cadences": "1:1 cadence of person"}

TABLE = """CREATE TABLE IF NOT EXISTS team_changed (tbl TEXT NOT NULL, rid INTEGER NOT NULL,
    old TEXT, PRIMARY KEY (tbl, rid))"""
QUIET = "NOT EXISTS (SELECT 1 FROM team_state WHERE key = 'applying')"


def _old(columns) -> str:
    return "json_object(" + ", ".join(f"'{c}', OLD.\"{c}\"" for c in columns) + ")"


def triggers() -> list[str]:
    out = []
    for table, (key, _ref, columns, _refs) in SPEC.items():
        cols = ", ".join(f'"{c}"' for c in columns)
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS team_edit_{table} AFTER UPDATE OF {cols} "
            f"ON {table} WHEN {QUIET} BEGIN INSERT OR IGNORE INTO team_changed (tbl, rid, old) "
            f"VALUES ('{table}', NEW.\"{key}\", {_old(columns)}); END")
    for table, (key, *_rest) in MADE.items():
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS team_made_{table} AFTER INSERT ON {table} "
            f"WHEN {QUIET} BEGIN INSERT OR REPLACE INTO team_changed (tbl, rid, old) "
            f"VALUES ('{table}', NEW.\"{key}\", NULL); END")
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS team_gone_{table} AFTER DELETE ON {table} "
            f"WHEN {QUIET} BEGIN INSERT OR REPLACE INTO team_changed (tbl, rid, old) "
            f"VALUES ('{table}', OLD.\"{key}\", '{DELETED}'); END")
    out.append(
        f"CREATE TRIGGER IF NOT EXISTS team_merge AFTER INSERT ON merges WHEN {QUIET} BEGIN "
        f"INSERT OR IGNORE INTO team_changed (tbl, rid, old) VALUES ('{MERGE}', NEW.id, NULL); "
        "END")
    out.append(
        "CREATE TRIGGER IF NOT EXISTS team_unmerge AFTER UPDATE OF undone_at ON merges "
        f"WHEN NEW.undone_at IS NOT NULL AND OLD.undone_at IS NULL AND {QUIET} BEGIN "
        f"INSERT OR IGNORE INTO team_changed (tbl, rid, old) VALUES ('{UNMERGE}', NEW.id, "
        "NULL); END")
    out.append(
        "CREATE TRIGGER IF NOT EXISTS team_erase_persons AFTER UPDATE OF erased_at ON persons "
        f"WHEN NEW.erased_at IS NOT NULL AND OLD.erased_at IS NULL AND {QUIET} BEGIN "
        f"INSERT OR IGNORE INTO team_changed (tbl, rid, old) VALUES ('{ERASE}', NEW.id, NULL); "
        "END")
    return out + sets.triggers(QUIET)


def ensure(conn) -> None:
    """The change table and its triggers (staff laptops: a volunteer store has no edits)."""
    conn.exec_driver_sql(TABLE)
    for statement in triggers():
        conn.exec_driver_sql(statement)


def quiet(conn, on: bool) -> None:
    """Silence the triggers for the rest of this transaction (another laptop's changes)."""
    if on:
        conn.exec_driver_sql("INSERT OR REPLACE INTO team_state (key, value) "
                             "VALUES ('applying', '1')")
    else:
        conn.exec_driver_sql("DELETE FROM team_state WHERE key = 'applying'")


def pending(conn) -> set[tuple[str, int]]:
    return {(t, r) for t, r in conn.exec_driver_sql("SELECT tbl, rid FROM team_changed").all()}


def forget_since(conn, before: set[tuple[str, int]]) -> None:
    """Drop what the triggers noted since `before` (changes a service made while applying
    another laptop's merge or erasure, which must not travel back)."""
    for tbl, rid in pending(conn) - before:
        conn.exec_driver_sql("DELETE FROM team_changed WHERE tbl = ? AND rid = ?", (tbl, rid))


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return str(a) == str(b) or (isinstance(a, bool | int | float) and
                                isinstance(b, bool | int | float) and float(a) == float(b))


def _row_gid(ids: state.Ids, table: str, key_value: int) -> str | None:
    ref = SPEC[table][1]
    return ids.gid(ref or table, key_value)


def _person_of(conn, table: str, key_value: int) -> int | None:
    if table == "persons":
        return key_value
    if table in ("identities", "member_details"):
        return conn.exec_driver_sql("SELECT person_id FROM identities WHERE id = ?",
                                    (key_value,)).scalar()
    return None


def capture(conn, ids: state.Ids, seen: int) -> list[dict]:
    """The edits noted since the last capture, as operations (then forgotten here)."""
    changed = conn.exec_driver_sql(
        "SELECT tbl, rid, old FROM team_changed ORDER BY rowid").all()
    if not changed:
        return []
    erased = {rid for tbl, rid, _ in changed if tbl == ERASE}
    out: list[dict] = []
    for tbl, rid, old in changed:
        if tbl == ERASE:
            row = conn.exec_driver_sql("SELECT display_name, erased_at FROM persons "
                                       "WHERE id = ?", (rid,)).first()
            # The salt of the aliases of their accounts' ids (erasure.py).
            out.append({"type": "person.erase", "person": ids.gid("persons", rid),
                        "salt": erasure.new_salt(),
                        "display_name": row[0] if row else None,
                        "erased_at": row[1] if row else None})
            continue
        if tbl in sets.TABLES:
            op = sets.capture_one(conn, ids, tbl, rid, erased, seen)
            if op is not None:
                out.append(op)
            continue
        if tbl not in SPEC or (erased and _person_of(conn, tbl, rid) in erased):
            continue
        key, _ref, columns, refs = SPEC[tbl]
        if old == DELETED:
            out.append({"type": "row.delete", "table": tbl, "gid": _row_gid(ids, tbl, rid)})
            continue
        row = conn.exec_driver_sql(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "{tbl}" '
            f'WHERE "{key}" = ?', (rid,)).first()
        if row is None:
            continue  # deleted since (deletions do not travel)
        values = dict(zip(columns, row, strict=True))
        if old is not None:
            before = json.loads(old)
            values = {c: v for c, v in values.items() if not _same(before.get(c), v)}
            if not values:
                continue
        sent = {c: (ids.gid(refs[c], v) if c in refs and v is not None else state.jsonable(v))
                for c, v in values.items()}
        out.append({"type": "row.edit", "table": tbl, "gid": _row_gid(ids, tbl, rid),
                    "new": old is None, "values": sent, "seen": seen})
    conn.exec_driver_sql("DELETE FROM team_changed")
    return out


def _local(applier, table: str, gid: str) -> int | None:
    key, ref, _columns, _refs = SPEC[table]
    found = applier.ids.local(ref or table, gid)
    if found is None:
        return None
    exists = applier.conn.exec_driver_sql(
        f'SELECT 1 FROM "{table}" WHERE "{key}" = ?', (found,)).first()
    return found if exists else None


def _resolve(applier, table: str, column: str, value: Any) -> tuple[bool, Any]:
    ref = SPEC[table][3].get(column)
    if ref is None or value is None:
        return True, state.unjson(value)
    local = applier.ids.local(ref, value)
    return local is not None, local


def apply_edit(applier, seq: int, device: str, own: bool, op: dict) -> None:
    """Another laptop's edit (or this one's, back in server order), field by field."""
    table, gid = op["table"], op["gid"]
    if table not in SPEC:
        return
    key, ref, columns, _refs = SPEC[table]
    conn = applier.conn
    local = _local(applier, table, gid)
    if local is None:
        if not op.get("new") or own:
            return  # a row this laptop does not hold (or no longer)
        values: dict[str, Any] = {}
        for column, value in op["values"].items():
            if column not in columns:
                continue
            ok, values[column] = _resolve(applier, table, column, value)
            if not ok:
                return  # what it belongs to never reached this laptop
        if ref is not None:
            keyed = applier.ids.local(ref, gid)
            if keyed is None:
                return
            values[key] = keyed
        names = ", ".join(f'"{c}"' for c in values)
        conn.exec_driver_sql(f'INSERT INTO "{table}" ({names}) VALUES '
                             f'({", ".join("?" for _ in values)})', tuple(values.values()))
        if ref is None:
            applier.ids.map(table, gid, int(conn.exec_driver_sql(
                "SELECT last_insert_rowid()").scalar()))
        else:  # keyed by another row: another laptop may make the same row, so it stands
            for column, value in op["values"].items():
                applier._stand(f"field:{table}:{gid}:{column}", seq, device, f"{device}:{seq}",
                               op.get("actor", ""), {"value": value})
        return
    if op.get("new") and ref is None and own:
        return  # this laptop's own new row, back in server order
    person = _person_of(conn, table, local)
    if person is not None and conn.exec_driver_sql(
            "SELECT erased_at IS NOT NULL FROM persons WHERE id = ?", (person,)).scalar():
        return  # erased here: an edit from before the erasure does not bring data back
    for column, value in op["values"].items():
        if column not in columns:
            continue
        subject = f"field:{table}:{gid}:{column}"
        stands, standing = applier._stands(subject, seq, device, op)
        if not stands and _same(standing["value"], value):
            stands = True  # the same value twice is no conflict
        if stands:
            applier._stand(subject, seq, device, f"{device}:{seq}", op.get("actor", ""),
                           {"value": value})
            if not own:
                _set(applier, table, key, local, column, value)
            continue
        _set(applier, table, key, local, column, standing["value"])
        applier._conflict(
            seq, subject, local, standing,
            {"op": f"{device}:{seq}", "actor": op.get("actor", ""), "value": value}, device, own,
            f"{WHAT[table]} {local} ({column}): already changed on another laptop by "
            f"{standing['actor']}; yours is kept in the record, theirs stands")


def apply_delete(applier, own: bool, op: dict) -> None:
    """A library item, cadence, 1:1 or follow-up deleted on another laptop."""
    table = op["table"]
    if own or table not in MADE:
        return
    local = _local(applier, table, op["gid"])
    if local is not None:
        applier.conn.exec_driver_sql(f'DELETE FROM "{table}" WHERE "{MADE[table][0]}" = ?',
                                     (local,))


def _set(applier, table: str, key: str, local: int, column: str, value: Any) -> None:
    ok, resolved = _resolve(applier, table, column, value)
    if ok:
        applier.conn.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?',
                                     (resolved, local))
