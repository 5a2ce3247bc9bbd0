"""Reading the tenant directory, the versions of each tenant's public content, and work done in every active
tenant in turn (what the scheduled jobs do province by province)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua_platform.db.database import Database
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _

log = logging.getLogger(__name__)
T = TypeVar("T")


def get_tenant(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    return tenant


# The tenant's read-mostly public content, each with a version in control.tenants that the TenantResolver
# carries in TenantInfo: cached public reads key on it (see ``directory.content``).
CONTENT_VERSIONS = {"catalogue": Tenant.catalogue_version, "units": Tenant.units_version}


def bump_content_version(session: Session, tenant_id: int, content: str) -> None:
    """Mark one kind of the tenant's public content ("catalogue", "units") as changed. Call it after the
    change itself has committed, so a process that sees the new version also sees the new data."""
    column = CONTENT_VERSIONS[content]
    session.execute(update(Tenant).where(Tenant.id == tenant_id).values({column: column + 1}))


def in_each_active_tenant(db: Database, work: Callable[[Session, str], T], what: str) -> dict[str, T]:
    """``work(session, slug)`` in every active tenant, one transaction each (its own unit of work); one
    tenant's failure is logged ("<what> of <slug> failed") and does not hold back the others. Returns what
    ``work`` returned for each tenant whose transaction committed."""
    with db.control_session() as control:
        slugs = list(control.scalars(select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE)))
    results = {}
    for slug in slugs:
        try:
            with UnitOfWork(db) as unit:
                result = work(unit.tenant_session(db.binding(slug)), slug)
        except Exception:
            log.exception("%s of %s failed", what, slug)
            continue
        results[slug] = result
    return results
