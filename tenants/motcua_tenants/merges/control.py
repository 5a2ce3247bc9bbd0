"""The control step of a merge: the source tenant recorded as merged into the target.

A minimal stand-in with the interface the control-plane side of the merge provides (merged status,
``merged_into_id``, ``merged_on``, contracts ended and prorated); until that lands, the source stays
suspended and the audit record says into which tenant and from which day it was merged. The lead reconciles
the two versions of this file."""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import record
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant, TenantStatus
from sqlalchemy.orm import Session


def record_merge(session: Session, *, source_id: int, target_id: int, on: dt.date, actor) -> None:
    source, target = session.get(Tenant, source_id), session.get(Tenant, target_id)
    if source.status != TenantStatus.SUSPENDED:
        source.status = TenantStatus.SUSPENDED
        source.status_changed_at = utcnow()
    record(
        session,
        actor,
        "tenant.merged",
        target=f"tenant:{source.slug}",
        tenant_slug=source.slug,
        into=target.slug,
        on=on.isoformat(),
    )
    session.flush()
