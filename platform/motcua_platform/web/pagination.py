"""Paginated lists: one page and its total in one round trip, capped counts, keyset cursors, and the
``X-Pagination`` header's content."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Hashable, Sequence

from flask_smorest.pagination import PaginationMetadataSchema, PaginationParameters
from marshmallow import fields
from sqlalchemy import ColumnElement, Select, Text, cast, func, inspect, literal, literal_column, select, tuple_
from sqlalchemy.orm import Session

from motcua_platform.cache import TTLCache
from motcua_platform.db.written import written
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.web.schema import BIGINT


class PageMetadataSchema(PaginationMetadataSchema):
    """The X-Pagination header of every paginated list (flask-smorest's, plus a capped total and cursors)."""

    total = fields.Int(
        metadata={"description": "Matching items; with total_exact false, more than this many match (counting stops)."}
    )
    total_exact = fields.Bool(metadata={"description": "False when the list is longer than the counting cap."})
    next_cursor = fields.Str(
        metadata={"description": "Lists with cursors: send as ?cursor= for the items after this page (not on the last)"}
    )


def page_metadata(pagination: PaginationParameters) -> dict:
    """flask-smorest's metadata when the total is exact and pages are numbered; without page counts when
    the total is capped; without page numbers when the page was asked for by cursor."""
    exact = getattr(pagination, "total_exact", True)
    if getattr(pagination, "by_cursor", False):
        meta = {"total": pagination.item_count}
    elif exact:
        meta = _numbered_page_metadata(pagination.page, pagination.page_size, pagination.item_count)
    else:
        meta = {"total": pagination.item_count, "first_page": 1, "page": pagination.page}
        if pagination.page > 1:
            meta["previous_page"] = pagination.page - 1
        if pagination.has_next:
            meta["next_page"] = pagination.page + 1
    meta["total_exact"] = exact
    if getattr(pagination, "next_cursor", None):
        meta["next_cursor"] = pagination.next_cursor
    return meta


def _numbered_page_metadata(page: int, page_size: int, item_count: int) -> dict:
    """flask-smorest's X-Pagination fields for numbered pages, built as a plain dict (smorest would build a
    new schema on every request to dump these integers)."""
    metadata: dict[str, int] = {"total": item_count}
    if item_count == 0:
        metadata["total_pages"] = 0
    else:
        last_page = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last_page, first_page=1, last_page=last_page)
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
    return metadata


def paginate(
    session: Session,
    query: Select,
    pagination: PaginationParameters,
    *,
    rows: bool = False,
    count_cap: int | None = None,
    keyset: Sequence[ColumnElement] | None = None,
    cursor: str | None = None,
) -> list:
    """One page of ``query`` and, in the same round trip, the total. Returns ORM objects, or row mappings
    with ``rows=True`` (for queries selecting columns).

    ``count_cap``: count at most this many matching rows, so a page over a million rows does not visit
    them all; when more match, the total is the cap and ``total_exact`` is false ("more than …").
    ``keyset``: the expressions ``query`` is ordered by (ascending, never NULL, unique together). Each
    page then carries ``next_cursor`` while rows follow, and ``cursor`` (one of those) continues right
    after that row through the index, without OFFSET. A query marked ``execution_options(keys_first=True)``
    is cut to the page on its keys alone before its rows are read (``_keys_first``)."""
    statement, keys = _page_statement(query, pagination, count_cap, keyset, cursor)
    fetched = session.execute(statement).all()
    count = fetched[0]._total if fetched else session.scalar(_count(query, count_cap))
    page = _record_page(pagination, fetched, count, count_cap, [key.name for key in keys], cursor)
    if rows:
        return [row._mapping for row in page]
    return [row[0] for row in page]


# Compiled page statements of paginate_shaped: SQL text and parameters, a few hundred bytes each.
PAGE_STATEMENTS = TTLCache(max_entries=4096, ttl=3600)


def paginate_shaped(
    session: Session,
    shape: Hashable,
    build: Callable[[], tuple[Select, Sequence[ColumnElement]]],
    pagination: PaginationParameters,
    *,
    count_cap: int | None = None,
) -> list:
    """``paginate(session, query, pagination, rows=True, count_cap=…, keyset=…)`` (no cursor) for a list whose
    statement is determined by ``shape`` (with the page, its size and the cap): ``build`` returns the query
    and its keyset, and is called only the first time a process meets the shape (and for an empty page,
    to count). The page's statement is compiled once and run as plain SQL with its parameters: building
    and executing an ORM statement of this kind cost about a millisecond of CPU per request. Its tables are
    named without a schema, as on every tenant connection, whose binding sets the search path."""
    key = (shape, pagination.page, pagination.page_size, count_cap)
    compiled = PAGE_STATEMENTS.get(key)
    query = None
    if compiled is None:
        query, keyset = build()
        statement, keys = _page_statement(query, pagination, count_cap, keyset, None)
        sql = statement.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
        compiled = (sql.string, dict(sql.params), [k.name for k in keys])
        PAGE_STATEMENTS.put(key, compiled)
    sql_text, params, key_names = compiled
    fetched = session.connection().exec_driver_sql(sql_text, params).all()
    if fetched:
        count = fetched[0]._total
    else:
        query = query if query is not None else build()[0]
        count = session.scalar(_count(query, count_cap))
    return [row._mapping for row in _record_page(pagination, fetched, count, count_cap, key_names, None)]


def _page_statement(
    query: Select,
    pagination: PaginationParameters,
    count_cap: int | None,
    keyset: Sequence[ColumnElement] | None,
    cursor: str | None,
) -> tuple[Select, list]:
    """The statement of one page of ``query`` (one row more than the page), with the total and the page's
    keys as labelled columns; and those key columns."""
    size = pagination.page_size
    page_query = query
    if cursor is not None:
        if keyset is None:
            raise InvalidInput(_("This list has no cursor."), {"cursor": [_("Use page instead.")]})
        if pagination.page != 1:
            raise InvalidInput(_("Send either page or cursor, not both."), {"cursor": [_("Cannot be used with page.")]})
        values = _read_cursor(cursor, keyset)
        after = [cast(literal(value), column.type) for value, column in zip(values, keyset, strict=True)]
        page_query = query.where(tuple_(*keyset) > tuple_(*after))
    keys_first = keyset is not None and query.get_execution_options().get("keys_first")
    # exact over the window the page is cut from; or over the whole list, not only what follows the cursor
    # (nor only the page, which is all a keys-first statement's outer query sees)
    exact_window = count_cap is None and cursor is None and not keys_first
    total = func.count().over() if exact_window else _count(query, count_cap).scalar_subquery()
    # (one more row than the page tells whether a next page exists without trusting a capped total; both
    # numbers written into the SQL, so that a prepared statement's plan knows them: ADR 0067)
    offset = 0 if cursor is not None else (pagination.page - 1) * size
    page_query = page_query.limit(written(size + 1)).offset(written(offset))
    if keys_first:
        page_query, keyset = _keys_first(page_query, keyset)
    keys = [cast(column, Text).label(f"_key{i}") for i, column in enumerate(keyset or ())]
    return page_query.add_columns(total.label("_total"), *keys), keys


def _record_page(
    pagination: PaginationParameters,
    fetched: Sequence,
    count: int,
    count_cap: int | None,
    key_names: Sequence[str],
    cursor: str | None,
) -> Sequence:
    """Set the pagination's figures from the rows fetched (a page and one more) and the count; returns the
    page's rows."""
    size = pagination.page_size
    page = fetched[:size]
    pagination.item_count = min(count, count_cap) if count_cap is not None else count
    pagination.total_exact = count_cap is None or count <= count_cap
    pagination.has_next = len(fetched) > size
    pagination.by_cursor = cursor is not None
    pagination.next_cursor = (
        _write_cursor([page[-1]._mapping[name] for name in key_names]) if key_names and len(fetched) > size else None
    )
    return page


def _keys_first(page_query: Select, keyset: Sequence[ColumnElement]) -> tuple[Select, list[ColumnElement]]:
    """``page_query`` (one entity, or columns of one entity, cut to the page) as its page's keys first, then
    only those rows: the sort that picks the page then reads nothing but ``keyset``, which an index-only
    scan can serve, and the table is read for the page's rows alone. The last key must be the entity's
    primary key. Returns the statement and the keyset to read the page's keys from."""
    labels = [column.label(f"_page{i}") for i, column in enumerate(keyset)]
    page = page_query.with_only_columns(*labels, maintain_column_froms=True).subquery("page")
    described = page_query.column_descriptions
    entity = described[0]["entity"]
    primary_key = inspect(entity).primary_key[0]
    keys = [page.c[label.name] for label in labels]
    # the whole entity (ORM objects), or just the columns the query selects (rows)
    selected = [entity] if described[0]["expr"] is entity else [d["expr"] for d in described]
    return select(*selected).select_from(entity).join(page, primary_key == keys[-1]).order_by(*keys), keys


def _count(query: Select, cap: int | None) -> Select:
    """How many rows ``query`` matches (at most ``cap`` + 1), selecting no columns so that an index-only
    scan can serve it. A query marked ``execution_options(count_in_order=True)`` (an index gives its rows
    in its order) keeps its ORDER BY, which steers PostgreSQL to read the first ``cap`` + 1 entries of that
    index rather than a sequential scan it wrongly expects to stop early."""
    counted = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    if not query.get_execution_options().get("count_in_order"):
        counted = counted.order_by(None)
    return select(func.count()).select_from((counted.limit(cap + 1) if cap is not None else counted).subquery())


def _write_cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _read_cursor(cursor: str, keyset: Sequence[ColumnElement]) -> list[str]:
    """The key values in ``cursor``, each checked against its column's type (a forged cursor is a 422,
    never a database error)."""
    invalid = InvalidInput(
        _("The cursor is invalid."), {"cursor": [_("Use next_cursor from the previous X-Pagination.")]}
    )
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # bad base64, bad UTF-8 and bad JSON alike
        raise invalid from None
    if not isinstance(values, list) or len(values) != len(keyset) or not all(isinstance(v, str) for v in values):
        raise invalid
    normalised = [_normalised(value, column.type.python_type) for value, column in zip(values, keyset, strict=True)]
    if any(value is None for value in normalised):
        raise invalid
    return normalised


def _normalised(value: str, python_type: type) -> str | None:
    """``value`` re-written in the one form PostgreSQL reads for the column's type, or None when it is not
    a value of that type (so a forged cursor never reaches the database as something it rejects)."""
    if python_type is int:
        if not (value.isascii() and value.removeprefix("-").isdecimal()):
            return None
        number = int(value)
        return str(number) if -BIGINT <= number < BIGINT else None
    if python_type is dt.datetime:
        if value in ("infinity", "-infinity"):
            return value
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment.isoformat() if moment.tzinfo is not None and 1 <= moment.year <= 9999 else None
    return value if python_type is str else None
