"""tenant server: each tenant's schema lives on a named database server (main unless MOTCUA_DATABASE_SERVERS
names others; docs/operations/database-servers.md), and moves between them as a tenant job of kind move

Revision ID: d7a3f1c9e5b2
Revises: f5c1a8e2b904
Create Date: 2026-12-07 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7a3f1c9e5b2"
down_revision: str | None = "f5c1a8e2b904"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a constant default: PostgreSQL adds the column without rewriting the table
    op.add_column(
        "tenants", sa.Column("server", sa.String(length=30), server_default="main", nullable=False), schema="control"
    )
    op.drop_constraint(op.f("ck_tenant_jobs_kind"), "tenant_jobs", schema="control")
    op.create_check_constraint(op.f("ck_tenant_jobs_kind"), "tenant_jobs", "kind IN ('provision', 'archive', 'move')",
                               schema="control")  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM control.tenant_jobs WHERE kind = 'move'")
    op.drop_constraint(op.f("ck_tenant_jobs_kind"), "tenant_jobs", schema="control")
    op.create_check_constraint(op.f("ck_tenant_jobs_kind"), "tenant_jobs", "kind IN ('provision', 'archive')",
                               schema="control")  # fmt: skip
    op.drop_column("tenants", "server", schema="control")
