"""roadmap targets: a province's yearly targets (online dossier rate, digitisation, on-time rate…), for the
whole province or one unit (docs/statistics.md, roadmap targets)

Revision ID: d7f2a64c1e93
Revises: c41e7a9b2d58
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7f2a64c1e93"
down_revision: str | None = "c41e7a9b2d58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# motcua_onestop.statistics.models.METRICS when this revision was written
METRICS = (
    "on_time_rate",
    "online_dossier_rate",
    "digitisation_rate",
    "e_result_rate",
    "online_procedures",
    "full_online_procedures",
    "online_payment_rate",
)


def upgrade() -> None:
    op.create_table(
        "statistics_targets",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Numeric(5, 2), nullable=False),
        sa.Column("baseline", sa.Numeric(5, 2), nullable=True),
        sa.Column("set_by", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("year BETWEEN 2000 AND 2099", name=op.f("ck_statistics_targets_year")),
        sa.CheckConstraint(
            f"metric IN ({', '.join(repr(m) for m in METRICS)})", name=op.f("ck_statistics_targets_metric")
        ),
        sa.CheckConstraint("target BETWEEN 0 AND 100", name=op.f("ck_statistics_targets_target")),
        sa.CheckConstraint(
            "baseline IS NULL OR baseline BETWEEN 0 AND 100", name=op.f("ck_statistics_targets_baseline")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_statistics_targets_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_targets")),
        sa.UniqueConstraint(
            "year", "unit_id", "metric", name=op.f("uq_statistics_targets_year"), postgresql_nulls_not_distinct=True
        ),
    )


def downgrade() -> None:
    op.drop_table("statistics_targets")
