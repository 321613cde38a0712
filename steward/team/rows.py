"""Imports and scans made on one laptop, as operations for the others.

What an import or a scan adds (sources, spaces, people, identities, member details,
memberships, messages, platform reports, queue items, flags) is read at sync time: every row
past the table's capture mark that no other laptop sent. Imported rows travel under natural
global ids (the source's name and the platform's id, `state.natural_gid`), so two laptops
that import the same export agree on every row, and applying a row twice, or a row this
laptop imported itself, changes nothing. Rows without a platform id (a queue item, a flag, a
person with no identity) keep their laptop's id (`<device>:<table>:<id>`).

A flag travels in the staff tier with its status and times only; what it is about goes in the
safeguarding tier, opened and sealed again under the team's safeguarding key, from a laptop
whose profile holds the safeguarding key. A steward's laptop cannot open its own flags: their
contents were sealed at the scan to the team drop box (keys.dropbox_pair), and travel as that
ciphertext beside the flag's row, for the leads' laptops to open (docs/security.md).
Messages received from another laptop were scanned there: this laptop's scan watermarks move
past them, so they are not scanned (and flagged) twice.
"""

from __future__ import annotations

from typing import Any

from steward.team import state

# In the order their references need (parents first); the key column of each.
TABLES = ("sources", "spaces", "persons", "identities", "member_details", "memberships",
          "messages", "platform_reports", "queue_items", "flags")
KEY = {"member_details": "identity_id"}
REFS: dict[str, dict[str, str]] = {
    "spaces": {"source_id": "sources"},
    "identities": {"person_id": "persons", "source_id": "sources"},
    "member_details": {"identity_id": "identities"},
    "memberships": {"identity_id": "identities", "space_id": "spaces"},
    "messages": {"source_id": "sources", "space_id": "spaces", "identity_id": "identities",
                 "thread_id": "messages", "parent_id": "messages"},
    "platform_reports": {"source_id": "sources", "message_id": "messages",
                         "identity_id": "identities"},
    "queue_items": {"message_id": "messages", "identity_id": "identities",
                    "space_id": "spaces", "membership_id": "memberships",
                    "report_id": "platform_reports"},
    "flags": {"message_id": "messages", "person_id": "persons", "space_id": "spaces"},
}
# Never sent: a flag's sealed fields are bound to this laptop's rows (the safeguarding tier
# carries them), and its scan tag to this laptop's message ids (a new random one is made).
REQUIRED = {"spaces": ("source_id",), "identities": ("person_id", "source_id"),
            "memberships": ("identity_id", "space_id"), "messages": ("source_id", "space_id"),
            "platform_reports": ("source_id",)}
BLANK = {"flags": ("details_enc", "outcome_enc", "scan_tag")}
BATCH = 2000


def _cols(conn, table: str) -> list[str]:
    return [r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()]


def _top(conn, table: str) -> int:
    key = KEY.get(table, "id")
    return int(conn.exec_driver_sql(f'SELECT coalesce(max("{key}"), 0) FROM "{table}"')
               .scalar())


def mark_all(conn) -> None:
    """Everything already in the store is in the snapshot: nothing to send as rows."""
    marks = state.get(conn, "rows_captured", {})
    for table in TABLES:
        marks[table] = _top(conn, table)
    state.put(conn, "rows_captured", marks)


def _natural(conn, ids: state.Ids, table: str, values: dict, source_names: dict) -> str | None:
    if table == "sources":
        return state.natural_gid("sources", values["name"])
    if table in state.BY_PLATFORM_ID:
        name = source_names.get(values["source_id"])
        if name is None:
            name = conn.exec_driver_sql("SELECT name FROM sources WHERE id = ?",
                                        (values["source_id"],)).scalar()
            source_names[values["source_id"]] = name
        return None if name is None else state.natural_gid(table, name, values["platform_id"])
    if table == "memberships":
        return state.natural_gid(table, ids.gid("identities", values["identity_id"]),
                                 ids.gid("spaces", values["space_id"]))
    if table == "queue_items":
        # "Everything from this author" on two laptops makes one item per message, not two:
        # decisions on it meet as one subject (an explicit conflict when they differ).
        from steward.moderation.author import LABEL

        if values.get("label") != LABEL or values["message_id"] is None:
            return None
        return state.natural_gid(table, "author", ids.gid("messages", values["message_id"]))
    if table == "persons":
        row = conn.exec_driver_sql(
            "SELECT s.name, i.platform_id FROM identities i JOIN sources s ON s.id = i.source_id "
            "WHERE i.person_id = ? ORDER BY i.id LIMIT 1", (values["id"],)).first()
        if row is not None:
            return state.natural_gid("persons", state.natural_gid("identities", *row))
    return None


def capture(conn, ids: state.Ids, sealed_flags: str | None = None
            ) -> tuple[list[dict], list[int]]:
    """Operations for the rows this laptop added since the last capture, and the ids of the
    flags among them (their contents go in the safeguarding tier). `sealed_flags` (a
    steward's laptop, its field prefix `steward/<workspace id>`): each flag carries its
    contents as sealed to the team drop box, which this laptop cannot open."""
    marks = state.get(conn, "rows_captured", {})

    def received(table: str, after: int) -> set[int]:
        """Rows of `table` past `after` that came from another laptop (mapped when applied)."""
        return {r[0] for r in conn.exec_driver_sql(
            "SELECT local_id FROM team_ids WHERE tbl = ? AND local_id > ?", (table, after))}

    # Member details are keyed by identity: which identities came from elsewhere is read
    # before this capture maps the ones imported here.
    received_identities = received("identities", int(marks.get("member_details", 0)))
    out: list[dict] = []
    flags: list[int] = []
    sources: dict[int, str] = {}
    for table in TABLES:
        key = KEY.get(table, "id")
        top = _top(conn, table)
        if table not in marks:  # a team from before rows travelled: start from here
            marks[table] = top
            continue
        start = int(marks[table])
        if top <= start:
            continue
        snapshot_top = ids.snapshot.get(table if table != "member_details" else "identities",
                                        0) if ids.origin != ids.device else 0
        if top <= snapshot_top:  # the snapshot this laptop started from: not read again
            marks[table] = max(top, start)
            continue
        start = max(start, snapshot_top)
        mapped = received_identities if table == "member_details" else received(table, start)
        cols = _cols(conn, table)
        blank = BLANK.get(table, ())
        refs = REFS.get(table, {})
        batch: list[dict] = []
        rows = conn.exec_driver_sql(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in cols)} FROM "{table}" '
            f'WHERE "{key}" > ? ORDER BY "{key}"', (start,))
        fetched = rows.fetchall()
        for raw in fetched:
            values = dict(zip(cols, raw, strict=True))
            local = values[key]
            if local in mapped or local <= snapshot_top:
                continue  # it came from another laptop
            if table == "member_details":
                gid = ids.gid("identities", local)
            else:
                natural = _natural(conn, ids, table, values, sources)
                if natural is not None:
                    ids.map(table, natural, local)
                gid = natural or ids.gid(table, local)
            sent: dict[str, Any] = {}
            for column, value in values.items():
                if column == key or column in blank:
                    continue
                ref = refs.get(column)
                sent[column] = ids.gid(ref, value) if ref and value is not None else \
                    state.jsonable(value)
            batch.append({"gid": gid, "values": sent})
            if table == "flags":
                flags.append(local)
                if sealed_flags and values.get("details_enc") is not None:
                    batch[-1]["sealed"] = {
                        "details_enc": state.jsonable(values["details_enc"]),
                        "field": f"{sealed_flags}/flags/{local}/details_enc"}
            if len(batch) >= BATCH:
                out.append({"type": "rows.put", "table": table, "rows": batch})
                batch = []
        if batch:
            out.append({"type": "rows.put", "table": table, "rows": batch})
        marks[table] = max(top, start)
    state.put(conn, "rows_captured", marks)
    return out, flags


def apply(conn, ids: state.Ids, op: dict) -> int:
    """Insert the rows this laptop does not hold yet (by global id, then by platform id);
    rows it holds are left as they are. Returns how many were added."""
    table = op["table"]
    if table not in REFS and table not in ("sources", "persons"):
        return 0
    key = KEY.get(table, "id")
    present = set(_cols(conn, table))
    refs = REFS.get(table, {})
    before_messages = _top(conn, "messages") if table == "messages" else 0
    later: list[tuple[int, str, str]] = []
    added = 0
    for row in op["rows"]:
        gid = row["gid"]
        if table == "member_details":
            identity = ids.local("identities", gid)
            if identity is None:
                continue
            values = {k: state.unjson(v) for k, v in row["values"].items() if k in present}
            values["identity_id"] = identity
            _insert(conn, table, values, "OR IGNORE")
            continue
        if ids.local(table, gid) is not None:
            found = ids.local(table, gid)
            conn.exec_driver_sql("INSERT OR IGNORE INTO team_ids (gid, tbl, local_id) "
                                 "VALUES (?, ?, ?)", (gid, table, found))
            continue
        values: dict[str, Any] = {}
        pending: list[tuple[str, str]] = []
        missing = False
        for column, value in row["values"].items():
            if column not in present:
                continue
            ref = refs.get(column)
            if not ref or value is None:
                values[column] = state.unjson(value)
                continue
            values[column] = ids.local(ref, value)
            if values[column] is None:
                if ref == table:  # a thread or parent later in this batch
                    pending.append((column, value))
                elif column in REQUIRED.get(table, ()):
                    missing = True
        if missing:
            continue  # what it belongs to never reached this laptop
        if table == "flags":
            from steward.safeguarding.sealed import random_tag

            values["scan_tag"] = random_tag()
        new = _insert(conn, table, values)
        ids.map(table, gid, new)
        later.extend((new, c, v) for c, v in pending)
        added += 1
    for local_id, column, ref_gid in later:
        target = ids.local(table, ref_gid)
        if target is not None:
            conn.exec_driver_sql(f'UPDATE "{table}" SET "{column}" = ? WHERE "{key}" = ?',
                                 (target, local_id))
    if table == "messages" and added:
        # Scanned where they were imported: move each watermark that was at the end past them.
        conn.exec_driver_sql("UPDATE scan_state SET last_message_id = ? "
                             "WHERE last_message_id >= ?", (_top(conn, "messages"),
                                                            before_messages))
    return added


def _insert(conn, table: str, values: dict, how: str = "") -> int:
    names = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join("?" for _ in values)
    conn.exec_driver_sql(f'INSERT {how} INTO "{table}" ({names}) VALUES ({marks})',
                         tuple(values.values()))
    return int(conn.exec_driver_sql("SELECT last_insert_rowid()").scalar())
