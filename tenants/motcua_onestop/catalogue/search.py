"""The public catalogue search, shared by the JSON API and the portal's search page: one query, one cache.

Results are kept per (tenant, catalogue version, enabled plugins, what the search means, page). Every
catalogue change bumps the version, so this process sees it at once and the others once their tenant
cache expires; the entry lifetime bounds staleness should a bump ever be lost. Only the first pages are
kept, the ones people read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from motcua_platform.cache import TTLCache
from motcua_platform.tenancy import TenantInfo
from motcua_platform.web.pagination import paginate
from sqlalchemy.orm import Session

from motcua_onestop.catalogue import services
from motcua_onestop.catalogue.text import words

SEARCH_CACHE = TTLCache(max_entries=4096, ttl=30)
CACHED_PAGES = 3


def search(
    session: Session, tenant: TenantInfo, enabled: Sequence[str], args: Mapping[str, Any], pagination
) -> list[dict]:
    """One page of summaries for ``args`` (``CatalogueFilter``'s fields); sets ``pagination.item_count``."""
    # Keyed on what the search means (folded words, filters), so spellings of one query share an entry.
    meaning = (tuple(words(args.get("q") or "")), tuple(sorted((k, v) for k, v in args.items() if k != "q" and v)))
    key = (tenant.slug, tenant.catalogue_version, tuple(enabled), meaning, pagination.page, pagination.page_size)
    cacheable = pagination.page <= CACHED_PAGES
    cached = SEARCH_CACHE.get(key) if cacheable else None
    if cached is None:
        filters = services.CatalogueFilter(**{k: v for k, v in args.items() if v})
        rows = paginate(session, services.search_query(filters, enabled), pagination, rows=True)
        cached = ([dict(row) for row in rows], pagination.item_count)
        if cacheable:
            SEARCH_CACHE.put(key, cached)
    items, pagination.item_count = cached
    return items
