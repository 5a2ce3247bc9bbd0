"""The signed-in vendor operator: the operator token (as ``POST /api/v1/auth/login`` returns it on the
platform host) kept in the platform host's session cookie under keys of its own, checked on every request
against the operator token table, so a logout, an expiry, a revocation or a deactivated account ends the
session here too. A tenant host's staff session can never be one: its token's scope is a province's slug,
and only a token scoped to "platform" is read here.

The principal found is also the request's ``g.principal``, so the API's ``current_principal(*roles)`` and
``actor()`` see the same operator and the roles stay the API's."""

from __future__ import annotations

from motcua_platform.auth.tokens import PLATFORM_SCOPE
from motcua_platform.web.context import control_session

from motcua_console.signin import SignIn

OPERATOR = SignIn(
    token_key="operator_token",  # noqa: S106 - the name of a session key
    scope_key="operator_scope",
    cache_key="console_operator",
    scope=lambda: PLATFORM_SCOPE,
    db=control_session,
)
sign_in, sign_out, token, signed_in, had_session, actor = (
    OPERATOR.sign_in,
    OPERATOR.sign_out,
    OPERATOR.token,
    OPERATOR.signed_in,
    OPERATOR.had_session,
    OPERATOR.actor,
)
