"""feedback notices: the notification outbox takes a feedback item as a fourth kind of owner, for what the
sender of feedback is told (received with the private link, more information asked, rejected, answered;
docs/feedback.md)

Revision ID: b8d4f2a6c0e3
Revises: a7c3e1f9b5d2
Create Date: 2026-12-07 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d4f2a6c0e3"
down_revision: str | None = "a7c3e1f9b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_BEFORE = (
    "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset', "
    "'password_changed', 'weekly_report')"
)
EVENTS_AFTER = (
    "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset', "
    "'password_changed', 'weekly_report', 'feedback_received', 'feedback_info', 'feedback_rejected', "
    "'feedback_answered')"
)


def upgrade() -> None:
    op.add_column("notification_outbox", sa.Column("feedback_item_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_notification_outbox_feedback_item_id_feedback_items"),
        "notification_outbox",
        "feedback_items",
        ["feedback_item_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        op.f("ix_notification_outbox_feedback_item_id"), "notification_outbox", ["feedback_item_id"], unique=False
    )
    op.drop_constraint(op.f("ck_notification_outbox_owner"), "notification_outbox", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_outbox_owner"),
        "notification_outbox",
        "num_nonnulls(dossier_id, citizen_account_id, report_id, feedback_item_id) = 1",
    )
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", EVENTS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE feedback_item_id IS NOT NULL")
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", EVENTS_BEFORE)
    op.drop_constraint(op.f("ck_notification_outbox_owner"), "notification_outbox", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_outbox_owner"),
        "notification_outbox",
        "num_nonnulls(dossier_id, citizen_account_id, report_id) = 1",
    )
    op.drop_index(op.f("ix_notification_outbox_feedback_item_id"), table_name="notification_outbox")
    op.drop_constraint(
        op.f("fk_notification_outbox_feedback_item_id_feedback_items"), "notification_outbox", type_="foreignkey"
    )
    op.drop_column("notification_outbox", "feedback_item_id")
