"""tenant plugins allowed

Revision ID: d5a2f7c91e34
Revises: d91f3a6b2c47
Create Date: 2026-12-06 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a2f7c91e34"
down_revision: str | None = "d91f3a6b2c47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The vendor's allow-list (what the province's contract allows) apart from what the province has enabled
    # (docs/decisions/0029-plugins-allowed-vs-enabled.md). Until now only the vendor enabled a plugin, so an
    # enabled plugin was one the contract allows; a disabled row was taken away by the vendor: not allowed.
    op.add_column(
        "tenant_plugins",
        sa.Column("allowed", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        schema="control",
    )
    op.execute("UPDATE control.tenant_plugins SET allowed = enabled")
    op.create_check_constraint(
        op.f("ck_tenant_plugins_enabled_needs_allowed"), "tenant_plugins", "allowed OR NOT enabled", schema="control"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_tenant_plugins_enabled_needs_allowed"), "tenant_plugins", schema="control")
    op.drop_column("tenant_plugins", "allowed", schema="control")
