"""The volunteer store: what the volunteer presets export, and nothing else, under its own key.

A volunteer's passphrase yields only the volunteer key (VK), which opens `volunteer.db`: a
small SQLCipher file with the same schema as `steward.db` but holding only the projection the
volunteer presets need — people's names, platform handles, masked emails, the latest consent
state, when each identity was last active (one row per identity, no text), spaces and their
memberships, and each flag's status (for "N concerns are with your safeguarding lead"). No
message text, no contact details, no notes, no safeguarding data. A volunteer's key cannot
open `steward.db` at all.

Staff profiles hold VK too and rebuild the store when they finish working (at lock, when the
workspace changed): the new file is written beside the old one and swapped in. Events a
volunteer adds to the store's audit chain (exports, passphrase changes) are carried into the
workspace's keyed chain at the next rebuild.
"""

from __future__ import annotations

import contextlib
import logging
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from steward.store.engine import connect_raw

if TYPE_CHECKING:
    from sqlalchemy import Table

log = logging.getLogger(__name__)
STORE_FILE = "volunteer.db"


@cache
def _projection() -> list[tuple[Table, set[str], dict[str, str], str]]:
    """Per table: the columns copied as they are, and expressions for some others; every other
    column is NULL (or its default). `m.` is the workspace's database, the source of each row.
    Built from the models at the first rebuild: checking whether one is needed (at every
    lock) imports no ORM."""
    from steward.store.models import (
        Consent,
        Flag,
        Identity,
        Membership,
        Message,
        Person,
        Source,
        Space,
    )

    return [
        (Source.__table__, {"id", "platform", "name", "created_at", "last_sync_at"},
         {"config": "'{}'", "cursor": "'{}'"}, "FROM m.sources"),
        (Space.__table__, {c.name for c in Space.__table__.columns}, {}, "FROM m.spaces"),
        (Person.__table__, {"id", "display_name", "is_staff", "is_bot", "created_at", "erased_at"},
         {}, "FROM m.persons"),
        (Identity.__table__,
         {"id", "person_id", "source_id", "platform_id", "handle", "display_name", "is_bot",
          "joined_at"},
         {"email": "steward_mask(email)"}, "FROM m.identities"),
        (Membership.__table__, {"id", "identity_id", "space_id", "role", "status", "joined_at",
                                "left_at"}, {}, "FROM m.memberships"),
        (Consent.__table__, {"id", "person_id", "state", "basis", "at"}, {},
         "FROM m.consents c WHERE c.id = (SELECT c2.id FROM m.consents c2 WHERE "
         "c2.person_id = c.person_id ORDER BY c2.at DESC, c2.id DESC LIMIT 1)"),
        # When each identity was last active: one row per identity, no text.
        (Message.__table__, {"identity_id"},
         {"id": "min(id)", "source_id": "min(source_id)", "space_id": "min(space_id)",
          "platform_id": "'activity-' || identity_id", "kind": "'message'",
          "created_at": "max(created_at)", "deleted": "0", "reaction_count": "0",
          "reply_count": "0", "attachment_count": "0"},
         "FROM m.messages WHERE identity_id IS NOT NULL GROUP BY identity_id"),
        (Flag.__table__, {"id", "status", "created_at"}, {"category": "''", "severity": "''"},
         "FROM m.flags"),
    ]


def store_path(workspace_path: Path) -> Path:
    return Path(workspace_path) / STORE_FILE


def _select_list(table: Table, keep: set[str], exprs: dict[str, str],
                 present: set[str] | None = None) -> tuple[str, str]:
    """The column names and the values to select for a table of the store (only the columns
    `present` in an existing store's table, when given)."""
    names, values = [], []
    for col in table.columns:
        if present is not None and col.name not in present:
            continue
        if col.name in exprs:
            value = exprs[col.name]
        elif col.name in keep:
            value = col.name
        elif col.nullable:
            value = "NULL"
        elif col.default is not None and col.default.is_scalar:
            value = repr(col.default.arg) if not isinstance(col.default.arg, bool) \
                else str(int(col.default.arg))
        elif col.server_default is not None:
            continue
        else:
            raise RuntimeError(f"volunteer store: no value for {table.name}.{col.name}")
        names.append(col.name)
        values.append(value)
    return ", ".join(names), ", ".join(values)


def rebuild(workspace_path: Path, wk: bytes, vk: bytes, stamp: dict) -> int:
    """Write a fresh volunteer store from the workspace's database; returns how many
    volunteer audit events it carried (the caller appends them to the keyed chain first)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from steward.normalise import mask_email
    from steward.store.models import Base

    target = store_path(workspace_path)
    tmp = target.with_name(f"{STORE_FILE}.{os.getpid()}.tmp")
    for leftover in tmp.parent.glob(f"{tmp.name}*"):
        leftover.unlink()
    engine = create_engine("sqlite://", creator=lambda: connect_raw(tmp, vk), poolclass=NullPool)
    try:
        Base.metadata.create_all(engine)
    finally:
        engine.dispose()
    conn = connect_raw(tmp, vk)
    try:
        conn.create_function("steward_mask", 1, mask_email, deterministic=True)
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute(f"ATTACH DATABASE ? AS m KEY \"x'{wk.hex()}'\"",
                     (str(Path(workspace_path) / "steward.db"),))
        for table, keep, exprs, source in _projection():
            names, values = _select_list(table, keep, exprs)
            conn.execute(f"INSERT INTO main.{table.name} ({names}) SELECT {values} {source}")
        conn.execute("CREATE TABLE main.alembic_version (version_num VARCHAR(32) NOT NULL "
                     "PRIMARY KEY)")
        conn.execute("INSERT INTO main.alembic_version SELECT version_num "
                     "FROM m.alembic_version")
        counts = {
            "messages": conn.execute("SELECT count(*) FROM m.messages").fetchone()[0],
            "queue_open": conn.execute(
                "SELECT count(*) FROM m.queue_items WHERE status = 'open'").fetchone()[0],
        }
        import json

        for key, value in (("projection.counts", counts), ("projection.stamp", stamp)):
            conn.execute("INSERT INTO main.settings (key, value) VALUES (?, ?)",
                         (key, json.dumps(value)))
        conn.commit()
        conn.execute("DETACH DATABASE m")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    os.replace(tmp, target)
    for extra in (target.with_name(STORE_FILE + "-wal"), target.with_name(STORE_FILE + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            extra.unlink()
    for leftover in tmp.parent.glob(f"{tmp.name}*"):
        with contextlib.suppress(OSError):
            leftover.unlink()
    return 0


def volunteer_events(workspace_path: Path, vk: bytes) -> list[dict]:
    """The audit events volunteers added to the current store (to carry into the chain)."""
    path = store_path(workspace_path)
    if not path.exists():
        return []
    try:
        conn = connect_raw(path, vk)
    except Exception:  # under another key (just rotated) or damaged: nothing to carry
        return []
    try:
        rows = conn.execute(
            "SELECT at, actor, action, subject_type, subject_id, details FROM audit_events "
            "ORDER BY id").fetchall()
        stamp = conn.execute("SELECT value FROM settings WHERE key = 'projection.stamp'"
                             ).fetchone()
    except Exception:  # a damaged or foreign file: rebuilt without carrying anything
        log.warning("volunteer store could not be read; rebuilding it")
        return []
    finally:
        conn.close()
    import json

    events = [{"at": at, "actor": actor, "action": action, "subject_type": st,
               "subject_id": sid, "details": json.loads(details) if details else {}}
              for at, actor, action, st, sid, details in rows]
    return [dict(e, stamp=json.loads(stamp[0]) if stamp else None) for e in events]


def current_stamp(workspace_path: Path, vk: bytes) -> list | None:
    """What the store was built from (None when there is no readable store)."""
    import json

    path = store_path(workspace_path)
    if not path.exists():
        return None
    try:
        conn = connect_raw(path, vk)
    except Exception:
        return None
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = 'projection.stamp'"
                           ).fetchone()
    except Exception:
        return None
    finally:
        conn.close()
    return json.loads(row[0]) if row else None


def sync_flags(workspace_path: Path, wk: bytes, vk: bytes) -> None:
    """Bring only the flags' statuses up to date (after a scan, a hand-over or a status
    change), so the volunteer's "N concerns" line is live without a full rebuild."""
    path = store_path(workspace_path)
    if not path.exists():
        return
    try:
        conn = connect_raw(path, vk)
    except Exception:  # under another key or damaged: the next rebuild replaces it
        return
    try:
        conn.execute(f"ATTACH DATABASE ? AS m KEY \"x'{wk.hex()}'\"",
                     (str(Path(workspace_path) / "steward.db"),))
        table, keep, exprs, source = next(p for p in _projection() if p[0].name == "flags")
        # A store written before the workspace gained a column (an upgrade) keeps its own
        # columns until the rebuild at lock; the statuses are brought up to date meanwhile.
        present = {row[1] for row in conn.execute("PRAGMA main.table_info(flags)")}
        names, values = _select_list(table, keep, exprs, present)
        conn.execute("DELETE FROM main.flags")
        conn.execute(f"INSERT INTO main.flags ({names}) SELECT {values} {source}")
        conn.commit()
        conn.execute("DETACH DATABASE m")
    finally:
        conn.close()
