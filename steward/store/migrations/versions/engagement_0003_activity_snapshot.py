"""engagement: the activity columns kept in the store, so opening the Overview or Engagement
page after a restart reads one blob instead of scanning every message; a generation counter,
bumped by triggers whenever a message that is already there changes or goes, says when the
blob no longer holds

Revision ID: engagement_0003
Revises: engagement_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "engagement_0003"
down_revision = "engagement_0002"
branch_labels = None
depends_on = None

WATCHED = "space_id, identity_id, created_at, thread_id, parent_id, reaction_count, kind, deleted"
TRIGGERS = [
    f"""CREATE TRIGGER activity_changed_update AFTER UPDATE OF {WATCHED} ON messages
    BEGIN UPDATE activity_generation SET generation = generation + 1 WHERE id = 1; END""",
    """CREATE TRIGGER activity_changed_delete AFTER DELETE ON messages
    BEGIN UPDATE activity_generation SET generation = generation + 1 WHERE id = 1; END""",
]


def upgrade() -> None:
    op.create_table(
        "activity_generation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False),
    )
    op.execute("INSERT INTO activity_generation (id, generation) VALUES (1, 0)")
    op.create_table(
        "activity_snapshot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("max_message_id", sa.Integer(), nullable=False),
        sa.Column("message_rows", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("columns", sa.LargeBinary(), nullable=False),
    )
    for statement in TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS activity_changed_update")
    op.execute("DROP TRIGGER IF EXISTS activity_changed_delete")
    op.drop_table("activity_snapshot")
    op.drop_table("activity_generation")
