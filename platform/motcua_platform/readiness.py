"""Whether this process should be sent traffic (``GET /readyz``), as against whether it is alive
(``GET /healthz``, which looks at nothing): the main database server answers (another server down fails
only its own tenants' requests), and every check the areas add passes (the
tenants area's: the control schema not behind the code, so a rollout's new pods take traffic only after the
migrations job has run, while the old ones keep serving). Each check returns what is wrong, or None."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from motcua_platform.db.database import MAIN_SERVER

log = logging.getLogger(__name__)

Check = Callable[[Any], str | None]
_checks: dict[str, Check] = {}


def add_check(name: str, check: Check) -> None:
    _checks[name] = check


def problems(runtime: Any) -> dict[str, str]:
    """What keeps the process from serving, by check; empty when ready. The database first: without it
    the other checks cannot run."""
    try:  # the main server: the control plane, without which no request can be served
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database means not ready, whatever its kind
        # the kind only: /readyz answers anyone who asks, and a message names hosts, users and tenants
        log.warning("readiness: the main database server does not answer: %s", exc)
        return {"database": type(exc).__name__}
    for server in runtime.db.servers:
        # Another server down fails its own tenants' requests, not this process: taken out of rotation, it
        # would take every other province with it.
        if server != MAIN_SERVER:
            try:
                with runtime.db.engine_for(server).connect() as conn:
                    conn.execute(text("SELECT 1"))
            except Exception as exc:
                log.warning("database server %s does not answer: %s", server, type(exc).__name__)
    found = {}
    for name, check in _checks.items():
        try:
            problem = check(runtime)
        except Exception as exc:  # a check that cannot run is a check that fails
            log.warning("readiness: the %s check failed: %s", name, exc)
            problem = type(exc).__name__
        if problem:
            found[name] = problem
    return found
