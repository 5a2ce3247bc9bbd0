"""The request's context: the runtime, the site (tenant or platform) the host names, and the database
sessions of the request's unit of work."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from motcua_platform.auth.tokens import PLATFORM_SCOPE
from motcua_platform.db.database import TenantSession
from motcua_platform.tenancy import PLATFORM, TenantInfo


def runtime():
    return current_app.extensions["motcua"]


def site() -> TenantInfo | str:
    return g.site


def current_tenant() -> TenantInfo:
    site_ = g.site
    assert isinstance(site_, TenantInfo), "tenant route reached on a non-tenant host"
    return site_


def control_session() -> Session:
    if "control_session" not in g:
        g.control_session = runtime().db.control_session()
    return g.control_session


def tenant_session() -> TenantSession:
    if "tenant_session" not in g:
        g.tenant_session = runtime().db.tenant_session(current_tenant().binding)
    return g.tenant_session


def site_session() -> Session:
    """The session for whatever the host is: the tenant's own, or the control plane's."""
    return control_session() if g.site == PLATFORM else tenant_session()


def site_scope() -> str:
    return PLATFORM_SCOPE if g.site == PLATFORM else current_tenant().slug


def site_names() -> tuple[str, ...]:
    """The names of the host's province (slug, name, display name), which a password set here must not be
    built from; none on the platform host."""
    if g.site == PLATFORM:
        return ()
    info = current_tenant()
    return (info.slug, info.name, info.display_name)


def close_sessions(_exc=None) -> None:
    for name in ("tenant_session", "control_session"):
        session = g.pop(name, None)
        if session is not None:
            session.close()
