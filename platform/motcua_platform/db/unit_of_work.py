"""One unit of work per request and per job (docs/decisions/0021-unit-of-work.md).

A ``UnitOfWork`` opens its sessions on first use (the control plane's, and one tenant's), commits them
together once at the end, and then runs what was registered with ``on_commit``: cache bumps, resolver
invalidations, job deferrals. Anything that fails before the end rolls every session back and runs no
hook. The web layer drives one per request (``motcua_platform.web.context``); a job runs its work in
``with UnitOfWork(db) as work:`` (``motcua_platform.jobs.unit_of_work``).

The control plane and a tenant's schema are written through two connections (a tenant's role cannot
write the control plane), so the two commits cannot be atomic together. The tenant's commit goes first:
it holds the change itself, while what the control plane keeps about a tenant request (content versions,
rate-limit windows) can be lost without harm or is re-derived.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session

from motcua_platform.db.database import Database, TenantBinding, TenantSession

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, db: Database):
        self.db = db
        self._control: Session | None = None
        self._tenant: TenantSession | None = None
        self._after_commit: list[Callable[[], object]] = []

    # -- sessions, opened on first use -------------------------------------------------------------
    def control_session(self) -> Session:
        if self._control is None:
            self._control = self.db.control_session()
        return self._control

    def tenant_session(self, binding: TenantBinding) -> TenantSession:
        if self._tenant is None:
            self._tenant = self.db.tenant_session(binding)
        elif self._tenant.binding != binding:  # a unit of work never spans two tenants
            bound = self._tenant.binding.slug
            raise ValueError(f"this unit of work is bound to tenant {bound!r}, not {binding.slug!r}")
        return self._tenant

    # -- the end -----------------------------------------------------------------------------------
    def on_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback()`` once every session has committed; never when the work is rolled back. The
        change is made by then, so a failing callback is logged and does not fail the work."""
        self._after_commit.append(callback)

    def flush(self) -> None:
        """Send the pending changes (ids and database defaults become known) without committing."""
        for session in (self._tenant, self._control):
            if session is not None:
                session.flush()

    def commit(self) -> None:
        """Commit the tenant's session, then the control plane's, then run the after-commit callbacks."""
        callbacks, self._after_commit = self._after_commit, []
        for session in (self._tenant, self._control):
            if session is not None:
                session.commit()
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback %r failed; the change itself is committed", callback)

    def rollback(self) -> None:
        self._after_commit = []
        for session in (self._tenant, self._control):
            if session is not None:
                session.rollback()

    def close(self) -> None:
        """Release the sessions; whatever was not committed is rolled back, and its callbacks dropped."""
        self._after_commit = []
        for session in (self._tenant, self._control):
            if session is not None:
                session.close()
        self._tenant = self._control = None

    # -- jobs and scripts: ``with UnitOfWork(db) as work:`` ------------------------------------------
    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.close()
