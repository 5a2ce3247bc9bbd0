"""civil_status: register books (sổ hộ tịch) with their running number per year

Revision ID: cs0001
Revises:
Create Date: 2026-11-22 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cs0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("civil_status",)
depends_on: str | Sequence[str] | None = "t0001"


def upgrade() -> None:
    op.create_table(
        "civil_status_registers",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_civil_status_registers_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_civil_status_registers")),
        sa.UniqueConstraint("unit_id", "event", "year", name="uq_civil_status_registers_unit_event_year"),
    )


def downgrade() -> None:
    op.drop_table("civil_status_registers")
