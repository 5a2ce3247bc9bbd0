"""Rows for several tables written by one statement: each table's INSERT a data-modifying CTE of one
``WITH … SELECT``, so a change that writes rows in four tables costs one round trip instead of four.

Each table keeps its one writer: the module that owns a table builds its rows (``history.entry``,
``audit.services.event_values``, ``notifications.services.messages_for_dossier``) and the caller only
hands them over together. The rows are written as they would be one by one, in the caller's session and
transaction; foreign keys between them hold, because PostgreSQL checks a statement's constraints once
the whole statement has run (a child row may name a parent row written by a sibling CTE, as long as the
caller knows the parent's key: take it from its sequence first).

A table's rows travel as one JSON parameter, read back by ``json_to_recordset`` with the columns' own
types (``INSERT … SELECT … FROM json_to_recordset(%s) AS r(code VARCHAR(80), …)``): PostgreSQL converts
each value with its type's input function, as it would a parameter sent as text, and length, range and
check constraints apply as usual. One parameter per table rather than one per value keeps the statement
short and its parameters few: psycopg parses a statement's placeholders once and caches them only under
50 parameters and 4 KB, and the values of one dossier with its history, audit and messages are more. The
statement is built and compiled once per shape (which tables, which columns), whatever the number of
rows: SQLAlchemy's compiled cache and psycopg's prepared statements serve every later call.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Row, Select, Table, Text, bindparam, cast, column, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator


@dataclass(frozen=True)
class Rows:
    """Rows of one table, each with the same keys (column names). ``skip_conflicts_on`` names a unique
    index: a row that would repeat one already there is left out (``ON CONFLICT (…) DO NOTHING``)."""

    table: Table
    rows: Sequence[Mapping[str, Any]]
    skip_conflicts_on: tuple[str, ...] = field(default=())


Shape = tuple[tuple[Table, tuple[str, ...], tuple[str, ...]], ...]

_STATEMENTS: dict[tuple[Shape, tuple[Column, ...]], Select] = {}
_LOCK = threading.Lock()


def insert_together(session: Session, parts: Sequence[Rows], returning: Sequence[Column] = ()) -> Row | None:
    """Write every part's rows in one statement, in ``session``'s transaction. ``returning`` names columns
    of the first part's table, read back from the same statement (e.g. its database defaults); the row of
    them for its first row is returned, or None without ``returning``. Parts without rows are skipped."""
    parts = [part for part in parts if part.rows]
    if not parts:
        raise ValueError("nothing to insert")
    rows = [[_with_python_defaults(part.table, row) for row in part.rows] for part in parts]
    shape = tuple(_shape(part, part_rows) for part, part_rows in zip(parts, rows, strict=True))
    statement = _statement(shape, tuple(returning))
    params = {_name(i): _json(part_rows) for i, part_rows in enumerate(rows)}
    # The session's connection, not session.execute: this is Core SQL, and the ORM's execution layer would
    # only add work. The connection carries the tenant's schema translation like every other statement;
    # pending ORM changes go first, as session.execute would send them (a row here may refer to one).
    session.flush()
    result = session.connection().execute(statement, params)
    return result.first() if returning else None


def _shape(part: Rows, rows: list[dict]) -> tuple[Table, tuple[str, ...], tuple[str, ...]]:
    keys = tuple(rows[0])
    for row in rows[1:]:
        if tuple(row) != keys:
            raise ValueError(f"rows for {part.table.name} differ in their columns: {keys} and {tuple(row)}")
    return part.table, keys, tuple(part.skip_conflicts_on)


def _with_python_defaults(table: Table, row: Mapping[str, Any]) -> dict:
    """``row`` with the columns it leaves out that have a Python-side default (an INSERT … SELECT does not
    apply them); database-side defaults need nothing."""
    values = dict(row)
    for col in table.columns:
        if col.key in values or col.default is None:
            continue
        if not col.default.is_scalar:
            raise ValueError(f"give {table.name}.{col.key} a value: its default is computed in Python")
        values[col.key] = col.default.arg
    return values


def _name(part: int) -> str:
    return f"rows_{part}"


def _statement(shape: Shape, returning: tuple[Column, ...]) -> Select:
    key = (shape, returning)
    statement = _STATEMENTS.get(key)
    if statement is None:
        with _LOCK:
            statement = _STATEMENTS.get(key) or _build(shape, returning)
            _STATEMENTS[key] = statement
    return statement


def _build(shape: Shape, returning: tuple[Column, ...]) -> Select:
    if returning and any(col.table is not shape[0][0] for col in returning):
        raise ValueError("returning names columns of the first part's table only")
    ctes = []
    for i, (table, keys, conflict_keys) in enumerate(shape):
        for key in keys:
            if isinstance(table.c[key].type, TypeDecorator):  # its Python-side conversion would be skipped
                raise ValueError(f"{table.name}.{key} has a custom type: write it on its own")
        source = (
            func.json_to_recordset(cast(bindparam(_name(i), type_=Text), JSON))
            .table_valued(*(column(key, _type(table.c[key])) for key in keys))
            .render_derived(name=f"r{i}", with_types=True)
        )
        statement = insert(table).from_select(list(keys), select(*(source.c[key] for key in keys)))
        if conflict_keys:
            statement = statement.on_conflict_do_nothing(index_elements=list(conflict_keys))
        if i == 0 and returning:
            statement = statement.returning(*returning)
        ctes.append(statement.cte(f"w{i}"))
    if returning:
        return select(*(ctes[0].c[col.name] for col in returning)).add_cte(*ctes[1:])
    return select(literal_column("1")).add_cte(*ctes)


def _type(col: Column):
    """A column's type; a foreign key's is its target's (SQLAlchemy fills it in only once the target's table
    is known)."""
    if col.type._isnull:
        for key in col.foreign_keys:
            return key.column.type
    return col.type


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"), default=_json_value)


def _json_value(value: Any) -> Any:
    """Values JSON has no form for, as the text PostgreSQL's input function of their column reads."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"cannot write a {type(value).__name__} through json_to_recordset")
