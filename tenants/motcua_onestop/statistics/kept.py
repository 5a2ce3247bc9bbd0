"""Finished periods' counts, kept (ADR 0041, ADR 0042): per receiving unit, procedure version and channel,
what the statement counts over a finished month, and over the month in progress up to today (the month so
far), so that a month once over, and a quarter or a year made of such months, is added up from a few thousand
rows instead of read again from hundreds of thousands of dossiers, and the month in progress reads only today
from them (``services.dossier_counts`` composes them). A period is kept by the hourly job soon after it ends,
as its dossiers stood then: the dossiers open at its end are judged as of its end, not as of whenever someone
looks. A write dated before today (an import, a tenant merge, a clock set by hand) makes the database forget
the kept periods it changes (the trigger of migration b3f8c1d6e2a9); the statistics read those from the
dossiers until the job keeps them again. A month so far is forgotten once a longer one, or the month itself,
is kept."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.services import in_each_active_tenant
from motcua_platform.timezones import VIETNAM
from sqlalchemy import delete, func, insert, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.statistics import services
from motcua_onestop.statistics.models import KEPT_COUNTS, KeptPeriod, period_counts
from motcua_onestop.statistics.periods import Period, current, custom, month_after

ONE_DAY = dt.timedelta(days=1)
MONTHS_PER_RUN = 12  # a province's first run keeps its last year; older months follow an hour at a time
# the same lock as the trigger's (keyed by the tenant's schema, the dossiers' own there): a write that forgets
# periods waits for a period being kept, and the reverse
LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.statistics_kept_periods'))"


def keep(session: Session, period: Period, now: dt.datetime | None = None) -> bool:
    """Keep the counts of ``period``, which must be a finished month or the finished start of one (from its
    first day). False when it was kept already (by another run): a kept period is only kept again after a write
    has made the database forget it."""
    now = now or utcnow()
    if period.first_day.day != 1 or period.end_day > month_after(period.first_day) or period.end > now:
        raise ValueError(f"not a finished month or the finished start of one: {period.label}")
    session.execute(text(LOCK))
    added = session.execute(
        upsert(KeptPeriod)
        .values(first_day=period.first_day, end_day=period.end_day, kept_at=now)
        .on_conflict_do_nothing()
        .returning(KeptPeriod.first_day)
    ).first()
    if added is None:
        return False
    sql, params = services.statement(services.Slice(), "kept", over=True)
    rows = session.execute(text(sql), services.bounds(period, now) | params).mappings()
    values = [
        {
            "first_day": period.first_day,
            "end_day": period.end_day,
            "receiving_unit_id": row["key"][0],
            "procedure_id": row["key"][1],
            "channel": row["key"][2],
            **{name: row[name] for name in KEPT_COUNTS},
            "processing_time_sum": row["processing_time_sum"],
        }
        for row in rows
    ]
    if values:
        session.execute(insert(period_counts), values)
    return True


def to_keep(session: Session, now: dt.datetime | None = None, limit: int = MONTHS_PER_RUN) -> list[Period]:
    """What is not kept yet: the finished months with dossiers, newest first, at most ``limit``, then the
    month in progress up to today (from the second of the month)."""
    now = now or utcnow()
    earliest = session.scalar(select(func.min(Dossier.received_at)))
    if earliest is None:
        return []
    today = now.astimezone(VIETNAM).date()
    this_month, first = today.replace(day=1), earliest.astimezone(VIETNAM).date().replace(day=1)
    query = select(KeptPeriod.first_day, KeptPeriod.end_day).where(KeptPeriod.first_day >= first)
    kept = {(first_day, end_day) for first_day, end_day in session.execute(query)}
    months, month = [], this_month
    while month > first and len(months) < limit:
        period = current("month", month - ONE_DAY)  # the month before
        if (period.first_day, period.end_day) not in kept:
            months.append(period)
        month = period.first_day
    so_far = [custom(this_month, today - ONE_DAY)] if today > this_month else []
    return months + [period for period in so_far if (period.first_day, period.end_day) not in kept]


def forget_superseded(session: Session) -> int:
    """Forget the kept periods that a longer one from the same first day covers (yesterday's month so far once
    today's is kept, or the month itself). Returns how many were forgotten."""
    rows = session.execute(select(KeptPeriod.first_day, KeptPeriod.end_day)).all()
    longest = services.longest_kept(rows)
    superseded = [(first, end) for first, end in rows if end < longest[first]]
    if superseded:
        session.execute(delete(KeptPeriod).where(tuple_(KeptPeriod.first_day, KeptPeriod.end_day).in_(superseded)))
    return len(superseded)


def run_keeping(db: Database, now: dt.datetime | None = None) -> dict[str, int]:
    """The hourly run: in every active tenant, the periods not kept yet (``to_keep``), then those superseded
    forgotten (``forget_superseded``), one transaction per tenant. Returns how many periods each tenant kept."""
    now = now or utcnow()

    def keep_all(session: Session, _slug: str) -> int:
        done = sum(keep(session, period, now) for period in to_keep(session, now))
        forget_superseded(session)
        return done

    return in_each_active_tenant(db, keep_all, "keeping the statistics periods")
