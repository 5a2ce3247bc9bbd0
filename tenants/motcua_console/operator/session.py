"""The signed-in vendor operator: the operator token (as ``POST /api/v1/auth/login`` returns it on the
platform host) kept in the platform host's session cookie under keys of its own, checked on every request
against the operator token table, so a logout, an expiry, a revocation or a deactivated account ends the
session here too. A tenant host's staff session can never be one: its token's scope is a province's slug,
and only a token scoped to "platform" is read here.

The principal found is also the request's ``g.principal``, so the API's ``current_principal(*roles)`` and
``actor()`` see the same operator and the roles stay the API's."""

from __future__ import annotations

from flask import g, request, session
from motcua_platform.auth import services as auth
from motcua_platform.auth.services import Principal
from motcua_platform.auth.tokens import PLATFORM_SCOPE, is_citizen_secret, split_token
from motcua_platform.web.context import control_session

TOKEN_KEY = "operator_token"  # noqa: S105 - the name of a session key
SCOPE_KEY = "operator_scope"


def sign_in(token: str) -> None:
    session.clear()  # a new session on every sign-in (no fixation)
    session[TOKEN_KEY] = token
    session[SCOPE_KEY] = PLATFORM_SCOPE


def sign_out() -> str | None:
    """Forget the session; the token's secret it held, for the caller to revoke."""
    secret = token()
    session.clear()
    return secret


def token() -> str | None:
    parts = split_token(session.get(TOKEN_KEY) or "")
    if parts is None or parts[0] != PLATFORM_SCOPE or session.get(SCOPE_KEY) != PLATFORM_SCOPE:
        return None
    return parts[1]


def signed_in() -> Principal | None:
    """The operator of this request, or None (never signed in, signed out, expired, revoked, inactive)."""
    if "console_operator" not in g:
        secret = token()
        principal = None
        if secret and not is_citizen_secret(secret):
            principal = auth.authenticate(control_session(), scope=PLATFORM_SCOPE, secret=secret)
        if principal is not None:
            g.principal = principal  # what web.principals.current_principal() returns for this request
        g.console_operator = principal
    return g.console_operator


def had_session() -> bool:
    """True when the browser sent an operator session that is no longer valid."""
    return bool(session.get(TOKEN_KEY)) and signed_in() is None


def actor():
    principal = signed_in()
    assert principal is not None, "only called on pages that require a signed-in operator"
    return principal.actor(request.remote_addr)
