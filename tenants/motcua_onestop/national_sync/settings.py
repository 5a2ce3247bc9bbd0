"""The province's remote end of the national sync (one row per tenant schema): read, and changed by a
vendor operator. The secret is write-only: it is stored, used to sign and to check signatures, and never
read back out through here except by ``sender_for`` and the intake's signature check."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from sqlalchemy.orm import Session

from motcua_onestop.national_sync.interfaces import HttpSender, Sender
from motcua_onestop.national_sync.models import NationalSyncSettings

MIN_SECRET = 32  # characters: an HMAC key guessable by brute force would let anyone submit dossiers


def current(session: Session) -> NationalSyncSettings | None:
    return session.get(NationalSyncSettings, 1)


def describe(settings: NationalSyncSettings | None) -> dict:
    """What anyone allowed to see the settings sees: whether a secret is set, never the secret."""
    if settings is None:
        return {"enabled": False, "endpoint_url": None, "secret_set": False, "timeout_seconds": 10, "updated_at": None}
    return {
        "enabled": settings.enabled,
        "endpoint_url": settings.endpoint_url,
        "secret_set": settings.secret is not None,
        "timeout_seconds": settings.timeout_seconds,
        "updated_at": settings.updated_at,
    }


def sender_for(settings: NationalSyncSettings | None) -> Sender | None:
    """The sender of a province whose sync is on; None while it is off (its rows wait)."""
    if settings is None or not settings.enabled or not settings.endpoint_url or not settings.secret:
        return None
    return HttpSender(settings.endpoint_url, settings.secret, settings.timeout_seconds)


def internal_address(hostname: str) -> bool:
    """Whether ``hostname`` is, or resolves to, an address inside our own networks (loopback, private,
    link-local, reserved): the worker must not be pointed at the platform's own services."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except OSError:
        return False  # not resolvable now: delivery will fail and say so
    return any(
        (found := ipaddress.ip_address(address.split("%", 1)[0])).is_private
        or found.is_loopback
        or found.is_link_local
        or found.is_reserved
        or found.is_multicast
        or found.is_unspecified
        for address in addresses
    )


def change(
    session: Session,
    actor: Actor,
    *,
    enabled: bool,
    endpoint_url: str | None,
    secret: str | None = None,
    timeout_seconds: int = 10,
    local_receivers: bool = False,
) -> dict:
    """Set the remote end; ``secret`` None keeps the one stored. Every problem is reported at once and
    nothing is changed; the audit event says what changed, and only that the secret did. The address must
    be https and outside our own networks (citizens' identity numbers travel in the records; the worker
    must not be turned on the platform's own services); ``local_receivers`` (the test runs' setting) allows
    http and local addresses."""
    errors: dict[str, list] = {}
    url = (endpoint_url or "").strip() or None
    if url is not None:
        parts = urllib.parse.urlsplit(url)
        schemes = ("http", "https") if local_receivers else ("https",)
        if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
            errors["endpoint_url"] = [_("Give an https address without a user name or password in it.")]
        elif not local_receivers and internal_address(parts.hostname):
            errors["endpoint_url"] = [_("This address is inside the platform's own networks.")]
    if secret is not None and len(secret) < MIN_SECRET:
        errors["secret"] = [_("The secret must be at least %(length)s characters long.", length=MIN_SECRET)]
    if not 1 <= timeout_seconds <= 30:  # three timeouts in a row end a province's turn: a minute and a half
        errors["timeout_seconds"] = [_("Between 1 and 30 seconds.")]
    row = current(session)
    if enabled and url is None:
        errors.setdefault("endpoint_url", []).append(_("The sync cannot be switched on without an address."))
    if enabled and secret is None and (row is None or row.secret is None):
        errors.setdefault("secret", []).append(_("The sync cannot be switched on without a secret."))
    if errors:
        raise InvalidInput(_("The national sync settings were not saved."), errors)
    if row is None:
        row = NationalSyncSettings(id=1)
        session.add(row)
    row.enabled, row.endpoint_url, row.timeout_seconds = enabled, url, timeout_seconds
    if secret is not None:
        row.secret = secret
    row.updated_at = utcnow()
    record(
        session,
        actor,
        "national_sync.settings",
        target="national_sync",
        enabled=enabled,
        endpoint_url=url,
        timeout_seconds=timeout_seconds,
        secret_changed=secret is not None,
    )
    session.flush()
    return describe(row)
