"""Steps of a migration that must not run inside its transaction (ADR 0051, docs/operations/migrations.md).

``CREATE INDEX CONCURRENTLY`` refuses to run in a transaction block, and a backfill of a large table in the
migration's transaction holds its row locks, and its snapshot, until every tenant revision after it is done.
A migration calls these helpers instead of ``op.create_index`` / ``op.execute``:

* **Online** (``motcua db upgrade``, the runner passes ``online=True`` in the Alembic config's attributes):
  the migration's transaction is committed, the step runs on the same connection in autocommit mode with the
  tenant's role and ``search_path`` set for the session (``SET LOCAL`` ends with the transaction), they are
  reset after the step, and a new transaction, bound to the tenant again, carries on. Alembic writes the
  revision in that new transaction, so a revision is recorded only once its step has finished.
* **Inline** (provisioning, ``motcua db check``/``revision`` and tests: the caller owns a transaction that
  must stay all-or-nothing): the same step runs in that transaction, an index built without
  ``CONCURRENTLY``. Those schemas are new or scratch, so there is nothing to wait for.

Every step can be run again after a crash at any point: an index left ``INVALID`` by an interrupted
concurrent build is dropped and built again, a valid one is kept, and a backfill only touches the rows its
``where`` still selects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from motcua_platform.db.database import TenantBinding, bind_connection

# Session-level (``false``): a ``SET LOCAL`` would end with the statement's own autocommit transaction.
SESSION_BIND_SQL = "SELECT set_config('role', '{role}', false), set_config('search_path', '{schema}', false)"
SESSION_UNBIND_SQL = "RESET ROLE; RESET search_path"
INDEX_VALID_SQL = "SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(quote_ident(:name))"


def is_online() -> bool:
    """Whether this migration runs under the online runner, which lets a step commit."""
    from alembic import context

    return bool(context.config.attributes.get("online"))


@contextmanager
def outside_transaction() -> Iterator[Connection]:
    """The connection to run a non-transactional step on: autocommit and bound to the tenant for the session
    when online; the migration's own transaction otherwise. Whatever the step does must be re-runnable."""
    from alembic import context, op

    migration = op.get_context()
    binding: TenantBinding | None = context.config.attributes.get("binding")
    if not is_online():
        yield migration.connection
        return
    with migration.autocommit_block():
        connection = migration.connection
        if binding is not None:
            # Names from a validated slug and the database name (Database.binding): safe as literals.
            connection.exec_driver_sql(SESSION_BIND_SQL.format(role=binding.role, schema=binding.schema))
        yield connection
        # Not on failure: a reset on a broken connection would hide the step's error, and the transaction
        # Alembic begins after the block resets the connection anyway (database.RESET_SQL, then rollback).
        connection.exec_driver_sql(SESSION_UNBIND_SQL)
    if binding is not None:
        bind_connection(migration.connection, binding)  # the transaction Alembic began after the block


def create_index(
    name: str, table: str, columns: Sequence[str | Any], *, unique: bool = False, **dialect_options: Any
) -> None:
    """``op.create_index`` built ``CONCURRENTLY`` when online. A valid index of that name is kept (an earlier
    run built it, then stopped before recording the revision); an invalid one, what an interrupted concurrent
    build leaves, is dropped and built again."""
    from alembic import op

    online = is_online()
    with outside_transaction() as connection:
        valid = connection.scalar(text(INDEX_VALID_SQL), {"name": name})
        if valid is True:
            return
        if valid is False:
            _drop_index(connection, name, concurrently=online)
        op.create_index(name, table, list(columns), unique=unique, postgresql_concurrently=online, **dialect_options)


def drop_index(name: str) -> None:
    """``DROP INDEX [CONCURRENTLY] IF EXISTS``: nothing to do if an earlier run dropped it already."""
    with outside_transaction() as connection:
        _drop_index(connection, name, concurrently=is_online())


def _drop_index(connection: Connection, name: str, *, concurrently: bool) -> None:
    quoted = connection.dialect.identifier_preparer.quote(name)
    connection.execute(text(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {quoted}"))


def backfill(
    table: str,
    set_: str,
    where: str,
    *,
    key: str = "id",
    batch_size: int = 1000,
    params: Mapping[str, Any] | None = None,
) -> int:
    """``UPDATE table SET set_`` on the rows ``where`` selects, ``batch_size`` rows at a time in ascending
    ``key`` order, each batch its own short transaction when online. ``where`` must be false for a row once
    ``set_`` has run on it (``new_column IS NULL``): that is what lets a re-run after a crash resume where it
    stopped, touching no row twice. Returns the number of rows updated.

    Rows that old code writes while the backfill runs, behind the batches, are not its business: code
    released with the expand step fills them (docs/operations/migrations.md)."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    done = 0
    with outside_transaction() as connection:
        quote = connection.dialect.identifier_preparer.quote
        table_, key_ = quote(table), quote(key)
        after: Any = None
        while True:
            # The batch's keys first, in keyset order, then the update of those still selected by where. An
            # empty update is not the end: the rows picked may all have been filled meanwhile (the batch of a
            # killed run, finishing under its locks); only an empty pick is. Keyset order also ends the loop if
            # set_ left where true.
            later = f" AND {key_} > :motcua_after" if after is not None else ""
            pick = text(
                f"SELECT {key_} FROM {table_} WHERE ({where}){later} "  # noqa: S608 - the migration's own SQL
                f"ORDER BY {key_} LIMIT {int(batch_size)}"
            )
            values = {**(params or {}), **({"motcua_after": after} if after is not None else {})}
            keys = connection.scalars(pick, values).all()
            if not keys:
                return done
            update = text(
                f"UPDATE {table_} SET {set_} WHERE {key_} = ANY(:motcua_keys) AND ({where}) "  # noqa: S608
                f"RETURNING {key_}"
            )
            done += len(connection.scalars(update, {**(params or {}), "motcua_keys": list(keys)}).all())
            after = max(keys)
