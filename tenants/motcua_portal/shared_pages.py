"""Whole public pages rendered once and shared by every visitor who has no session, per process.

The home page and the catalogue search are the pages most people open, mostly without an account. Their
data is already cached (the search results, the fields, the most used procedures), but drawing the page
around it cost about three times the JSON search's CPU (docs/performance.md, "Citizen portal"). A visitor
with nothing in the session (no citizen, no flashed message, no form token) sees exactly what any other
such visitor sees for the same address, language and brand, so the page is kept. The key carries the
catalogue version and the brand, so a change shows as soon as the tenant cache has it, as for the search
results (``catalogue/search.py``). Headers (security, caching, language cookie, compression) are still set
per response by ``finish_page``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import request, session
from motcua_platform.cache import TTLCache
from motcua_platform.i18n import current_locale
from motcua_platform.tenancy import TenantInfo
from motcua_platform.web.context import current_tenant

from motcua_portal import brand

# 30 s: the lifetime of the search results the pages show; the size bounds what odd queries can fill.
PAGES = TTLCache(max_entries=2048, ttl=30)


def brand_fingerprint(info: TenantInfo) -> tuple:
    """Everything of the tenant that the layout shows or formats with."""
    return (
        info.name,
        info.display_name,
        info.logo_url,
        info.primary_color,
        info.secondary_color,
        info.timezone,
        tuple(brand.branding_of(info).items()),
    )


def page_key(name: str) -> Hashable:
    info = current_tenant()
    return (
        name,
        request.host,
        request.full_path,  # the query and the language switch's links back to this page
        current_locale(),
        info.slug,
        info.catalogue_version,
        tuple(info.plugins),
        brand_fingerprint(info),
    )


def shared(name: str, render: Callable[[], str], *, keep: bool = True) -> str:
    """The page ``render`` draws, from the cache when this visitor has no session (and ``keep``)."""
    if session or not keep:  # a citizen, a message to show, a form token: this visitor's page may be their own
        return render()
    key = page_key(name)
    html = PAGES.get(key)
    if html is None:
        html = render()
        # Only a page that put nothing in the session (no form token drawn) is the same for everyone.
        if not session:
            PAGES.put(key, html)
    return html
