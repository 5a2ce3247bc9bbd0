"""Per-client request budgets, counted in PostgreSQL (``motcua_platform.ratelimit``)."""

from __future__ import annotations

from flask import request

from motcua_platform.web.context import control_session, runtime, site_scope


def limit_per_client(bucket: str, per_minute: int) -> None:
    """Count this request against the client address's budget for ``bucket`` on this host (429 with
    Retry-After beyond ``per_minute``). Counted in PostgreSQL so every process shares it, and committed
    even when the request is refused, so a refused attempt still counts. The address is the client's
    behind the trusted proxies (``MOTCUA_TRUSTED_PROXY_HOPS``), never a forwarded header otherwise."""
    from motcua_platform.ratelimit.services import hit

    control = control_session()
    try:
        hit(control, f"{bucket}:{site_scope()}:{request.remote_addr}", limit=per_minute, window_seconds=60)
    finally:
        control.commit()


def count_account_attempt() -> None:
    """Every route that takes a password or a code (staff, operator and citizen logins, registration,
    password reset) shares one budget per client address and host: MOTCUA_ACCOUNT_ATTEMPTS_PER_MINUTE.
    Across accounts this bounds what one address can try; per account, ``auth.lockout`` does."""
    limit_per_client("account", runtime().config.account_attempts_per_minute)
