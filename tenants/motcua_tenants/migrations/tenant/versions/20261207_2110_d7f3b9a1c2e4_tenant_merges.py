"""tenant merges: the marker a merge's data step writes in the target's schema (ADR 0059)

Revision ID: d7f3b9a1c2e4
Revises: d9f1b3c7e5a2
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d7f3b9a1c2e4"
down_revision: str | None = "d9f1b3c7e5a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenant_merges",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("source_slug", sa.String(length=63), nullable=False),
        sa.Column("source_tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("merged_on", sa.Date(), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_merges")),
        sa.UniqueConstraint("source_slug", name=op.f("uq_tenant_merges_source_slug")),
    )


def downgrade() -> None:
    op.drop_table("tenant_merges")
