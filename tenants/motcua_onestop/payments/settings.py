"""The province's merchant account at its payment gateway (one row per tenant schema), set by the province's
tenant admin: the money goes to the province's own account at the gateway, never through the vendor. The
hash secret is write-only: stored, used to sign and to check signatures, never read back out through here
except by ``gateway_for``."""

from __future__ import annotations

import urllib.parse

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.outbound import internal_host
from sqlalchemy.orm import Session

from motcua_onestop.payments.gateway import Gateway
from motcua_onestop.payments.models import PaymentSettings
from motcua_onestop.payments.vnpay import VnpayGateway

MIN_SECRET = 32  # characters; VNPAY's hash secrets are 32
GATEWAYS = ("vnpay",)


def current(session: Session) -> PaymentSettings | None:
    return session.get(PaymentSettings, 1)


def describe(settings: PaymentSettings | None) -> dict:
    """What the tenant admin sees: whether a secret is set, never the secret."""
    if settings is None:
        return {
            "enabled": False,
            "gateway": "vnpay",
            "merchant_code": None,
            "pay_url": None,
            "api_url": None,
            "secret_set": False,
            "updated_at": None,
        }
    return {
        "enabled": settings.enabled,
        "gateway": settings.gateway,
        "merchant_code": settings.merchant_code,
        "pay_url": settings.pay_url,
        "api_url": settings.api_url,
        "secret_set": settings.secret is not None,
        "updated_at": settings.updated_at,
    }


def gateway_for(settings: PaymentSettings | None) -> Gateway | None:
    """The province's gateway while online payment is on; None while it is off."""
    if settings is None or not settings.enabled:
        return None
    return VnpayGateway(settings.merchant_code, settings.secret, settings.pay_url, settings.api_url)


def verifier_for(settings: PaymentSettings | None) -> Gateway | None:
    """The gateway to check the gateway's word with whenever a secret is stored, on or off: an order made
    before online payment was switched off may still be paid, and its notification must be recorded."""
    if settings is None or not settings.secret or not settings.merchant_code:
        return None
    return VnpayGateway(settings.merchant_code, settings.secret, settings.pay_url or "", settings.api_url or "")


def _address_problem(url: str | None, local_addresses: bool) -> str | None:
    if url is None:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError:
        return _("Give an https address without a user name or password in it.")
    schemes = ("http", "https") if local_addresses else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password or parts.fragment:
        return _("Give an https address without a user name or password in it.")
    if not local_addresses and internal_host(parts.hostname):
        return _("This address is inside the platform's own networks.")
    return None


def change(
    session: Session,
    actor: Actor,
    *,
    enabled: bool,
    merchant_code: str | None,
    pay_url: str | None,
    api_url: str | None,
    gateway: str = "vnpay",
    secret: str | None = None,
    local_addresses: bool = False,
) -> dict:
    """Set the merchant account; ``secret`` None keeps the one stored. Every problem at once, nothing changed
    on any; the audit event says what changed, and only that the secret did. Addresses must be https and
    outside the platform's own networks (``local_addresses``: the test runs' setting allows local ones)."""
    errors: dict[str, list] = {}
    code = (merchant_code or "").strip() or None
    pay = (pay_url or "").strip() or None
    api = (api_url or "").strip() or None
    if gateway not in GATEWAYS:
        errors["gateway"] = [_("Unknown payment gateway.")]
    if code is not None and not (code.isascii() and code.isalnum() and len(code) <= 40):
        errors["merchant_code"] = [_("Letters and digits only, at most 40.")]
    for name, url in (("pay_url", pay), ("api_url", api)):
        if problem := _address_problem(url, local_addresses):
            errors[name] = [problem]
    if secret is not None and (len(secret) < MIN_SECRET or not secret.isascii() or not secret.isprintable()):
        errors["secret"] = [_("The secret must be at least %(length)s characters long.", length=MIN_SECRET)]
    row = current(session)
    if enabled:
        for name, value in (("merchant_code", code), ("pay_url", pay), ("api_url", api)):
            if value is None:
                errors.setdefault(name, []).append(_("Online payment cannot be switched on without this."))
        if secret is None and (row is None or row.secret is None):
            errors.setdefault("secret", []).append(_("Online payment cannot be switched on without this."))
    if errors:
        raise InvalidInput(_("The payment settings were not saved."), errors)
    if row is None:
        row = PaymentSettings(id=1)
        session.add(row)
    row.enabled, row.gateway, row.merchant_code, row.pay_url, row.api_url = enabled, gateway, code, pay, api
    if secret is not None:
        row.secret = secret
    row.updated_at = utcnow()
    record(
        session,
        actor,
        "payments.settings",
        target="payment_settings",
        enabled=enabled,
        gateway=gateway,
        merchant_code=code,
        pay_url=pay,
        api_url=api,
        secret_changed=secret is not None,
    )
    session.flush()
    return describe(row)
