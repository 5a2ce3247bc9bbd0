"""Officer seats, metered: one snapshot a day of each tenant's active staff accounts.

``officer_seats`` is a ``max`` metric, so a period is billed for the *peak* of its daily snapshots: a seat
is capacity the province holds, like a licence, and the peak is what it had to be provisioned for (an
average would let a province staff up for the busy weeks and pay for the quiet ones). Each snapshot is
``seats:<Vietnamese date>:snapshot``: the first count of a day stands, a repeat is a duplicate, so the job
and the command line can both run for a day without counting it twice. It is written in the tenant's own
transaction (its usage outbox) with the count it reads, and the invoice run drains it into the ledger.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from motcua_platform.auth.models import StaffAccount
from motcua_platform.db.database import Database, TenantSession
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, select

from motcua_billing.rating import periods
from motcua_billing.usage.services import record_usage

log = logging.getLogger(__name__)

SEATS_METRIC = "officer_seats"


@dataclass(frozen=True)
class SeatSnapshot:
    tenant: str
    day: dt.date
    seats: int
    status: str  # accepted | duplicate (the day already had its snapshot: that count stands) | failed


def event_id(day: dt.date) -> str:
    return f"seats:{day:%Y-%m-%d}:snapshot"


def active_seats(session: TenantSession) -> int:
    """Staff accounts that can log in, whatever their roles: each is a seat the province holds."""
    return session.scalar(select(func.count()).select_from(StaffAccount).where(StaffAccount.active.is_(True)))


def snapshot(session: TenantSession, day: dt.date) -> SeatSnapshot:
    """Record the tenant's active staff as the snapshot of Vietnamese calendar ``day`` (at its first
    instant, so it falls in that day's billing period); the caller commits."""
    slug = session.binding.slug
    seats = active_seats(session)
    status = record_usage(session, slug, SEATS_METRIC, event_id(day), seats, periods.local_midnight(day))
    return SeatSnapshot(slug, day, seats, status)


def today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def snapshot_all(db: Database, day: dt.date, *, slugs: list[str] | None = None) -> list[SeatSnapshot]:
    """Snapshot every active or suspended tenant (both are billed), or those named, each in its own
    transaction: one tenant's failure does not hold back the others."""
    if day > today():
        raise ValueError(f"{day} has not begun; a seat snapshot counts the staff of a day that has.")
    if day.year < periods.FIRST_YEAR:
        raise ValueError(f"{day} is before the billing years ({periods.FIRST_YEAR}–{periods.LAST_YEAR}).")
    with db.control_session() as control:
        query = select(Tenant.slug).where(Tenant.status.in_([TenantStatus.ACTIVE, TenantStatus.SUSPENDED]))
        if slugs is not None:
            query = query.where(Tenant.slug.in_(slugs))
        found = list(control.scalars(query.order_by(Tenant.slug)))
    taken = []
    for slug in found:
        try:
            with UnitOfWork(db) as work:
                taken.append(snapshot(work.tenant_session(db.binding(slug)), day))
        except Exception:
            log.exception("the seat snapshot of %s for %s failed", slug, day)
            taken.append(SeatSnapshot(slug, day, 0, "failed"))
    return taken
