"""Changing a province's brand: its names, colours, logo and the contact details its portal shows. One
service for both ways in: the province's tenant admin on its own host (``/api/v1/branding``) and the
vendor's operators on the platform host (``/api/v1/tenants/<slug>``). The portal only reads.

Every rule is checked here, so the CLI, the demo and both APIs refuse the same things with the same field
errors: colours as ``#rrggbb``, a primary colour that white or near-black text can be read on (4.5:1,
WCAG 2.1 AA), bounded lengths, a plausible e-mail and telephone number, and a logo that is a PNG or JPEG
image (checked by its first bytes, never by its name) of at most 512 KB. SVG is refused: it can carry
script."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from typing import Any, BinaryIO

from motcua_platform.audit.services import Actor, record
from motcua_platform.branding import (
    BRANDING_FIELDS,
    HEX_COLOUR,
    LOGO_MAX_BYTES,
    MIN_CONTRAST,
    image_type,
    logo_digest,
    logo_key,
    logo_url,
    text_contrast,
)
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import InvalidInput, ServiceError
from motcua_platform.i18n import _
from motcua_platform.storage.services import TenantObjects
from sqlalchemy.orm import Session

# What each way in may change: a province names its portal but not itself (its legal name is the vendor's
# record, on contracts and invoices).
PROVINCE_FIELDS = ("display_name", "primary_color", "secondary_color", "logo_url", *BRANDING_FIELDS)
OPERATOR_FIELDS = ("name", *PROVINCE_FIELDS)

MAX_LENGTHS = {"name": 200, "display_name": 200, "hotline": 40, "address": 300, "email": 254, "footer": 500}
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
HOTLINE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{1,38}[0-9]$")


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(value)
    return value.strip() or None


def _problems(changes: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for attr, value in changes.items():
        if attr in MAX_LENGTHS and value is not None and len(value) > MAX_LENGTHS[attr]:
            errors[attr] = [_("At most %(n)s characters.", n=MAX_LENGTHS[attr])]
    for attr in ("name", "display_name"):
        if attr in changes and changes[attr] is None:
            errors.setdefault(attr, []).append(_("Required: it cannot be empty."))
    for attr in ("primary_color", "secondary_color"):
        if attr not in changes:
            continue
        if not HEX_COLOUR.match(changes[attr] or ""):
            errors[attr] = [_("Colour must look like #1a2b3c.")]
        elif attr == "primary_color" and text_contrast(changes[attr]) < MIN_CONTRAST:
            errors[attr] = [
                _(
                    "Neither white nor dark text is readable on %(colour)s (contrast below %(ratio)s:1): "
                    "choose a darker or a lighter colour.",
                    colour=changes[attr],
                    ratio=MIN_CONTRAST,
                )
            ]
    if changes.get("email") and not EMAIL_RE.match(changes["email"]):
        errors.setdefault("email", []).append(_("Not an e-mail address."))
    if changes.get("hotline") and not HOTLINE_RE.match(changes["hotline"]):
        errors.setdefault("hotline", []).append(_("Digits, spaces, '+', '.', '-' and brackets only."))
    if changes.get("logo_url") is not None:
        errors["logo_url"] = [
            "Upload the logo (PUT …/logo, PNG or JPEG); only null (no logo) can be set here. The portal shows "
            "images from its own host only."
        ]
    return errors


def update_branding(
    session: Session,
    actor: Actor,
    slug: str,
    changes: Mapping[str, Any],
    *,
    allowed: tuple[str, ...] = OPERATOR_FIELDS,
    tenant_audit: Session | None = None,
) -> Tenant:
    """Change the fields in ``changes`` (among ``allowed``) of tenant ``slug``, all or none. Text is
    trimmed; an empty contact field (hotline, address, email, footer) is removed from the portal;
    ``logo_url`` may only be set to None (the logo itself is uploaded with ``set_logo``).

    Recorded in the vendor's audit trail (``session``) and, for a change made on the province's own host,
    in the province's (``tenant_audit``). The caller drops the tenant cache once committed."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        errors = {name: [_("This field cannot be changed here.")] for name in unknown}
        raise InvalidInput(_("Branding was not changed."), errors)
    try:
        cleaned = {attr: _clean(value) for attr, value in changes.items()}
    except TypeError:
        raise InvalidInput(
            _("Branding was not changed."), {"_schema": [_("Every value must be text or null.")]}
        ) from None
    for attr in ("primary_color", "secondary_color"):
        if cleaned.get(attr):
            cleaned[attr] = cleaned[attr].lower()
    errors = _problems(cleaned)
    if errors:
        raise InvalidInput(_("Branding was not changed."), errors)
    tenant = get_tenant(session, slug)
    branding = dict(tenant.branding or {})
    for attr, value in cleaned.items():
        if attr in BRANDING_FIELDS:
            if value is None:
                branding.pop(attr, None)
            else:
                branding[attr] = value
        else:
            setattr(tenant, attr, value)
    tenant.branding = branding  # a new dict: JSONB columns track assignment, not mutation
    details = {"changes": {attr: cleaned[attr] for attr in sorted(cleaned)}}
    record(session, actor, "tenant.update", target=f"tenant:{slug}", tenant_slug=slug, **details)
    if tenant_audit is not None:
        record(tenant_audit, actor, "branding.update", target=f"tenant:{slug}", **details)
    return tenant


def read_logo(stream: BinaryIO) -> tuple[bytes, str]:
    """The bytes of an uploaded logo and their type, read once and never more than the limit: refuses an
    empty file, one over 512 KB (413) and anything but PNG or JPEG (422)."""
    data = stream.read(LOGO_MAX_BYTES + 1)
    if len(data) > LOGO_MAX_BYTES:
        raise PayloadTooLarge(
            _("The logo is larger than %(kb)s KB.", kb=LOGO_MAX_BYTES // 1024),
            {"file": [_("At most %(n)s bytes.", n=LOGO_MAX_BYTES)]},
        )
    if not data:
        raise InvalidInput(_("The file is empty."), {"file": [_("The file has no content.")]})
    content_type = image_type(data[:8])
    if content_type is None:
        raise InvalidInput(
            _("The logo must be a PNG or JPEG image."),
            {"file": [_("Only PNG or JPEG images are accepted (not SVG).")]},
        )
    return data, content_type


def set_logo(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    slug: str,
    stream: BinaryIO,
    *,
    tenant_audit: Session | None = None,
) -> tuple[Tenant, str | None]:
    """Store an uploaded logo (see ``read_logo``) and make it the portal's: ``logo_url`` becomes
    ``/brand/logo?v=<digest>``. Returns the tenant and the digest of the logo it replaces (None if none or
    the same), whose object the caller may delete once the change is committed. Storing the same bytes
    twice stores them under the same key."""
    data, content_type = read_logo(stream)
    digest = hashlib.sha256(data).hexdigest()[:32]
    tenant = get_tenant(session, slug)
    previous = logo_digest(tenant.logo_url)
    objects.put(logo_key(digest), io.BytesIO(data), content_type=content_type)
    tenant.logo_url = logo_url(digest)
    details = {"logo": {"sha256": hashlib.sha256(data).hexdigest(), "type": content_type, "bytes": len(data)}}
    record(session, actor, "tenant.logo", target=f"tenant:{slug}", tenant_slug=slug, **details)
    if tenant_audit is not None:
        record(tenant_audit, actor, "branding.logo", target=f"tenant:{slug}", **details)
    return tenant, previous if previous != digest else None


def branding_view(tenant: Tenant) -> dict[str, Any]:
    """The brand as the APIs show it: the tenant's columns and each contact field (None when unset)."""
    branding = tenant.branding or {}
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "display_name": tenant.display_name,
        "logo_url": tenant.logo_url if logo_digest(tenant.logo_url) else None,
        "primary_color": tenant.primary_color,
        "secondary_color": tenant.secondary_color,
        **{attr: branding.get(attr) for attr in BRANDING_FIELDS},
    }
