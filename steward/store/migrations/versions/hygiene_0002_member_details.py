"""hygiene: member-list details (address, town, postcode, date of birth, notes) and consent
purposes with an expiry date

Revision ID: hygiene_0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "hygiene_0002"
down_revision = "0001"
branch_labels = ("hygiene",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_details",
        sa.Column("identity_id", sa.Integer(), sa.ForeignKey("identities.id"), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=True),
        sa.Column("last_name", sa.String(length=200), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("town", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=32), nullable=True),
        sa.Column("date_of_birth", sa.String(length=40), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("identity_id"),
    )
    with op.batch_alter_table("consents") as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consents") as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("purpose")
    op.drop_table("member_details")
