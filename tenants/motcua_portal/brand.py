"""The province's brand on its portal: its colours as a small stylesheet (the Content-Security-Policy
allows no inline style), with text colours chosen for contrast, and the contact details of the footer."""

from __future__ import annotations

import hashlib
import re

from flask import Response, request
from motcua_platform.tenancy import TenantInfo
from motcua_platform.web.context import current_tenant

from motcua_portal.blueprint import portal

BRANDING_FIELDS = ("hotline", "address", "email", "footer")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_PRIMARY = "#9b1c1c"
YEAR = 365 * 24 * 3600


def branding_of(info: TenantInfo) -> dict[str, str]:
    return {name: str(info.branding[name]) for name in BRANDING_FIELDS if info.branding.get(name)}


def version_of(info: TenantInfo) -> str:
    return hashlib.sha256(f"{info.primary_color}|{info.secondary_color}".encode()).hexdigest()[:10]


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background``."""
    return "#ffffff" if contrast(background, "#ffffff") >= contrast(background, "#1b1f24") else "#1b1f24"


def darker(colour: str, factor: float = 0.8) -> str:
    r, g, b = (int(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def stylesheet(info: TenantInfo) -> str:
    primary = info.primary_color if HEX_COLOUR.match(info.primary_color or "") else DEFAULT_PRIMARY
    return f":root {{ --brand: {primary}; --brand-text: {readable_on(primary)}; --brand-dark: {darker(primary)}; }}\n"


@portal.get("/brand.css")
def brand_css():
    info = current_tenant()
    response = Response(stylesheet(info), mimetype="text/css")
    if request.args.get("v") == version_of(info):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
