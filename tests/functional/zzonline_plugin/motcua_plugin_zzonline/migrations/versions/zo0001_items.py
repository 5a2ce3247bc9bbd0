"""zzonline: a table with rows in it, as a tenant table that exists before the online revision

Revision ID: zo0001
Revises:
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "zo0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("zzonline",)
depends_on: str | Sequence[str] | None = None

ROWS = 400


def upgrade() -> None:
    op.create_table(
        "zzonline_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("doubled", sa.SmallInteger(), nullable=True),
        sa.Column("touched", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zzonline_items"),
    )
    op.execute(f"INSERT INTO zzonline_items (id, code, amount) SELECT n, 'c' || n, n FROM generate_series(1, {ROWS}) n")


def downgrade() -> None:
    op.drop_table("zzonline_items")
