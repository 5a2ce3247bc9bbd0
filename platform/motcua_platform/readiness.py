"""Whether this process should be sent traffic (``GET /readyz``), as against whether it is alive
(``GET /healthz``, which looks at nothing): every database server answers, and every check the areas add passes (the
tenants area's: the control schema and every tenant's schema at the code's head revision, so a rollout's
new pods take traffic only after the migrations job has run). Each check returns what is wrong, or None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from motcua_platform.db.database import MAIN_SERVER

Check = Callable[[Any], str | None]
_checks: dict[str, Check] = {}


def add_check(name: str, check: Check) -> None:
    _checks[name] = check


def problems(runtime: Any) -> dict[str, str]:
    """What keeps the process from serving, by check; empty when ready. The database first: without it
    the other checks cannot run."""
    unreachable = {}
    for server in runtime.db.servers:  # every database server: a tenant on any of them may be asked for
        try:
            with runtime.db.engine_for(server).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # any failure to reach the database means not ready, whatever its kind
            name = "database" if server == MAIN_SERVER else f"database:{server}"
            unreachable[name] = f"{type(exc).__name__}: {str(exc)[:200]}"
    if unreachable:
        return unreachable
    found = {}
    for name, check in _checks.items():
        try:
            problem = check(runtime)
        except Exception as exc:  # a check that cannot run is a check that fails
            problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        if problem:
            found[name] = problem
    return found
