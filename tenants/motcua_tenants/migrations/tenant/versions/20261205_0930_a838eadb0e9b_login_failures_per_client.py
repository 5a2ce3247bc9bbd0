"""login failures per client: staff and citizens' failed logins are counted per (account, client
address) in login_failures, no longer on the account, so a stranger's wrong passwords lock the stranger
out, not the owner. Locks in force when this runs are dropped (they were per account).

Revision ID: a838eadb0e9b
Revises: d41e8b6c2f90
Create Date: 2026-12-05 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a838eadb0e9b"
down_revision: str | None = "d41e8b6c2f90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCOUNTS = ("staff_accounts", "citizen_accounts")


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.BigInteger(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("account", "client", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_last_failure_at"), "login_failures", ["last_failure_at"], unique=False)
    for table in ACCOUNTS:
        op.drop_column(table, "failed_logins")
        op.drop_column(table, "locked_until")


def downgrade() -> None:
    for table in ACCOUNTS:
        op.add_column(table, sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("failed_logins", sa.BigInteger(), server_default="0", nullable=False))
        op.alter_column(table, "failed_logins", server_default=None)
    op.drop_index(op.f("ix_login_failures_last_failure_at"), table_name="login_failures")
    op.drop_table("login_failures")
