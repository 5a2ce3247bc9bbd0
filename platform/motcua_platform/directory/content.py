"""Versions of a tenant's read-mostly public content: the procedure catalogue and the unit tree.

Public reads of that content are cached per process, keyed by (tenant, content version, query). The
versions live in ``control.tenants`` and reach every request in ``TenantInfo`` through the
TenantResolver, so knowing them costs no query. A change commits its tenant data first, then bumps the
version and drops this process's resolver cache: the process that made the change serves fresh data at
once, the others once their resolver entry expires (MOTCUA_TENANT_CACHE_SECONDS). Cache entries also
expire on their own, which bounds staleness should a bump be lost (a crash between the two commits).
The tenant's own role cannot write the control plane, so the bump is a second, control-plane
transaction after the request's commit (an after-commit callback) rather than part of it.
"""

import logging

from sqlalchemy.exc import SQLAlchemyError

from motcua_platform.directory.services import bump_content_version
from motcua_platform.web.context import current_tenant, on_commit, runtime

log = logging.getLogger(__name__)


def content_changed(content: str) -> None:
    """Call when the request changes the tenant's ``content`` ("catalogue", "units"): once the request's
    change is committed, the version is bumped (nothing happens if the request fails).

    The change itself is committed by then, so a failed bump must not turn the answer into an error (a
    client would retry a change that was made): it is logged, and cached reads catch up when their
    entries expire."""
    tenant = current_tenant()
    current = runtime()

    def bump() -> None:
        # its own transaction: the request's sessions have committed and are being closed
        with current.db.control_session() as session:
            try:
                bump_content_version(session, tenant.id, content)
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                log.exception("%s version of %s not bumped; cached reads expire on their own", content, tenant.slug)
        current.resolver.invalidate()

    on_commit(bump)
