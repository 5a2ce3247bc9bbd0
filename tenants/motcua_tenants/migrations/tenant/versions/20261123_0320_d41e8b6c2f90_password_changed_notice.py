"""password changed notice: after a reset by code the account's e-mail and phone are told (a reset by
someone holding one of them must not go unnoticed), so the outbox accepts that event

Revision ID: d41e8b6c2f90
Revises: c7acf45a7538
Create Date: 2026-11-23 03:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "d41e8b6c2f90"
down_revision: str | None = "c7acf45a7538"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "'submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset'"
BEFORE = f"event IN ({EVENTS})"
AFTER = f"event IN ({EVENTS}, 'password_changed')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE event = 'password_changed'")
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", BEFORE)
