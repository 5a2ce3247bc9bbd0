"""What a province's brand is made of, shared by the control plane that changes it and the portal that shows
it: the contact fields kept in ``control.tenants.branding``, the colour rules (contrast as WCAG 2.1 counts
it) and the logo, an image we store and serve ourselves (the portal's Content-Security-Policy loads images
from its own host only).

A logo lives in the tenant's object storage under ``branding/logo/<digest>`` and the tenant's
``logo_url`` is ``/brand/logo?v=<digest>``: the portal serves it there, cached for a year while the digest
matches. Any other ``logo_url`` is never rendered."""

from __future__ import annotations

import re

BRANDING_FIELDS = ("hotline", "address", "email", "footer")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
NEAR_BLACK = "#1b1f24"  # the theme's text colour
MIN_CONTRAST = 4.5  # WCAG 2.1 AA, normal text

LOGO_PATH = "/brand/logo"
LOGO_MAX_BYTES = 512 * 1024
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}
_LOGO_URL = re.compile(r"^/brand/logo\?v=([0-9a-f]{32})$")


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on(background: str) -> str:
    """White or near-black, whichever reads better on ``background``."""
    return WHITE if contrast(background, WHITE) >= contrast(background, NEAR_BLACK) else NEAR_BLACK


def text_contrast(background: str) -> float:
    """The contrast of the better text colour (white or near-black) on ``background``."""
    return max(contrast(background, WHITE), contrast(background, NEAR_BLACK))


def logo_url(digest: str) -> str:
    return f"{LOGO_PATH}?v={digest}"


def logo_key(digest: str) -> str:
    """The storage key (within the tenant's prefix) of the logo with ``digest``."""
    return f"branding/logo/{digest}"


def logo_digest(url: str | None) -> str | None:
    """The digest of a logo we serve, from the tenant's ``logo_url``; None for no logo or anything else."""
    match = _LOGO_URL.match(url or "")
    return match.group(1) if match else None


def image_type(head: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` from a file's first bytes (its magic number); None otherwise."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None
