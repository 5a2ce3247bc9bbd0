"""The one tenant context: what services know about the tenant they work for, built once per request (from
the resolved ``TenantInfo``) or once per job (from the tenant directory), and passed down whole instead of
a slug, a plugin list, a host and a locale one by one. Immutable, and free of Flask.

The public URL is the one address every link the platform sends or prints (e-mail, SMS, QR codes on
forms) is built on, whichever host a request came in on and in the worker alike: the tenant's primary
custom domain (the first one added to ``control.tenant_domains``), else ``<slug>.<MOTCUA_BASE_DOMAIN>``,
with the scheme of ``MOTCUA_PUBLIC_SCHEME`` (``Config.public_url``). See
docs/decisions/0023-tenant-context-and-public-links.md.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from motcua_platform.config import Config
from motcua_platform.db.database import Database
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from motcua_platform.tenancy import MergedInto, TenantInfo, read_tenant


@dataclass(frozen=True)
class TenantContext:
    id: int
    slug: str
    name: str  # the province's legal name, "Tỉnh Alpha"
    display_name: str
    public_url: str  # scheme and host, no trailing slash: "https://dichvucong.daklak.gov.vn"
    locale: str
    timezone: str  # IANA name, "Asia/Ho_Chi_Minh"
    # The procedure groups the tenant enabled and this process has loaded → the tenant's settings of each.
    plugins: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def enabled(self) -> tuple[str, ...]:
        """Names of the enabled procedure groups."""
        return tuple(self.plugins)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def link(self, path: str) -> str:
        """The public address of ``path`` (starting with ``/``) on the tenant's public URL."""
        return self.public_url + path


def public_host(info: TenantInfo, base_domain: str) -> str:
    return info.primary_domain or f"{info.slug}.{base_domain}"


def public_host_of(merged: MergedInto, base_domain: str) -> str:
    """The public host of the tenant a merged one went into (where its hosts redirect; ADR 0060)."""
    return merged.primary_domain or f"{merged.slug}.{base_domain}"


def context_of(info: TenantInfo, config: Config, loaded: Container[str]) -> TenantContext:
    """The context of the tenant ``info`` describes; ``loaded`` names the plugins this process runs (a
    plugin a tenant enabled but the deployment does not load is not enabled here)."""
    return TenantContext(
        id=info.id,
        slug=info.slug,
        name=info.name,
        display_name=info.display_name or info.name,
        public_url=config.public_url(public_host(info, config.base_domain)),
        locale=info.locale,
        timezone=info.timezone,
        plugins={name: settings for name, settings in info.plugins.items() if name in loaded},
    )


def load_context(db: Database, config: Config, slug: str, loaded: Container[str]) -> TenantContext:
    """The context of tenant ``slug`` read from the directory, for a job or the CLI (no request, no host)."""
    info = read_tenant(db, slug)
    if info is None:
        raise NotFound(_("No tenant with slug '%(slug)s'.", slug=slug))
    return context_of(info, config, loaded)
