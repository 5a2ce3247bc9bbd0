"""submission acknowledgement: an online submission (status 1) queues a 'submitted' message to the
applicant, so the outbox accepts that event

Revision ID: c3f1a9e7d210
Revises: c7a1f3d92e64
Create Date: 2026-11-23 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3f1a9e7d210"
down_revision: str | None = "c7a1f3d92e64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "event IN ('intake', 'supplement', 'payment', 'done', 'late', 'extension')"
AFTER = "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE event = 'submitted'")
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", BEFORE)
