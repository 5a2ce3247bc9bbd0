"""portal drafts: a citizen's online application in progress on the portal (one per account and
procedure: the receiving unit, the form as typed, the files uploaded so far under drafts/ keys), and the
wizard posts parked while a session had expired (replayed after the citizen logs in again).

Revision ID: a4d7e2c9b318
Revises: f0a7c3e915d2
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a4d7e2c9b318"
down_revision: str | None = "f0a7c3e915d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_drafts",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("citizen_account_id", sa.BigInteger(), nullable=False),
        sa.Column("procedure_code", sa.String(length=50), nullable=False),
        sa.Column("receiving_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("form", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("documents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_account_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_portal_drafts_citizen_account_id_citizen_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_drafts")),
        sa.UniqueConstraint("citizen_account_id", "procedure_code", name=op.f("uq_portal_drafts_citizen_account_id")),
    )
    op.create_table(
        "portal_parked_posts",
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_portal_parked_posts")),
    )


def downgrade() -> None:
    op.drop_table("portal_parked_posts")
    op.drop_table("portal_drafts")
