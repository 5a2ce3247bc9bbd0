"""signature steps: a step may need the result signed (personal / seal) before it completes, and the record
of each signature put on a dossier's result (ADR 0062; docs/signatures.md)

Revision ID: e4a7c9d2b8f1
Revises: d7f3b9a1c2e4
Create Date: 2026-12-07 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c9d2b8f1"
down_revision: str | None = "d7f3b9a1c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dossier_steps", sa.Column("signature", sa.String(length=10), nullable=True))
    op.create_check_constraint(
        op.f("ck_dossier_steps_signature"), "dossier_steps", "signature IS NULL OR signature IN ('personal', 'seal')"
    )
    op.create_table(
        "dossier_signatures",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("step_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("signed_from_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("signer_name", sa.String(length=500), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('personal', 'seal')", name=op.f("ck_dossier_signatures_kind")),
        sa.CheckConstraint("fingerprint ~ '^[0-9a-f]{64}$'", name=op.f("ck_dossier_signatures_fingerprint")),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_signatures_dossier_id_dossiers"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["dossier_steps.id"],
            name=op.f("fk_dossier_signatures_step_id_dossier_steps"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_accounts.id"],
            name=op.f("fk_dossier_signatures_staff_id_staff_accounts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dossier_documents.id"],
            name=op.f("fk_dossier_signatures_document_id_dossier_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signed_from_id"],
            ["dossier_documents.id"],
            name=op.f("fk_dossier_signatures_signed_from_id_dossier_documents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_signatures")),
        sa.UniqueConstraint("document_id", name=op.f("uq_dossier_signatures_document_id")),
        sa.UniqueConstraint("step_id", "kind", name="uq_dossier_signatures_step_kind"),
    )
    op.create_index(op.f("ix_dossier_signatures_dossier_id"), "dossier_signatures", ["dossier_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dossier_signatures_dossier_id"), table_name="dossier_signatures")
    op.drop_table("dossier_signatures")
    op.drop_constraint(op.f("ck_dossier_steps_signature"), "dossier_steps", type_="check")
    op.drop_column("dossier_steps", "signature")
