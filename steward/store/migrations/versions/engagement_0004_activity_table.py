"""engagement: a narrow `activity` table, one row of integers per message the metrics count, so
the engagement figures never read (or decrypt) the pages that hold message text again. New
messages are added to it on the first engagement read after an import (rows after
`activity_progress.last_message_id`, one range read; a trigger on every insert would cost the
import about 40%); triggers keep the rows already there in step as messages are edited, deleted
or erased. A second generation counter says when identities or persons changed (merges, bots,
staff).

Revision ID: engagement_0004
Revises: engagement_0003
"""

from alembic import op

revision = "engagement_0004"
down_revision = "engagement_0003"
branch_labels = None
depends_on = None

# What the metrics count (steward.engagement.activity): a person's message, not deleted.
COUNTED = "{row}.kind = 'message' AND {row}.deleted = 0 AND {row}.identity_id IS NOT NULL"
VALUES = ("{row}.id, {row}.space_id, {row}.identity_id, COALESCE(unixepoch({row}.created_at), 0), "
          "COALESCE({row}.thread_id, {row}.id), COALESCE({row}.parent_id, 0), "
          "COALESCE({row}.reaction_count, 0)")
WATCHED = ("id, space_id, identity_id, created_at, thread_id, parent_id, reaction_count, kind, "
           "deleted")


def _new(template: str) -> str:
    return template.format(row="NEW")


TRIGGERS = [
    f"""CREATE TRIGGER activity_update AFTER UPDATE OF {WATCHED} ON messages
    BEGIN
        DELETE FROM activity WHERE message_id = OLD.id;
        INSERT OR REPLACE INTO activity SELECT {_new(VALUES)} WHERE {_new(COUNTED)};
    END""",
    """CREATE TRIGGER activity_delete AFTER DELETE ON messages
    BEGIN DELETE FROM activity WHERE message_id = OLD.id; END""",
]
# Generation 2: who the messages' authors are (an identity's person, bots, staff). Bumped when
# identities or persons are merged, removed or marked, so the engagement cache knows (new ones
# show in their highest id). No trigger on inserts: it would slow the import, and
# `total_changes` (which counts rows written by triggers) would count them as imported rows.
BUMP = "BEGIN UPDATE activity_generation SET generation = generation + 1 WHERE id = 2; END"
PEOPLE_TRIGGERS = {
    "people_changed_identity_update": f"AFTER UPDATE OF id, person_id, is_bot ON identities {BUMP}",
    "people_changed_identity_delete": f"AFTER DELETE ON identities {BUMP}",
    "people_changed_person_update": f"AFTER UPDATE OF id, is_bot, is_staff ON persons {BUMP}",
    "people_changed_person_delete": f"AFTER DELETE ON persons {BUMP}",
}


def upgrade() -> None:
    # A rowid table of small integers: about 25 bytes a message, against hundreds for `messages`.
    op.execute("""CREATE TABLE activity (
        message_id INTEGER PRIMARY KEY,
        space_id INTEGER NOT NULL,
        identity_id INTEGER NOT NULL,
        ts INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        parent_id INTEGER NOT NULL,
        reactions INTEGER NOT NULL
    )""")
    op.execute(f"INSERT INTO activity SELECT {VALUES.format(row='messages')} FROM messages "
               f"WHERE {COUNTED.format(row='messages')} ORDER BY id")
    op.execute("CREATE TABLE activity_progress (id INTEGER PRIMARY KEY, "
               "last_message_id INTEGER NOT NULL)")
    op.execute("INSERT INTO activity_progress (id, last_message_id) "
               "SELECT 1, COALESCE(max(id), 0) FROM messages")
    for statement in TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO activity_generation (id, generation) VALUES (2, 0)")
    for name, body in PEOPLE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in ("activity_update", "activity_delete", *PEOPLE_TRIGGERS):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DELETE FROM activity_generation WHERE id = 2")
    op.execute("DROP TABLE activity_progress")
    op.execute("DROP TABLE activity")
