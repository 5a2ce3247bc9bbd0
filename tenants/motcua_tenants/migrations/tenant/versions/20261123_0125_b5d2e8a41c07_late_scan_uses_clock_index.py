"""late scan uses the inbox's clock index: ix_dossiers_late_scan (effective due, statuses 2, 4, 6)
duplicated ix_dossiers_clock_due (the same rows in the same order), and cost every dossier write one
more index update

Revision ID: b5d2e8a41c07
Revises: 0124c6c9873a
Create Date: 2026-11-23 01:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d2e8a41c07"
down_revision: str | None = "0124c6c9873a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_dossiers_late_scan", table_name="dossiers", postgresql_where=sa.text("status IN (2, 4, 6)"))


def downgrade() -> None:
    op.create_index(
        "ix_dossiers_late_scan",
        "dossiers",
        [sa.literal_column("coalesce(extended_due_at, due_at)")],
        unique=False,
        postgresql_where=sa.text("status IN (2, 4, 6)"),
    )
