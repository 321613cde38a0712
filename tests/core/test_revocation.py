"""Revocation (issue 12, finding 7): removing a lead rotates the safeguarding key, so their old
workspace.json entry opens nothing; lock() leaves no usable engine behind."""

from __future__ import annotations

import json

import pytest

from steward import crypto
from steward.errors import StewardError, WorkspaceLocked
from steward.jobs import run_to_end
from steward.safeguarding import flags
from steward.safeguarding.scan import scan_job
from steward.store.engine import connect_raw
from steward.workspace import Workspace
from tests.conftest import PASSPHRASE


def test_a_removed_leads_old_entry_opens_nothing(demo_path):
    admin = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    run_to_end(scan_job(admin))
    flag_id = flags.list_flags(admin)[0].id
    flags.add_note(admin, flag_id, "a note the lead wrote")
    old_meta = json.loads((demo_path / "workspace.json").read_text())
    old_entry = next(p for p in old_meta["profiles"] if p["name"] == "lead")
    lead = Workspace.unlock(demo_path, "lead", PASSPHRASE)
    old_sk, wk = lead._sk, lead._wk
    lead.lock()
    seen = []
    admin.remove_profile("lead", progress=seen.append)
    assert seen and seen[-1].done == seen[-1].total > 0  # progress reported
    assert flags.flag_detail(admin, flag_id).entries[-1].body["text"] == "a note the lead wrote"
    recovery_keys, wk = admin._sk, admin._wk  # the workspace key was rotated too
    admin.lock()
    # The old entry put back by hand: refused, and its key opens no case entry or flag.
    meta = json.loads((demo_path / "workspace.json").read_text())
    meta["profiles"].append(old_entry)
    (demo_path / "workspace.json").write_text(json.dumps(meta))
    with pytest.raises(StewardError):
        Workspace.unlock(demo_path, "lead", PASSPHRASE)
    conn = connect_raw(demo_path / "steward.db", wk)
    bodies = conn.execute("SELECT id, body_enc FROM case_entries").fetchall()
    conn.close()
    assert bodies
    for eid, body in bodies:
        with pytest.raises(crypto.DecryptionFailed):
            crypto.open_sealed(old_sk, body, f"steward/{meta['id']}/case_entries/{eid}/"
                                             "body_enc".encode())
    assert recovery_keys != old_sk


def test_recovery_still_opens_after_rotation(tmp_path):
    ws, recovery = Workspace.create(tmp_path / "w", "Charity", PASSPHRASE)
    ws.add_profile("dsl", "safeguarding-lead", "lead passphrase 1")
    ws.remove_profile("dsl")
    sealed = ws.field_cipher().encrypt("kept", "x")
    ws.lock()
    rec = Workspace.unlock_with_recovery(tmp_path / "w", recovery)
    assert rec.field_cipher().decrypt(sealed, "x") == "kept"
    rec.lock()


def test_lock_disposes_the_engine(workspace):
    engine = workspace.engine
    workspace.lock()
    assert workspace._engine is None and workspace._keys_held is None
    with pytest.raises(WorkspaceLocked):
        workspace.engine  # noqa: B018
    assert engine.pool.checkedout() == 0


def test_a_removed_volunteers_key_opens_no_store(demo_path):
    from steward.store.engine import connect_raw as raw
    from tests.core.test_tiers import _keys_of

    old = _keys_of(demo_path, "volunteer").vk
    admin = Workspace.unlock(demo_path, "admin", PASSPHRASE)
    admin.remove_profile("volunteer")
    admin.add_profile("volunteer2", "volunteer", PASSPHRASE)
    admin.lock()
    with pytest.raises(Exception, match="not a database"):
        raw(demo_path / "volunteer.db", old).execute("SELECT count(*) FROM persons")
    vol = Workspace.unlock(demo_path, "volunteer2", PASSPHRASE)
    with vol.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM persons").scalar() > 0
    vol.lock()
