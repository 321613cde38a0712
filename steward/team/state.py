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


def jsonable(v: Any) -> Any:
    """A column value as JSON can carry it (bytes as base64)."""
    if isinstance(v, bytes | bytearray | memoryview):
        import base64

        return {"b64": base64.b64encode(bytes(v)).decode()}
    return v


def unjson(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"b64"}:
        import base64

        return base64.b64decode(v["b64"])
    return v


def raw(conn):
    """The DB-API connection under a SQLAlchemy connection, in the same transaction. The
    statements made once per row or per envelope (capture, apply) run on it: SQLAlchemy's
    exec_driver_sql costs some 80 µs a statement beside SQLite's 10-30 µs."""
    proxied = getattr(conn, "connection", None)
    return conn if proxied is None else proxied.dbapi_connection


def ensure(conn) -> None:
    for statement in TABLES:
        conn.exec_driver_sql(statement)


def get(conn, key: str, default: Any = None) -> Any:
    row = raw(conn).execute("SELECT value FROM team_state WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row[0])


def put(conn, key: str, value: Any) -> None:
    raw(conn).execute("INSERT OR REPLACE INTO team_state (key, value) VALUES (?, ?)",
                      (key, json.dumps(value)))


# A natural global id: `n` and a JSON list naming the row by what the platform calls it
# (["messages", source name, platform id]), the same on every laptop that imports it.
NATURAL = "n["
BY_PLATFORM_ID = ("spaces", "identities", "messages", "platform_reports")


def natural_gid(*key) -> str:
    return "n" + json.dumps(list(key), ensure_ascii=False, separators=(",", ":"))


CACHED = ("sources", "spaces", "identities", "messages", "queue_items", "decisions")


class Ids:
    """Global ids of rows, for one laptop."""

    def __init__(self, conn, device: str, origin: str):
        self.conn = conn
        self.raw = raw(conn)
        self.device = device
        self.origin = origin
        self.snapshot = get(conn, "snapshot_max", {})
        # Rows of these tables are never deleted while operations are applied: their ids,
        # once found, are kept for this transaction (a page of decisions names few items).
        self._known: dict[tuple[str, str], int] = {}
        self._gids: dict[tuple[str, int], str] = {}

    def snapshot_grew(self, snapshot: dict[str, int]) -> None:
        """Snapshot rows were applied: ids up to these are the origin's."""
        self.snapshot = snapshot
        self._known.clear()
        self._gids.clear()

    def gid(self, tbl: str, local_id: int | None) -> str | None:
        if local_id is None:
            return None
        known = self._gids.get((tbl, local_id))
        if known is not None:
            return known
        found = self._gid(tbl, local_id)
        if tbl in CACHED:
            self._remember(tbl, found, local_id)
        return found

    def _gid(self, tbl: str, local_id: int) -> str:
        row = self.raw.execute(
            "SELECT gid FROM team_ids WHERE tbl = ? AND local_id = ?", (tbl, local_id)).fetchone()
        if row:
            return row[0]
        if self.origin != self.device and local_id <= self.snapshot.get(tbl, 0):
            return f"{self.origin}:{tbl}:{local_id}"
        return f"{self.device}:{tbl}:{local_id}"

    def local(self, tbl: str, gid: str | None) -> int | None:
        if gid is None:
            return None
        known = self._known.get((tbl, gid))
        if known is not None:
            return known
        found = self._local(tbl, gid)
        if found is not None and tbl in CACHED:
            self._known[(tbl, gid)] = found
        return found

    def _local(self, tbl: str, gid: str) -> int | None:
        row = self.raw.execute(
            "SELECT local_id FROM team_ids WHERE gid = ?", (gid,)).fetchone()
        if row:
            return int(row[0])
        if gid.startswith(NATURAL):
            return self.natural_local(tbl, gid)
        device, table, number = gid.rsplit(":", 2)
        if table != tbl:
            return None
        n = int(number)
        if device == self.device or (device == self.origin and n <= self.snapshot.get(tbl, 0)):
            exists = self.raw.execute(f'SELECT 1 FROM "{tbl}" WHERE id = ?', (n,)).fetchone()
            return n if exists else None
        return None

    def natural_local(self, tbl: str, gid: str) -> int | None:
        """The row a natural global id names here (platform ids), mapped or not."""
        try:
            key = json.loads(gid[len(NATURAL) - 1:])
        except ValueError:
            return None
        if not isinstance(key, list) or not key or key[0] != tbl:
            return None
        q = self.raw.execute
        if tbl == "sources" and len(key) == 2:
            row = q("SELECT id FROM sources WHERE name = ?", (key[1],)).fetchone()
        elif tbl in BY_PLATFORM_ID and len(key) == 3:
            row = q(f'SELECT t.id FROM "{tbl}" t JOIN sources s ON s.id = t.source_id '
                    "WHERE s.name = ? AND t.platform_id = ?", (key[1], key[2])).fetchone()
        elif tbl == "memberships" and len(key) == 3:
            identity = self.local("identities", key[1])
            space = self.local("spaces", key[2])
            row = None if identity is None or space is None else q(
                "SELECT id FROM memberships WHERE identity_id = ? AND space_id = ?",
                (identity, space)).fetchone()
        elif tbl == "queue_items" and len(key) == 3 and key[1] == "author":
            from steward.moderation.author import LABEL

            message = self.local("messages", key[2])
            row = None if message is None else q(
                "SELECT id FROM queue_items WHERE message_id = ? AND label = ? ORDER BY id",
                (message, LABEL)).fetchone()
        elif tbl == "persons" and len(key) == 2:
            identity = self.local("identities", key[1])
            row = None if identity is None else q(
                "SELECT person_id FROM identities WHERE id = ?", (identity,)).fetchone()
        else:
            row = None
        return int(row[0]) if row and row[0] is not None else None

    def all_gids(self, tbl: str) -> dict[int, str]:
        """Every row of `tbl` with its global id (for digests: one query, not one a row)."""
        mapped = dict(self.conn.exec_driver_sql(
            "SELECT local_id, gid FROM team_ids WHERE tbl = ?", (tbl,)).all())
        top = self.snapshot.get(tbl, 0)
        out = {}
        for (local_id,) in self.conn.exec_driver_sql(f'SELECT id FROM "{tbl}"').all():
            if local_id in mapped:
                out[local_id] = mapped[local_id]
            elif self.origin != self.device and local_id <= top:
                out[local_id] = f"{self.origin}:{tbl}:{local_id}"
            else:
                out[local_id] = f"{self.device}:{tbl}:{local_id}"
        return out

    def is_own(self, tbl: str, local_id: int) -> bool:
        return self.gid(tbl, local_id) == f"{self.device}:{tbl}:{local_id}"

    def map(self, tbl: str, gid: str, local_id: int) -> None:
        self.raw.execute("INSERT OR REPLACE INTO team_ids (gid, tbl, local_id) VALUES (?, ?, ?)",
                         (gid, tbl, local_id))
        # The table keeps one gid per row and one row per gid: so does what is kept here.
        old_gid = self._gids.pop((tbl, local_id), None)
        self._known.pop((tbl, old_gid), None)
        old_local = self._known.pop((tbl, gid), None)
        self._gids.pop((tbl, old_local), None)
        if tbl in CACHED:
            self._remember(tbl, gid, local_id)

    def _remember(self, tbl: str, gid: str, local_id: int) -> None:
        self._known[(tbl, gid)] = local_id
        self._gids[(tbl, local_id)] = gid
