"""The request's context: the runtime, the site (tenant or platform) the host names, and the request's
unit of work (``motcua_platform.db.unit_of_work``): its sessions, committed once when the view has
answered with a success (below 400), rolled back otherwise, and the callbacks to run after that commit.

Views do not commit. The few that must keep something even though they answer with an error (a failed
login's count, a spent reset code, a rate-limit hit) commit that step by hand, and say why.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, g
from sqlalchemy.orm import Session

from motcua_platform.auth.tokens import PLATFORM_SCOPE
from motcua_platform.db.database import TenantSession
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.tenancy import PLATFORM, TenantInfo


def runtime():
    return current_app.extensions["motcua"]


def site() -> TenantInfo | str:
    return g.site


def current_tenant() -> TenantInfo:
    site_ = g.site
    assert isinstance(site_, TenantInfo), "tenant route reached on a non-tenant host"
    return site_


def unit_of_work() -> UnitOfWork:
    if "unit_of_work" not in g:
        g.unit_of_work = UnitOfWork(runtime().db)
    return g.unit_of_work


def control_session() -> Session:
    return unit_of_work().control_session()


def tenant_session() -> TenantSession:
    return unit_of_work().tenant_session(current_tenant().binding)


def on_commit(callback: Callable[[], object]) -> None:
    """Run ``callback()`` after the request's changes are committed (cache bumps, resolver invalidation,
    job deferrals); not at all when the request fails. A failing callback is logged: the answer stays a
    success, since the change is made."""
    unit_of_work().on_commit(callback)


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


def flush_request() -> None:
    """Flush the request's sessions (``web.blueprint.Blueprint.response``, before a result is dumped)."""
    work = g.get("unit_of_work")
    if work is not None:
        work.flush()


def commit_request(response: Response) -> Response:
    """The end of a view (``motcua_platform.app.App.dispatch_request``): commit the request's unit of work
    when the answer is a success. A commit that fails raises here, inside the request, so the error
    handlers answer it like any other error and nothing reports a success that was not saved."""
    work = g.get("unit_of_work")
    if work is not None and response.status_code < 400:
        work.commit()
    return response


def close_sessions(_exc=None) -> None:
    """Teardown: whatever was not committed (an error, a 4xx or 5xx answer) is rolled back."""
    work = g.pop("unit_of_work", None)
    if work is not None:
        work.close()
