"""issued forms: forms 01–06 of a dossier sealed with the agency's seal and stored, with their public
verification link (docs/signatures.md, "Signed forms")

Revision ID: f1c8e2a4d6b3
Revises: e3a7c1f9b5d2
Create Date: 2026-12-08 00:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f1c8e2a4d6b3"
down_revision: str | None = "e3a7c1f9b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a new table (expand only). The code of this release reads it on the dossier pages, a citizen's form
    # download and /verify, so a tenant not yet migrated answers those with an error: run `motcua db upgrade`
    # before the web processes of this release (docs/operations/migrations.md)
    op.create_table(
        "issued_forms",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.String(length=2), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("verify_token", sa.String(length=43), nullable=False),
        sa.Column("signature_check", postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=500), nullable=False),
        sa.Column("issued_by", sa.String(length=300), nullable=False),
        sa.Column("issued_by_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("number IN ('01', '02', '03', '04', '05', '06')", name=op.f("ck_issued_forms_number")),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_issued_forms_size")),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_issued_forms_sha256")),
        sa.CheckConstraint("fingerprint ~ '^[0-9a-f]{64}$'", name=op.f("ck_issued_forms_fingerprint")),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_issued_forms_dossier_id_dossiers"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["staff_accounts.id"],
            name=op.f("fk_issued_forms_issued_by_id_staff_accounts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_forms")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_issued_forms_storage_key")),
        sa.UniqueConstraint("verify_token", name=op.f("uq_issued_forms_verify_token")),
    )
    op.create_index("ix_issued_forms_dossier_number", "issued_forms", ["dossier_id", "number", "id"], unique=False)
    op.create_index("ix_issued_forms_sha256", "issued_forms", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_issued_forms_sha256", table_name="issued_forms")
    op.drop_index("ix_issued_forms_dossier_number", table_name="issued_forms")
    op.drop_table("issued_forms")
