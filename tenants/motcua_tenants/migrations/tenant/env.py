"""Alembic environment for one tenant schema.

Follows Alembic's "schema-level multi tenancy" cookbook: metadata has no schema, the transaction is
scoped to the tenant with ``SET LOCAL ROLE`` / ``search_path`` (so tables land in, and are owned by,
the tenant), and ``alembic_version`` lives inside each tenant schema.

The caller either owns the transaction (provisioning, checks: the connection arrives inside one, and the
migrations join it) or, with ``online=True`` (the runner), hands over a connection with none open: Alembic
then owns the transaction, so a migration's non-transactional step can commit it
(``motcua_platform.db.migration_steps``, ADR 0051).
"""

from alembic import context
from motcua_platform.areas import load_models
from motcua_platform.db.base import TenantBase
from motcua_platform.db.database import bind_connection
from sqlalchemy import create_engine, pool

load_models()  # every installed area's tables, so autogenerate and `alembic check` see them all

config = context.config
binding = config.attributes["binding"]


def run(connection) -> None:
    if config.attributes.get("online") and connection.in_transaction():
        raise RuntimeError("an online tenant migration needs a connection with no transaction open")
    # Autogenerate compares against the dialect's default schema; point it at this tenant for this run
    # only (the dialect is shared with every other connection of the engine).
    previous = connection.dialect.default_schema_name
    connection.dialect.default_schema_name = binding.schema
    try:
        context.configure(
            connection=connection,
            target_metadata=TenantBase.metadata,
            version_table_schema=None,
            compare_type=True,
        )
        with context.begin_transaction():
            bind_connection(connection, binding)  # in the transaction Alembic began, or the caller's
            context.run_migrations()
    finally:
        connection.dialect.default_schema_name = previous


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.attributes["url"], poolclass=pool.NullPool)
    with engine.begin() as conn:
        run(conn)
