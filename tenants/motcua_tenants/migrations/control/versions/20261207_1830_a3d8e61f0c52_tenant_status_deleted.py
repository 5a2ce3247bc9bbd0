"""tenant status deleted: a tenant whose data was exported and then removed (docs/operations/export.md)

Revision ID: a3d8e61f0c52
Revises: d7a3f1c9e5b2
Create Date: 2026-12-07 18:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a3d8e61f0c52"
down_revision: str | None = "d7a3f1c9e5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="control")
    op.create_check_constraint(
        op.f("ck_tenants_status"),
        "tenants",
        "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted')",
        schema="control",
    )


def downgrade() -> None:
    # fails while a tenant is deleted: the older code has no such status to show it with
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="control")
    op.create_check_constraint(
        op.f("ck_tenants_status"),
        "tenants",
        "status IN ('provisioning', 'active', 'suspended', 'archived')",
        schema="control",
    )
