"""What an operator sees of a province's national sync, and the one thing they do about it: the backlog
(rows not delivered yet, those failing, those held), the failing rows with their last error, and "retry
now" (the row is tried at the next run, its back-off forgotten; a held row is released)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, NotFound
from motcua_platform.i18n import _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from motcua_onestop.national_sync import settings as sync_settings
from motcua_onestop.national_sync.models import NationalSyncOutbox, SyncStatus

FAILING = (NationalSyncOutbox.status == SyncStatus.HELD) | (
    (NationalSyncOutbox.status == SyncStatus.PENDING) & (NationalSyncOutbox.attempts > 0)
)


@dataclass(frozen=True)
class Backlog:
    enabled: bool
    endpoint_url: str | None
    pending: int  # not delivered yet (held ones included)
    failing: int  # tried and failed at least once, or held
    held: int
    oldest_pending_at: dt.datetime | None
    delivered: int


def backlog(session: Session) -> Backlog:
    undelivered = NationalSyncOutbox.status != SyncStatus.DELIVERED
    pending, failing, held, oldest, delivered = session.execute(
        select(
            func.count().filter(undelivered),
            func.count().filter(FAILING),
            func.count().filter(NationalSyncOutbox.status == SyncStatus.HELD),
            func.min(case((undelivered, NationalSyncOutbox.created_at))),
            func.count().filter(NationalSyncOutbox.status == SyncStatus.DELIVERED),
        )
    ).one()
    described = sync_settings.describe(sync_settings.current(session))
    return Backlog(described["enabled"], described["endpoint_url"], pending, failing, held, oldest, delivered)


def failures(session: Session, limit: int = 100) -> list[dict]:
    """The failing rows, oldest change first, with the dossier's code and the last error."""
    code = NationalSyncOutbox.payload["MaHoSo"].astext
    query = (
        select(NationalSyncOutbox, code)
        .where(FAILING)
        .order_by(NationalSyncOutbox.created_at, NationalSyncOutbox.id)
        .limit(limit)
    )
    return [
        {
            "id": row.id,
            "dossier_code": dossier_code,
            "sequence": row.sequence,
            "status": row.status,
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at if row.status == SyncStatus.PENDING else None,
            "last_error": row.last_error,
            "created_at": row.created_at,
        }
        for row, dossier_code in session.execute(query).all()
    ]


def retry(session: Session, actor: Actor, row_id: int, now: dt.datetime | None = None) -> dict:
    """Try row ``row_id`` at the next run (a held row is released); a delivered row cannot be retried."""
    row = session.get(NationalSyncOutbox, row_id, with_for_update=True)
    if row is None:
        raise NotFound(_("No national sync row %(id)s.", id=row_id))
    if row.status == SyncStatus.DELIVERED:
        raise Conflict(_("National sync row %(id)s was delivered already.", id=row_id))
    row.status = SyncStatus.PENDING
    row.next_attempt_at = now or utcnow()
    row.attempts = 0  # the back-off starts again: the operator says the cause is fixed
    record(
        session,
        actor,
        "national_sync.retry",
        target=f"dossier:{row.payload.get('MaHoSo')}",
        row=row.id,
        sequence=row.sequence,
    )
    session.flush()
    return {"id": row.id, "status": row.status, "next_attempt_at": row.next_attempt_at}


@dataclass(frozen=True)
class TenantBacklog:
    tenant: str
    name: str
    backlog: Backlog


def overview(db: Database) -> list[TenantBacklog]:
    """Every active province's backlog, by slug: what the operators' page and API list."""
    with db.control_session() as session:
        tenants = session.execute(
            select(Tenant.slug, Tenant.name).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.slug)
        ).all()
    found = []
    for slug, name in tenants:
        with db.tenant_session(db.binding(slug)) as session:
            found.append(TenantBacklog(slug, name, backlog(session)))
    return found


def active_tenant(db: Database, slug: str) -> str:
    """``slug`` if it names an active province (404 otherwise): a suspended or archived one has no sync."""
    with db.control_session() as session:
        status = session.scalar(select(Tenant.status).where(Tenant.slug == slug))
    if status != TenantStatus.ACTIVE:
        raise NotFound(_("No active tenant with slug '%(slug)s'.", slug=slug))
    return slug
