"""The province's brand on its portal: its logo and the contact details of the footer (its colours are
the kernel page base's ``/brand.css``, on every page of the host: motcua_platform.pages.brand)."""

from __future__ import annotations

from flask import Response, abort, request
from motcua_platform.branding import (
    BRANDING_FIELDS,
    LOGO_MAX_BYTES,
    contrast,
    image_type,
    logo_digest,
    logo_key,
    logo_url,
    readable_on,
)
from motcua_platform.storage.services import tenant_objects
from motcua_platform.tenancy import TenantInfo
from motcua_platform.web.context import current_tenant, runtime

from motcua_portal.blueprint import portal

YEAR = 365 * 24 * 3600

__all__ = ["BRANDING_FIELDS", "contrast", "readable_on"]


def branding_of(info: TenantInfo) -> dict[str, str]:
    return {name: str(info.branding[name]) for name in BRANDING_FIELDS if info.branding.get(name)}


def logo_src(info: TenantInfo) -> str | None:
    """The logo's address if it is one we serve (uploaded, fingerprinted); an address elsewhere is never
    rendered: the Content-Security-Policy loads images from this host only."""
    return logo_url(digest) if (digest := logo_digest(info.logo_url)) else None


@portal.get("/brand/logo")
def brand_logo():
    """The province's uploaded logo (PNG or JPEG, checked at upload and again here by its first bytes),
    kept a year by browsers when asked for with its current digest."""
    info = current_tenant()
    digest = logo_digest(info.logo_url)
    if digest is None:
        abort(404)
    try:
        with tenant_objects(runtime().config, info.slug).open(logo_key(digest)) as stream:
            body = stream.read(LOGO_MAX_BYTES + 1)
    except FileNotFoundError:
        abort(404)
    content_type = image_type(body[:8])
    if content_type is None or len(body) > LOGO_MAX_BYTES:
        abort(404)
    response = Response(body, mimetype=content_type)
    if request.args.get("v") == digest:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # an old or missing digest: the current logo, which nobody may keep
        response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(digest)
    return response
