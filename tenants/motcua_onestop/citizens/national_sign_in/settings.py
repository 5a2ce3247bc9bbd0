"""The province's identity provider (one row per tenant schema): read by the portal, changed by the
province's admin. The client secret is write-only: stored and sent to the provider's token endpoint, never
read back out through here except by ``client_for``."""

from __future__ import annotations

import re
import urllib.parse

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.outbound import internal_host
from sqlalchemy.orm import Session

from motcua_onestop.citizens.national_sign_in.models import IdentityProviderSettings
from motcua_onestop.citizens.national_sign_in.protocol import Client, SignInRefused, discover

_CLAIM = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,99}")
_SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6749 §3.3 scope-token


def current(session: Session) -> IdentityProviderSettings | None:
    return session.get(IdentityProviderSettings, 1)


def describe(settings: IdentityProviderSettings | None) -> dict:
    """What the admin sees: whether a secret is set, never the secret."""
    if settings is None:
        settings = IdentityProviderSettings(id=1, enabled=False, display_name="VNeID")
        settings.scopes, settings.identity_claim = "openid profile national_id", "national_id"
    return {
        "enabled": bool(settings.enabled),
        "display_name": settings.display_name,
        "issuer": settings.issuer,
        "client_id": settings.client_id,
        "client_secret_set": settings.client_secret is not None,
        "scopes": settings.scopes,
        "identity_claim": settings.identity_claim,
        "updated_at": settings.updated_at,
    }


def client_for(settings: IdentityProviderSettings | None, *, local: bool = False) -> Client | None:
    """The province's client while sign-in with national identity is on; None while it is off."""
    if settings is None or not settings.enabled or not settings.issuer or not settings.client_id:
        return None
    if not settings.client_secret:
        return None
    return Client(settings.issuer, settings.client_id, settings.client_secret, settings.scopes, local)


def change(
    session: Session,
    actor: Actor,
    *,
    enabled: bool,
    display_name: str,
    issuer: str | None,
    client_id: str | None,
    client_secret: str | None = None,
    scopes: str = "openid profile national_id",
    identity_claim: str = "national_id",
    local: bool = False,
) -> dict:
    """Set the provider; ``client_secret`` None keeps the one stored. Every problem is reported at once and
    nothing is changed. Switching sign-in on reads the provider's discovery document first, so a wrong
    address is found by the admin, not by the first citizen. ``local`` (the test runs' setting) allows a
    provider on http."""
    errors: dict[str, list] = {}
    name = (display_name or "").strip()
    if not 1 <= len(name) <= 80:
        errors["display_name"] = [_("Between 1 and 80 characters.")]
    url = (issuer or "").strip() or None
    if url is not None:
        parts = urllib.parse.urlsplit(url)
        try:
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
            bad_port = False
        except ValueError:
            bad_port = True
        schemes = ("http", "https") if local else ("https",)
        if (
            parts.scheme not in schemes
            or not parts.hostname
            or bad_port
            or parts.username is not None
            or parts.password is not None
            or parts.query
            or parts.fragment
        ):
            errors["issuer"] = [_("Give the provider's https address (its issuer), without a query.")]
        elif not local and internal_host(parts.hostname):
            errors["issuer"] = [_("This address is inside the platform's own networks.")]
    client = (client_id or "").strip() or None
    if client is not None and len(client) > 200:
        errors["client_id"] = [_("At most %(count)s characters.", count=200)]
    if client_secret is not None and not 8 <= len(client_secret) <= 500:
        errors["client_secret"] = [_("Between 8 and 500 characters.")]
    scope_list = (scopes or "").split()
    if "openid" not in scope_list or not all(_SCOPE.fullmatch(s) for s in scope_list) or len(scopes) > 300:
        errors["scopes"] = [_("Scopes separated by spaces, including openid.")]
    claim = (identity_claim or "").strip()
    if not _CLAIM.fullmatch(claim):
        errors["identity_claim"] = [_("The name of a claim, such as national_id.")]
    row = current(session)
    secret = client_secret if client_secret is not None else (row.client_secret if row is not None else None)
    if enabled:
        for field, value in (("issuer", url), ("client_id", client), ("client_secret", secret)):
            if value is None and field not in errors:
                errors[field] = [_("Needed to switch sign-in with national identity on.")]
    if enabled and not errors:
        try:
            discover(Client(url, client, secret, " ".join(scope_list), local))
        except SignInRefused as refused:
            errors["issuer"] = [
                _("The provider's configuration could not be read at this address (%(reason)s).", reason=refused.reason)
            ]
    if errors:
        raise InvalidInput(_("The sign-in settings were not saved."), errors)
    if row is None:
        row = IdentityProviderSettings(id=1)
        session.add(row)
    row.enabled, row.display_name, row.issuer, row.client_id = enabled, name, url, client
    row.scopes, row.identity_claim = " ".join(scope_list), claim
    if client_secret is not None:
        row.client_secret = client_secret
    row.updated_at = utcnow()
    record(
        session,
        actor,
        "national_sign_in.settings",
        target="national_sign_in",
        enabled=enabled,
        issuer=url,
        client_id=client,
        scopes=row.scopes,
        identity_claim=claim,
        secret_changed=client_secret is not None,
    )
    session.flush()
    return describe(row)
