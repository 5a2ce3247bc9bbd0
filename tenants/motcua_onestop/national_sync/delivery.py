"""Delivering the national sync outbox: each dossier's rows strictly in sequence, each row in its own
transaction (claim with ``FOR UPDATE SKIP LOCKED``, send, record), so workers may run side by side.

* A row is due when it is pending, its next attempt time has come and no earlier row of its dossier is
  undelivered. While a worker holds a row, another one skips it, and the later rows of that dossier are not
  due (the held row is undelivered in every snapshot): no two rows of one dossier are ever in flight.
* A failure pushes the row's next attempt back exponentially (``backoff``), up to ``MAX_BACKOFF``, and
  keeps it pending for ever: skipping it would reorder the dossier's history. A 4xx refusal holds the row
  (and so its dossier) until an operator retries it (``backlog.retry``). Other dossiers go on meanwhile.
* The row is sent before it is recorded: a worker killed in between leaves it pending and unlocked, and the
  next run sends it again with the same idempotency key, which the receiver recognises. Delivery is
  therefore at least once per attempt and exactly once per receiver that deduplicates, never out of order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantStatus
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync.interfaces import DeliveryFailed, Sender, encode
from motcua_onestop.national_sync.models import NationalSyncOutbox, NationalSyncSettings, SyncStatus

log = logging.getLogger(__name__)

FIRST_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=1)
BATCH = 500  # rows per tenant and run
RUN_SECONDS = 50.0  # a run stops starting tenants after this; runs start every minute
# Failures in a row after which a tenant's run stops: a receiver that is down would otherwise cost a timeout
# per dossier per run, and hold up the provinces after it. The rows not tried keep their time.
FAILURES_IN_A_ROW = 3

SenderFactory = Callable[[NationalSyncSettings | None], Sender | None]


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt in a row: 30 s, 1 min, 2 min, … up to an hour."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** min(attempts - 1, 20))


def envelope(row: NationalSyncOutbox) -> dict:
    """What is sent for a row: the dossier's record with the row's identity and place in the dossier's
    sequence, so the receiver can order and deduplicate without reading the record."""
    return {
        "idempotency_key": str(row.idempotency_key),
        "sequence": row.sequence,
        "changed_at": row.created_at.astimezone(dt.UTC).isoformat(),
        "HoSo": row.payload,
    }


_EARLIER = aliased(NationalSyncOutbox)


def _claim(session: Session, now: dt.datetime) -> NationalSyncOutbox | None:
    earlier_undelivered = exists().where(
        _EARLIER.dossier_id == NationalSyncOutbox.dossier_id,
        _EARLIER.sequence < NationalSyncOutbox.sequence,
        _EARLIER.status != SyncStatus.DELIVERED,
    )
    query = (
        select(NationalSyncOutbox)
        .where(
            NationalSyncOutbox.status == SyncStatus.PENDING,
            NationalSyncOutbox.next_attempt_at <= now,
            ~earlier_undelivered,
        )
        .order_by(NationalSyncOutbox.next_attempt_at, NationalSyncOutbox.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=NationalSyncOutbox)
    )
    return session.scalar(query)


@dataclass
class DeliveryReport:
    tenant: str
    configured: bool = True
    delivered: int = 0
    retried: int = 0
    held: int = 0
    more: bool = False  # stopped at the limit with rows still due


def deliver_tenant(
    db: Database,
    tenant_slug: str,
    make_sender: SenderFactory = sync_settings.sender_for,
    *,
    limit: int = BATCH,
    now: Callable[[], dt.datetime] = utcnow,
    deadline: float | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due rows of one tenant, each in its own transaction. Nothing is sent while the
    province's sync is off. ``now`` is asked for the time at each row (tests move it)."""
    report = DeliveryReport(tenant_slug)
    binding = db.binding(tenant_slug)
    with db.tenant_session(binding) as session:
        sender = make_sender(sync_settings.current(session))
    if sender is None:
        report.configured = False
        return report
    failures = 0
    for _ in range(limit):
        # a slow receiver gives the run's time back to the other provinces (``deliver_all``)
        if failures >= FAILURES_IN_A_ROW or (deadline is not None and time.monotonic() >= deadline):
            report.more = True
            return report
        with db.tenant_session(binding) as session:
            moment = now()
            row = _claim(session, moment)
            if row is None:
                return report
            row.attempts += 1
            try:
                sender.send(encode(envelope(row)), idempotency_key=str(row.idempotency_key), sequence=row.sequence)
            except DeliveryFailed as exc:
                row.last_error = str(exc)[:2000]
                if exc.permanent:
                    row.status = SyncStatus.HELD
                    report.held += 1
                    log.error("national sync row %s of %s refused, held: %s", row.id, tenant_slug, exc)
                else:
                    row.next_attempt_at = moment + backoff(row.attempts)
                    report.retried += 1
                    log.warning("national sync row %s of %s not delivered (attempt %s): %s",
                                row.id, tenant_slug, row.attempts, exc)  # fmt: skip
                session.commit()
                failures += 1
                continue
            failures = 0
            row.status = SyncStatus.DELIVERED
            row.delivered_at = now()
            row.last_error = None
            session.commit()
            report.delivered += 1
    report.more = True
    return report


def deliver_all(
    db: Database, make_sender: SenderFactory = sync_settings.sender_for, *, seconds: float = RUN_SECONDS
) -> list[DeliveryReport]:
    """Deliver every active tenant's due rows, one tenant after another, until ``seconds`` have passed; a
    tenant's failure (its database, not its receiver) is logged and does not stop the others."""
    with db.control_session() as session:
        query = select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.slug)
        slugs = list(session.scalars(query))
    # Each run starts one province further on, so a province whose receiver is slow cannot keep the ones
    # after it waiting run after run; each province stops at the run's deadline.
    start = int(time.time() // 60) % len(slugs) if slugs else 0
    deadline = time.monotonic() + seconds
    reports = []
    for slug in slugs[start:] + slugs[:start]:
        if time.monotonic() >= deadline:
            break
        try:
            reports.append(deliver_tenant(db, slug, make_sender, deadline=deadline))
        except Exception:
            log.exception("delivering the national sync outbox of %s failed", slug)
    return reports
