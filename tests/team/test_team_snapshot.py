"""The first push of a workspace streams in bounded batches and resumes when cut short."""

from __future__ import annotations

import json
import shutil

import pytest

from steward.jobs import run_to_end
from steward.team import sync as team
from steward.team.server import ServerUnreachable
from steward.workspace import Workspace
from tests.team.conftest import PASS
from tests.team.pgcluster import PASSWORD


def test_team_create_cut_short_is_finished_by_the_next_sync(demo_laptop, tmp_path, team_server,
                                                            monkeypatch):
    admin_path = tmp_path / "admin"
    shutil.copytree(demo_laptop, admin_path)
    ws = Workspace.unlock(admin_path, "admin", PASS)
    monkeypatch.setattr(team, "SNAPSHOT_PUSH", 2)
    real_push = team._push
    calls = {"n": 0}

    def push_then_fail(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise ServerUnreachable("the team server went away (test)")
        return real_push(*args, **kwargs)

    monkeypatch.setattr(team, "_push", push_then_fail)
    try:
        with pytest.raises(ServerUnreachable):
            run_to_end(team.create_team(ws, team_server, PASSWORD))
        monkeypatch.setattr(team, "_push", real_push)
        with ws.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT value FROM team_state WHERE key = "
                                        "'snapshot_pending'").scalar() != "null"
        run_to_end(team.sync(ws, PASSWORD))
        with ws.engine.connect() as conn:
            # What was pushed is not kept twice on the laptop.
            assert conn.exec_driver_sql("SELECT coalesce(sum(length(body)), 0) FROM "
                                        "team_outbox WHERE pushed = 1").scalar() < 200_000
            kept = conn.exec_driver_sql("SELECT count(*) FROM messages").scalar()
        invitation, code = team.invite(ws, "lead", "safeguarding-lead", PASSWORD)
    finally:
        ws.lock()
    file = tmp_path / "lead.invitation"
    file.write_text(json.dumps(invitation))
    run_to_end(team.join(file, code, tmp_path / "lead", PASS, PASSWORD))
    lead = Workspace.unlock(tmp_path / "lead", "lead", PASS)
    try:
        with lead.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM messages").scalar() == kept
        lead_digests = team.digests(lead)
    finally:
        lead.lock()
    ws = Workspace.unlock(admin_path, "admin", PASS)
    try:
        assert team.digests(ws) == lead_digests
    finally:
        ws.lock()
