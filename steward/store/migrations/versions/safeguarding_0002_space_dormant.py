"""safeguarding: a space can be marked dormant (set with `steward space set --dormant`)

Revision ID: safeguarding_0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "safeguarding_0002"
down_revision = "0001"
branch_labels = ("safeguarding",)
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy of `spaces` would trip the foreign keys pointing at it
    op.add_column("spaces", sa.Column("dormant", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("spaces") as batch:
        batch.drop_column("dormant")
