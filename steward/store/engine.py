"""The SQLCipher engine: one encrypted file, keyed with the raw 256-bit workspace key."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlcipher3.dbapi2 as sqlcipher

from steward import clock

if TYPE_CHECKING:
    from sqlalchemy import Engine


def connect_raw(db_path: Path, key: bytes) -> sqlcipher.Connection:
    """A plain DB-API connection to the encrypted file (tests, migrations, bulk work)."""
    conn = sqlcipher.connect(str(db_path), check_same_thread=False)
    _apply_pragmas(conn, key)
    return conn


def _apply_pragmas(dbapi_conn, key: bytes) -> None:
    # Triggers that judge time ask Steward's one clock, as the store writes it.
    dbapi_conn.create_function("steward_now", 0, lambda: clock.now().isoformat(sep=" "))
    cur = dbapi_conn.cursor()
    # SQLCipher's own log goes to stderr: a damaged file gets our one clear line instead.
    cur.execute("PRAGMA cipher_log_level = NONE")
    cur.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    # Temp tables and sorts stay in memory: nothing decrypted ever touches a temp file.
    cur.execute("PRAGMA temp_store = MEMORY")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def make_engine(db_path: Path, key: bytes) -> Engine:
    """An engine whose every connection is keyed before SQLAlchemy sees it.

    A queue pool (SQLAlchemy's default for file databases): a per-thread pool loses its
    thread-local on Qt pool threads, opens a connection per background query, and past its
    size closes connections at random, including one another thread is using (a segfault).
    SQLAlchemy is imported here, not with this module: unlocking and counting need only the
    DB-API connection (`connect_raw`), and `steward stats` should not pay for the ORM.
    The pool hands out the connection returned last (LIFO): its page cache holds the pages
    just read, decrypted; the first-in-first-out default took the one idle longest, so
    sessions one after another (the moderation queue's count, page and item) each read and
    decrypted the same pages again on another connection.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    return create_engine(
        "sqlite://",
        module=sqlcipher,
        creator=lambda: connect_raw(db_path, key),
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=12,
        pool_use_lifo=True,
    )


# Above this size the unlock does not wait for a quick check; the app runs it in the background
# (steward.backup.health_problem). The check reads every page: on a workspace of 2,000
# members and 50,000 messages (15 MB) it cost 300-600 ms under load, as much as half the key
# derivation, so only small workspaces pay it at unlock.
QUICK_CHECK_AT_UNLOCK_BYTES = 8 * 2**20


def integrity_problems(engine: Engine, full: bool = False) -> str | None:
    """None when SQLite finds the database sound, else its first complaints (one line).

    `full` runs `integrity_check` (every index against its table); otherwise `quick_check`.
    """
    pragma = "integrity_check" if full else "quick_check"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"PRAGMA {pragma}(5)").scalars().all()
    return _problems(rows)


def quick_check_problems(conn: sqlcipher.Connection) -> str | None:
    """`integrity_problems` (quick check) on a DB-API connection, as the unlock runs it."""
    return _problems([row[0] for row in conn.execute("PRAGMA quick_check(5)")])


def _problems(rows: list) -> str | None:
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows)[:300]


def damaged(db_path: Path, what: str) -> str:
    """The one line that names a damaged database and the next step."""
    return (f"{db_path} is damaged ({what}); restore it from your last backup with "
            f"`steward restore BACKUP --workspace {db_path.parent}` (the damaged one is kept)")


REKEY_SUFFIX = ".rekey"


def export_rekeyed(db_path: Path, old_key: bytes, new_key: bytes) -> Path:
    """A whole copy of the database under `new_key`, written beside it (`steward.db.rekey`) and
    flushed to disk; the caller swaps it in (`swap_in_rekeyed`) once the new key is saved."""
    import os

    target = db_path.with_name(db_path.name + REKEY_SUFFIX)
    for leftover in (target, *_sidecars(target)):
        leftover.unlink(missing_ok=True)
    conn = connect_raw(db_path, old_key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute(f"ATTACH DATABASE ? AS rekeyed KEY \"x'{new_key.hex()}'\"", (str(target),))
        conn.execute("SELECT sqlcipher_export('rekeyed')")
        conn.execute("DETACH DATABASE rekeyed")
    finally:
        conn.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return target


def swap_in_rekeyed(db_path: Path, key: bytes) -> bool:
    """Finish or undo a rotation cut short: a copy beside the database that opens with `key`
    (the key workspace.json now holds) replaces it; one that does not is removed. True when
    the database was replaced."""
    import os

    pending = db_path.with_name(db_path.name + REKEY_SUFFIX)
    if not pending.exists():
        return False
    try:
        conn = connect_raw(pending, key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlcipher.DatabaseError:
        for leftover in (pending, *_sidecars(pending)):
            leftover.unlink(missing_ok=True)
        return False
    for leftover in _sidecars(db_path):
        leftover.unlink(missing_ok=True)
    os.replace(pending, db_path)
    for leftover in _sidecars(pending):
        leftover.unlink(missing_ok=True)
    return True


def _sidecars(db_path: Path) -> list[Path]:
    return [db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal")]
