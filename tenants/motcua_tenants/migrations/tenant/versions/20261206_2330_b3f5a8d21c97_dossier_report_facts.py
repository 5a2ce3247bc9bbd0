"""dossier report facts: what the statistics read, kept on the dossier by the transaction that changes it:
the due date for reports (moved by supplement pauses, not by an extension), the supplement rounds after
intake, and when and how it was closed without a result (refused, withdrawn, stopped); with the indexes a
period's dossiers are found by (docs/decisions/0038-dossier-report-facts.md)

Revision ID: b3f5a8d21c97
Revises: 9e2b6d4f1a37
Create Date: 2026-12-06 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f5a8d21c97"
down_revision: str | None = "9e2b6d4f1a37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Dossiers written before this revision: the facts from their history and extensions. A pause after an
# extension is not in the history's figures, so such a dossier keeps the date of its first extension.
BACKFILL = """
UPDATE dossiers d SET
    supplement_rounds = h.rounds,
    closed_at = h.closed_at,
    closed_status = h.closed_status,
    report_due_at = CASE WHEN d.received_at IS NOT NULL
                         THEN coalesce(x.previous_due_at, d.extended_due_at, d.due_at) END
FROM (
    SELECT d2.id,
           count(h.id) FILTER (WHERE h.to_status = 5 AND h.from_status <> 1) AS rounds,
           min(h.at) FILTER (WHERE h.to_status IN (3, 7, 8)) AS closed_at,
           (array_agg(h.to_status ORDER BY h.id) FILTER (WHERE h.to_status IN (3, 7, 8)))[1] AS closed_status
    FROM dossiers d2 LEFT JOIN dossier_history h ON h.dossier_id = d2.id
    GROUP BY d2.id
) h
LEFT JOIN LATERAL (
    SELECT e.previous_due_at FROM dossier_extensions e WHERE e.dossier_id = h.id ORDER BY e.id LIMIT 1
) x ON true
WHERE d.id = h.id
"""
# From intake to the end (finished, or closed without a result); open-ended while it is open. An end before
# the intake (a clock set by hand) makes it empty rather than failing the write.
# The model declares the same expression: motcua_onestop.dossiers.models.REPORT_SPAN.
# What the statistics read besides the times: carried by the received-at index for index-only scans
# (motcua_onestop.dossiers.models.REPORT_COLUMNS).
REPORT_COLUMNS = (
    "receiving_unit_id",
    "procedure_id",
    "channel",
    "finished_at",
    "closed_at",
    "closed_status",
    "supplement_rounds",
    "report_due_at",
)
SPAN = (
    "tstzrange(received_at, CASE WHEN coalesce(finished_at, closed_at) IS NOT NULL"
    " THEN greatest(received_at, coalesce(finished_at, closed_at)) END, '[)')"
)


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("report_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("dossiers", sa.Column("supplement_rounds", sa.SmallInteger(), server_default="0", nullable=False))
    op.add_column("dossiers", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("dossiers", sa.Column("closed_status", sa.SmallInteger(), nullable=True))
    op.execute(BACKFILL)
    # the dossiers received in a period; those open at its start (a stabbing query on the span from intake
    # to the end); those refused in it
    op.create_index("ix_dossiers_received_at", "dossiers", ["received_at"], postgresql_include=list(REPORT_COLUMNS))
    op.execute(f"CREATE INDEX ix_dossiers_open_span ON dossiers USING gist (({SPAN})) WHERE received_at IS NOT NULL")
    op.create_index("ix_dossiers_refused_at", "dossiers", ["closed_at"], postgresql_where=sa.text("closed_status = 3"))


def downgrade() -> None:
    op.drop_index("ix_dossiers_refused_at", "dossiers")
    op.execute("DROP INDEX ix_dossiers_open_span")
    op.drop_index("ix_dossiers_received_at", "dossiers")
    for column in ("closed_status", "closed_at", "supplement_rounds", "report_due_at"):
        op.drop_column("dossiers", column)
