"""The province's colours on every page of its host (the portal's and the consoles'): a small stylesheet,
``/brand.css``, since the Content-Security-Policy allows no inline style, with text colours chosen for
contrast. Pages link it through ``brand_css_url()`` in ``pages/base.html``; on the platform's own host
there is no province and no link."""

from __future__ import annotations

import hashlib

from flask import Response, abort, g, request, url_for

from motcua_platform.branding import HEX_COLOUR, readable_on
from motcua_platform.pages.blueprint import PageBlueprint
from motcua_platform.tenancy import TenantInfo

DEFAULT_PRIMARY = "#9b1c1c"
YEAR = 365 * 24 * 3600

# known by no token, like every page; of no realm (like "/"), so that a 404's page keeps the layout of the
# host's own area (_layout_of_request), and a 404 on the platform host, which has no province
blueprint = PageBlueprint("brand", __name__, realm=None)


def _province() -> TenantInfo | None:
    site = g.get("site")
    return site if isinstance(site, TenantInfo) else None


def version_of(info: TenantInfo) -> str:
    return hashlib.sha256(f"{info.primary_color}|{info.secondary_color}".encode()).hexdigest()[:10]


def darker(colour: str, factor: float = 0.8) -> str:
    r, g_, b = (int(int(colour[i : i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g_:02x}{b:02x}"


def stylesheet(info: TenantInfo) -> str:
    primary = info.primary_color if HEX_COLOUR.match(info.primary_color or "") else DEFAULT_PRIMARY
    return f":root {{ --brand: {primary}; --brand-text: {readable_on(primary)}; --brand-dark: {darker(primary)}; }}\n"


def brand_css_url() -> str | None:
    """The address of the host's province's stylesheet, with its version (kept a year); None elsewhere."""
    info = _province()
    return url_for("brand.brand_css", v=version_of(info)) if info is not None else None


@blueprint.get("/brand.css")
def brand_css():
    info = _province()
    if info is None:
        abort(404)
    response = Response(stylesheet(info), mimetype="text/css")
    if request.args.get("v") == version_of(info):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
