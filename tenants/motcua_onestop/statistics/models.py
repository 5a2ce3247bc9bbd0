"""A province's roadmap targets: for a year, a rate to reach (online dossiers, digitisation, on-time…), for the
whole province or one unit (statistics.targets); its weekly reports and when they are made (statistics.reports);
the counts of each finished month and of the month in progress up to today, kept (statistics.kept)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Table,
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


# What a kept period keeps per receiving unit, procedure version and channel (statistics.kept, ADR 0041, 0042):
# every count that adds up over periods, the dossiers open at its end, and those that ended in it (what was
# carried over follows from them). The two intake counts that depend on the period's end (online and digitised
# dossiers whose result was kept as a file by then) are kept as of the kept period's own end: a period that is
# that one alone reads them, a longer one takes its own end.
KEPT_COUNTS = (
    "ended",
    "received",
    "received_counter",
    "received_online",
    "received_postal",
    "received_with_digitised",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending",
    "pending_within_due",
    "pending_past_due",
    "withdrawn",
    "stopped",
    "refused",
    "supplement_rounds",
    "stopped_on_time",
    "resolved_result_required",
    "resolved_result_file",
    "processing_time_measured",
    "received_online_complete",
    "received_digitised",
)


class KeptPeriod(TenantBase):
    """A finished month, or a finished day of the month in progress, whose counts are kept (``period_counts``)
    as they stood when it was kept, shortly after it ended; named by its first day and the day after its last.
    A write that changes the dossiers of a kept period or of the periods before it (an event dated before
    today: an import, a merge, a clock set by hand) deletes every kept period that ends after that event's
    day (the trigger of migration b3f8c1d6e2a9), and the statistics read them from the dossiers until they are
    kept again."""

    __tablename__ = "statistics_kept_periods"
    __table_args__ = (CheckConstraint("end_day > first_day", name="days"),)

    first_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    end_day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kept_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


period_counts = Table(
    "statistics_period_counts",
    TenantBase.metadata,
    Column("first_day", Date, primary_key=True),
    Column("end_day", Date, primary_key=True),
    Column("receiving_unit_id", Integer, primary_key=True),
    Column("procedure_id", Integer, primary_key=True),
    Column("channel", String(10), primary_key=True),
    *(Column(name, Integer, nullable=False) for name in KEPT_COUNTS),
    Column("processing_time_sum", Numeric(14, 2), nullable=False),
    ForeignKeyConstraint(
        ["first_day", "end_day"],
        ["statistics_kept_periods.first_day", "statistics_kept_periods.end_day"],
        ondelete="CASCADE",
    ),
)
