"""Claiming usage for finalized invoice lines, as regions of the ledger rather than a mark on every event.

A claim (``UsageClaim``) says: this line counts the events of one tenant and metric that occurred in its
service window and whose ids are in ``(after_event_id, through_event_id]``. Two things make that exact:

* **No event appears later inside a claimed region.** ``lock_ledger`` takes ``SHARE`` on the ledger, which
  waits for every transaction that has inserted events to end and holds new inserts until the finalizing
  transaction ends; only then is the last id read. An event inserted afterwards gets a larger id (the id
  sequence hands out increasing values and caches none per session), so it stays unclaimed: late usage.
* **Claims of one tenant and metric never overlap.** ``claim`` starts a line's region after the last id
  claimed in the same window, under a per-tenant lock, and a trigger on the table refuses an overlapping
  claim whoever writes it (migration e4b7c2a9d130).

Finalizing thus writes one row per line instead of one per event (docs/decisions/0030-usage-claims-as-ledger-
regions.md). Which events are unclaimed is found from the daily roll-up minus the claims' counts, without
reading events.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from motcua_platform.errors import Conflict
from motcua_platform.i18n import _
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from motcua_billing.rating.periods import local_midnight
from motcua_billing.usage.models import UsageClaim, UsageDaily, UsageEvent

# The ledger's claims are changed one tenant at a time (finalize, void); the trigger takes the same lock.
CLAIMS_LOCK = "SELECT pg_advisory_xact_lock(hashtext('motcua-billing-claims'), CAST(:tenant_id AS integer))"


@dataclass(frozen=True)
class Totals:
    """Events, total quantity and largest quantity of a set of usage events."""

    count: int = 0
    total: Decimal = Decimal(0)
    peak: Decimal = Decimal(0)


def lock_ledger(session: Session, tenant_id: int) -> int:
    """Lock the tenant's claims and the ledger against inserts until the transaction ends; return the last
    event id, through which a claim made in this transaction may reach."""
    session.execute(text(CLAIMS_LOCK), {"tenant_id": tenant_id})
    # SHARE conflicts with the ROW EXCLUSIVE an INSERT takes before it draws an id: once granted, every id
    # drawn so far belongs to a committed (or rolled-back) event, and none is drawn until we end.
    session.execute(text("LOCK TABLE control.billing_usage_events IN SHARE MODE"))
    return session.scalar(select(func.coalesce(func.max(UsageEvent.id), 0)))


def _window_totals(
    session: Session, tenant_id: int, metric_code: str, start: dt.datetime, end: dt.datetime, after: int, through: int
) -> Totals:
    count, total, peak = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(UsageEvent.quantity), 0),
            func.coalesce(func.max(UsageEvent.quantity), 0),
        ).where(
            UsageEvent.tenant_id == tenant_id,
            UsageEvent.metric_code == metric_code,
            UsageEvent.occurred_at >= start,
            UsageEvent.occurred_at < end,
            UsageEvent.id > after,
            UsageEvent.id <= through,
        )
    ).one()
    return Totals(count, Decimal(total), Decimal(peak))


@dataclass(frozen=True)
class Wanted:
    """A line's claim to make: its metric's unclaimed events in ``[start, end)``. ``window_totals``: the
    window's totals read after ``lock_ledger``, used when nothing in the window was claimed before (then
    they are the claim's), else None."""

    line_id: int
    metric_code: str
    start: dt.datetime
    end: dt.datetime
    window_totals: Totals | None = None


def claim(session: Session, tenant_id: int, through: int, wanted: Sequence[Wanted]) -> dict[int, UsageClaim]:
    """Claim for each wanted line every unclaimed event of the tenant's metric in its window, up to event id
    ``through`` (from ``lock_ledger`` in this transaction); the claims by line id."""
    earlier = session.execute(
        select(
            UsageClaim.metric_code, UsageClaim.occurred_from, UsageClaim.occurred_before, UsageClaim.through_event_id
        ).where(UsageClaim.tenant_id == tenant_id, UsageClaim.metric_code.in_({w.metric_code for w in wanted}))
    ).all()
    made = {}
    for want in wanted:
        overlapping = [
            row
            for row in earlier
            if row.metric_code == want.metric_code and row.occurred_from < want.end and row.occurred_before > want.start
        ]
        if any((row.occurred_from, row.occurred_before) != (want.start, want.end) for row in overlapping):
            # A region starting after the last claimed id would skip the unclaimed events of the part of the
            # window that the earlier claim's window does not cover: refuse rather than lose them.
            raise Conflict(
                _(
                    "Usage of %(metric)s from %(start)s to %(end)s is partly claimed by a line with another "
                    "service period; it cannot be claimed exactly.",
                    metric=want.metric_code,
                    start=f"{want.start:%Y-%m-%d}",
                    end=f"{want.end:%Y-%m-%d}",
                )
            )
        after = max((row.through_event_id for row in overlapping), default=0)
        if after > through:
            raise Conflict(_("The usage ledger was not locked before claiming."))
        if after == 0 and want.window_totals is not None:
            totals = want.window_totals
        else:
            totals = _window_totals(session, tenant_id, want.metric_code, want.start, want.end, after, through)
        made[want.line_id] = UsageClaim(
            invoice_line_id=want.line_id,
            tenant_id=tenant_id,
            metric_code=want.metric_code,
            occurred_from=want.start,
            occurred_before=want.end,
            after_event_id=after,
            through_event_id=through,
            events=totals.count,
            quantity=totals.total,
            peak=totals.peak,
        )
    session.add_all(made.values())
    session.flush()  # one INSERT for all; the trigger checks each against the claims already there
    return made


def daily_totals(session: Session, tenant_id: int, first_day: dt.date, end_day: dt.date) -> dict[str, Totals]:
    """Each metric's totals over the tenant's days in ``[first_day, end_day)``, from the daily roll-up: after
    ``lock_ledger`` they are exactly those of the window's events (the roll-up is written in the statement
    that inserts them, and events never change), read in under a millisecond instead of every event."""
    rows = session.execute(
        select(
            UsageDaily.metric_code,
            func.sum(UsageDaily.events),
            func.sum(UsageDaily.quantity),
            func.max(UsageDaily.peak),
        )
        .where(UsageDaily.tenant_id == tenant_id, UsageDaily.day >= first_day, UsageDaily.day < end_day)
        .group_by(UsageDaily.metric_code)
    )
    return {metric: Totals(int(count), Decimal(total), Decimal(peak)) for metric, count, total, peak in rows}


def release(session: Session, tenant_id: int, line_ids: Sequence[int]) -> int:
    """Delete the claims of voided lines, so that their usage is billed again; return how many events they
    claimed."""
    if not line_ids:
        return 0
    session.execute(text(CLAIMS_LOCK), {"tenant_id": tenant_id})
    released = session.scalars(
        delete(UsageClaim).where(UsageClaim.invoice_line_id.in_(line_ids)).returning(UsageClaim.events)
    ).all()
    return int(sum(released))


def claimed_totals(session: Session, tenant_id: int, metric_code: str, start: dt.datetime, end: dt.datetime) -> Totals:
    """What the claims on a metric's window add up to (every finalized line of that period, and any being
    finalized in this transaction)."""
    count, total, peak = session.execute(
        select(
            func.coalesce(func.sum(UsageClaim.events), 0),
            func.coalesce(func.sum(UsageClaim.quantity), 0),
            func.coalesce(func.max(UsageClaim.peak), 0),
        ).where(
            UsageClaim.tenant_id == tenant_id,
            UsageClaim.metric_code == metric_code,
            UsageClaim.occurred_from < end,
            UsageClaim.occurred_before > start,
        )
    ).one()
    return Totals(int(count), Decimal(total), Decimal(peak))


# Per local day of the roll-up: the claimed window containing it (claims of one metric and window are
# added up), and that window's recorded events. A day in no claimed window, or in one that recorded more
# events than were claimed, holds unclaimed usage. Windows and days are both cut at Vietnamese midnight.
_UNCLAIMED_DAYS = text(
    """
    WITH windows AS (
        SELECT tenant_id, metric_code,
               (occurred_from AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS first_day,
               (occurred_before AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS end_day,
               sum(events) AS claimed
        FROM control.billing_usage_claims
        WHERE tenant_id = ANY(:tenant_ids) AND occurred_from < :end_at AND occurred_before > :start_at
        GROUP BY 1, 2, 3, 4
    ),
    recorded AS (
        SELECT w.*, (SELECT coalesce(sum(d.events), 0) FROM control.billing_usage_daily d
                     WHERE d.tenant_id = w.tenant_id AND d.metric_code = w.metric_code
                       AND d.day >= w.first_day AND d.day < w.end_day) AS events
        FROM windows w
    )
    SELECT DISTINCT d.tenant_id, d.metric_code, date_trunc('month', d.day)::date AS month
    FROM control.billing_usage_daily d
    LEFT JOIN recorded r
           ON r.tenant_id = d.tenant_id AND r.metric_code = d.metric_code
          AND d.day >= r.first_day AND d.day < r.end_day
    WHERE d.tenant_id = ANY(:tenant_ids) AND d.day >= :first_day AND d.day < :end_day
          AND (r.tenant_id IS NULL OR r.events > r.claimed)
    """
)


def unclaimed_months(
    session: Session, tenant_ids: Iterable[int], first_day: dt.date, end_day: dt.date
) -> dict[int, set[tuple[str, dt.date]]]:
    """(metric, local month) of each tenant's unclaimed usage on days in ``[first_day, end_day)``."""
    found: dict[int, set[tuple[str, dt.date]]] = defaultdict(set)
    rows = session.execute(
        _UNCLAIMED_DAYS,
        {
            "tenant_ids": list(tenant_ids),
            "start_at": local_midnight(first_day),
            "end_at": local_midnight(end_day),
            "first_day": first_day,
            "end_day": end_day,
        },
    )
    for tenant_id, metric_code, month in rows:
        found[tenant_id].add((metric_code, month))
    return found


def unclaimed_count(session: Session, tenant_id: int, metric_code: str, first_day: dt.date, end_day: dt.date) -> int:
    """How many events of the tenant's metric on days in ``[first_day, end_day)`` (a billing period: its
    claims, if any, are all on that window) no line has claimed: recorded minus claimed."""
    recorded = session.scalar(
        select(func.coalesce(func.sum(UsageDaily.events), 0)).where(
            UsageDaily.tenant_id == tenant_id,
            UsageDaily.metric_code == metric_code,
            UsageDaily.day >= first_day,
            UsageDaily.day < end_day,
        )
    )
    claimed = claimed_totals(session, tenant_id, metric_code, local_midnight(first_day), local_midnight(end_day))
    return int(recorded) - claimed.count
