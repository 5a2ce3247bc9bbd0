"""payments: the payments of dossiers' fees (online through the province's gateway, cash or transfer at the
counter), the province's merchant settings, and how a dossier was paid (ADR 0047, docs/integrations.md)

Revision ID: a7c3e9b5d1f4
Revises: b8d4f2a6c0e3
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9b5d1f4"
down_revision: str | None = "b8d4f2a6c0e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("payment_method", sa.String(length=10), nullable=True))
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("order_ref", sa.String(length=40), nullable=True),
        sa.Column("gateway_txn", sa.String(length=40), nullable=True),
        sa.Column("bank_code", sa.String(length=20), nullable=True),
        sa.Column("gateway_code", sa.String(length=10), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refund_attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("refund_error", sa.Text(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount")),
        sa.CheckConstraint("method IN ('online', 'cash', 'transfer')", name=op.f("ck_payments_method")),
        sa.CheckConstraint("state IN ('pending', 'paid', 'failed', 'refunded')", name=op.f("ck_payments_state")),
        sa.CheckConstraint("(state IN ('paid', 'refunded')) = (paid_at IS NOT NULL)", name=op.f("ck_payments_paid")),
        sa.CheckConstraint("(state = 'refunded') = (refunded_at IS NOT NULL)", name=op.f("ck_payments_refunded")),
        sa.CheckConstraint("method <> 'online' OR order_ref IS NOT NULL", name=op.f("ck_payments_online_order")),
        sa.CheckConstraint("method = 'online' OR recorded_by IS NOT NULL", name=op.f("ck_payments_counter_recorder")),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_payments_dossier_id_dossiers"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("gateway_txn", name=op.f("uq_payments_gateway_txn")),
        sa.UniqueConstraint("order_ref", name=op.f("uq_payments_order_ref")),
    )
    op.create_index("ix_payments_dossier", "payments", ["dossier_id", "id"], unique=False)
    op.create_index("ix_payments_paid_at", "payments", ["paid_at"], unique=False)
    op.create_table(
        "payment_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("merchant_code", sa.String(length=40), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("pay_url", sa.String(length=500), nullable=True),
        sa.Column("api_url", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_payment_settings_single_row")),
        sa.CheckConstraint("gateway IN ('vnpay')", name=op.f("ck_payment_settings_gateway")),
        sa.CheckConstraint(
            "NOT enabled OR (merchant_code IS NOT NULL AND secret IS NOT NULL AND pay_url IS NOT NULL"
            " AND api_url IS NOT NULL)",
            name=op.f("ck_payment_settings_enabled_complete"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_settings")),
    )


def downgrade() -> None:
    # payments are financial records: a tenant that has any is not downgraded (export them first)
    kept = op.get_bind().scalar(sa.text("SELECT count(*) FROM payments"))
    if kept:
        raise RuntimeError(f"{kept} payment(s) recorded: not dropped by a downgrade below a7c3e9b5d1f4")
    op.drop_table("payment_settings")
    op.drop_index("ix_payments_paid_at", table_name="payments")
    op.drop_index("ix_payments_dossier", table_name="payments")
    op.drop_table("payments")
    op.drop_column("dossiers", "payment_method")
