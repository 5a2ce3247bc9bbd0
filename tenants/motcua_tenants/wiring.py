"""What the tenants area contributes to the kernel's hooks: the readiness check that the control schema is not
behind the code. The composition root calls ``connect`` once per process."""

from __future__ import annotations

import logging
from typing import Any

from motcua_platform import readiness

from motcua_tenants.migrations.runner import behind, control_revision, tenant_revisions

log = logging.getLogger(__name__)


def migrations_not_behind(runtime: Any) -> str | None:
    """Not ready while the control schema lacks a revision of this code (a new process before the migrations
    job). Ahead is fine: the old processes of a rollout keep serving while the job migrates. Tenant schemas do
    not take the process out of rotation: one province's failed migration, a move under way or a server down
    would otherwise take every province with it; ``motcua db upgrade`` reports them."""
    if behind("control", control_revision(runtime.db)):
        return "the control schema is behind the code: run `motcua db upgrade`"
    revisions = tenant_revisions(runtime.db, skip_unreachable=True)
    late = [t.slug for t in revisions if not t.moving and not t.unreachable and behind("tenant", t.revisions)]
    if late:
        log.warning("%d tenant schema(s) behind the code (%s): run `motcua db upgrade`", len(late), ", ".join(late[:5]))
    return None


def connect() -> None:
    readiness.add_check("migrations", migrations_not_behind)
