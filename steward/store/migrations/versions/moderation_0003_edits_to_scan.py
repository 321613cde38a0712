"""moderation and safeguarding: messages an import found edited on the platform, in the order
found, so each scanner reads the new text once (`scan_state.last_edit_seq`: how far it has read)

Revision ID: moderation_0003
Revises: moderation_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "moderation_0003"
down_revision = "moderation_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_edits",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.add_column("scan_state", sa.Column("last_edit_seq", sa.Integer(), nullable=False,
                                          server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("scan_state") as batch:
        batch.drop_column("last_edit_seq")
    op.drop_table("message_edits")
