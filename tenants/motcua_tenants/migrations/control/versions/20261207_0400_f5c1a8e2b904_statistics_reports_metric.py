"""statistics reports metric: a province's weekly report made is a usage event (``statistics_reports``); a
contract charges it only if one of its price versions prices it (docs/statistics.md, the weekly report)

Revision ID: f5c1a8e2b904
Revises: e2b7c4a9f013
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5c1a8e2b904"
down_revision: str | None = "e2b7c4a9f013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO control.billing_metrics (code, name, unit, aggregation, description) "
            "VALUES (:code, :name, :unit, 'count', :description) ON CONFLICT (code) DO NOTHING"
        ).bindparams(
            code="statistics_reports",
            name="Báo cáo thống kê định kỳ",
            unit="báo cáo",
            description="Weekly statistics reports made (one event per report); charged only where priced.",
        )
    )


def downgrade() -> None:
    # a metric some usage already points at stays: the ledger keeps what it recorded
    op.execute(
        "DELETE FROM control.billing_metrics WHERE code = 'statistics_reports' AND NOT EXISTS "
        "(SELECT 1 FROM control.billing_usage_events WHERE metric_code = 'statistics_reports')"
    )
