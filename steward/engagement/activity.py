"""The activity table every engagement metric is computed from.

The store keeps a narrow `activity` table: one row of integers per message the metrics count
(message, space, identity, time, thread, parent, reactions; migration engagement_0004). Messages
imported since the last look are added on the next read (`catch_up`: one range read of the new
rows); triggers keep the rows already there in step as messages are edited, deleted or erased.
One scan of it reads the columns into numpy arrays (pandas and numpy are imported lazily, so
the app starts fast), and never touches the pages that hold message text. The table as put
together (with each message's person, bot and staff marks, and its conversation) is kept in
memory until a message, identity, person or space changes: merges and role changes show at
once.

The columns are also kept in the store (`activity_snapshot` row 1, one blob, with the
conversations worked out; each column in the smallest integer type that holds it, ids and times
as steps from the row before), so the first page opened after a restart reads the blob and only
the rows added since. Triggers bump `activity_generation` whenever a message already there
changes or goes, and a snapshot of another generation is never used. Row 2 keeps who is whom
(each identity's person, the bot and staff marks) while the people generation and the highest
identity and person ids hold. Imports call `catch_up_in` before they commit, so the first read
after an import has nothing to add. Deleted-message placeholders are not activity
(`steward.engagement.deleted`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from steward.engagement.conversations import assign_conversations, conversation_model, gap_minutes
from steward.engagement.deleted import placeholder_sql
from steward.store.models import Source, Space
from steward.workspace import Workspace

if TYPE_CHECKING:
    import numpy as np

# The columns, in order, as kept in the narrow `activity` table (one row of integers per message
# the metrics count; triggers keep it in step with `messages`, see migration engagement_0004), so
# the metrics never read the pages that hold message text. Times as Unix seconds (UTC).
COLUMNS = (
    ("msg", "message_id"),
    ("space", "space_id"),
    ("identity", "identity_id"),
    ("ts", "ts"),
    ("thread", "thread_id"),
    ("parent", "parent_id"),
    ("reactions", "reactions"),
)
SOURCE = "activity"

# The same figures straight from `messages` (what the activity table holds, by definition):
# the tests check the table against it, and the benchmark reads it row by row as its old anchor.
MESSAGE_COLUMNS = (
    ("msg", "id"),
    ("space", "space_id"),
    ("identity", "identity_id"),
    ("ts", "COALESCE(unixepoch(created_at), 0)"),
    ("thread", "COALESCE(thread_id, id)"),
    ("parent", "COALESCE(parent_id, 0)"),
    ("reactions", "COALESCE(reaction_count, 0)"),
)
# A deleted-message placeholder ("This message was deleted") is kept in `messages` but is not
# activity (steward.engagement.deleted; engagement_0005).
WHERE = ("kind = 'message' AND deleted = 0 AND identity_id IS NOT NULL AND NOT "
         + placeholder_sql("text"))
PLAIN_READ_SQL = (f"SELECT {', '.join(expr for _, expr in MESSAGE_COLUMNS)} FROM messages "
                  f"WHERE {WHERE}")
# Every column of every activity row touched inside SQLite, with no Python object built per
# row: the floor under any computation from these columns (the benchmark's anchor).
BARE_SCAN_SQL = (f"SELECT count(*), max({' + '.join(expr for _, expr in COLUMNS)}) "
                 f"FROM {SOURCE}")
# What the cached columns depend on: the last counted message, and two generations bumped by
# triggers: 1 when a message already there changes or goes, 2 when an identity or person is
# added, merged, removed or marked bot or staff (engagement_0003, engagement_0004).
CACHE_KEY_SQL = ("SELECT (SELECT max(message_id) FROM activity), "
                 "(SELECT generation FROM activity_generation WHERE id = 1), "
                 "(SELECT generation FROM activity_generation WHERE id = 2), "
                 "(SELECT max(id) FROM identities), (SELECT max(id) FROM persons)")
CAUGHT_UP_SQL = ("SELECT (SELECT last_message_id FROM activity_progress WHERE id = 1), "
                 "(SELECT max(id) FROM messages)")
CATCH_UP_SQL = (f"INSERT OR REPLACE INTO activity SELECT "
                f"{', '.join(expr for _, expr in MESSAGE_COLUMNS)} FROM messages "
                f"WHERE id > ? AND {WHERE} ORDER BY id")


AT_CHUNK = 65_536  # elements per call of `reduce_at`


def reduce_at(ufunc: np.ufunc, out: np.ndarray, index: np.ndarray,
              values: np.ndarray) -> None:
    """`ufunc.at(out, index, values)` (e.g. `np.minimum.at`: the least value per index) in
    slices: one call over two million messages holds the GIL for 20-30 ms, and with it the
    desktop's UI thread; between slices another thread gets its turn."""
    for start in range(0, len(index), AT_CHUNK):
        ufunc.at(out, index[start:start + AT_CHUNK], values[start:start + AT_CHUNK])


def catch_up(ws: Workspace) -> int:
    """Add the messages imported since the last look to the activity table (one range read of
    the new rows); returns how many were read. Cheap when there are none."""
    with ws.session() as s:
        done, top = s.connection().connection.driver_connection.execute(
            CAUGHT_UP_SQL).fetchone()
    if top is None or (done is not None and top <= done):
        return 0
    with ws.transaction() as s:
        return catch_up_in(s.connection().connection.driver_connection)


def catch_up_in(conn) -> int:
    """`catch_up` inside a transaction already open on `conn` (a DB-API connection): an import
    calls it before it commits, while the pages it wrote are still in the cache."""
    done, top = conn.execute(CAUGHT_UP_SQL).fetchone()
    if top is None or top <= (done or 0):
        return 0
    conn.execute(CATCH_UP_SQL, (done or 0,))
    conn.execute("UPDATE activity_progress SET last_message_id = ? WHERE id = 1", (top,))
    return int(top) - int(done or 0)


@dataclass(frozen=True)
class SpaceInfo:
    id: int
    name: str
    source: str
    platform: str
    silence_amber_days: int
    silence_red_days: int
    created_at: datetime | None
    archived: bool = False
    dormant: bool = False
    conversation_gap_minutes: int = 60
    model: str = "threads"  # or "conversations": see steward.engagement.conversations

    @property
    def state(self) -> str:
        """active, dormant (set so here) or archived (on the platform)."""
        return "archived" if self.archived else "dormant" if self.dormant else "active"


@dataclass
class ActivityTable:
    """Human-readable metadata plus one numpy array per column, one entry per message.

    Arrays: msg, space, person, ts, thread, parent, reactions (ordered by message id),
    is_bot / is_staff per message (from the identity and the person), and conv: the
    conversation each message belongs to (see steward.engagement.conversations).
    """

    columns: dict[str, Any]
    spaces: list[SpaceInfo]
    person_is_bot: Any  # bool array indexed by person id
    person_is_staff: Any

    def __len__(self) -> int:
        return len(self.columns["msg"])

    def derived(self, name: str, make):
        """A value worked out from the table once and kept with it (a table is never changed
        in place: a change makes a new one)."""
        kept = self.__dict__.setdefault("_derived", {})
        if name not in kept:
            kept[name] = make()
        return kept[name]

    def first_ts_by_person(self):
        """Each person's earliest message time (any message, bots' included), indexed by person
        id; the largest int64 for people with none."""
        import numpy as np

        def make():
            none = np.iinfo(np.int64).max
            size = int(self.columns["person"].max()) + 1 if len(self) else 1
            least = np.full(size, none, dtype=np.int64)
            reduce_at(np.minimum, least, self.columns["person"], self.columns["ts"])
            return least

        return self.derived("first_ts_by_person", make)

    def positions(self, ids):
        """Each message id's row in the table, -1 for an id it does not hold. One lookup per
        id in a dense map kept with the table (ids are the store's row ids): a binary search
        of two million ids for each of millions was most of the leaders' cost."""
        import numpy as np

        msg = self.columns["msg"]
        ids = np.asarray(ids, dtype=np.int64)
        if len(msg) == 0 or len(ids) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        where = self.derived("positions", lambda: row_of(msg))
        out = np.full(len(ids), -1, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(where))
        out[inside] = where[ids[inside]]
        return out

    def reply_targets(self, rows):
        """For each of `rows`, the row of the message it answers (its parent, else its thread's
        first message); -1 for a thread's first message or a target the table does not hold.
        When `rows` are most of the table (a long period), every row's target is worked out
        once and kept with the table."""
        import numpy as np

        def targets(of):
            msg, parent = self.columns["msg"][of], self.columns["parent"][of]
            target = np.where(parent != 0, parent, self.columns["thread"][of])
            found = self.positions(target)
            found[target == msg] = -1
            return found

        if 2 * len(rows) > len(self):
            return self.derived("reply_targets", lambda: targets(slice(None)))[rows]
        return targets(rows)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["columns"][name]
        except KeyError:
            raise AttributeError(name) from None


SNAPSHOT_REWRITE_ROWS = 5_000  # messages read past the stored snapshot before it is rewritten
SNAPSHOT_MIN_ROWS = 50_000  # below this a scan is quick: nothing is stored

_cache: dict[str, tuple[tuple, dict]] = {}
_conv_cache: dict[str, tuple[tuple, Any]] = {}
_table_cache: dict[str, tuple[tuple, ActivityTable]] = {}
_cache_lock = threading.Lock()
_scan_lock = threading.Lock()  # one scan at a time: tiles computed together share it


def forget_cached_activity() -> None:
    """Drop every cached scan (tests; after an import the cache notices by itself)."""
    with _cache_lock:
        _cache.clear()
        _conv_cache.clear()
        _table_cache.clear()


def read_message_columns(conn, after: int = 0) -> dict[str, np.ndarray]:
    """One scan of the activity table (rows after message id `after`); each column comes back
    as one comma-separated string parsed by numpy.

    Building Python tuples row by row is what makes a plain read slow; the aggregate strings
    are built inside SQLite and parsed in C.
    """
    where = f" WHERE message_id > {int(after)}" if after else ""
    return read_int_columns(conn, COLUMNS, SOURCE + where)


def read_columns_from_messages(conn) -> dict[str, np.ndarray]:
    """The same columns worked out from `messages` itself (tests compare the two)."""
    return read_int_columns(conn, MESSAGE_COLUMNS, f"messages WHERE {WHERE}")


def read_int_columns(conn, columns, source: str) -> dict[str, np.ndarray]:
    """Integer columns (name, SQL expression) of `source` as numpy arrays, in one scan."""
    sql = "SELECT " + ", ".join(f"group_concat({expr}, ',')" for _, expr in columns)
    texts = conn.execute(f"{sql} FROM {source}").fetchone()
    return {name: _parse_ints(text) for (name, _), text in zip(columns, texts, strict=True)}


def _parse_ints(text: str | None):
    import numpy as np

    if not text:
        return np.zeros(0, dtype=np.int64)
    # np.fromstring's text mode is the fast C parser; its binary mode is the deprecated one.
    return np.fromstring(text, dtype=np.int64, sep=",")


def load_activity(ws: Workspace) -> ActivityTable:
    """The activity table of this workspace, from the cache when no message changed."""
    import numpy as np

    catch_up(ws)
    with ws.session() as s:
        conn = s.connection().connection.driver_connection
        full_key = tuple(conn.execute(CACHE_KEY_SQL).fetchone())
        key = full_key[:2]  # what the message columns depend on
        spaces = _read_spaces(s)
        table_key = (full_key, tuple(spaces))
        with _cache_lock:
            whole = _table_cache.get(str(ws.path))
        if whole and whole[0] == table_key:  # nothing changed: the table as assembled before
            return whole[1]
        store = False
        with _scan_lock:
            with _cache_lock:
                cached = _cache.get(str(ws.path))
            if cached and cached[0] == key:
                raw = cached[1]
            else:
                raw, store = _from_snapshot(conn, key)
                if raw is None:
                    raw = read_message_columns(conn)
                    store = len(raw["msg"]) >= SNAPSHOT_MIN_ROWS
                with _cache_lock:
                    _cache[str(ws.path)] = (key, raw)
        ident, people, store_people = _people(conn, full_key[2:])
    if store_people:
        _store_people(ws, full_key[2:], ident, people)
    max_identity = int(ident["id"].max()) if len(ident["id"]) else 0
    max_person = int(people["id"].max()) if len(people["id"]) else 0
    person_of = np.zeros(max_identity + 1, dtype=np.int64)
    person_of[ident["id"]] = ident["person"]
    identity_bot = np.zeros(max_identity + 1, dtype=bool)
    identity_bot[ident["id"]] = ident["bot"] != 0
    person_is_bot = np.zeros(max_person + 1, dtype=bool)
    person_is_bot[people["id"]] = people["bot"] != 0
    person_is_staff = np.zeros(max_person + 1, dtype=bool)
    person_is_staff[people["id"]] = people["staff"] != 0
    identity = raw["identity"]
    known = identity <= max_identity
    identity = np.where(known, identity, 0)
    person = person_of[identity]
    columns = {name: raw[name] for name in ("msg", "space", "ts", "thread", "parent",
                                            "reactions")}
    columns["person"] = person
    columns["is_bot"] = identity_bot[identity] | person_is_bot[person] | ~known
    columns["is_staff"] = person_is_staff[person]
    gaps = np.full(max((sp.id for sp in spaces), default=0) + 1, -1, dtype=np.int64)
    for sp in spaces:
        if sp.model == "conversations":
            gaps[sp.id] = sp.conversation_gap_minutes * 60
    # Conversations depend on who is a bot and on the gaps: cached on both besides the scan
    # (in memory, and in the stored snapshot).
    import hashlib

    signature = hashlib.blake2b(gaps.tobytes() + np.packbits(columns["is_bot"]).tobytes(),
                                digest_size=16).hexdigest()
    conv_key = (key, signature)
    with _cache_lock:
        cached_conv = _conv_cache.get(str(ws.path))
    if cached_conv and cached_conv[0] == conv_key:
        columns["conv"] = cached_conv[1]
    elif raw.get("conv_signature") == signature:
        columns["conv"] = raw["conv"]
    else:
        columns["conv"] = assign_conversations(columns, person, columns["is_bot"], gaps)
        store = store or len(raw["msg"]) >= SNAPSHOT_MIN_ROWS
    with _cache_lock:
        _conv_cache[str(ws.path)] = (conv_key, columns["conv"])
    if store:
        _store_snapshot(ws, key, raw, columns["conv"], signature)
    table = ActivityTable(columns, spaces, person_is_bot, person_is_staff)
    with _cache_lock:
        _table_cache[str(ws.path)] = (table_key, table)
    return table


def _read_spaces(s) -> list[SpaceInfo]:
    return [
        SpaceInfo(sp.id, sp.name, src_name, platform, sp.silence_amber_days,
                  sp.silence_red_days, sp.created_at, bool(sp.archived), bool(sp.dormant),
                  gap_minutes(sp.conversation_gap_minutes), conversation_model(platform))
        for sp, src_name, platform in s.execute(
            select(Space, Source.name, Source.platform)
            .join(Source, Source.id == Space.source_id)
            .order_by(Source.name, Space.name)
        )
    ]


PEOPLE_ROW = 2  # the activity_snapshot row that keeps who is whom (see `_people`)
PEOPLE_SNAPSHOT_MIN = 20_000  # identities; below this reading the tables is quick


def _people(conn, key: tuple) -> tuple[dict, dict, bool]:
    """Each identity's person and bot mark, and each person's bot and staff marks: from the
    copy kept in the store while `key` (the people generation, the highest identity and person
    ids) still holds, else from `identities` and `persons` (through their narrow indexes).
    The flag says whether the copy is worth (re)writing."""
    import io

    import numpy as np

    row = conn.execute("SELECT columns FROM activity_snapshot WHERE id = ?",
                       (PEOPLE_ROW,)).fetchone()
    if row is not None and None not in key:
        try:
            with np.load(io.BytesIO(row[0]), allow_pickle=False) as kept:
                if kept["key"].tolist() == list(key):
                    return ({name: kept[f"identity_{name}"].astype(np.int64)
                             for name in ("id", "person", "bot")},
                            {name: kept[f"person_{name}"].astype(np.int64)
                             for name in ("id", "bot", "staff")}, False)
        except (ValueError, KeyError, OSError):
            pass
    ident = read_int_columns(conn, (("id", "id"), ("person", "person_id"),
                                    ("bot", "is_bot")), "identities")
    people = read_int_columns(conn, (("id", "id"), ("bot", "is_bot"),
                                     ("staff", "is_staff")), "persons")
    return ident, people, None not in key and len(ident["id"]) >= PEOPLE_SNAPSHOT_MIN


def _store_people(ws: Workspace, key: tuple, ident: dict, people: dict) -> None:
    import io

    import numpy as np

    arrays = {"key": np.asarray(key, dtype=np.int64)}
    for prefix, columns in (("identity", ident), ("person", people)):
        for name, values in columns.items():
            arrays[f"{prefix}_{name}"] = values.astype(np.int32 if name in ("id", "person")
                                                       else np.int8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with ws.transaction() as s:
        conn = s.connection().connection.driver_connection
        if tuple(conn.execute(CACHE_KEY_SQL).fetchone())[2:] != tuple(key):
            return  # people changed meanwhile: the next load stores them
        conn.execute("DELETE FROM activity_snapshot WHERE id = ?", (PEOPLE_ROW,))
        conn.execute("INSERT INTO activity_snapshot (id, max_message_id, message_rows, "
                     "generation, columns) VALUES (?, 0, 0, ?, ?)",
                     (PEOPLE_ROW, key[0], buffer.getvalue()))


def _from_snapshot(conn, key: tuple) -> tuple[dict | None, bool]:
    """The columns from the stored snapshot plus the messages added since, and whether the
    snapshot is worth rewriting; (None, _) when there is none or it no longer holds."""
    import numpy as np

    max_id, generation = key
    if max_id is None or generation is None:
        return None, False
    row = conn.execute("SELECT max_message_id, message_rows, generation, columns "
                       "FROM activity_snapshot WHERE id = 1").fetchone()
    if row is None or row[2] != generation or row[0] > max_id:
        return None, False
    raw = _decode(row[3])
    if raw is None or len(raw["msg"]) != row[1]:
        return None, False
    added = 0
    if row[0] < max_id:  # the conversations are worked out again for the longer table
        new = read_message_columns(conn, after=int(row[0]))
        added = len(new["msg"])
        raw = {name: np.concatenate([raw[name], new[name]]) for name, _ in COLUMNS}
    return raw, added >= SNAPSHOT_REWRITE_ROWS


def _store_snapshot(ws: Workspace, key: tuple, raw: dict, conv, signature: str) -> None:
    """Keep the columns (and the conversations) in the store, if no message changed since they
    were read."""
    blob = _encode(raw, conv, signature)
    with ws.transaction() as s:
        conn = s.connection().connection.driver_connection
        now = tuple(conn.execute(CACHE_KEY_SQL).fetchone())[:2]
        if now != key:
            return  # an import or an edit came in meanwhile: the next load stores it
        conn.execute("DELETE FROM activity_snapshot WHERE id = 1")
        conn.execute("INSERT INTO activity_snapshot (id, max_message_id, message_rows, "
                     "generation, columns) VALUES (1, ?, ?, ?, ?)",
                     (key[0], len(raw["msg"]), key[1], blob))


# How each column is kept (the smallest integer type that holds it after the transform): ids
# and times as steps from the previous row, threads and conversations as a distance back from
# the message. Fewer bytes is fewer encrypted pages to read back.
_TRANSFORMS = {"msg": "delta", "ts": "delta", "thread": "back", "conv": "back",
               "parent": "back_or_zero"}
_SIGNED = ("<i1", "<i2", "<i4", "<i8")


def _transform(kind: str, values, msg):
    import numpy as np

    if kind == "delta":
        return np.diff(values, prepend=0)
    if kind == "back":
        return msg - values
    if kind == "back_or_zero":
        return np.where(values == 0, 0, msg - values + 1)
    return values


def _untransform(kind: str, stored, msg):
    import numpy as np

    if kind == "delta":
        return np.cumsum(stored)
    if kind == "back":
        return msg - stored
    if kind == "back_or_zero":
        out = msg + 1
        out -= stored
        out[stored == 0] = 0
        return out
    return stored


def _smallest(values) -> str:
    if not len(values):
        return "<i1"
    lo, hi = int(values.min()), int(values.max())
    for dtype in _SIGNED:
        bits = int(dtype[2:]) * 8
        if -(2 ** (bits - 1)) <= lo and hi < 2 ** (bits - 1):
            return dtype
    return "<i8"


def _encode(raw: dict, conv=None, signature: str | None = None) -> bytes:
    import json

    import numpy as np

    names = [name for name, _ in COLUMNS]
    parts, header = [], {"n": int(len(raw["msg"])), "columns": [],
                         "conv_signature": signature}
    if conv is not None:
        raw = {**raw, "conv": conv}
        names.append("conv")
    msg = np.asarray(raw["msg"], dtype=np.int64)
    for name in names:
        values = np.asarray(raw[name], dtype=np.int64)
        kind = _TRANSFORMS.get(name, "raw")
        stored = _transform(kind, values, msg)
        if not np.array_equal(_untransform(kind, stored, msg), values):
            kind, stored = "raw", values  # (a parent after its reply, say)
        dtype = _smallest(stored)
        header["columns"].append([name, dtype, kind])
        parts.append(stored.astype(dtype).tobytes())
    head = json.dumps(header).encode()
    return len(head).to_bytes(4, "little") + head + b"".join(parts)


def _decode(blob: bytes) -> dict | None:
    import json

    import numpy as np

    try:
        size = int.from_bytes(blob[:4], "little")
        header = json.loads(blob[4:4 + size])
        n, offset, stored = header["n"], 4 + size, {}
        for name, dtype, *kind in header["columns"]:
            width = np.dtype(dtype).itemsize * n
            values = np.frombuffer(blob, dtype=dtype, count=n, offset=offset).astype(np.int64)
            stored[name] = (values, kind[0] if kind else "raw")
            offset += width
        out = {"msg": _untransform(stored["msg"][1], stored["msg"][0], None)}
        out.update({name: _untransform(kind, values, out["msg"])
                    for name, (values, kind) in stored.items() if name != "msg"})
    except (ValueError, KeyError, TypeError):
        return None
    if not {name for name, _ in COLUMNS} <= set(out):
        return None
    if "conv" in out:
        out["conv_signature"] = header.get("conv_signature")
    return out


def row_of(ids):
    """A dense map from each of `ids` (distinct non-negative integers) to its index, -1 where
    no id is: `row_of(ids)[ids[i]] == i`."""
    import numpy as np

    where = np.full(int(ids.max()) + 1 if len(ids) else 1, -1,
                    dtype=np.int32 if len(ids) < 2**31 else np.int64)
    where[ids] = np.arange(len(ids), dtype=where.dtype)
    return where


def distinct(values):
    """Sorted distinct values (np.unique's hash path is far slower on millions of keys; values
    that come sorted, as people of (person, day) pairs do, are not sorted again)."""
    import numpy as np

    values = np.asarray(values)
    in_order = len(values) < 2 or bool((values[1:] >= values[:-1]).all())
    ordered = values if in_order else np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def local_day_numbers(ts, tz: str):
    """Unix seconds (UTC) to local calendar day numbers (days since 1970-01-01).

    Offsets change only on quarter hours, so each quarter hour of the span is converted once
    and looked up: fast on millions of messages, exact on daylight-saving days.
    """
    import numpy as np
    import pandas as pd

    ts = np.asarray(ts, dtype=np.int64)
    if tz == "UTC" or len(ts) == 0:
        return ts // 86400
    quarter = ts // 900
    lo = int(quarter.min())
    grid = np.arange(lo, int(quarter.max()) + 1, dtype=np.int64) * 900
    local = pd.to_datetime(grid, unit="s", utc=True).tz_convert(tz).tz_localize(None)
    days = local.values.astype("datetime64[D]").astype(np.int64)
    return days[quarter - lo]
