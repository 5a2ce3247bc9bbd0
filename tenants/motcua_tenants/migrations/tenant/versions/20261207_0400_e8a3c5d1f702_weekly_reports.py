"""weekly reports: the province's weekly statistics reports as made (XLSX and PDF), when they are made and who
is told; the notification outbox takes a report's notice as a third kind of owner (docs/statistics.md, the
weekly report)

Revision ID: e8a3c5d1f702
Revises: d7f2a64c1e93
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e8a3c5d1f702"
down_revision: str | None = "d7f2a64c1e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_BEFORE = (
    "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset', "
    "'password_changed')"
)
EVENTS_AFTER = (
    "event IN ('submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension', 'password_reset', "
    "'password_changed', 'weekly_report')"
)


def upgrade() -> None:
    op.create_table(
        "statistics_report_settings",
        sa.Column("id", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), server_default=sa.text("4"), nullable=False),
        sa.Column("hour", sa.SmallInteger(), server_default=sa.text("10"), nullable=False),
        sa.Column(
            "recipients", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_statistics_report_settings_single_row")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_statistics_report_settings_weekday")),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=op.f("ck_statistics_report_settings_hour")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_report_settings")),
    )
    op.create_table(
        "statistics_reports",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("made_by", sa.String(length=300), nullable=False),
        sa.Column("xlsx", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_reports")),
        sa.UniqueConstraint("first_day", name=op.f("uq_statistics_reports_first_day")),
    )
    op.add_column("notification_outbox", sa.Column("report_id", sa.BigInteger(), nullable=True))
    op.drop_constraint(op.f("ck_notification_outbox_owner"), "notification_outbox", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_outbox_owner"),
        "notification_outbox",
        "num_nonnulls(dossier_id, citizen_account_id, report_id) = 1",
    )
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", EVENTS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE report_id IS NOT NULL")
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", EVENTS_BEFORE)
    op.drop_constraint(op.f("ck_notification_outbox_owner"), "notification_outbox", type_="check")
    op.create_check_constraint(
        op.f("ck_notification_outbox_owner"),
        "notification_outbox",
        "(dossier_id IS NULL) <> (citizen_account_id IS NULL)",
    )
    op.drop_column("notification_outbox", "report_id")
    op.drop_table("statistics_reports")
    op.drop_table("statistics_report_settings")
