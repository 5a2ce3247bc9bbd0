"""single-row tables without sequences: the one-row settings and totals tables (their id is always 1) lost the
SMALLINT sequences their SERIAL keys came with. Nothing drew from them, and a sequence narrower than BIGINT is
what Citus's schema-based sharding cannot carry (tests/functional/test_citus_compatibility.py)

Revision ID: c5e2a8d4f6b1
Revises: a7c3e9b5d1f4
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5e2a8d4f6b1"
down_revision: str | None = "a7c3e9b5d1f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("document_storage_totals", "identity_provider_settings", "national_sync_settings", "payment_settings")


def upgrade() -> None:
    for table in TABLES:
        op.alter_column(table, "id", server_default=None, existing_type=sa.SmallInteger())
        op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"CREATE SEQUENCE {table}_id_seq AS smallint OWNED BY {table}.id")
        op.alter_column(
            table,
            "id",
            server_default=sa.text(f"nextval('{table}_id_seq'::regclass)"),
            existing_type=sa.SmallInteger(),
        )
