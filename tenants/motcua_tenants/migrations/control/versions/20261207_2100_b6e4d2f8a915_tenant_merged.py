"""tenant merged: a province merged into another by the 2025 reform (docs/operations/tenant-merge.md): status
merged, the tenant it went into and from which day; its hosts redirect there (ADR 0060)

Revision ID: b6e4d2f8a915
Revises: a3d8e61f0c52
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b6e4d2f8a915"
down_revision: str | None = "a3d8e61f0c52"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable, no default: added without rewriting the table; old code never writes them
    op.add_column("tenants", sa.Column("merged_into_id", sa.BigInteger(), nullable=True), schema="control")
    op.add_column("tenants", sa.Column("merged_on", sa.Date(), nullable=True), schema="control")
    op.create_foreign_key(
        op.f("fk_tenants_merged_into_id_tenants"),
        "tenants",
        "tenants",
        ["merged_into_id"],
        ["id"],
        source_schema="control",
        referent_schema="control",
        ondelete="RESTRICT",
    )
    # the status check widened: dropped and created again under its name (old code never writes 'merged')
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="control")
    op.create_check_constraint(
        op.f("ck_tenants_status"),
        "tenants",
        "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted', 'merged')",
        schema="control",
    )
    # a merged tenant says where it went and since when, and never into itself; the facts stay once set,
    # whatever its status becomes later (deleted after its export)
    op.create_check_constraint(
        op.f("ck_tenants_merged_facts"),
        "tenants",
        "(status <> 'merged' OR (merged_into_id IS NOT NULL AND merged_on IS NOT NULL))"
        " AND (merged_into_id IS NULL) = (merged_on IS NULL)"
        " AND (merged_into_id IS NULL OR merged_into_id <> id)",
        schema="control",
    )


def downgrade() -> None:
    # fails while a tenant is merged: the older code has no such status to show it with
    op.drop_constraint(op.f("ck_tenants_merged_facts"), "tenants", schema="control")
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="control")
    op.create_check_constraint(
        op.f("ck_tenants_status"),
        "tenants",
        "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted')",
        schema="control",
    )
    op.drop_constraint(op.f("fk_tenants_merged_into_id_tenants"), "tenants", schema="control")
    op.drop_column("tenants", "merged_on", schema="control")
    op.drop_column("tenants", "merged_into_id", schema="control")
