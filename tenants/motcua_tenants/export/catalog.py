"""The tables of a schema as the database catalogue lists them when the export runs, so a table added by
a later migration or by a plugin's own branch is exported without anyone listing it; and each table's rows
in a fixed order, the same bytes for the same data (deletion compares them with an export's)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Text, cast, column, select, table, text

from motcua_tenants.export.encoding import csv_line, csv_record, is_secret, json_line


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # as PostgreSQL names it (format_type): "character varying(200)", "timestamp with time zone"
    nullable: bool

    @property
    def secret(self) -> bool:
        return is_secret(self.name)


@dataclass(frozen=True)
class TableShape:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]

    @property
    def exported(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.secret)

    @property
    def excluded(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.secret)


COLUMNS_SQL = text(
    """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = :schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition
     ORDER BY c.relname, a.attnum
    """
)
PRIMARY_KEYS_SQL = text(
    """
    SELECT c.relname, a.attname
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
     WHERE n.nspname = :schema AND i.indisprimary
     ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)
    """
)


def tables_of(conn: Connection, schema: str) -> list[TableShape]:
    """Every ordinary or partitioned table of ``schema`` (a partition is read through its parent), by name."""
    columns: dict[str, list[Column]] = {}
    for name, attname, type_, nullable in conn.execute(COLUMNS_SQL, {"schema": schema}):
        columns.setdefault(name, []).append(Column(attname, type_, nullable))
    keys: dict[str, list[str]] = {}
    for name, attname in conn.execute(PRIMARY_KEYS_SQL, {"schema": schema}):
        keys.setdefault(name, []).append(attname)
    return [TableShape(schema, name, tuple(cols), tuple(keys.get(name, ()))) for name, cols in sorted(columns.items())]


def rows(conn: Connection, shape: TableShape, where=None) -> Iterator[tuple]:
    """The exported columns of ``shape``'s rows (``where`` built on ``table_of(shape)``), by primary key, or
    by every exported column's text where there is none, streamed from a server-side cursor."""
    source = table_of(shape)
    query = select(*(source.c[c.name] for c in shape.exported))
    if where is not None:
        query = query.where(where(source))
    order = shape.primary_key or tuple(c.name for c in shape.exported)
    query = query.order_by(*(cast(source.c[name], Text) if not shape.primary_key else source.c[name] for name in order))
    # per statement: Connection.execution_options would change the connection itself for what follows
    yield from conn.execute(query, execution_options={"stream_results": True, "yield_per": 1000})


def table_of(shape: TableShape):
    return table(shape.name, *(column(c.name) for c in shape.columns), schema=shape.schema)


@dataclass
class Written:
    rows: int = 0
    jsonl_sha256: str = ""
    jsonl_bytes: int = 0
    csv_sha256: str = ""
    csv_bytes: int = 0


def write_table(conn: Connection, shape: TableShape, jsonl, csv, where=None) -> Written:
    """Write the rows as JSON Lines to ``jsonl`` and as CSV (header first) to ``csv`` (binary files, either
    None to only count and hash); the counts and SHA-256 of what was written."""
    names = [c.name for c in shape.exported]
    jsonl_hash, csv_hash, result = hashlib.sha256(), hashlib.sha256(), Written()

    def out(data: bytes, digest, target, attr: str) -> None:
        digest.update(data)
        setattr(result, attr, getattr(result, attr) + len(data))
        if target is not None:
            target.write(data)

    out(csv_line(names), csv_hash, csv, "csv_bytes")
    for row in rows(conn, shape, where):
        result.rows += 1
        out(json_line(names, row), jsonl_hash, jsonl, "jsonl_bytes")
        out(csv_record(row), csv_hash, csv, "csv_bytes")
    result.jsonl_sha256, result.csv_sha256 = jsonl_hash.hexdigest(), csv_hash.hexdigest()
    return result
