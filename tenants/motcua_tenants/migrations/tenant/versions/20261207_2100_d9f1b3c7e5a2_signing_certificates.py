"""signing certificates: the tenant's register of the certificate behind its seal and its officers'
certificates for personal signatures (public certificates only, never keys; docs/signatures.md)

Revision ID: d9f1b3c7e5a2
Revises: c5e2a8d4f6b1
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9f1b3c7e5a2"
down_revision: str | None = "c5e2a8d4f6b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("organization", sa.String(length=500), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate", sa.LargeBinary(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('seal', 'officer')", name=op.f("ck_signing_certificates_purpose")),
        sa.CheckConstraint(
            "(purpose = 'officer') = (staff_id IS NOT NULL)", name=op.f("ck_signing_certificates_owner")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_signing_certificates_staff_id_staff_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signing_certificates_fingerprint")),
    )
    op.create_index(op.f("ix_signing_certificates_staff_id"), "signing_certificates", ["staff_id"], unique=False)
    op.create_index(
        "uq_signing_certificates_active_seal",
        "signing_certificates",
        ["purpose"],
        unique=True,
        postgresql_where=sa.text("purpose = 'seal' AND retired_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_signing_certificates_active_seal", table_name="signing_certificates")
    op.drop_index(op.f("ix_signing_certificates_staff_id"), table_name="signing_certificates")
    op.drop_table("signing_certificates")
