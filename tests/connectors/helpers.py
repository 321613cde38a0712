"""Small helpers shared by the connector tests."""

from __future__ import annotations

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
