"""Writing audit events. Callers write the event in the same session as the change it describes, so the
record and the change commit or roll back together."""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from motcua_platform.audit.models import ControlAuditEvent, TenantAuditEvent
from motcua_platform.db.database import TenantSession
from motcua_platform.i18n import render
from motcua_platform.timezones import VIETNAM


@dataclass(frozen=True)
class Actor:
    """Who acts: ``kind`` is operator, staff, cli or system."""

    kind: str
    id: int | None
    label: str
    remote_addr: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}:{self.label}" if self.id is not None else f"{self.kind}:{self.label}"


def cli_actor() -> Actor:
    """Whoever runs a ``motcua`` command, as the audit log names them."""
    return Actor("cli", None, getpass.getuser())


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    tenant_slug: str | None = None,
    **details: Any,
) -> None:
    values = event_values(actor, action, target=target, **details)
    if isinstance(session, TenantSession):
        statement = TENANT_INSERT
    else:
        statement = CONTROL_INSERT
        values["tenant_slug"] = tenant_slug
    # A plain INSERT sent at once: nothing reads the event back, so the ORM's unit of work (an object to
    # track, a flush to plan) would only add cost to every request that changes something.
    session.execute(statement, values)


def event_values(actor: Actor, action: str, *, target: str | None = None, **details: Any) -> dict:
    """The row ``record`` writes into a tenant's audit log, for a caller that writes it together with
    others in one statement (``db.together``: ``TENANT_TABLE``)."""
    return {
        "actor": str(actor),
        "action": action,
        "target": target,
        "details": render(details),  # a message in the details is stored as rendered now
        "remote_addr": actor.remote_addr,
    }


# Built once: every change of every request writes one.
TENANT_TABLE = TenantAuditEvent.__table__
TENANT_INSERT = TENANT_TABLE.insert()
CONTROL_INSERT = ControlAuditEvent.__table__.insert()


@dataclass(frozen=True)
class TenantAuditFilter:
    action: str | None = None
    actor: str | None = None  # text in the actor ("staff:12:lan@…")
    target: str | None = None  # exactly, e.g. "staff:12"
    since: dt.date | None = None  # days in Vietnam's time, both ends included
    until: dt.date | None = None


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=VIETNAM)


def tenant_audit_query(filters: TenantAuditFilter = TenantAuditFilter()) -> Select:
    """The province's audit trail, newest first."""
    query = select(TenantAuditEvent).order_by(TenantAuditEvent.id.desc())
    if filters.action:
        query = query.where(TenantAuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(TenantAuditEvent.actor.icontains(filters.actor, autoescape=True))
    if filters.target:
        query = query.where(TenantAuditEvent.target == filters.target)
    if filters.since:
        query = query.where(TenantAuditEvent.occurred_at >= _midnight(filters.since))
    if filters.until:
        query = query.where(TenantAuditEvent.occurred_at < _midnight(filters.until + dt.timedelta(days=1)))
    return query


def platform_events(*, tenant: str | None = None, action: str | None = None, actor: str | None = None) -> Select:
    """The vendor's audit trail, newest first: optionally of one tenant (slug), one action, or one actor
    (``operator:<id>``, matching every label the account was recorded with)."""
    query = select(ControlAuditEvent).order_by(ControlAuditEvent.id.desc())
    if tenant:
        query = query.where(ControlAuditEvent.tenant_slug == tenant)
    if action:
        query = query.where(ControlAuditEvent.action == action)
    if actor:
        query = query.where(ControlAuditEvent.actor.startswith(actor + ":", autoescape=True))
    return query
