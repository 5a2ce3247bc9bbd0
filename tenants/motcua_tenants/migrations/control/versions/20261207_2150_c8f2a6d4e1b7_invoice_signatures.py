"""invoice signatures: the invoice PDF as the vendor signed it (ADR 0063)

Revision ID: c8f2a6d4e1b7
Revises: b6e4d2f8a915
Create Date: 2026-12-07 21:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8f2a6d4e1b7"
down_revision: str | None = "b6e4d2f8a915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_invoice_signatures",
        sa.Column("invoice_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=300), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signed_by", sa.String(length=300), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["control.billing_invoices.id"],
            name=op.f("fk_billing_invoice_signatures_invoice_id_billing_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_billing_invoice_signatures")),
        schema="control",
    )


def downgrade() -> None:
    op.drop_table("billing_invoice_signatures", schema="control")
