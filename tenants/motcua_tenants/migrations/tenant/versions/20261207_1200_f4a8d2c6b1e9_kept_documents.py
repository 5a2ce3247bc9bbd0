"""kept documents: the documents a citizen account keeps to give again (the components of its dossiers and
their results), and where a reused component's bytes came from; the documents of existing dossiers with an
account are kept from the start (docs/documents.md, documents given once)

Revision ID: f4a8d2c6b1e9
Revises: e7b3c9d2a4f8
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f4a8d2c6b1e9"
down_revision: str | None = "e7b3c9d2a4f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dossier_documents", sa.Column("reused_from_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_dossier_documents_reused_from_id_dossier_documents"),
        "dossier_documents",
        "dossier_documents",
        ["reused_from_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.create_index(
        "ix_dossier_documents_reused_from",
        "dossier_documents",
        ["reused_from_id"],
        unique=False,
        postgresql_where=sa.text("reused_from_id IS NOT NULL"),
    )
    op.create_table(
        "kept_documents",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("citizen_account_id", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_account_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_kept_documents_citizen_account_id_citizen_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["dossier_documents.id"],
            name=op.f("fk_kept_documents_document_id_dossier_documents"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_documents")),
        sa.UniqueConstraint("citizen_account_id", "document_id", name=op.f("uq_kept_documents_citizen_account_id")),
    )
    op.create_index(
        op.f("ix_kept_documents_citizen_account_id"), "kept_documents", ["citizen_account_id"], unique=False
    )
    # what the accounts handed in and received before: kept as the documents service now keeps it
    op.execute(
        """
        INSERT INTO kept_documents (citizen_account_id, document_id, name, kept_at)
        SELECT d.citizen_account_id, doc.id,
               LEFT(COALESCE(CASE WHEN doc.kind = 'component' THEN doc.component_name ELSE p.result_document END,
                             ''), 500),
               doc.uploaded_at
        FROM dossier_documents doc
        JOIN dossiers d ON d.id = doc.dossier_id
        JOIN procedures p ON p.id = d.procedure_id
        WHERE d.citizen_account_id IS NOT NULL
        """
    )


def downgrade() -> None:
    op.drop_table("kept_documents")
    op.drop_index("ix_dossier_documents_reused_from", table_name="dossier_documents")
    op.drop_constraint(
        op.f("fk_dossier_documents_reused_from_id_dossier_documents"), "dossier_documents", type_="foreignkey"
    )
    op.drop_column("dossier_documents", "reused_from_id")
