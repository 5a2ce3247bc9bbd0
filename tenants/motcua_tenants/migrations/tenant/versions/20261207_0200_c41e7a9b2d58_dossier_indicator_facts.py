"""dossier indicator facts: whether a dossier has digitised components and an electronic result, kept by the
transaction that stores its documents (QĐ 766 indicators 3.3, 4.1 and 4.2), and how long it took, kept by
the one that finishes it (2.2); the received-at index carries them and the pause start too, so that a period's intake is still counted from the index alone
(docs/decisions/0039-qd766-indicators.md)

Revision ID: c41e7a9b2d58
Revises: b3f5a8d21c97
Create Date: 2026-12-07 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41e7a9b2d58"
down_revision: str | None = "b3f5a8d21c97"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Dossiers written before this revision: the facts from their documents (any they ever had, as the services
# keep them: a dossier digitised once stays digitised when a scan is replaced). Their processing time is
# left unmeasured (it needs the working calendar, which is the product's code, not a migration's): 2.2
# averages the dossiers measured and says how many those are. A component counts as
# digitised when it is marked as a scan of the paper original, or when it came with an online dossier
# (electronic from the start).
BACKFILL = """
UPDATE dossiers d SET
    has_digitised_components = EXISTS (
        SELECT 1 FROM dossier_documents c
        WHERE c.dossier_id = d.id AND c.kind = 'component' AND (c.digitised OR d.channel = 'online')),
    has_result_file = EXISTS (SELECT 1 FROM dossier_documents r WHERE r.dossier_id = d.id AND r.kind = 'result')
"""
# motcua_onestop.dossiers.models.REPORT_COLUMNS, before and after this revision
BEFORE = (
    "receiving_unit_id",
    "procedure_id",
    "channel",
    "finished_at",
    "closed_at",
    "closed_status",
    "supplement_rounds",
    "report_due_at",
)
AFTER = (*BEFORE, "paused_at", "has_digitised_components", "has_result_file", "processing_time")


def upgrade() -> None:
    op.add_column(
        "dossiers", sa.Column("has_digitised_components", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column("dossiers", sa.Column("has_result_file", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("dossiers", sa.Column("processing_time", sa.Numeric(10, 2), nullable=True))
    op.execute(BACKFILL)
    op.drop_index("ix_dossiers_received_at", "dossiers")
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"], postgresql_include=list(AFTER))


def downgrade() -> None:
    op.drop_index("ix_dossiers_received_at", "dossiers")
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"], postgresql_include=list(BEFORE))
    op.drop_column("dossiers", "processing_time")
    op.drop_column("dossiers", "has_result_file")
    op.drop_column("dossiers", "has_digitised_components")
