"""login failures per client: operators' failed logins are counted per (account, client address) in
control.login_failures, no longer on the account, so a stranger's wrong passwords lock the stranger out,
not the owner. Locks in force when this runs are dropped (they were per account).

Revision ID: 4b9ff845e0f6
Revises: 3b7d9c2e51a4
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4b9ff845e0f6"
down_revision: str | None = "3b7d9c2e51a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.BigInteger(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account", "client", name=op.f("pk_login_failures")),
        schema="control",
    )
    op.create_index(
        op.f("ix_control_login_failures_last_failure_at"),
        "login_failures",
        ["last_failure_at"],
        unique=False,
        schema="control",
    )
    op.drop_column("operators", "failed_logins", schema="control")
    op.drop_column("operators", "locked_until", schema="control")


def downgrade() -> None:
    op.add_column("operators", sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True), schema="control")
    op.add_column(
        "operators",
        sa.Column("failed_logins", sa.BigInteger(), server_default="0", nullable=False),
        schema="control",
    )
    op.alter_column("operators", "failed_logins", server_default=None, schema="control")
    op.drop_index(op.f("ix_control_login_failures_last_failure_at"), table_name="login_failures", schema="control")
    op.drop_table("login_failures", schema="control")
