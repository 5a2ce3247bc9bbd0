"""The signed-in staff member of a console page: the staff token (as ``POST /api/v1/auth/login`` returns
it) kept in the host's own session cookie (HttpOnly, SameSite=Lax, Secure in production), checked on every
request against the token table, so a logout or an expired or revoked token ends the session here too.

The principal found is also the request's ``g.principal``: the API's helpers that read the caller
(``caller_units``, ``actor``) then see the same staff member, and authorisation stays theirs."""

from __future__ import annotations

from motcua_platform.web.context import site_scope, site_session

from motcua_console.signin import SignIn

STAFF = SignIn(
    token_key="staff_token",  # noqa: S106 - the name of a session key
    scope_key="staff_scope",
    cache_key="console_staff",
    scope=site_scope,
    db=site_session,
)
sign_in, sign_out, token, signed_in, had_session, actor = (
    STAFF.sign_in,
    STAFF.sign_out,
    STAFF.token,
    STAFF.signed_in,
    STAFF.had_session,
    STAFF.actor,
)
