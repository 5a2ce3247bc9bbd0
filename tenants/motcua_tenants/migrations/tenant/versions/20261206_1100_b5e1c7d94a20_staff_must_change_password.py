"""staff must change password: a staff account whose password somebody else chose (a reset's temporary
password, or one handed over at creation) is flagged until its owner picks their own; the consoles show
nothing else until then

Revision ID: b5e1c7d94a20
Revises: a4d7e2c9b318
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e1c7d94a20"
down_revision: str | None = "a4d7e2c9b318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff_accounts",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("staff_accounts", "must_change_password")
