"""engagement: deleted-message placeholders ("This message was deleted", kept in `messages` as
the export wrote them) leave the activity table, so they are neither activity nor a response;
and two narrow indexes, so the metrics read who is a bot or staff (and whose identity is whose)
without decrypting the pages of `identities` and `persons` that hold names and addresses.

Revision ID: engagement_0005
Revises: engagement_0004
"""

from alembic import op

revision = "engagement_0005"
down_revision = "engagement_0004"
branch_labels = None
depends_on = None

# As steward.engagement.deleted.placeholder_sql writes it (frozen here, as migrations are).
PLACEHOLDER = ("({row}.text IS NOT NULL AND length({row}.text) < 120 AND "
               "(rtrim({row}.text, '.') IN ('This message was deleted', "
               "'You deleted this message') OR {row}.text LIKE 'This message was deleted by %'))")
COUNTED = ("{row}.kind = 'message' AND {row}.deleted = 0 AND {row}.identity_id IS NOT NULL "
           "AND NOT " + PLACEHOLDER)
OLD_COUNTED = "{row}.kind = 'message' AND {row}.deleted = 0 AND {row}.identity_id IS NOT NULL"
VALUES = ("{row}.id, {row}.space_id, {row}.identity_id, COALESCE(unixepoch({row}.created_at), 0), "
          "COALESCE({row}.thread_id, {row}.id), COALESCE({row}.parent_id, 0), "
          "COALESCE({row}.reaction_count, 0)")
WATCHED = ("id, space_id, identity_id, created_at, thread_id, parent_id, reaction_count, kind, "
           "deleted")
BUMP = "UPDATE activity_generation SET generation = generation + 1 WHERE id = 1;"


def _update_trigger(counted: str) -> str:
    return f"""CREATE TRIGGER activity_update AFTER UPDATE OF {WATCHED} ON messages
    BEGIN
        DELETE FROM activity WHERE message_id = OLD.id;
        INSERT OR REPLACE INTO activity SELECT {VALUES.format(row='NEW')}
            WHERE {counted.format(row='NEW')};
    END"""


# A text edited into (or out of) a placeholder: the row leaves (or comes back), and the cached
# columns no longer hold.
TEXT_TRIGGER = f"""CREATE TRIGGER activity_update_text AFTER UPDATE OF text ON messages
    WHEN ({PLACEHOLDER.format(row='OLD')}) IS NOT ({PLACEHOLDER.format(row='NEW')})
    BEGIN
        DELETE FROM activity WHERE message_id = OLD.id;
        INSERT OR REPLACE INTO activity SELECT {VALUES.format(row='NEW')}
            WHERE {COUNTED.format(row='NEW')};
        {BUMP}
    END"""


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS activity_update")
    op.execute(_update_trigger(COUNTED))
    op.execute(TEXT_TRIGGER)
    op.execute(f"DELETE FROM activity WHERE message_id IN (SELECT id FROM messages "
               f"WHERE {PLACEHOLDER.format(row='messages')})")
    op.execute("UPDATE activity_generation SET generation = generation + 1 WHERE id = 1")
    # Covering indexes (each holds the rowid too): identities (id, person_id, is_bot) and
    # persons (id, is_bot, is_staff) read from a few pages.
    op.execute("CREATE INDEX ix_identities_person_bot ON identities (person_id, is_bot)")
    op.execute("CREATE INDEX ix_persons_bot_staff ON persons (is_bot, is_staff)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_persons_bot_staff")
    op.execute("DROP INDEX IF EXISTS ix_identities_person_bot")
    op.execute("DROP TRIGGER IF EXISTS activity_update_text")
    op.execute("DROP TRIGGER IF EXISTS activity_update")
    op.execute(_update_trigger(OLD_COUNTED))
    op.execute(f"INSERT OR REPLACE INTO activity SELECT {VALUES.format(row='messages')} "
               f"FROM messages WHERE {OLD_COUNTED.format(row='messages')} AND "
               f"{PLACEHOLDER.format(row='messages')}")
    op.execute("UPDATE activity_generation SET generation = generation + 1 WHERE id = 1")
