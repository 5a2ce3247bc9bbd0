"""pending webhook events

Revision ID: a7c4e2d91b53
Revises: 4b9ff845e0f6
Create Date: 2026-12-05 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c4e2d91b53"
down_revision: str | None = "4b9ff845e0f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A Stripe payment event that arrives before its invoice is finalized here is kept pending and applied
    # at finalization (or when the push links the provider's invoice), instead of being lost.
    op.add_column(
        "billing_webhook_events", sa.Column("remote_object_id", sa.String(length=100), nullable=True), schema="control"
    )
    op.add_column("billing_webhook_events", sa.Column("invoice_id", sa.BigInteger(), nullable=True), schema="control")
    op.add_column(
        "billing_webhook_events",
        sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        schema="control",
    )


def downgrade() -> None:
    op.drop_column("billing_webhook_events", "pending", schema="control")
    op.drop_column("billing_webhook_events", "invoice_id", schema="control")
    op.drop_column("billing_webhook_events", "remote_object_id", schema="control")
