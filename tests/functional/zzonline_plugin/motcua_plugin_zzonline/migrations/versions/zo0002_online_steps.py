"""zzonline: a unique index built concurrently, then a backfill in batches of 50, both outside the transaction

Revision ID: zo0002
Revises: zo0001
Create Date: 2026-12-07 18:01:00
"""

from collections.abc import Sequence

from motcua_platform.db import migration_steps

revision: str = "zo0002"
down_revision: str | None = "zo0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migration_steps.create_index("ix_zzonline_items_code", "zzonline_items", ["code"], unique=True)
    # ``touched`` counts how often a row was backfilled: exactly once, whatever stopped the runs before.
    migration_steps.backfill(
        "zzonline_items", "doubled = amount * 2, touched = touched + 1", "doubled IS NULL", batch_size=50
    )


def downgrade() -> None:
    migration_steps.drop_index("ix_zzonline_items_code")
