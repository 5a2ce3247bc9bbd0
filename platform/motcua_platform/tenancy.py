"""Which tenant a request is for, from its Host header.

``<base domain>`` is the vendor platform; ``<slug>.<base domain>`` and custom domains in
``control.tenant_domains`` are tenants. Anything else is unknown (404): there is never a default tenant;
nor is a deleted one. A merged tenant's hosts still resolve, to a TenantInfo that names where it went
(``merged_into``): the app answers every request there with a redirect to that tenant (ADR 0060).
Lookups are cached per process for ``ttl`` seconds; the process that changes a tenant invalidates its
own cache at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_platform.db.database import Database, TenantBinding
from motcua_platform.directory.models import Tenant, TenantDomain, TenantPlugin, TenantStatus


@dataclass(frozen=True)
class TenantInfo:
    id: int
    slug: str
    name: str
    status: str
    display_name: str
    locale: str
    timezone: str
    logo_url: str | None
    primary_color: str
    secondary_color: str
    binding: TenantBinding
    branding: Mapping[str, str] = field(default_factory=dict)  # hotline, address, email, footer
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # enabled plugin → settings
    # The custom domain the tenant's links use (its first, see ``tenant_context.public_host``); None: none.
    primary_domain: str | None = None
    # Versions of read-mostly public content; cached public reads key on them (motcua_platform.directory.content).
    catalogue_version: int = 0
    units_version: int = 0
    # Status merged (ADR 0060): the host of the tenant it was merged into, where every request is redirected.
    merged_into: MergedInto | None = None


@dataclass(frozen=True)
class MergedInto:
    """The tenant a merged one went into, as much as its public host needs (``tenant_context.public_host``)."""

    slug: str
    primary_domain: str | None
    on: dt.date


PLATFORM = "platform"
# A tenant with these statuses and a ``merged_into_id`` redirects to that tenant (ADR 0060).
MERGED_STATUSES = (TenantStatus.MERGED, TenantStatus.DELETED)


def normalise_host(raw: str | None) -> str | None:
    if not raw:
        return None
    host = raw.strip().lower()
    if host.startswith("["):  # IPv6 literal: never a tenant
        return host
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    host = host.rstrip(".")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


class TenantResolver:
    def __init__(self, db: Database, base_domain: str, ttl: float = 10.0):
        self.db = db
        self.base_domain = base_domain
        self.ttl = ttl
        self._cache: dict[str, tuple[float, TenantInfo | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, raw_host: str | None) -> TenantInfo | str | None:
        """``PLATFORM`` for the vendor host, a TenantInfo for a tenant host, None for anything else."""
        host = normalise_host(raw_host)
        if host is None:
            return None
        if host == self.base_domain:
            return PLATFORM
        now = time.monotonic()
        cached = self._cache.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        info = self._lookup(host)
        with self._lock:
            self._cache[host] = (now + self.ttl, info)
        return info

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def _lookup(self, host: str) -> TenantInfo | None:
        suffix = "." + self.base_domain
        with self.db.control_session() as session:
            if host.endswith(suffix):
                slug = host[: -len(suffix)]
                if "." in slug:
                    return None
                tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
            else:
                tenant = session.scalar(select(Tenant).join(TenantDomain).where(TenantDomain.domain == host))
            # A deleted tenant's host is released: nothing is served there any more, as for a host never known;
            # unless it was merged into another, where its hosts keep redirecting (old links, printed QR codes).
            if tenant is None or (tenant.status == TenantStatus.DELETED and tenant.merged_into_id is None):
                return None
            return tenant_info(session, self.db, tenant)


def read_tenant(db: Database, slug: str) -> TenantInfo | None:
    """The directory's facts about tenant ``slug`` as the resolver would give them, for work outside a
    request (a job, the CLI), which has no host to resolve; None for an unknown slug."""
    with db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        return None if tenant is None else tenant_info(session, db, tenant)


def tenant_info(session: Session, db: Database, tenant: Tenant) -> TenantInfo:
    """The facts about ``tenant`` (a directory row) with its enabled plugins and primary custom domain."""
    plugins = {
        row.plugin: row.settings
        for row in session.scalars(
            select(TenantPlugin).where(TenantPlugin.tenant_id == tenant.id, TenantPlugin.enabled.is_(True))
        )
    }
    primary_domain = _primary_domain(session, tenant.id)
    merged_into = None
    # merged, or merged and later deleted after its export: either way it is never served, only redirected
    if tenant.status in MERGED_STATUSES and tenant.merged_into_id is not None and tenant.merged_on is not None:
        target_slug = session.scalar(select(Tenant.slug).where(Tenant.id == tenant.merged_into_id))
        merged_into = MergedInto(target_slug, _primary_domain(session, tenant.merged_into_id), tenant.merged_on)
    return TenantInfo(
        id=tenant.id,
        slug=tenant.slug,
        name=tenant.name,
        status=tenant.status,
        display_name=tenant.display_name,
        locale=tenant.locale,
        timezone=tenant.timezone,
        logo_url=tenant.logo_url,
        primary_color=tenant.primary_color,
        secondary_color=tenant.secondary_color,
        binding=db.binding(tenant.slug, server=tenant.server),
        branding=dict(tenant.branding or {}),
        plugins=plugins,
        primary_domain=primary_domain,
        catalogue_version=tenant.catalogue_version,
        units_version=tenant.units_version,
        merged_into=merged_into,
    )


def _primary_domain(session: Session, tenant_id: int) -> str | None:
    return session.scalar(
        select(TenantDomain.domain).where(TenantDomain.tenant_id == tenant_id).order_by(TenantDomain.id).limit(1)
    )
