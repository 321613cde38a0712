"""connectors: where a forum post sits (topic and post number)

Revision ID: connectors_0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "connectors_0002"
down_revision = "0001"
branch_labels = ("connectors",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_positions",
        sa.Column("source_id", sa.Integer(), sa.ForeignKey("sources.id"), nullable=False),
        sa.Column("topic_id", sa.String(length=64), nullable=False),
        sa.Column("post_number", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "topic_id", "post_number"),
    )


def downgrade() -> None:
    op.drop_table("post_positions")
