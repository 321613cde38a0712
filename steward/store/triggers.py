"""The triggers that keep the audit chain and case entries append-only (`steward.store.audit`).

Put back at every unlock, so they live apart from the ORM: unlocking does not import it.
"""

# Put back at every unlock: a dropped trigger does not stay dropped.
APPEND_ONLY_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS case_entries_no_update BEFORE UPDATE ON case_entries
       BEGIN SELECT RAISE(ABORT, 'case entries are append-only; add a correction'); END""",
    # Retention is judged by Steward's one clock (`steward_now()`, registered on every
    # connection), not SQLite's own: the two must agree on when a retention period ends.
    "DROP TRIGGER IF EXISTS case_entries_no_delete",
    """CREATE TRIGGER IF NOT EXISTS case_entries_kept_until_retention BEFORE DELETE ON case_entries
       WHEN NOT EXISTS (SELECT 1 FROM flags f WHERE f.id = OLD.flag_id
                        AND f.retain_until IS NOT NULL AND f.retain_until < steward_now())
       BEGIN SELECT RAISE(ABORT, 'case entries are kept until their retention period ends'); END""",
]
