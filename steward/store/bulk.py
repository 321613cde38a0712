"""Fast bulk inserts for imports and the demo: one prepared statement, `executemany`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session


def insert_rows(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    on_conflict_ignore: bool = False,
) -> int:
    """Insert tuples into `table` in the session's transaction; returns the rows written.

    With `on_conflict_ignore`, rows that clash with a unique key (a re-import) are skipped.
    """
    verb = "INSERT OR IGNORE" if on_conflict_ignore else "INSERT"
    sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    cursor = session.connection().connection.driver_connection.cursor()
    try:
        before = cursor.connection.total_changes
        cursor.executemany(sql, rows)
        return cursor.connection.total_changes - before
    finally:
        cursor.close()


def sql_time(dt) -> str | None:
    """A datetime in the exact text form SQLAlchemy stores for `DateTime` on SQLite."""
    if dt is None:
        return None
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")
