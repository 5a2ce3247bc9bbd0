"""The late notice: open dossiers (status 2, 4, 6) whose effective due date has passed are announced to
the applicant once per effective due date, with an apology and the current status.

Run by the periodic job ``notifications:notify_late_dossiers``. The fact "dossier D was late for due
date T" is a row of ``dossier_late_notices`` (primary key (D, T)), inserted with ON CONFLICT DO NOTHING
in the same transaction as the outbox rows and the history entry: a rerun, or a second worker, writes
nothing more. An extension (or a resumed supplement pause) gives the dossier a new effective due date,
so if it is late again it gets one more notice. Dossiers being changed by an officer at that moment are
skipped (``SKIP LOCKED``) and picked up by the next run. A notice changes no state, so the dossier's
version stays as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.i18n import format_datetime
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import Select, and_, select, true, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.dossiers import history, services
from motcua_onestop.dossiers.extensions.models import DossierLateNotice
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.workflow.models import CLOCK_STATUSES, SORT_DUE
from motcua_onestop.notifications import services as notifications
from motcua_onestop.notifications.models import Event

log = logging.getLogger(__name__)

BATCH = 100  # dossiers per transaction
JOB = Actor("system", None, "late-notice-job")


def fact(due_at: dt.datetime) -> str:
    """The due date as it appears in the outbox idempotency key (UTC, to the second)."""
    return due_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def late_query(now: dt.datetime, limit: int, after: tuple | None = None) -> Select:
    """Open dossiers past their effective due date and not yet noticed for it, in (due, id) order from
    ``after`` on: a run walks the list once instead of rescanning the dossiers it already noticed."""
    # While the clock runs (2, 4, 6) a dossier always has a due date, so SORT_DUE is its effective due
    # date here, and the inbox's partial index ix_dossiers_clock_due gives these rows in this order.
    noticed = (
        select(DossierLateNotice.dossier_id)
        .where(and_(DossierLateNotice.dossier_id == Dossier.id, DossierLateNotice.due_at == SORT_DUE))
        .exists()
    )
    return (
        select(Dossier)
        .where(services.status_in(CLOCK_STATUSES), now > SORT_DUE, ~noticed)
        .where(true() if after is None else tuple_(SORT_DUE, Dossier.id) > tuple_(*after))
        .order_by(SORT_DUE, Dossier.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Dossier)
    )


def _due_late(session: Session, now: dt.datetime, limit: int, after: tuple | None = None) -> list[Dossier]:
    return list(session.scalars(late_query(now, limit, after)))


@dataclass
class Batch:
    scanned: int  # dossiers found (fewer than the limit: the list is done)
    noticed: int  # notices written (fewer than scanned only when another worker wrote one first)
    last: tuple | None  # (effective due, id) of the last dossier scanned: where the next batch starts


def notify_batch(
    session: Session,
    tenant: TenantContext,
    now: dt.datetime | None = None,
    limit: int = BATCH,
    after: tuple | None = None,
) -> Batch:
    """Notice up to ``limit`` late dossiers (from ``after`` on) in the caller's transaction."""
    now = now or utcnow()
    found = _due_late(session, now, limit, after)
    if not found:
        return Batch(scanned=0, noticed=0, last=after)
    # one statement for the whole batch; a row another worker wrote first is simply not returned
    inserted = set(
        session.scalars(
            insert(DossierLateNotice)
            .values([{"dossier_id": d.id, "due_at": d.effective_due_at, "at": now} for d in found])
            .on_conflict_do_nothing()
            .returning(DossierLateNotice.dossier_id)
        )
    )
    noticed = 0
    for dossier in found:
        if dossier.id not in inserted:
            continue
        due = dossier.effective_due_at
        status_name = services.STATUS_NAMES[Status(dossier.status)]
        history.note(
            session,
            JOB,
            dossier,
            "late_notice",
            # the history is the dossier's record, kept in Vietnamese
            f"Quá hạn giải quyết (hạn {format_datetime(due, 'vi', tenant.timezone)}); đã thông báo xin lỗi.",
            now,
        )
        record(session, JOB, "dossier.late_notice", target=f"dossier:{dossier.code}", due_at=due.isoformat())
        notifications.queue_for_dossier(
            session,
            tenant,
            dossier,
            Event.LATE,
            procedure_name=services.procedure_of(session, dossier).name_vi,
            fact=fact(due),
            status_name=status_name,
        )
        noticed += 1
    session.flush()
    last = (found[-1].effective_due_at, found[-1].id)
    return Batch(scanned=len(found), noticed=noticed, last=last)


def notify_tenant(db: Database, tenant: TenantContext, now: dt.datetime | None = None) -> int:
    """Every late dossier of one tenant, one transaction per batch."""
    binding = db.binding(tenant.slug)
    now = now or utcnow()
    total, after = 0, None
    while True:
        with db.tenant_session(binding) as session:
            batch = notify_batch(session, tenant, now, after=after)
            session.commit()
        total, after = total + batch.noticed, batch.last
        if batch.scanned < BATCH:  # the end of the list (rows locked right now wait for the next run)
            return total


def notify_all(
    db: Database, context_of: Callable[[str], TenantContext], now: dt.datetime | None = None
) -> dict[str, int]:
    """Every active tenant, each with the context ``context_of`` its slug gives (``Runtime.tenant_context``:
    the notices link to the tenant's public URL); one tenant's failure does not hold back the others."""
    with db.control_session() as session:
        slugs = list(session.scalars(select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE)))
    counts = {}
    for slug in slugs:
        try:
            counts[slug] = notify_tenant(db, context_of(slug), now)
        except Exception:
            log.exception("late notices of %s failed", slug)
    return counts
