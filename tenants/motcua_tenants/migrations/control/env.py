"""Alembic environment for the control plane (schema ``control``)."""

from alembic import context
from motcua_platform.areas import load_models
from motcua_platform.db.base import CONTROL_SCHEMA, ControlBase
from sqlalchemy import create_engine, pool, text

load_models()  # every installed area's tables, so autogenerate and `alembic check` see them all

config = context.config


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name == CONTROL_SCHEMA
    return True


def run(connection) -> None:
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {CONTROL_SCHEMA}"))
    context.configure(
        connection=connection,
        target_metadata=ControlBase.metadata,
        version_table_schema=CONTROL_SCHEMA,
        include_schemas=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    engine = create_engine(config.attributes["url"], poolclass=pool.NullPool)
    with engine.begin() as conn:
        run(conn)
