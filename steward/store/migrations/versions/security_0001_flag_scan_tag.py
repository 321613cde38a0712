"""security: a keyed tag per flag so a rescan never raises the same concern twice

Revision ID: security_0001
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "security_0001"
down_revision = "0001"
branch_labels = ("security",)
depends_on = None


def upgrade() -> None:
    op.add_column("flags", sa.Column("scan_tag", sa.String(64), nullable=True))
    op.create_index("ux_flags_scan_tag", "flags", ["scan_tag"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_flags_scan_tag", table_name="flags")
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("scan_tag")
