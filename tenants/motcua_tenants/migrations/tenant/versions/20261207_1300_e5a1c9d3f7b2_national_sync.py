"""national sync: the outbox of dossier changes for the national portal (one row per change, in order per
dossier), the province's remote end, and the dossiers received from the national portal (docs/integrations.md)

Revision ID: e5a1c9d3f7b2
Revises: f4a8d2c6b1e9
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e5a1c9d3f7b2"
down_revision: str | None = "f4a8d2c6b1e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "national_sync_outbox",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.Uuid(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'held')", name=op.f("ck_national_sync_outbox_status")),
        sa.CheckConstraint(
            "(status = 'delivered') = (delivered_at IS NOT NULL)", name=op.f("ck_national_sync_outbox_delivered")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_national_sync_outbox_dossier_id_dossiers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_sync_outbox")),
        sa.UniqueConstraint("dossier_id", "sequence", name="uq_national_sync_outbox_dossier_sequence"),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_national_sync_outbox_idempotency_key")),
    )
    op.create_index(
        "ix_national_sync_outbox_due",
        "national_sync_outbox",
        ["next_attempt_at", "dossier_id", "sequence"],
        unique=False,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_national_sync_outbox_undelivered",
        "national_sync_outbox",
        ["dossier_id", "sequence"],
        unique=False,
        postgresql_where=sa.text("status <> 'delivered'"),
    )
    op.create_table(
        "national_sync_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("endpoint_url", sa.String(length=500), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=True),
        sa.Column("timeout_seconds", sa.SmallInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_national_sync_settings_single_row")),
        sa.CheckConstraint("timeout_seconds BETWEEN 1 AND 120", name=op.f("ck_national_sync_settings_timeout")),
        sa.CheckConstraint(
            "NOT enabled OR (endpoint_url IS NOT NULL AND secret IS NOT NULL)",
            name=op.f("ck_national_sync_settings_enabled_complete"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_sync_settings")),
    )
    op.create_table(
        "national_intakes",
        sa.Column("national_id", sa.String(length=100), nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_national_intakes_dossier_id_dossiers"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("national_id", name=op.f("pk_national_intakes")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_national_intakes_dossier_id")),
    )


def downgrade() -> None:
    op.drop_table("national_intakes")
    op.drop_table("national_sync_settings")
    op.drop_index(
        "ix_national_sync_outbox_undelivered",
        table_name="national_sync_outbox",
        postgresql_where=sa.text("status <> 'delivered'"),
    )
    op.drop_index(
        "ix_national_sync_outbox_due", table_name="national_sync_outbox", postgresql_where=sa.text("status = 'pending'")
    )
    op.drop_table("national_sync_outbox")
