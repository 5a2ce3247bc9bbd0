"""A province's roadmap targets: for a year, a rate to reach (online dossiers, digitisation, on-time…), for the
whole province or one unit (statistics.targets); its weekly reports and when they are made (statistics.reports)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
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


class ReportSettings(TenantBase):
    """When the province's weekly report is made and who is told (one row, id 1): ``weekday`` (0 Monday … 6
    Sunday) at ``hour`` in Vietnam time (default Friday 10:00, as Bến Tre's plan has it), ``recipients`` the
    e-mail addresses told that it is ready, ``enabled`` whether the schedule runs."""

    __tablename__ = "statistics_report_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="hour"),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    enabled: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    weekday: Mapped[int] = mapped_column(SmallInteger, default=4, server_default=text("4"))
    hour: Mapped[int] = mapped_column(SmallInteger, default=10, server_default=text("10"))
    recipients: Mapped[list] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StatisticsReport(TenantBase):
    """One weekly report: the week it covers (``first_day`` to ``last_day``), its files as made then (a
    report is a record of what was reported, so it is kept as it was, not recomputed), who made it."""

    __tablename__ = "statistics_reports"
    __table_args__ = (UniqueConstraint("first_day"),)

    id: Mapped[int] = id_column()
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    made_by: Mapped[str] = mapped_column(String(300))
    xlsx: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = created_at_column()
