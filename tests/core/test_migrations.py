"""Alembic migrations: a committed first-revision workspace upgrades; newer schemas are refused."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from steward.store import migrate
from steward.store.models import Message
from steward.workspace import Workspace

FIXTURE = Path(__file__).parent.parent / "fixtures" / "workspace-rev0001"
FIXTURE_PASSPHRASE = "fixture passphrase"


def test_first_revision_fixture_upgrades(tmp_path):
    path = tmp_path / "ws"
    shutil.copytree(FIXTURE, path)
    ws = Workspace.unlock(path, "admin", FIXTURE_PASSPHRASE)
    assert migrate.current_revisions(ws.engine) == migrate.known_heads()
    with ws.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) > 0
    ws.lock()
    if migrate.known_heads() != {"0001"}:
        assert list(path.glob("steward.db.before-*")), "the db is copied aside before migrating"


def test_newer_schema_is_refused_untouched(workspace):
    with workspace.engine.begin() as conn:
        # One row per branch head: mark one of them as from a newer Steward.
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff_from_the_future' "
                             "WHERE rowid = (SELECT min(rowid) FROM alembic_version)")
    path = workspace.path
    workspace.lock()
    before = (path / "steward.db").read_bytes()
    with pytest.raises(migrate.SchemaTooNew, match="newer version of Steward"):
        Workspace.unlock(path, "admin", "correct horse battery")
    assert (path / "steward.db").read_bytes() == before
