"""citizen password resets: one-time codes (stored as an HMAC), and outbox rows that belong to a citizen
account instead of a dossier (event 'password_reset')

Revision ID: c7acf45a7538
Revises: c3f1a9e7d210
Create Date: 2026-11-23 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7acf45a7538"
down_revision: str | None = "c3f1a9e7d210"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = "'submitted', 'intake', 'supplement', 'payment', 'done', 'late', 'extension'"
BEFORE = f"event IN ({EVENTS})"
AFTER = f"event IN ({EVENTS}, 'password_reset')"


def upgrade() -> None:
    op.create_table(
        "citizen_password_resets",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_citizen_password_resets_citizen_id_citizen_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_password_resets")),
    )
    op.create_index(
        "ix_citizen_password_resets_citizen_created",
        "citizen_password_resets",
        ["citizen_id", "created_at"],
        unique=False,
    )
    op.alter_column("notification_outbox", "dossier_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column("notification_outbox", sa.Column("citizen_account_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_notification_outbox_citizen_account_id_citizen_accounts"),
        "notification_outbox",
        "citizen_accounts",
        ["citizen_account_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        op.f("ix_notification_outbox_citizen_account_id"), "notification_outbox", ["citizen_account_id"], unique=False
    )
    op.create_check_constraint(
        op.f("ck_notification_outbox_owner"),
        "notification_outbox",
        "(dossier_id IS NULL) <> (citizen_account_id IS NULL)",
    )
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", AFTER)


def downgrade() -> None:
    # an account's messages have no place in an outbox of dossiers: they go (their codes with them)
    op.execute("DELETE FROM notification_outbox WHERE citizen_account_id IS NOT NULL")
    op.drop_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", type_="check")
    op.create_check_constraint(op.f("ck_notification_outbox_event"), "notification_outbox", BEFORE)
    op.drop_constraint(op.f("ck_notification_outbox_owner"), "notification_outbox", type_="check")
    op.drop_index(op.f("ix_notification_outbox_citizen_account_id"), table_name="notification_outbox")
    op.drop_constraint(
        op.f("fk_notification_outbox_citizen_account_id_citizen_accounts"), "notification_outbox", type_="foreignkey"
    )
    op.drop_column("notification_outbox", "citizen_account_id")
    op.alter_column("notification_outbox", "dossier_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index("ix_citizen_password_resets_citizen_created", table_name="citizen_password_resets")
    op.drop_table("citizen_password_resets")
