"""inbox step_unit column and index-only pages: dossiers.current_step_unit_id (the unit of the open
current step, backfilled from dossier_steps) with a partial index for the step_unit list, and the due
columns INCLUDEd in the two per-unit inbox indexes so an officer's page is picked index-only

Revision ID: c7a1f3d92e64
Revises: b5d2e8a41c07
Create Date: 2026-11-23 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7a1f3d92e64"
down_revision: str | None = "b5d2e8a41c07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORT_DUE = sa.literal_column("coalesce(extended_due_at, due_at, 'infinity'::timestamptz)")
CLOCK = sa.text("status IN (2, 4, 6)")
PROCESSING = sa.text("status = 4")
DUE = ["extended_due_at", "due_at"]


def _unit_indexes(include: list[str] | None) -> None:
    op.drop_index("ix_dossiers_clock_unit_due", table_name="dossiers")
    op.drop_index("ix_dossiers_unit_status_due", table_name="dossiers")
    op.create_index(
        "ix_dossiers_unit_status_due",
        "dossiers",
        ["receiving_unit_id", "status", SORT_DUE, "id"],
        postgresql_include=include or [],
    )
    op.create_index(
        "ix_dossiers_clock_unit_due",
        "dossiers",
        ["receiving_unit_id", SORT_DUE, "id"],
        postgresql_where=CLOCK,
        postgresql_include=include or [],
    )


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("current_step_unit_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_dossiers_current_step_unit_id_units"),
        "dossiers",
        "units",
        ["current_step_unit_id"],
        ["id"],
        ondelete="RESTRICT",
    )
    op.execute(
        "UPDATE dossiers AS d SET current_step_unit_id = s.unit_id FROM dossier_steps AS s "
        "WHERE s.dossier_id = d.id AND s.index = d.current_step "
        "AND s.started_at IS NOT NULL AND s.finished_at IS NULL"
    )
    op.create_index(
        "ix_dossiers_step_unit_due",
        "dossiers",
        ["current_step_unit_id", SORT_DUE, "id"],
        postgresql_where=PROCESSING,
        postgresql_include=DUE,
    )
    _unit_indexes(DUE)


def downgrade() -> None:
    _unit_indexes(None)
    op.drop_index("ix_dossiers_step_unit_due", table_name="dossiers")
    op.drop_constraint(op.f("fk_dossiers_current_step_unit_id_units"), "dossiers", type_="foreignkey")
    op.drop_column("dossiers", "current_step_unit_id")
