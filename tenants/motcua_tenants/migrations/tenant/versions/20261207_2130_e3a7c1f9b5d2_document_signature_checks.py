"""document signature checks: each uploaded PDF's verified signatures, kept with the document, and a result's
public verification token (ADR 0063)

Revision ID: e3a7c1f9b5d2
Revises: d7f3b9a1c2e4
Create Date: 2026-12-07 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e3a7c1f9b5d2"
down_revision: str | None = "d7f3b9a1c2e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable, no default: documents stored before have no check (shown as "not checked"), and adding the
    # column rewrites nothing
    op.add_column(
        "dossier_documents", sa.Column("signature_check", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    # results stored before have no public verification link; a unique constraint on an empty column is instant
    op.add_column("dossier_documents", sa.Column("verify_token", sa.String(length=43), nullable=True))
    op.create_unique_constraint(op.f("uq_dossier_documents_verify_token"), "dossier_documents", ["verify_token"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_dossier_documents_verify_token"), "dossier_documents", type_="unique")
    op.drop_column("dossier_documents", "verify_token")
    op.drop_column("dossier_documents", "signature_check")
