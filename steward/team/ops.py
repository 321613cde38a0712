"""Operations: local changes recorded with stable global ids, and applied on other laptops.

Capture reads what changed on this laptop since the last capture (decisions and notes on the
queue, consent, settings; for leads, case entries and flag status changes) and turns each into
an operation; apply writes another laptop's operation into this laptop's store, once.

Conflicts are explicit. A decision, a flag status change or a setting carries `seen`, the
server position its author had synced to. When two laptops change the same subject and
neither had seen the other's change, the first in server order stands; the second is kept
(its decision row and reason stay in the record), listed in `team_conflicts` and in the audit
chain, and its author is told "already decided by X".
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from steward.team import sets, state, trust

log = logging.getLogger(__name__)

# Staff tables copied in the workspace snapshot a new laptop starts from. Everything else
# (the audit chain, case entries, the platform outbox, the team's own tables) is not: each
# laptop keeps its own chain, case entries go under the safeguarding key, and only the
# laptop that decided acts on the platform.
SNAPSHOT_SKIP = {"audit_events", "case_entries", "outbox_actions", "alembic_version"}
SNAPSHOT_BLANK = {"flags": {"details_enc": None, "outcome_enc": None}}
# Settings that belong to one laptop, never sent.
LOCAL_SETTINGS = ("backup.", "ui.", "team.", "projection.", "demo.")
DONE_STATUS = {"approve": "approved", "remove": "removed", "escalate": "escalated",
               "snooze": "snoozed"}
# Foreign keys of the rows carried as they are: column → table.
ROW_REFS = {
    "notes": {},  # subject_id is translated by subject_type
    "consents": {"person_id": "persons"},
}


@dataclass
class Applied:
    """What one sync did on this laptop."""

    applied: int = 0
    conflicts: list[str] | None = None

    def __post_init__(self):
        self.conflicts = self.conflicts or []


def _cols(conn, table: str) -> list[str]:
    return [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()]


_jsonable = state.jsonable
_unjson = state.unjson


# --- the workspace snapshot (what `team create` pushes) ----------------------------------------

def snapshot_tables(conn) -> list[str]:
    names = [r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'team_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").all()]
    from steward.store.models import Base

    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}  # parents first
    names = [n for n in names if n not in SNAPSHOT_SKIP and "_fts" not in n]
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def snapshot_ops(conn, batch: int = 2000, start: tuple[str, int] | None = None):
    """The staff snapshot as operations of at most `batch` rows, table by table, read a batch
    at a time (by rowid, so memory stays bounded whatever the workspace's size). Yields
    (op, (table, last rowid)); `start` resumes after such a position."""
    tables = snapshot_tables(conn)
    if start is not None and start[0] in tables:
        tables = tables[tables.index(start[0]):]
    for table in tables:
        cols = _cols(conn, table)
        blank = SNAPSHOT_BLANK.get(table, {})
        names = ", ".join(chr(34) + c + chr(34) for c in cols)
        after = start[1] if start is not None and start[0] == table else -(2**63)
        while True:
            rows = conn.exec_driver_sql(
                f'SELECT rowid, {names} FROM "{table}" WHERE rowid > ? ORDER BY rowid '
                f"LIMIT {int(batch)}", (after,)).all()
            if not rows:
                break
            after = rows[-1][0]
            part = [[_jsonable(blank.get(c, v)) if c in blank else _jsonable(v)
                     for c, v in zip(cols, r[1:], strict=True)] for r in rows]
            yield ({"type": "snapshot.rows", "table": table, "columns": cols, "rows": part},
                   (table, after))
            if len(rows) < batch:
                break


def apply_snapshot_rows(conn, op: dict) -> int:
    table, cols = op["table"], op["columns"]
    present = set(_cols(conn, table))
    keep = [i for i, c in enumerate(cols) if c in present]
    names = ", ".join(f'"{cols[i]}"' for i in keep)
    marks = ", ".join("?" for _ in keep)
    rows = [tuple(_unjson(r[i]) for i in keep) for r in op["rows"]]
    if not rows:
        return 0
    conn.exec_driver_sql(f'INSERT OR REPLACE INTO "{table}" ({names}) VALUES ({marks})', rows)
    if "id" in cols:
        top = max((r[cols.index("id")] for r in op["rows"]
                   if isinstance(r[cols.index("id")], int)), default=0)
        seen = state.get(conn, "snapshot_max", {})
        seen[table] = max(seen.get(table, 0), top)
        state.put(conn, "snapshot_max", seen)
    return len(rows)


# --- capture -----------------------------------------------------------------------------------

def _since(conn, table: str, cols: str) -> list:
    marks = state.get(conn, "captured", {})
    return conn.exec_driver_sql(f'SELECT {cols} FROM "{table}" WHERE id > ? ORDER BY id',
                                (marks.get(table, 0),)).all()


def _mark(conn, table: str) -> None:
    marks = state.get(conn, "captured", {})
    top = conn.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{table}"').scalar()
    marks[table] = int(top)
    state.put(conn, "captured", marks)


def mark_all_captured(conn) -> None:
    from steward.team import rows

    rows.mark_all(conn)
    for table in ("decisions", "notes", "consents", "case_entries", "merges"):
        _mark(conn, table)
    state.put(conn, "settings_sent", _settings_hashes(conn))


def _settings_hashes(conn) -> dict[str, str]:
    return {k: _setting_hash(v)
            for k, v in conn.exec_driver_sql("SELECT key, value FROM settings").all()
            if not k.startswith(LOCAL_SETTINGS)}


def _setting_hash(value: Any) -> str:
    """A setting's value as compared between syncs (SQLite may hand back a number)."""
    return hashlib.sha256(("null" if value in (None, "") else str(value)).encode()).hexdigest()


def capture_staff(conn, ids: state.Ids, seen: int) -> list[dict]:
    """This laptop's new queue decisions, notes, consent records and settings."""
    ops: list[dict] = []
    decisions = conn.exec_driver_sql(
        "SELECT d.id, d.queue_item_id, d.action, d.reason, d.actor, d.at, d.undoes_id, "
        "q.snoozed_until FROM decisions d JOIN queue_items q ON q.id = d.queue_item_id "
        "WHERE d.id > ? ORDER BY d.id",
        (state.get(conn, "captured", {}).get("decisions", 0),)).all()
    for did, item, action, reason, actor, at, undoes, snoozed in decisions:
        if not ids.is_own("decisions", did):
            continue
        ops.append({"type": "queue.decide", "gid": ids.gid("decisions", did),
                    "item": ids.gid("queue_items", item), "action": action, "reason": reason,
                    "actor": actor, "at": str(at), "undoes": ids.gid("decisions", undoes),
                    "snoozed_until": snoozed, "seen": seen})
    _mark(conn, "decisions")
    for nid, subject_type, subject_id, author, text, at in _since(
            conn, "notes", "id, subject_type, subject_id, author, text, at"):
        if not ids.is_own("notes", nid):
            continue
        table = {"queue_item": "queue_items", "person": "persons"}.get(subject_type)
        if table is None:
            continue
        ops.append({"type": "note.add", "gid": ids.gid("notes", nid),
                    "subject_type": subject_type, "subject": ids.gid(table, subject_id),
                    "author": author, "text": text, "at": str(at)})
    _mark(conn, "notes")
    cols = _cols(conn, "consents")
    for row in _since(conn, "consents", ", ".join(f'"{c}"' for c in cols)):
        values = dict(zip(cols, row, strict=True))
        if not ids.is_own("consents", values["id"]):
            continue
        gid = ids.gid("consents", values.pop("id"))
        values["person_id"] = ids.gid("persons", values["person_id"])
        ops.append({"type": "row.add", "table": "consents", "gid": gid, "values": values})
    _mark(conn, "consents")
    ops.extend(_merges(conn, ids, seen))
    sent = state.get(conn, "settings_sent", {})
    now = _settings_hashes(conn)
    for key, digest in sorted(now.items()):
        if sent.get(key) != digest:
            value = conn.exec_driver_sql("SELECT value FROM settings WHERE key = ?",
                                         (key,)).scalar()
            ops.append({"type": "setting.set", "key": key, "value": value, "seen": seen})
    state.put(conn, "settings_sent", now)
    return ops


def _merges(conn, ids: state.Ids, seen: int) -> list[dict]:
    """This laptop's merges and merges undone, in the order they were made (noted in that
    order by the triggers of edits.py), so the others replay them in the same order: a merge
    undone and made again before a sync stands, one made then undone does not. A merge from
    before its trigger existed goes first."""
    from steward.team.edits import MERGE, UNMERGE

    noted = conn.exec_driver_sql("SELECT tbl, rid FROM team_changed WHERE tbl IN (?, ?) "
                                 "ORDER BY rowid", (MERGE, UNMERGE)).all()
    made = {rid for tbl, rid in noted if tbl == MERGE}
    order = [(MERGE, mid) for (mid,) in _since(conn, "merges", "id") if mid not in made]
    out = []
    for tbl, mid in order + [tuple(r) for r in noted]:
        if tbl == UNMERGE:
            out.append({"type": "person.unmerge", "merge": ids.gid("merges", mid)})
            continue
        row = conn.exec_driver_sql("SELECT into_person_id, before, actor, at FROM merges "
                                   "WHERE id = ?", (mid,)).first()
        if row is None or not ids.is_own("merges", mid):
            continue
        into, before, actor, at = row
        before = json.loads(before) if isinstance(before, str) else before
        absorbed = [p["id"] for p in before.get("absorbed", [])]
        moved = [int(i) for i, pid in before.get("identities", {}).items()
                 if pid not in absorbed]
        out.append({"type": "person.merge", "gid": ids.gid("merges", mid),
                    "into": ids.gid("persons", into),
                    "persons": [ids.gid("persons", p) for p in absorbed],
                    "identities": [ids.gid("identities", i) for i in moved],
                    "values": _person_values(conn, into), "actor": actor, "at": str(at),
                    "seen": seen})
    _mark(conn, "merges")
    conn.exec_driver_sql("DELETE FROM team_changed WHERE tbl IN (?, ?)", (MERGE, UNMERGE))
    return out


MERGED_FIELDS = ("display_name", "programme", "is_staff")


def _person_values(conn, person_id: int) -> dict:
    row = conn.exec_driver_sql(f"SELECT {', '.join(MERGED_FIELDS)} FROM persons WHERE id = ?",
                               (person_id,)).first()
    return dict(zip(MERGED_FIELDS, row, strict=True)) if row else {}


def capture_safeguarding(conn, ids: state.Ids, cipher, row_field, seen: int) -> list[tuple]:
    """A lead's new case entries (safeguarding tier) and the flag status changes among them
    (staff tier, so stewards' laptops know whether a flag is open). Returns (tier, op)."""
    out: list[tuple] = []
    for eid, flag_id, person_id, kind, author, at, amends, body_enc in _since(
            conn, "case_entries",
            "id, flag_id, person_id, kind, author, at, amends_id, body_enc"):
        if not ids.is_own("case_entries", eid):
            continue
        body = json.loads(cipher.decrypt(body_enc, row_field("case_entries", eid, "body_enc")))
        if "person_id" in body:
            body["person_id"] = ids.gid("persons", body["person_id"])
        if person_id is not None:
            body["person_id"] = ids.gid("persons", person_id)
        flag = ids.gid("flags", flag_id)
        gid = ids.gid("case_entries", eid)
        if kind == "status" and flag is not None:
            times = conn.exec_driver_sql("SELECT closed_at, retain_until FROM flags "
                                         "WHERE id = ?", (flag_id,)).first()
            out.append(("staff", {"type": "flag.status", "flag": flag, "entry": gid,
                                  "from": body.get("from"), "to": body.get("to"),
                                  "closed_at": times[0] if body.get("to") == "closed" else None,
                                  "retain_until": times[1] if body.get("to") == "closed"
                                  else None, "actor": author, "seen": seen}))
        out.append(("safeguarding", {"type": "case.entry", "gid": gid, "flag": flag,
                                     "kind": kind, "author": author, "at": str(at),
                                     "amends": ids.gid("case_entries", amends), "body": body}))
    _mark(conn, "case_entries")
    return out


def safeguarding_snapshot(conn, ids: state.Ids, cipher, row_field,
                          only_flags: list[int] | None = None) -> dict:
    """Every flag's sealed metadata and details, and every case entry, opened for the
    safeguarding tier (sealed again under the team's safeguarding key). With `only_flags`:
    those flags' contents, and no case entry (new flags raised by a scan)."""
    flags = []
    rows = conn.exec_driver_sql(
        "SELECT id, details_enc, outcome_enc FROM flags ORDER BY id").all()
    if only_flags is not None:
        wanted = set(only_flags)
        rows = [r for r in rows if r[0] in wanted]
    for fid, details, outcome in rows:
        body = json.loads(cipher.open_dropbox(details, row_field("flags", fid, "details_enc"))
                          or "{}") if details is not None else {}
        for key, table in (("message_id", "messages"), ("person_id", "persons"),
                           ("space_id", "spaces")):
            if body.get(key) is not None:
                body[key] = ids.gid(table, body[key])
        out = cipher.open_dropbox(outcome, row_field("flags", fid, "outcome_enc")) \
            if outcome is not None else None
        flags.append({"flag": ids.gid("flags", fid), "details": body, "outcome": out})
    entries = []
    for eid, flag_id, person_id, kind, author, at, amends, body_enc in ([] if only_flags
            is not None else conn.exec_driver_sql(
            "SELECT id, flag_id, person_id, kind, author, at, amends_id, body_enc "
            "FROM case_entries ORDER BY id").all()):
        body = json.loads(cipher.decrypt(body_enc, row_field("case_entries", eid, "body_enc")))
        if body.get("person_id") is not None:
            body["person_id"] = ids.gid("persons", body["person_id"])
        if person_id is not None:
            body["person_id"] = ids.gid("persons", person_id)
        entries.append({"type": "case.entry", "gid": ids.gid("case_entries", eid),
                        "flag": ids.gid("flags", flag_id), "kind": kind, "author": author,
                        "at": str(at), "amends": ids.gid("case_entries", amends), "body": body})
    return {"type": "safeguarding.snapshot", "flags": flags, "entries": entries}


# --- apply -------------------------------------------------------------------------------------

class Applier:
    """Applies operations in server order on one laptop (inside the caller's transaction)."""

    def __init__(self, conn, ids: state.Ids, ws, result: Applied, audit_session=None,
                 team_keys=None):
        self.conn, self.ids, self.ws, self.result = conn, ids, ws, result
        self.raw = ids.raw
        self.session = audit_session
        self.team_keys = team_keys
        # The conflicts' audit events, appended together (audit.record_many) by `finish`.
        self.audits: list[tuple[str, int | None, dict]] = []

    def finish(self) -> None:
        """Append the audit events of the conflicts applied so far (in their order)."""
        if self.audits and self.session is not None:
            from steward.store import audit

            audit.record_many(self.session, self.ws.actor, "team.conflict", self.audits)
        self.audits = []

    def apply(self, seq: int, device: str, op: dict) -> None:
        own = device == self.ids.device
        kind = op["type"]
        if kind == "snapshot.rows":
            if not own and self.ids.origin != self.ids.device:
                apply_snapshot_rows(self.conn, op)
                self.ids.snapshot_grew(state.get(self.conn, "snapshot_max", {}))
        elif kind == "safeguarding.snapshot":
            if not own:
                self._safeguarding_snapshot(op)
        elif kind == "device.key":
            trust.note_claim(self.conn, "device", op)
        elif kind == "invite.key":
            trust.note_invite(self.conn, op)
        elif kind == "keys.request":
            if not own:
                trust.note_claim(self.conn, "request", op)
                # Kept signed or not: the laptop that answers refuses what is not signed.
                body = op.get("body") or {k: op.get(k) for k in ("device", "role", "since",
                                                                  "public")}
                requests = state.get(self.conn, "key_requests", [])
                requests = requests if isinstance(requests, list) else []
                requests.append({"body": body, "sig": op.get("sig")})
                state.put(self.conn, "key_requests", requests[-200:])
        elif kind == "rows.put":
            if not own:
                from steward.team import rows

                rows.apply(self.conn, self.ids, op)
                if op["table"] == "flags":
                    self._sealed_flags(device, op)
        elif kind == "row.edit":
            from steward.team import edits

            edits.apply_edit(self, seq, device, own, op)
        elif kind == "row.delete":
            from steward.team import edits

            edits.apply_delete(self, own, op)
        elif kind == "set.put":
            sets.apply_set(self, seq, device, own, op)
        elif kind == "email.status":
            sets.apply_email(self, seq, device, own, op)
        elif kind == "cohorts.build":
            self.finish()  # the cohorts service writes through the session
            sets.apply_cohorts(self, op)
        elif kind == "message.deleted":
            if not own:
                sets.apply_message_deleted(self, op)
        elif kind == "message.edited":
            if not own:
                sets.apply_message_edited(self, op)
        elif kind == "queue.decide":
            self._decide(seq, device, own, op)
        elif kind == "note.add":
            if not own:
                self._note(op)
        elif kind == "row.add":
            if not own:
                self._row(op)
        elif kind == "setting.set":
            self._setting(seq, device, own, op)
        elif kind == "flag.status":
            self._flag_status(seq, device, own, op)
        elif kind == "case.entry" and not own:
            self._case_entry(op)
        self.result.applied += 1

    # --- standing and conflicts

    def _stands(self, subject: str, seq: int, device: str, op: dict) -> tuple[bool, dict | None]:
        row = self.raw.execute(
            "SELECT seq, device, op_id, actor, value FROM team_standing WHERE subject = ?",
            (subject,)).fetchone()
        if row is None or row[0] <= int(op.get("seen", 0)) or row[1] == device:
            return True, None
        return False, {"seq": row[0], "device": row[1], "op": row[2], "actor": row[3],
                       **json.loads(row[4])}

    def _stand(self, subject: str, seq: int, device: str, op_id: str, actor: str,
               value: dict) -> None:
        self.raw.execute(
            "INSERT OR REPLACE INTO team_standing (subject, seq, device, op_id, actor, value) "
            "VALUES (?, ?, ?, ?, ?, ?)", (subject, seq, device, op_id, actor, json.dumps(value)))

    def _conflict(self, seq: int, subject: str, local_id: int | None, standing: dict,
                  overruled: dict, device: str, own: bool, line: str) -> None:
        self.raw.execute(
            "INSERT INTO team_conflicts (seq, subject, local_id, standing, overruled, "
            "overruled_device) VALUES (?, ?, ?, ?, ?, ?)",
            (seq, subject, local_id, json.dumps(standing), json.dumps(overruled), device))
        self.audits.append((subject.split(":", 1)[0], local_id,
                            {"seq": seq, "standing_op": standing.get("op"),
                             "overruled_device": device}))
        if own:
            self.result.conflicts.append(line)

    # --- queue

    def _decide(self, seq: int, device: str, own: bool, op: dict) -> None:
        item = self.ids.local("queue_items", op["item"])
        if item is None:
            return  # an item this laptop does not hold (made after the snapshot elsewhere)
        if not own:
            made = self.raw.execute(
                "INSERT INTO decisions (queue_item_id, action, reason, actor, at, undoes_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (item, op["action"], op["reason"], op["actor"], op["at"],
                 self.ids.local("decisions", op.get("undoes"))))
            self.ids.map("decisions", op["gid"], made.lastrowid)
        subject = f"queue:{op['item']}"
        stands, standing = self._stands(subject, seq, device, op)
        value = {"action": op["action"], "reason": op["reason"],
                 "snoozed_until": op.get("snoozed_until")}
        if stands:
            self._stand(subject, seq, device, op["gid"], op["actor"], value)
            self._set_item(item, op["action"], op.get("snoozed_until"), op["at"])
            return
        self._set_item(item, standing["action"], standing.get("snoozed_until"), op["at"])
        line = (f"queue item {item}: already decided by {standing['actor']} "
                f"({standing['action']}: \"{standing['reason']}\"); your decision "
                f"({op['action']}: \"{op['reason']}\") is kept in the record")
        self._conflict(seq, subject, item, standing,
                       {"op": op["gid"], "actor": op["actor"], **value}, device, own, line)

    def _set_item(self, item: int, action: str, snoozed: Any, at: str) -> None:
        status = DONE_STATUS.get(action, "open")
        self.raw.execute(
            "UPDATE queue_items SET status = ?, snoozed_until = ?, updated_at = ? WHERE id = ?",
            (status, snoozed if action == "snooze" else None, at, item))

    def _note(self, op: dict) -> None:
        table = {"queue_item": "queue_items", "person": "persons"}[op["subject_type"]]
        subject = self.ids.local(table, op["subject"])
        if subject is None:
            return
        self.conn.exec_driver_sql(
            "INSERT INTO notes (subject_type, subject_id, author, text, at) "
            "VALUES (?, ?, ?, ?, ?)", (op["subject_type"], subject, op["author"], op["text"],
                                       op["at"]))
        self.ids.map("notes", op["gid"],
                     self.conn.exec_driver_sql("SELECT last_insert_rowid()").scalar())

    def _row(self, op: dict) -> None:
        table = op["table"]
        if table not in ROW_REFS:
            return
        values = dict(op["values"])
        for column, ref in ROW_REFS[table].items():
            values[column] = self.ids.local(ref, values.get(column))
            if values[column] is None:
                return
        present = set(_cols(self.conn, table))
        values = {k: v for k, v in values.items() if k in present}
        self.conn.exec_driver_sql(
            f'INSERT INTO "{table}" ({", ".join(chr(34) + k + chr(34) for k in values)}) '
            f'VALUES ({", ".join("?" for _ in values)})', tuple(values.values()))
        self.ids.map(table, op["gid"],
                     self.conn.exec_driver_sql("SELECT last_insert_rowid()").scalar())

    def _setting(self, seq: int, device: str, own: bool, op: dict) -> None:
        subject = f"setting:{op['key']}"
        stands, standing = self._stands(subject, seq, device, op)
        actor = op.get("actor", "")
        if stands:
            self._stand(subject, seq, device, f"{device}:{seq}", actor, {"value": op["value"]})
            if not own:
                self._put_setting(op["key"], op["value"])
            return
        self._put_setting(op["key"], standing["value"])
        self._conflict(seq, subject, None, standing, {"value": op["value"]}, device, own,
                       f"setting {op['key']}: changed on another laptop first; yours is kept "
                       "in the record, theirs stands")

    def _put_setting(self, key: str, value: Any) -> None:
        self.conn.exec_driver_sql("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                                  (key, value))
        sent = state.get(self.conn, "settings_sent", {})
        sent[key] = _setting_hash(value)
        state.put(self.conn, "settings_sent", sent)

    # --- merges (applied by the merge service, outside this transaction: see sync)

    def merge_standing(self, seq: int, device: str, op: dict) -> dict | None:
        """The standing merge, by another laptop, that this one did not see: it wins."""
        for gid in [op["into"], *op["persons"]]:
            stands, standing = self._stands(f"person:{gid}", seq, device, op)
            if not stands:
                return standing
        return None

    def stand_merge(self, seq: int, device: str, op: dict, applied: bool) -> None:
        for gid in [op["into"], *op["persons"]]:
            self._stand(f"person:{gid}", seq, device, op["gid"], op["actor"],
                        {"merge": True, "applied": applied, "op": op})
        self.result.applied += 1

    def merge_conflict(self, seq: int, device: str, op: dict, standing: dict,
                       own: bool) -> None:
        into = self.ids.local("persons", standing["op"]["into"])
        line = (f"person {into}: already merged by {standing['actor']} on another laptop; "
                f"the merge by {op['actor']} was undone and theirs applied")
        self._conflict(seq, f"person:{op['into']}", into,
                       {k: v for k, v in standing.items() if k != "op"},
                       {"op": op["gid"], "actor": op["actor"]}, device, own, line)

    # --- safeguarding

    def _flag_status(self, seq: int, device: str, own: bool, op: dict) -> None:
        flag = self.ids.local("flags", op["flag"])
        if flag is None:
            return
        subject = f"flag:{op['flag']}"
        stands, standing = self._stands(subject, seq, device, op)
        value = {"to": op["to"], "closed_at": op.get("closed_at"),
                 "retain_until": op.get("retain_until")}
        if stands:
            self._stand(subject, seq, device, op["entry"], op["actor"], value)
            self.conn.exec_driver_sql(
                "UPDATE flags SET status = ?, closed_at = ?, retain_until = ? WHERE id = ?",
                (op["to"], op.get("closed_at"), op.get("retain_until"), flag))
            return
        self.conn.exec_driver_sql(
            "UPDATE flags SET status = ?, closed_at = ?, retain_until = ? WHERE id = ?",
            (standing["to"], standing.get("closed_at"), standing.get("retain_until"), flag))
        self._conflict(seq, subject, flag, standing, {"op": op["entry"], "actor": op["actor"],
                                                      **value}, device, own,
                       f"flag {flag}: its status was already changed by {standing['actor']} "
                       f"(to {standing['to']}); your change (to {op['to']}) is kept as a "
                       "case entry")

    def _cipher(self):
        return self.ws.field_cipher()

    def _case_entry(self, op: dict) -> None:
        flag = self.ids.local("flags", op.get("flag")) if op.get("flag") else None
        if op.get("flag") and flag is None:
            return
        body = dict(op["body"])
        if body.get("person_id") is not None:
            body["person_id"] = self.ids.local("persons", body["person_id"])
        eid = int(self.conn.exec_driver_sql(
            "SELECT coalesce(max(id), 0) + 1 FROM case_entries").scalar())
        sealed = self._cipher().encrypt(json.dumps(body, ensure_ascii=False),
                                        self.ws.row_field("case_entries", eid, "body_enc"))
        self.conn.exec_driver_sql(
            "INSERT INTO case_entries (id, flag_id, person_id, kind, author, at, amends_id, "
            "body_enc) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            (eid, flag, op["kind"], op["author"], op["at"],
             self.ids.local("case_entries", op.get("amends")), sealed))
        self.ids.map("case_entries", op["gid"], eid)
        if flag is not None and body.get("to") == "closed" and body.get("outcome"):
            row = self.conn.exec_driver_sql(
                "SELECT status, outcome_enc FROM flags WHERE id = ?", (flag,)).first()
            if row and row[0] == "closed" and row[1] is None:
                field = self.ws.row_field("flags", flag, "outcome_enc")
                self.conn.exec_driver_sql(
                    "UPDATE flags SET outcome_enc = ? WHERE id = ?",
                    (self.ws.seal_for_safeguarding(json.dumps(
                        {"outcome": body["outcome"], "reason": body.get("reason", "")},
                        ensure_ascii=False), field), flag))

    def _sealed_flags(self, device: str, op: dict) -> None:
        """Flags a steward's laptop raised, their contents sealed to the team drop box: opened
        here with the drop box of the safeguarding key of their epoch, their rows resolved by
        platform id, and sealed again for this laptop's leads. A laptop without that key
        (a steward's) keeps the flag's status only."""
        if self.team_keys is None or not self.ws.holds_safeguarding_key:
            return
        from steward import crypto
        from steward.team.keys import dropbox_pair

        privates = [dropbox_pair(k)[1] for k in
                    [self.team_keys.key("safeguarding"),
                     *(held.get("safeguarding") for held in self.team_keys.older.values())]
                    if k is not None]
        for row in op["rows"]:
            sealed = row.get("sealed")
            flag = self.ids.local("flags", row["gid"])
            if not sealed or flag is None:
                continue
            field = sealed["field"]
            parts = field.split("/")
            device_of, _, number = row["gid"].rpartition(":flags:")
            if (len(parts) != 5 or parts[2:] != ["flags", number, "details_enc"]
                    or device_of != device):
                log.warning("a flag's sealed contents name another row: skipped")
                continue
            blob = state.unjson(sealed["details_enc"])
            body = None
            for private in privates:
                try:
                    body = json.loads(crypto.open_from(private, blob, field.encode()))
                    break
                except (crypto.DecryptionFailed, ValueError):
                    continue
            if not isinstance(body, dict):
                log.warning("a flag's sealed contents did not open: kept without them")
                continue
            refs = body.pop("team_refs", {}) or {}
            for key, table in (("message_id", "messages"), ("person_id", "persons"),
                               ("space_id", "spaces")):
                ref = refs.get(key)
                if ref is None:
                    body[key] = None
                    continue
                gid = state.natural_gid(*ref)
                if key == "person_id":
                    gid = state.natural_gid("persons", gid)
                body[key] = self.ids.local(table, gid)
            self.conn.exec_driver_sql(
                "UPDATE flags SET details_enc = ? WHERE id = ?",
                (self.ws.seal_for_safeguarding(json.dumps(body, ensure_ascii=False),
                                               self.ws.row_field("flags", flag,
                                                                 "details_enc")), flag))

    def _safeguarding_snapshot(self, op: dict) -> None:
        for f in op["flags"]:
            flag = self.ids.local("flags", f["flag"])
            if flag is None:
                continue
            body = dict(f["details"])
            for key, table in (("message_id", "messages"), ("person_id", "persons"),
                               ("space_id", "spaces")):
                if body.get(key) is not None:
                    body[key] = self.ids.local(table, body[key])
            details = self.ws.seal_for_safeguarding(
                json.dumps(body, ensure_ascii=False),
                self.ws.row_field("flags", flag, "details_enc"))
            outcome = None if f["outcome"] is None else self.ws.seal_for_safeguarding(
                f["outcome"], self.ws.row_field("flags", flag, "outcome_enc"))
            self.conn.exec_driver_sql("UPDATE flags SET details_enc = ?, outcome_enc = ? "
                                      "WHERE id = ?", (details, outcome, flag))
        for entry in op["entries"]:
            if self.ids.local("case_entries", entry["gid"]) is None:
                self._case_entry(entry)


# --- digests -----------------------------------------------------------------------------------

def _h(rows) -> str:
    return hashlib.sha256(json.dumps(sorted(rows, key=json.dumps), default=str,
                                     ensure_ascii=False).encode()).hexdigest()


def staff_digest(conn, ids: state.Ids) -> str:
    """What every staff laptop of the team must agree on, by global id."""
    return _h(staff_rows(conn, ids))


def staff_rows(conn, ids: state.Ids) -> list:
    rows: list = []
    for qid, status in conn.exec_driver_sql("SELECT id, status FROM queue_items").all():
        rows.append(["q", ids.gid("queue_items", qid), status])
    for did, item, action, reason, actor in conn.exec_driver_sql(
            "SELECT id, queue_item_id, action, reason, actor FROM decisions").all():
        rows.append(["d", ids.gid("decisions", did), ids.gid("queue_items", item), action,
                     reason, actor])
    for nid, st, sid, author, text in conn.exec_driver_sql(
            "SELECT id, subject_type, subject_id, author, text FROM notes").all():
        table = "queue_items" if st == "queue_item" else "persons"
        rows.append(["n", ids.gid("notes", nid), ids.gid(table, sid), author, text])
    for cid, pid, st, basis in conn.exec_driver_sql(
            "SELECT id, person_id, state, basis FROM consents").all():
        rows.append(["c", ids.gid("consents", cid), ids.gid("persons", pid), st, basis])
    for fid, status in conn.exec_driver_sql("SELECT id, status FROM flags").all():
        rows.append(["f", ids.gid("flags", fid), status])
    for iid, pid in conn.exec_driver_sql("SELECT id, person_id FROM identities").all():
        rows.append(["i", ids.gid("identities", iid), ids.gid("persons", pid)])
    for pid, name in conn.exec_driver_sql("SELECT id, display_name FROM persons").all():
        rows.append(["p", ids.gid("persons", pid), name])
    spaces = ids.all_gids("spaces")
    identities = ids.all_gids("identities")
    for sid, name, audience in conn.exec_driver_sql(
            "SELECT id, name, audience FROM spaces").all():
        rows.append(["sp", spaces[sid], name, audience])
    for iid, sid, status in conn.exec_driver_sql(
            "SELECT identity_id, space_id, status FROM memberships").all():
        rows.append(["mb", identities.get(iid), spaces.get(sid), status])
    messages = ids.all_gids("messages")
    for mid, sid, iid, text, deleted in conn.exec_driver_sql(
            "SELECT id, space_id, identity_id, text, deleted FROM messages").all():
        rows.append(["m", messages[mid], spaces.get(sid), identities.get(iid),
                     hashlib.sha256((text or "").encode()).hexdigest(), bool(deleted)])
    for key, value in conn.exec_driver_sql("SELECT key, value FROM settings").all():
        if not key.startswith(LOCAL_SETTINGS):
            rows.append(["s", key, value])
    persons = ids.all_gids("persons")
    for pid, tag in conn.exec_driver_sql("SELECT pt.person_id, t.name FROM person_tags pt "
                                         "JOIN tags t ON t.id = pt.tag_id").all():
        rows.append(["t", persons.get(pid), tag])
    for a, b in conn.exec_driver_sql("SELECT identity_a, identity_b FROM not_same_person"):
        rows.append(["ns", *sorted(str(identities.get(i)) for i in (a, b))])
    for kind, name, members in conn.exec_driver_sql(
            "SELECT c.kind, c.name, group_concat(m.person_id) FROM cohorts c LEFT JOIN "
            "cohort_members m ON m.cohort_id = c.id GROUP BY c.id").all():
        rows.append(["co", kind, name, sorted(str(persons.get(int(p)))
                                              for p in (members or "").split(",") if p)])
    for email, source, status in conn.exec_driver_sql(
            "SELECT e.email_normalised, s.name, e.status FROM email_statuses e "
            "LEFT JOIN sources s ON s.id = e.source_id").all():
        rows.append(["es", hashlib.sha256((email or "").encode()).hexdigest(), source, status])
    from steward.team import edits

    for table, (key, ref, columns, refs) in edits.SPEC.items():
        gids = ids.all_gids(ref or table)
        ref_gids = {t: ids.all_gids(t) for t in set(refs.values())}
        for row in conn.exec_driver_sql(
                f'SELECT "{key}", {", ".join(chr(34) + c + chr(34) for c in columns)} '
                f'FROM "{table}"').all():
            values = [ref_gids[refs[c]].get(v) if c in refs else v
                      for c, v in zip(columns, row[1:], strict=True)]
            rows.append(["e", table, gids.get(row[0]), *values])
    return rows


def safeguarding_digest(conn, ids: state.Ids, cipher, row_field) -> str:
    snap = safeguarding_snapshot(conn, ids, cipher, row_field)
    rows = [["f", f["flag"], f["details"], f["outcome"]] for f in snap["flags"]]
    rows += [["e", e["gid"], e["flag"], e["kind"], e["author"], e["body"]]
             for e in snap["entries"]]
    return _h(rows)
