"""A province's roadmap targets: for a year, a rate to reach (online dossiers, digitisation, on-time…), for the
whole province or one unit (statistics.targets)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motcua_platform.db.base import TenantBase, id_column
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Numeric, SmallInteger, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

METRICS = (
    "on_time_rate",
    "online_dossier_rate",
    "digitisation_rate",
    "e_result_rate",
    "online_procedures",
    "full_online_procedures",
    "online_payment_rate",
)


class RoadmapTarget(TenantBase):
    """One target of one year: ``metric`` (``METRICS``) to reach ``target`` % by the year's end, for the whole
    province (``unit_id`` NULL) or one unit and the units below it; ``baseline``, where the plan started."""

    __tablename__ = "statistics_targets"
    __table_args__ = (
        UniqueConstraint("year", "unit_id", "metric", postgresql_nulls_not_distinct=True),
        CheckConstraint("year BETWEEN 2000 AND 2099", name="year"),
        CheckConstraint(f"metric IN ({', '.join(repr(m) for m in METRICS)})", name="metric"),
        CheckConstraint("target BETWEEN 0 AND 100", name="target"),
        CheckConstraint("baseline IS NULL OR baseline BETWEEN 0 AND 100", name="baseline"),
    )

    id: Mapped[int] = id_column()
    year: Mapped[int] = mapped_column(SmallInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    metric: Mapped[str] = mapped_column(String(40))
    target: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    set_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
