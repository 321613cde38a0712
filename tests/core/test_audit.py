"""The audit chain: append-only, hash-linked, tampering named."""

import pytest

from steward.cli import main
from steward.store import audit
from steward.store.engine import connect_raw
from tests.conftest import PASSPHRASE


def _events(ws, n):
    with ws.transaction() as s:
        for i in range(n):
            audit.record(s, "admin", "test.event", "message", i, count=i)


def test_chain_verifies(workspace):
    _events(workspace, 5)
    with workspace.session() as s:
        check = audit.verify(s)
    assert check.ok and check.events == 6  # plus workspace.create


def test_triggers_refuse_update_and_delete(workspace):
    _events(workspace, 2)
    with workspace.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("UPDATE audit_events SET actor = 'mallory' WHERE id = 2")
    with workspace.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("DELETE FROM audit_events WHERE id = 2")


def _tamper(ws, sql):
    """Tamper as an attacker with the key would: raw SQLCipher, triggers dropped."""
    key = ws._wk
    path = ws.db_path
    ws.lock()
    conn = connect_raw(path, key)
    conn.execute("DROP TRIGGER audit_events_no_update")
    conn.execute("DROP TRIGGER audit_events_no_delete")
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_tampered_row_is_named_by_audit_verify(workspace, monkeypatch, capsys):
    _events(workspace, 5)
    path = workspace.path
    _tamper(workspace, "UPDATE audit_events SET details = '{\"count\": 99}' WHERE id = 4")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "verify", "--workspace", str(path)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at audit event 4" in out and "changed" in out


def test_deleted_row_is_named(workspace, monkeypatch, capsys):
    _events(workspace, 5)
    path = workspace.path
    _tamper(workspace, "DELETE FROM audit_events WHERE id = 3")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["--workspace", str(path), "audit", "verify"]) == 1
    assert "BROKEN at audit event 3" in capsys.readouterr().out
