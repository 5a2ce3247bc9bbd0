"""units version

Revision ID: 3b7d9c2e51a4
Revises: 8f70e390d1a2
Create Date: 2026-11-22 23:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7d9c2e51a4"
down_revision: str | None = "8f70e390d1a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Beside catalogue_version: bumped on every change to the tenant's unit tree; part of the key of the
    # cached public unit lists.
    op.add_column(
        "tenants", sa.Column("units_version", sa.BigInteger(), server_default="0", nullable=False), schema="control"
    )


def downgrade() -> None:
    op.drop_column("tenants", "units_version", schema="control")
