"""An import into a workspace without messages builds the secondary message indexes once at
the end: afterwards the schema is exactly as before and every index agrees with its table; an
import that fails leaves them (and everything else) as they were."""

from __future__ import annotations

import gc
import json

import pytest

from steward import jobs
from steward.errors import BadInput
from tests.connectors.helpers import run_import, snapshot


def _schema(ws) -> list[tuple]:
    with ws.session() as s:
        return s.connection().exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name").all()


def _check(ws) -> list:
    with ws.session() as s:
        return s.connection().exec_driver_sql("PRAGMA integrity_check").scalars().all()


def test_first_import_builds_the_indexes_at_the_end(workspace, exports):
    before = _schema(workspace)
    assert {"ix_messages_identity_time", "ix_messages_space_time", "ix_messages_thread"} <= \
        {name for _, name, _ in before}
    first = run_import(workspace, "slack-export", sorted(exports.glob("*Slack export.zip")))
    assert first.messages > 1000
    assert _schema(workspace) == before
    assert _check(workspace) == ["ok"]
    # A second source goes in with the indexes kept up to date row by row; same schema.
    second = run_import(workspace, "discord-export",
                        sorted(exports.glob("Youth Discord - *.json")))
    assert second.messages > 1000
    assert _schema(workspace) == before
    assert _check(workspace) == ["ok"]
    with workspace.session() as s:
        plan = " ".join(str(r[-1]) for r in s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE identity_id = 1 "
            "AND created_at > '2020'"))
    assert "ix_messages_identity_time" in plan


def test_a_failed_first_import_leaves_the_indexes_as_they_were(workspace, tmp_path):
    messages = [{"id": n, "type": "message", "date": "2024-03-01T10:00:00",
                 "date_unixtime": str(1709287200 + n), "from": "Ann", "from_id": "user1",
                 "text": f"message {n}"} for n in range(1, 12_001)]
    messages.append({"id": 12_001, "type": "message", "date_unixtime": "not a time",
                     "from": "Ann", "from_id": "user1", "text": "late"})
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "Group", "type": "private_group", "id": 5,
                                "messages": messages}), encoding="utf-8")
    before, rows = _schema(workspace), snapshot(workspace)
    threshold = gc.get_threshold()
    with pytest.raises(BadInput, match="result.json: message 12001 has an unreadable date"):
        run_import(workspace, "telegram", [path])
    assert _schema(workspace) == before
    assert snapshot(workspace) == rows
    assert _check(workspace) == ["ok"]
    assert gc.get_threshold() == threshold


def test_imports_collect_young_objects_less_often_and_put_the_collector_back():
    threshold = gc.get_threshold()
    with jobs.collector_steps():
        assert gc.get_threshold()[0] == jobs.JOB_GC_THRESHOLD
        with pytest.raises(ValueError), jobs.collector_steps():  # a second import at once
            raise ValueError
        assert gc.get_threshold()[0] == jobs.JOB_GC_THRESHOLD  # the first still runs
    assert gc.get_threshold() == threshold
