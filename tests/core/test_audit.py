"""The audit chain: append-only, hash-linked, tampering named."""

import json

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


def test_deleting_the_tail_is_named(workspace, monkeypatch, capsys):
    """Issue 12, finding 6: the last rows deleted used to verify as intact."""
    _events(workspace, 5)
    path = workspace.path
    _tamper(workspace, "DELETE FROM audit_events WHERE id >= 5")
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "verify", "--workspace", str(path)]) == 1
    out = capsys.readouterr().out
    assert "BROKEN at audit event 5" in out and "last 2 events were deleted" in out


def _recompute_unkeyed(ws):
    """What anyone with the database key could do before: rewrite an event and recompute
    every later link with plain SHA-256 (and with the link format of a volunteer)."""
    from datetime import datetime

    key, path = ws._wk, ws.db_path
    ws.lock()
    conn = connect_raw(path, key)
    conn.execute("DROP TRIGGER audit_events_no_update")
    rows = conn.execute("SELECT id, at, actor, action, subject_type, subject_id, details "
                        "FROM audit_events ORDER BY id").fetchall()
    prev = audit.GENESIS
    for i, at, actor, action, stype, sid, details in rows:
        details = json.loads(details)
        if i == 3:
            details = {"count": 99}
        link = audit._digest(i, datetime.fromisoformat(at), actor, action, stype, sid, details,
                             prev, None, audit.UNKEYED)
        conn.execute("UPDATE audit_events SET details = ?, prev_hash = ?, hash = ? WHERE id = ?",
                     (json.dumps(details), prev, link, i))
        prev = link
    conn.commit()
    conn.close()


def test_a_recomputed_chain_is_named(workspace, monkeypatch, capsys):
    """Issue 12, finding 6: recomputing the whole (unkeyed) chain used to verify as intact."""
    _events(workspace, 5)
    path = workspace.path
    _recompute_unkeyed(workspace)
    monkeypatch.setenv("STEWARD_PASSPHRASE", PASSPHRASE)
    assert main(["audit", "verify", "--workspace", str(path)]) == 1
    assert "recomputed" in capsys.readouterr().out


def test_a_recomputed_chain_by_a_volunteer_name_is_caught_by_the_head(workspace):
    """Even links that look like a volunteer's cannot reach the sealed head."""
    from datetime import datetime

    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    _events(workspace, 3)
    key, path = workspace._wk, workspace.db_path
    ws_path = workspace.path
    workspace.lock()
    conn = connect_raw(path, key)
    conn.execute("DROP TRIGGER audit_events_no_update")
    rows = conn.execute("SELECT id, at, action, subject_type, subject_id, details "
                        "FROM audit_events ORDER BY id").fetchall()
    prev = audit.GENESIS
    for i, at, action, stype, sid, details in rows:
        link = audit._digest(i, datetime.fromisoformat(at), "vol", action, stype, sid,
                             json.loads(details), prev, None, audit.UNKEYED)
        conn.execute("UPDATE audit_events SET actor = 'vol', prev_hash = ?, hash = ? "
                     "WHERE id = ?", (prev, link, i))
        prev = link
    conn.commit()
    conn.close()
    from steward.workspace import Workspace

    ws = Workspace.unlock(ws_path, "admin", PASSPHRASE)
    with ws.session() as s:
        check = audit.verify(s)
    ws.lock()
    assert not check.ok and "sealed head" in check.problem


def test_triggers_are_restored_at_unlock(workspace):
    from steward.workspace import Workspace

    key, path, ws_path = workspace._wk, workspace.db_path, workspace.path
    workspace.lock()
    conn = connect_raw(path, key)
    conn.execute("DROP TRIGGER audit_events_no_delete")
    conn.execute("DROP TRIGGER case_entries_no_update")
    conn.commit()
    conn.close()
    ws = Workspace.unlock(ws_path, "admin", PASSPHRASE)
    with ws.engine.begin() as c, pytest.raises(Exception, match="append-only"):
        c.exec_driver_sql("DELETE FROM audit_events WHERE id = 1")
    ws.lock()


def test_volunteers_write_unkeyed_links_and_cannot_verify(workspace):
    from steward.errors import AccessDenied
    from steward.workspace import Workspace

    workspace.add_profile("vol", "volunteer", "volunteer passphrase")
    vol = Workspace.unlock(workspace.path, "vol", "volunteer passphrase")
    with vol.transaction() as s:
        event = audit.record(s, "vol", "export.members", None, None, rows=3)
    assert event.hash.startswith(audit.UNKEYED)
    with vol.session() as s, pytest.raises(AccessDenied, match="audit key"):
        audit.verify(s)
    vol.lock()
    _events(workspace, 1)  # a keyed event after it covers the volunteer's
    with workspace.session() as s:
        assert audit.verify(s).ok
