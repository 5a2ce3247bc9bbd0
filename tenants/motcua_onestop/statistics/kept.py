"""Each finished month's counts, kept (ADR 0041): per receiving unit, procedure version and channel, what the
statement counts over the month's dossiers, so that a month once over, and a quarter or a year made of such
months, is added up from a few thousand rows instead of read again from hundreds of thousands of dossiers
(``services.dossier_counts`` composes them). A month is kept by the hourly job soon after it ends, as its
dossiers stood then: the dossiers open at its end are judged as of its end, not as of whenever someone
looks. A write dated before the current month (an import, a tenant merge, a clock set by hand) makes the
database forget the months it changes (the trigger of migration a6d2e9c4b7f1); the statistics read those
from the dossiers until the job keeps them again."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.services import in_each_active_tenant
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.statistics import services
from motcua_onestop.statistics.models import KEPT_COUNTS, KeptMonth, month_counts
from motcua_onestop.statistics.periods import current, month_after

MONTHS_PER_RUN = 12  # a province's first run keeps its last year; older months follow an hour at a time
# the same lock as the trigger's (keyed by the tenant's schema, the dossiers' own there): a write that forgets
# months waits for a month being kept, and the reverse
LOCK = "SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.statistics_kept_months'))"


def keep_month(session: Session, first_day: dt.date, now: dt.datetime | None = None) -> bool:
    """Keep the counts of the month that begins on ``first_day``, which must be over. False when it was kept
    already (by another run): a kept month is only kept again after a write has made the database forget it."""
    now = now or utcnow()
    month = current("month", first_day)
    if month.first_day != first_day or month.end > now:
        raise ValueError(f"not the first day of a finished month: {first_day}")
    session.execute(text(LOCK))
    added = session.execute(
        upsert(KeptMonth)
        .values(first_day=first_day, kept_at=now)
        .on_conflict_do_nothing()
        .returning(KeptMonth.first_day)
    ).first()
    if added is None:
        return False
    sql, params = services.statement(services.Slice(), "kept", over=True)
    rows = session.execute(text(sql), services.bounds(month, now) | params).mappings()
    values = [
        {
            "first_day": first_day,
            "receiving_unit_id": row["key"][0],
            "procedure_id": row["key"][1],
            "channel": row["key"][2],
            **{name: row[name] for name in KEPT_COUNTS},
            "processing_time_sum": row["processing_time_sum"],
        }
        for row in rows
    ]
    if values:
        session.execute(insert(month_counts), values)
    return True


def months_to_keep(session: Session, now: dt.datetime | None = None, limit: int = MONTHS_PER_RUN) -> list[dt.date]:
    """The finished months with dossiers that are not kept, newest first, at most ``limit``."""
    now = now or utcnow()
    earliest = session.scalar(select(func.min(Dossier.received_at)))
    if earliest is None:
        return []
    this_month = now.astimezone(VIETNAM).date().replace(day=1)
    month, months = earliest.astimezone(VIETNAM).date().replace(day=1), []
    while month < this_month:
        months.append(month)
        month = month_after(month)
    kept = set(session.scalars(select(KeptMonth.first_day).where(KeptMonth.first_day.in_(months))))
    return [month for month in reversed(months) if month not in kept][:limit]


def run_keeping(db: Database, now: dt.datetime | None = None) -> dict[str, int]:
    """The hourly run: in every active tenant, the finished months not kept yet (``months_to_keep``), one
    transaction per tenant. Returns how many months each tenant kept."""
    now = now or utcnow()

    def keep(session: Session, _slug: str) -> int:
        return sum(keep_month(session, month, now) for month in months_to_keep(session, now))

    return in_each_active_tenant(db, keep, "keeping the statistics months")
