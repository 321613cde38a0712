"""Small helpers shared by the connector tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from steward.connectors.base import ImportOptions
from steward.connectors.ingest import import_files
from steward.jobs import run_to_end

TABLES = ("sources", "spaces", "persons", "identities", "memberships", "messages",
          "platform_reports", "consents", "email_statuses", "audit_events")


def run_import(ws, kind, paths, **options):
    return run_to_end(import_files(ws, kind, paths, ImportOptions(**options)))


def snapshot(ws) -> dict:
    """Row counts and the latest row of every table an import touches."""
    with ws.session() as s:
        db = s.connection()
        return {t: (db.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar(),
                    db.exec_driver_sql(f"SELECT max(rowid) FROM {t}").scalar())
                for t in TABLES}


def discord_channel(path: Path, ids: list[int], count: bool = True,
                    edits: dict[int, tuple[str, str]] | None = None, apart: int = 1,
                    say: str = "message {}") -> Path:
    """A DiscordChatExporter channel file as it writes one: guild, channel, dateRange,
    exportedAt, the messages (`say` with their id, `apart` seconds apart), then messageCount
    (only once the export is whole). `edits`: message id → (its text, when it was edited)."""
    edits = edits or {}
    start = datetime(2026, 11, 21, 10, tzinfo=UTC)
    doc = {"guild": {"id": "1", "name": "Youth"}, "channel": {"id": "2", "name": "general"},
           "dateRange": {"after": None, "before": None},
           "exportedAt": "2026-11-30T10:00:00+00:00",
           "messages": [{"id": str(i), "type": "Default",
                         "timestamp": (start + timedelta(seconds=i * apart)).isoformat(),
                         "timestampEdited": edits[i][1] if i in edits else None,
                         "content": edits[i][0] if i in edits else say.format(i),
                         "author": {"id": "42", "name": "sam"}}
                        for i in ids]}
    if count:
        doc["messageCount"] = len(ids)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path
