"""Schema migrations (Alembic), run at unlock after copying the database aside.

Unlocking an up-to-date workspace must stay fast, so the known revisions are read straight
from the migration files; Alembic itself is imported only when there is something to do.
"""

from __future__ import annotations

import ast
import shutil
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from steward import clock
from steward.errors import StewardError

if TYPE_CHECKING:
    from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaTooNew(StewardError):
    def __init__(self) -> None:
        super().__init__(
            "this workspace was written by a newer version of Steward; update Steward to open it"
        )


@lru_cache(maxsize=1)
def _revisions() -> dict[str, tuple[str, ...]]:
    """Every revision id this version knows, with the revisions it follows."""
    graph: dict[str, tuple[str, ...]] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    values[target.id] = ast.literal_eval(node.value)
        down = values.get("down_revision")
        graph[str(values["revision"])] = (
            () if down is None else tuple(down) if isinstance(down, list | tuple) else (down,)
        )
    return graph


def known_heads() -> set[str]:
    graph = _revisions()
    followed = {parent for parents in graph.values() for parent in parents}
    return set(graph) - followed


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        exists = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).first()
        if not exists:
            return set()
        return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}


def up_to_date(conn) -> bool:
    """True when the database (a DB-API connection) is at this version's heads; raises
    SchemaTooNew for a revision this version does not know. Unlocking asks this first, so an
    up-to-date workspace never builds a SQLAlchemy engine just to look."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone()
    current = ({row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
               if exists else set())
    if current - set(_revisions()):
        raise SchemaTooNew()
    return current == known_heads()


def upgrade(engine: Engine, db_path: Path | None = None) -> bool:
    """Bring the schema up to date. Returns True when a migration ran.

    A database at a revision this version does not know is refused, untouched. Before any real
    migration the encrypted file is copied aside (`steward.db.before-<time>`), so a failed
    migration loses nothing.
    """
    current = current_revisions(engine)
    if current - set(_revisions()):
        raise SchemaTooNew()
    if current == known_heads():
        return False
    if current and db_path is not None and db_path.exists():
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(db_path, db_path.with_name(f"{db_path.name}.before-{stamp}"))

    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
    return True
