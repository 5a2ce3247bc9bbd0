"""Reading the tenant directory, and the versions of each tenant's public content."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua_platform.directory.models import Tenant
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _


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
