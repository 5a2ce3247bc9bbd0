"""The SQL side of a tenant backup: which tables a schema holds, a checksum per table computed by the
database, and the rows copied out and back in with ``COPY`` (text format).

Every statement here runs in a transaction that ``fix_output`` has prepared, so that a value prints the
same way on the day of the backup and on the day of the restore whatever the server's defaults are.
Schema and table names come from ``pg_catalog`` and validated slugs, and are always quoted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import Connection, text

# How values print (COPY's text format and ROW(...)::text alike).
OUTPUT_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "3",
    "bytea_output": "hex",
    "client_encoding": "UTF8",
}
VERSION_TABLE = "alembic_version"
CHUNK = 1024 * 1024


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fix_output(conn: Connection) -> None:
    for name, value in OUTPUT_SETTINGS.items():
        conn.execute(text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value})


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]  # every column, in the order the checksum reads them
    generated: tuple[str, ...]  # computed by the database: checksummed, never copied in


def tables(conn: Connection, schema: str) -> list[Table]:
    """The schema's ordinary tables (partitions included, ``alembic_version`` left out), by name."""
    rows = conn.execute(
        text(
            "SELECT c.relname, a.attname, a.attgenerated <> '' FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = :schema AND c.relkind = 'r' AND c.relname <> :version "
            "ORDER BY c.relname, a.attnum"
        ),
        {"schema": schema, "version": VERSION_TABLE},
    )
    columns: dict[str, list[tuple[str, bool]]] = {}
    for table, column, generated in rows:
        columns.setdefault(table, []).append((column, generated))
    return [Table(name, tuple(c for c, _ in cols), tuple(c for c, g in cols if g)) for name, cols in columns.items()]


def checksum(conn: Connection, schema: str, table: str, columns: Iterable[str]) -> tuple[int, str]:
    """(rows, checksum) of a table: the sum of every row's MD5 as two 60-bit numbers. A sum, not a hash
    of the rows in some order, so the database streams it without sorting or holding the table; equal
    sums on equal row counts mean the same multiset of rows (barring a deliberate collision, which the
    files' SHA-256 in the manifest guard against)."""
    row = "ROW(" + ", ".join(f"t.{quote(c)}" for c in columns) + ")::text"
    count, high, low = conn.execute(
        text(
            "SELECT count(*), coalesce(sum(('x' || substr(h, 1, 15))::bit(60)::bigint), 0)::text, "  # noqa: S608 - quoted catalogue names
            "coalesce(sum(('x' || substr(h, 17, 15))::bit(60)::bigint), 0)::text "
            f"FROM (SELECT md5({row}) AS h FROM {quote(schema)}.{quote(table)} AS t) AS rows"
        )
    ).one()
    return count, f"{high}:{low}"


def copy_out(conn: Connection, schema: str, table: Table, out: BinaryIO) -> tuple[int, str]:
    """Write the table's rows to ``out``; (bytes written, SHA-256)."""
    digest, size = hashlib.sha256(), 0
    columns = ", ".join(quote(c) for c in table.columns if c not in table.generated)
    statement = f"COPY {quote(schema)}.{quote(table.name)} ({columns}) TO STDOUT"
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in copy:
            data = bytes(chunk)
            digest.update(data)
            size += len(data)
            out.write(data)
    return size, digest.hexdigest()


def copy_in(conn: Connection, schema: str, table: Table, source: BinaryIO) -> None:
    columns = ", ".join(quote(c) for c in table.columns if c not in table.generated)
    statement = f"COPY {quote(schema)}.{quote(table.name)} ({columns}) FROM STDIN"
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        while data := source.read(CHUNK):
            copy.write(data)


def sequences(conn: Connection, schema: str) -> dict[str, dict]:
    names = conn.scalars(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relkind = 'S' ORDER BY c.relname"
        ),
        {"schema": schema},
    ).all()
    found = {}
    for name in names:
        last_value, is_called = conn.execute(
            text(f"SELECT last_value, is_called FROM {quote(schema)}.{quote(name)}")  # noqa: S608 - quoted catalogue name
        ).one()
        found[name] = {"last_value": last_value, "is_called": is_called}
    return found


def set_sequence(conn: Connection, schema: str, name: str, last_value: int, is_called: bool) -> None:
    conn.execute(
        text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
        {"sequence": f"{quote(schema)}.{quote(name)}", "value": last_value, "called": is_called},
    )


def load_order(conn: Connection, schema: str, names: Iterable[str]) -> list[str]:
    """``names`` with every table after the tables its foreign keys point to (a table may point to
    itself: its checks run at the end of its COPY). A cycle between tables cannot be loaded with the
    checks on, and is refused rather than loaded with them off."""
    pending = set(names)
    edges = conn.execute(
        text(
            "SELECT c.relname, r.relname FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE k.contype = 'f' AND n.nspname = :schema AND c.oid <> r.oid"
        ),
        {"schema": schema},
    ).all()
    needs: dict[str, set[str]] = {name: set() for name in pending}
    for child, parent in edges:
        if child in needs and parent in pending:
            needs[child].add(parent)
    order: list[str] = []
    while pending:
        ready = sorted(name for name in pending if not needs[name] & pending)
        if not ready:
            raise RuntimeError(f"foreign keys form a cycle between tables {sorted(pending)}")
        order.extend(ready)
        pending -= set(ready)
    return order


def set_user_triggers(conn: Connection, schema: str, names: Iterable[str], *, enabled: bool) -> None:
    """Rows restored are facts, not events: the tables' own triggers (statistics, announcements) must not
    react to them. Foreign-key checks are system triggers and stay on."""
    verb = "ENABLE" if enabled else "DISABLE"
    for name in names:
        conn.execute(text(f"ALTER TABLE {quote(schema)}.{quote(name)} {verb} TRIGGER USER"))
