"""The signed-in citizen of a portal page: the citizen token kept in the host's own session cookie
(HttpOnly, SameSite=Lax, Secure in production), checked on every request against the token table, so a
logout or a password change elsewhere ends the session here too."""

from __future__ import annotations

from flask import g, request, session
from motcua_onestop.citizens import services as citizens
from motcua_onestop.citizens.services import CitizenPrincipal
from motcua_platform.auth.tokens import split_token
from motcua_platform.web.context import current_tenant, tenant_session

TOKEN_KEY = "citizen_token"  # noqa: S105 - the name of a session key
TENANT_KEY = "tenant"
# what a new sign-in keeps of the browser's session: a wizard step parked while the session had expired
KEPT_ON_SIGN_IN = ("portal_parked",)


def sign_in(token: str) -> None:
    """Remember the citizen's token (``<scope>.<secret>``, as the login service returns it) for this host;
    ``token()`` gives its secret part, which the services take."""
    kept = {key: session[key] for key in KEPT_ON_SIGN_IN if key in session}
    session.clear()  # a new session on every sign-in (no fixation)
    session.update(kept)
    session[TOKEN_KEY] = token
    session[TENANT_KEY] = current_tenant().slug


def sign_out() -> str | None:
    """Forget the session; the token's secret it held, for the caller to revoke."""
    secret = token()
    session.clear()
    return secret


def signed_in() -> CitizenPrincipal | None:
    """The citizen of this request, or None (never signed in, signed out, expired or revoked)."""
    if "portal_citizen" not in g:
        secret = token()
        citizen = None
        if secret and session.get(TENANT_KEY) == current_tenant().slug:
            citizen = citizens.authenticate(tenant_session(), scope=current_tenant().slug, secret=secret)
        g.portal_citizen = citizen
    return g.portal_citizen


def had_session() -> bool:
    """True when the browser sent a citizen session that is no longer valid (it expired or was revoked)."""
    return bool(session.get(TOKEN_KEY)) and signed_in() is None


def actor():
    citizen = signed_in()
    assert citizen is not None, "only called on pages that require a signed-in citizen"
    return citizen.actor(request.remote_addr)


def token() -> str | None:
    """The secret part of the citizen token (``<slug>.<secret>``) this browser's session holds, as the
    services take it (like the API's ``bearer_secret``): the one a password change keeps valid."""
    parts = split_token(session.get(TOKEN_KEY) or "")
    return parts[1] if parts else None


def remember(key: str, value: str) -> None:
    """Keep a small value for this browser's next page (e.g. the login a reset code was asked for)."""
    session[key] = value


def recalled(key: str) -> str | None:
    return session.get(key)


def take(key: str):
    """A value kept with ``remember``, forgotten as it is read (used once)."""
    return session.pop(key, None)
