"""What a laptop keeps about the team inside its own encrypted store: the pull cursor, the
outbox of sealed changes not yet pushed, which operations were applied, the global id of each
row the team knows, which decision stands on each item, and the conflicts.

Global ids: a row made on a laptop is `<device id>:<table>:<local id>`; rows that arrived in
the workspace snapshot keep the id the snapshot's device gave them; rows made by applying
another laptop's change are mapped in `team_ids`.
"""

from __future__ import annotations

import json
from typing import Any

TABLES = [
    """CREATE TABLE IF NOT EXISTS team_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS team_ids (gid TEXT PRIMARY KEY, tbl TEXT NOT NULL,
        local_id INTEGER NOT NULL, UNIQUE (tbl, local_id))""",
    """CREATE TABLE IF NOT EXISTS team_outbox (op_id TEXT PRIMARY KEY, tier TEXT NOT NULL,
        device_seq INTEGER NOT NULL, epoch INTEGER NOT NULL, body BLOB NOT NULL,
        pushed INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS team_applied (op_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS team_standing (subject TEXT PRIMARY KEY, seq INTEGER NOT NULL,
        device TEXT NOT NULL, op_id TEXT NOT NULL, actor TEXT NOT NULL, value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS team_conflicts (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL,
        subject TEXT NOT NULL, local_id INTEGER, standing TEXT NOT NULL,
        overruled TEXT NOT NULL, overruled_device TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS team_parts (snap TEXT NOT NULL, part INTEGER NOT NULL,
        parts INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (snap, part))""",
]


def ensure(conn) -> None:
    for statement in TABLES:
        conn.exec_driver_sql(statement)


def get(conn, key: str, default: Any = None) -> Any:
    row = conn.exec_driver_sql("SELECT value FROM team_state WHERE key = ?", (key,)).first()
    return default if row is None else json.loads(row[0])


def put(conn, key: str, value: Any) -> None:
    conn.exec_driver_sql("INSERT OR REPLACE INTO team_state (key, value) VALUES (?, ?)",
                         (key, json.dumps(value)))


class Ids:
    """Global ids of rows, for one laptop."""

    def __init__(self, conn, device: str, origin: str):
        self.conn = conn
        self.device = device
        self.origin = origin
        self.snapshot = get(conn, "snapshot_max", {})

    def gid(self, tbl: str, local_id: int | None) -> str | None:
        if local_id is None:
            return None
        row = self.conn.exec_driver_sql(
            "SELECT gid FROM team_ids WHERE tbl = ? AND local_id = ?", (tbl, local_id)).first()
        if row:
            return row[0]
        if self.origin != self.device and local_id <= self.snapshot.get(tbl, 0):
            return f"{self.origin}:{tbl}:{local_id}"
        return f"{self.device}:{tbl}:{local_id}"

    def local(self, tbl: str, gid: str | None) -> int | None:
        if gid is None:
            return None
        row = self.conn.exec_driver_sql(
            "SELECT local_id FROM team_ids WHERE gid = ?", (gid,)).first()
        if row:
            return int(row[0])
        device, table, number = gid.rsplit(":", 2)
        if table != tbl:
            return None
        n = int(number)
        if device == self.device or (device == self.origin and n <= self.snapshot.get(tbl, 0)):
            exists = self.conn.exec_driver_sql(
                f'SELECT 1 FROM "{tbl}" WHERE id = ?', (n,)).first()
            return n if exists else None
        return None

    def is_own(self, tbl: str, local_id: int) -> bool:
        return self.gid(tbl, local_id) == f"{self.device}:{tbl}:{local_id}"

    def map(self, tbl: str, gid: str, local_id: int) -> None:
        self.conn.exec_driver_sql("INSERT OR REPLACE INTO team_ids (gid, tbl, local_id) "
                                  "VALUES (?, ?, ?)", (gid, tbl, local_id))
