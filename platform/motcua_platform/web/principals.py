"""Who is calling: the bearer token, the authenticated staff member or operator, the security each
operation declares (and the server enforces before reading arguments), and the audit actor."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Protocol, TypeVar

from flask import current_app, g, request

from motcua_platform import request_log
from motcua_platform.auth import services as auth_services
from motcua_platform.auth.principal_cache import PrincipalCache
from motcua_platform.auth.services import Principal
from motcua_platform.auth.tokens import hash_secret, is_citizen_secret, split_token
from motcua_platform.auth.units import unit_tree
from motcua_platform.errors import Forbidden, Unauthorized
from motcua_platform.i18n import _
from motcua_platform.web.context import site_scope, site_session, tenant_session

if TYPE_CHECKING:
    from motcua_platform.audit.services import Actor

T = TypeVar("T")


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    parts = split_token(token.strip())
    if parts is None:
        raise Unauthorized(_("The access token is malformed."))
    scope, secret = parts
    if scope != site_scope():
        raise Forbidden(
            _("This access token belongs to another tenant or to the platform; it is not valid on this host.")
        )
    return secret


def current_principal(*roles: str) -> Principal:
    """The authenticated staff member or operator; 401 without a valid token, 403 for a citizen's token
    or without one of ``roles`` (if given). Citizen routes use the citizens area's ``current_citizen``."""
    if "principal" not in g:
        secret = bearer_secret()
        if secret is None:
            raise Unauthorized(_("Log in first: send 'Authorization: Bearer <token>'."))
        if is_citizen_secret(secret):  # a citizen account never holds a staff or operator permission
            raise Forbidden(_("This action is for staff; a citizen account cannot use it."))
        principal = _authenticate(site_scope(), hash_secret(secret))
        if principal is None:
            raise Unauthorized(_("The access token is unknown, expired or revoked."))
        g.principal = principal
    principal = g.principal
    if roles and not principal.has_role(*roles):
        raise Forbidden(_("This action needs one of the roles: %(roles)s.", roles=", ".join(roles)))
    return principal


def principal_cache() -> PrincipalCache:
    """This app's cache of checked tokens (``auth.principal_cache``), made on first use in each app."""
    cache = current_app.extensions.get("motcua_principals")
    if cache is None:
        runtime = current_app.extensions["motcua"]
        cache = PrincipalCache(*runtime.db.servers.values(), seconds=runtime.config.token_cache_seconds)
        cache = current_app.extensions.setdefault("motcua_principals", cache)
    return cache


def _authenticate(scope: str, token_hash: str) -> Principal | None:
    """The token's principal: from this process's cache, or checked against the database (and kept)."""
    return principal_cache().through(
        scope, token_hash, lambda: auth_services.authenticate_token(site_session(), scope=scope, token_hash=token_hash)
    )


def kept_until_announced(scope: str, key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, kept in this process's principal cache under (``scope``, ``key``) with the guarantees of a
    principal (``auth.principal_cache``): dropped in every process by each notification on its channel
    (``announce``, and the tenant triggers that notify it: the unit tree's), never kept while the listener
    is down or from a read that a notification overtook, at most MOTCUA_TOKEN_CACHE_SECONDS. For what
    authorisation derives from such data, such as the units below an officer's."""
    cache = principal_cache()
    return cache.through(scope, key, lambda: (read(), dt.datetime.now(dt.UTC) + dt.timedelta(seconds=cache.seconds)))


# -- authentication, declared once per operation ---------------------------------------------------
# An operation's OpenAPI ``security`` is also what the server enforces, before smorest reads its arguments:
# an anonymous or unknown caller gets 401 (a token of the wrong kind 403) and never learns which fields or
# headers the operation wants. ``security=[]`` declares a public operation; one that declares nothing
# needs a staff or operator token (the document's default, STAFF_SECURITY). Roles are checked by the view.
STAFF_SCHEME, CITIZEN_SCHEME = "bearerAuth", "citizenAuth"
STAFF_SECURITY = [{STAFF_SCHEME: []}]
CITIZEN_SECURITY = [{CITIZEN_SCHEME: []}]
STAFF_OR_CITIZEN_SECURITY = [{STAFF_SCHEME: []}, {CITIZEN_SCHEME: []}]
SECURITY_SCHEMES = {
    STAFF_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A staff member's token (tenant host) or an operator's (platform host): "
        "POST /api/v1/auth/login.",
    },
    CITIZEN_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "A citizen account's token (tenant host): POST /api/v1/account/login.",
    },
}
_AUTHENTICATORS: dict[str, Callable[[], Caller]] = {}


class Caller(Protocol):
    """Who a token authenticates (a staff member or operator, a citizen account)."""

    def actor(self, remote_addr: str | None = None) -> Actor: ...


def register_authenticator(scheme: str, authenticate: Callable[[], Caller]) -> None:
    """``authenticate()`` returns the caller, or raises 401/403 unless the request carries a valid token of
    ``scheme``'s kind."""
    _AUTHENTICATORS[scheme] = authenticate


@functools.cache
def declared_schemes(view_func: Callable, method: str) -> tuple[str, ...]:
    """The security schemes one of which the operation (view function, HTTP method) requires; () if public."""
    view_class = getattr(view_func, "view_class", None)
    function = getattr(view_class, method.lower(), None) if view_class is not None else view_func
    declared = getattr(function, "_apidoc", {}).get("manual_doc", {}).get("security", STAFF_SECURITY)
    return tuple(name for requirement in declared for name in requirement)


def authenticate_as_declared() -> None:
    """Authenticate the caller as the matched operation declares (before_request, after the host checks)."""
    if request.method == "OPTIONS" or request.endpoint is None:
        return
    method = "GET" if request.method == "HEAD" else request.method
    schemes = declared_schemes(current_app.view_functions[request.endpoint], method)
    if not schemes:
        return
    secret = bearer_secret()
    kind = CITIZEN_SCHEME if secret is not None and is_citizen_secret(secret) else STAFF_SCHEME
    # a token of a kind the operation does not take is refused by the first scheme's authenticator (403)
    caller = _AUTHENTICATORS[kind if kind in schemes else schemes[0]]()
    request_log.bind_actor(caller.actor())


def province_principal(*roles: str) -> Principal:
    """The caller, holding one of ``roles`` on the province's root unit: for province-wide duties (the
    procedure catalogue, the province's invoices). The same role on a department or commune is not enough."""
    principal = current_principal(*roles)
    if unit_tree().root_id(tenant_session()) not in principal.units_with(*roles):
        raise Forbidden(
            _(
                "This action needs one of the roles %(roles)s on the province itself, not on one of its units.",
                roles=", ".join(roles),
            )
        )
    return principal


def actor():
    return current_principal().actor(request.remote_addr)


register_authenticator(STAFF_SCHEME, current_principal)
