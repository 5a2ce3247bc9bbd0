"""The signed-in staff member of a console page: the staff token (as ``POST /api/v1/auth/login`` returns
it) kept in the host's own session cookie (HttpOnly, SameSite=Lax, Secure in production), checked on every
request against the token table, so a logout or an expired or revoked token ends the session here too.

The principal found is also the request's ``g.principal``: the API's helpers that read the caller
(``caller_units``, ``actor``) then see the same staff member, and authorisation stays theirs."""

from __future__ import annotations

from flask import g, request, session
from motcua_platform.auth import services as auth
from motcua_platform.auth.services import Principal
from motcua_platform.auth.tokens import is_citizen_secret, split_token
from motcua_platform.web.context import site_scope, site_session

TOKEN_KEY = "staff_token"  # noqa: S105 - the name of a session key
SCOPE_KEY = "staff_scope"


def sign_in(token: str) -> None:
    session.clear()  # a new session on every sign-in (no fixation)
    session[TOKEN_KEY] = token
    session[SCOPE_KEY] = site_scope()


def sign_out() -> str | None:
    """Forget the session; the token's secret it held, for the caller to revoke."""
    secret = token()
    session.clear()
    return secret


def token() -> str | None:
    parts = split_token(session.get(TOKEN_KEY) or "")
    if parts is None or parts[0] != site_scope() or session.get(SCOPE_KEY) != site_scope():
        return None
    return parts[1]


def signed_in() -> Principal | None:
    """The staff member of this request, or None (never signed in, signed out, expired or revoked)."""
    if "console_staff" not in g:
        secret = token()
        principal = None
        if secret and not is_citizen_secret(secret):
            principal = auth.authenticate(site_session(), scope=site_scope(), secret=secret)
        if principal is not None:
            g.principal = principal  # what web.principals.current_principal() returns for this request
        g.console_staff = principal
    return g.console_staff


def had_session() -> bool:
    """True when the browser sent a staff session that is no longer valid."""
    return bool(session.get(TOKEN_KEY)) and signed_in() is None


def actor():
    principal = signed_in()
    assert principal is not None, "only called on pages that require a signed-in staff member"
    return principal.actor(request.remote_addr)
