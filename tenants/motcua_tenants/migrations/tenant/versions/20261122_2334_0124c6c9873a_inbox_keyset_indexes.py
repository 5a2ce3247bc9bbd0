"""inbox keyset indexes: every inbox list ordered by (effective due date with NULL as infinity, id), for
an officer's units and for the whole tenant, so a page is read from an index in order and a cursor
continues with one row comparison (docs/dossiers.md, "Inbox pagination")

Revision ID: 0124c6c9873a
Revises: 7e0c69c14829
Create Date: 2026-11-22 23:34:46.842261
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0124c6c9873a"
down_revision: str | None = "7e0c69c14829"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_DUE = sa.literal_column("coalesce(extended_due_at, due_at, 'infinity'::timestamptz)")
EFFECTIVE_DUE = sa.literal_column("coalesce(extended_due_at, due_at)")
OPEN = sa.text("status IN (1, 2, 4, 5, 6, 7, 9)")  # not final
CLOCK = sa.text("status IN (2, 4, 6)")  # the clock runs
DUE = ["extended_due_at", "due_at"]


def upgrade() -> None:
    op.drop_index("ix_dossiers_open_unit_due", table_name="dossiers")
    op.drop_index("ix_dossiers_unit_status_due", table_name="dossiers")
    op.drop_index("ix_dossiers_unit_status", table_name="dossiers")  # the prefix of the next one
    # an officer's units
    op.create_index("ix_dossiers_unit_status_due", "dossiers", ["receiving_unit_id", "status", SORT_DUE, "id"])
    op.create_index(
        "ix_dossiers_clock_unit_due", "dossiers", ["receiving_unit_id", SORT_DUE, "id"], postgresql_where=CLOCK
    )
    # the whole tenant; the due columns included so the capped count in this order is index-only
    op.create_index("ix_dossiers_due", "dossiers", [SORT_DUE, "id"], postgresql_include=DUE)
    op.create_index("ix_dossiers_status_due", "dossiers", ["status", SORT_DUE, "id"], postgresql_include=DUE)
    op.create_index("ix_dossiers_open_due", "dossiers", [SORT_DUE, "id"], postgresql_where=OPEN, postgresql_include=DUE)
    op.create_index(
        "ix_dossiers_clock_due", "dossiers", [SORT_DUE, "id"], postgresql_where=CLOCK, postgresql_include=DUE
    )


def downgrade() -> None:
    for name in (
        "ix_dossiers_clock_due",
        "ix_dossiers_open_due",
        "ix_dossiers_status_due",
        "ix_dossiers_due",
        "ix_dossiers_clock_unit_due",
        "ix_dossiers_unit_status_due",
    ):
        op.drop_index(name, table_name="dossiers")
    op.create_index("ix_dossiers_unit_status", "dossiers", ["receiving_unit_id", "status"])
    op.create_index("ix_dossiers_unit_status_due", "dossiers", ["receiving_unit_id", "status", EFFECTIVE_DUE])
    op.create_index(
        "ix_dossiers_open_unit_due", "dossiers", ["receiving_unit_id", EFFECTIVE_DUE], postgresql_where=CLOCK
    )
