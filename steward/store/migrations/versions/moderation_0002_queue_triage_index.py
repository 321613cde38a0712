"""moderation: an index that counts the open queue by kind without reading the table

Revision ID: moderation_0002
Revises: 0001
"""

from alembic import op

revision = "moderation_0002"
down_revision = "0001"
branch_labels = ("moderation",)
depends_on = None


def upgrade() -> None:
    op.create_index("ix_queue_triage", "queue_items", ["status", "kind", "snoozed_until"])


def downgrade() -> None:
    op.drop_index("ix_queue_triage", table_name="queue_items")
