"""Versions of a tenant's read-mostly public content: the procedure catalogue and the unit tree.

Public reads of that content are cached per process, keyed by (tenant, content version, query). The
versions live in ``control.tenants`` and reach every request in ``TenantInfo`` through the
TenantResolver, so knowing them costs no query. A change commits its tenant data first, then bumps the
version and drops this process's resolver cache: the process that made the change serves fresh data at
once, the others once their resolver entry expires (MOTCUA_TENANT_CACHE_SECONDS). Cache entries also
expire on their own, which bounds staleness should a bump be lost (a crash between the two commits).
The tenant's own role cannot write the control plane, so the bump is a second, control-plane
transaction right after the change rather than part of it.
"""

import logging

from sqlalchemy.exc import SQLAlchemyError

from motcua_platform.api import control_session, current_tenant, runtime
from motcua_platform.directory.services import bump_content_version

log = logging.getLogger(__name__)


def content_changed(content: str) -> None:
    """Call after committing a change to the tenant's ``content`` ("catalogue", "units").

    The change itself is already committed, so a failed bump must not turn the answer into an error (a
    client would retry a change that was made): it is logged, and cached reads catch up when their
    entries expire."""
    session = control_session()
    try:
        bump_content_version(session, current_tenant().id, content)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception(
            "%s version of tenant %s not bumped; cached reads expire on their own", content, current_tenant().slug
        )
    runtime().resolver.invalidate()
