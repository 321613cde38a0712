"""engagement: a space can be archived on its platform (dormant is safeguarding_0002's), and a
chat space has its own gap after which a new conversation starts

Revision ID: engagement_0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "engagement_0002"
down_revision = "0001"
branch_labels = ("engagement",)
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite does it in place): a batch copy would drop `spaces`, which
    # other tables' foreign keys forbid.
    op.add_column("spaces", sa.Column("archived", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column("spaces", sa.Column("conversation_gap_minutes", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.drop_column("conversation_gap_minutes")
        batch.drop_column("archived")
