"""document signature checks: each uploaded PDF's verified signatures, kept with the document, and a result's
public verification token (ADR 0063)

Revision ID: e3a7c1f9b5d2
Revises: e4a7c9d2b8f1
Create Date: 2026-12-07 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op
from motcua_platform.db import migration_steps

revision: str = "e3a7c1f9b5d2"
down_revision: str | None = "e4a7c9d2b8f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # nullable, no default: documents stored before have no check (shown as "not checked") and results no
    # link; adding them rewrites nothing. IF NOT EXISTS: the index step below commits them first, and a re-run
    # after a failed index build must not fail on them.
    op.execute("ALTER TABLE dossier_documents ADD COLUMN IF NOT EXISTS signature_check jsonb")
    op.execute("ALTER TABLE dossier_documents ADD COLUMN IF NOT EXISTS verify_token varchar(43)")
    # the QR link's lookup, and its uniqueness; built concurrently, since the table is in use
    migration_steps.create_index(
        "uq_dossier_documents_verify_token", "dossier_documents", ["verify_token"], unique=True
    )


def downgrade() -> None:
    op.drop_index("uq_dossier_documents_verify_token", table_name="dossier_documents")
    op.drop_column("dossier_documents", "verify_token")
    op.drop_column("dossier_documents", "signature_check")
