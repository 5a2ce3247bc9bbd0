"""tenant server: each tenant's schema lives on a named database server (main unless MOTCUA_DATABASE_SERVERS
names others; docs/operations/database-servers.md)

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


def downgrade() -> None:
    op.drop_column("tenants", "server", schema="control")
