"""The catalogue search, shared by the JSON API, the portal's search page and the counter's intake: one
statement, one cache (docs/decisions/0035-search-by-word-prefixes.md).

Every word of the query must start a word of the procedure's folded text; the best matches come first. The
procedure keeps every prefix of every word of that text (``search_prefixes``), so the match is one array
containment that a GIN index answers with exact keys, on any PostgreSQL. The statement is plain SQL, one
text per shape (how many words, which filters), so PostgreSQL gets it prepared after a few runs and
SQLAlchemy has no statement to build or compile per query.

Results are kept per (tenant, catalogue version, enabled plugins, what the search means, page). Every
catalogue change bumps the version, so this process sees it at once and the others once their tenant
cache expires; the entry lifetime bounds staleness should a bump ever be lost. Only the first pages are
kept, the ones people read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from motcua_platform.cache import TTLCache
from motcua_platform.tenancy import TenantInfo
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import ProcedureStatus
from motcua_onestop.catalogue.services import CatalogueFilter
from motcua_onestop.catalogue.text import words

SEARCH_CACHE = TTLCache(max_entries=4096, ttl=30)
CACHED_PAGES = 3
# More words than this narrow nothing a person would notice; the rest of the query is ignored.
MAX_WORDS = 8

# CatalogueFilter's exact-match filters and their columns.
FILTER_COLUMNS = (
    ("field", "field"),
    ("level", "level"),
    ("unit_kind", "competent_unit_kind"),
    ("online_mode", "online_mode"),
    ("plugin", "plugin"),
)


class Summary(NamedTuple):
    code: str
    version: int
    name_vi: str
    name_en: str | None
    field: str
    level: str
    competent_unit_kind: str
    time_limit_value: int
    time_limit_unit: str
    same_day_cutoff_hour: int | None
    online_mode: str
    plugin: str | None


SUMMARY_FIELDS = Summary._fields  # the statement selects them in this order


def search(
    session: Session, tenant: TenantInfo, enabled: Sequence[str], args: Mapping[str, Any], pagination
) -> list[dict]:
    """One page of summaries for ``args`` (``CatalogueFilter``'s fields); sets ``pagination.item_count``.
    The dicts are JSON-ready (``ProcedureSummarySchema``'s dump)."""
    filters = CatalogueFilter(**{k: v for k, v in args.items() if v})
    # Keyed on what the search means (folded words, filters), so spellings of one query share an entry.
    meaning = (tuple(words(filters.q or "")), tuple(sorted((k, v) for k, v in args.items() if k != "q" and v)))
    key = (tenant.slug, tenant.catalogue_version, tuple(enabled), meaning, pagination.page, pagination.page_size)
    cacheable = pagination.page <= CACHED_PAGES
    cached = SEARCH_CACHE.get(key) if cacheable else None
    if cached is None:
        size = pagination.page_size
        rows, total = find(session, filters, enabled, limit=size, offset=(pagination.page - 1) * size)
        cached = ([row._asdict() for row in rows], total)
        if cacheable:
            SEARCH_CACHE.put(key, cached)
    items, pagination.item_count = cached
    return items


def find(
    session: Session, filters: CatalogueFilter, enabled: Sequence[str], *, limit: int | None = None, offset: int = 0
) -> tuple[list[Summary], int]:
    """The published procedures of enabled plugins and the province's own that match ``filters``, best
    first, cut to ``limit`` rows from ``offset``; with the number of all matching rows (0 past the end)."""
    terms = words(filters.q or "")[:MAX_WORDS]
    present = tuple(attr for attr, _column in FILTER_COLUMNS if getattr(filters, attr))
    params: dict[str, Any] = {
        "published": ProcedureStatus.PUBLISHED.value,
        "enabled": list(enabled),
        "limit": limit,
        "offset": offset,
        **{attr: getattr(filters, attr) for attr in present},
    }
    if terms:
        phrase = " " + " ".join(terms)
        params.update(
            {f"w{i}": f"% {term}%" for i, term in enumerate(terms)},
            words=terms,
            code=(filters.q or "").strip(),
            starts=phrase + "%",
            contains="%" + phrase + "%",
        )
    connection = session.connection()
    rows = connection.exec_driver_sql(_statement(len(terms), present), params).fetchall()
    if rows:
        return [Summary(*row[:-1]) for row in rows], rows[0][-1]
    # past the last page the window counts nothing: the total still tells how many there are
    total = connection.exec_driver_sql(_statement(len(terms), present, count=True), params).scalar() if offset else 0
    return [], total


@lru_cache(maxsize=256)
def _statement(term_count: int, filters: tuple[str, ...], count: bool = False) -> str:
    """The search's SQL for ``term_count`` words and these filters. Unqualified names: the tenant's
    transaction has its schema as the only search path. Words are folded to [a-z0-9.], so they hold no
    LIKE wildcard and need no escaping."""
    where = ["status = %(published)s", "(plugin IS NULL OR plugin = ANY(%(enabled)s))"]
    where += [f"{column} = %({attr})s" for attr, column in FILTER_COLUMNS if attr in filters]
    if term_count:
        where.append("search_prefixes @> CAST(%(words)s AS text[])")
    if count:
        return f"SELECT count(*) FROM procedures WHERE {' AND '.join(where)}"  # noqa: S608
    if term_count:
        rank = " + ".join(
            [
                "CASE WHEN code = %(code)s THEN 1000 ELSE 0 END",
                "CASE WHEN search_name LIKE %(starts)s THEN 100 ELSE 0 END",
                "CASE WHEN search_name LIKE %(contains)s THEN 50 ELSE 0 END",
                *(f"CASE WHEN search_name LIKE %(w{i})s THEN 10 ELSE 0 END" for i in range(term_count)),
            ]
        )
        order = f"{rank} DESC, length(name_vi), id"
    else:
        order = "field, name_vi, id"
    # names are this module's constants; every value is a parameter
    columns = ", ".join(SUMMARY_FIELDS)
    return f"SELECT {columns}, count(*) OVER () FROM procedures WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s"  # noqa: E501, S608
