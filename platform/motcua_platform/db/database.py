"""Engine, sessions and the per-tenant binding described in the design brief (section 3).

* One Engine per process, created lazily so gunicorn workers build their own after fork.
* Per tenant, a derived engine with ``schema_translate_map={None: "t_<slug>"}``; derived engines
  share the parent's pool.
* Every tenant transaction starts with ``SET LOCAL ROLE`` and ``SET LOCAL search_path`` (via
  ``set_config(..., true)``) so even SQL that escaped translation can only see that tenant's schema.
* The connection's default ``search_path`` is a schema that does not exist, so an unbound,
  unqualified query fails instead of reading some other schema.
* Connections are reset when they go back to the pool.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import psycopg
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

UNBOUND_SEARCH_PATH = "motcua_unbound"
SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,29}$")


@dataclass(frozen=True)
class TenantBinding:
    """Names a tenant's data goes by in PostgreSQL."""

    slug: str
    schema: str
    role: str


class TenantSession(Session):
    """A Session bound to exactly one tenant for its whole life."""

    binding: TenantBinding


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int | None = None, echo: bool = False):
        self.url = url
        self.pool_size = pool_size
        self.max_overflow = pool_size if max_overflow is None else max_overflow
        self.echo = echo
        database_name = make_url(url).database or "motcua"
        # Roles are cluster-wide; prefixing them with the database name lets several databases
        # (development, tests, one per xdist worker) share one server without clashing.
        self.role_prefix = re.sub(r"[^a-z0-9_]", "_", database_name.lower())
        self._engine: Engine | None = None
        self._tenant_engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    # -- engines ---------------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        engine = create_engine(
            self.url,
            pool_size=self.pool_size,
            max_overflow=self.max_overflow,
            pool_pre_ping=False,
            pool_recycle=3600,
            pool_reset_on_return=None,
            echo=self.echo,
            # Statements' values stay out of logs and error messages: they include password and token
            # hashes, one-time codes and citizens' personal data.
            hide_parameters=True,
            connect_args={"options": f"-c search_path={UNBOUND_SEARCH_PATH}"},
        )
        event.listen(engine, "reset", _reset_connection)
        return engine

    def dispose(self) -> None:
        """Drop pooled connections (call after fork or at shutdown)."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine = None
        self._tenant_engines.clear()

    def binding(self, slug: str) -> TenantBinding:
        if not SLUG_RE.match(slug):
            raise ValueError(f"invalid tenant slug {slug!r}")
        schema = f"t_{slug}"
        return TenantBinding(slug=slug, schema=schema, role=f"{self.role_prefix}_{schema}")

    def tenant_engine(self, binding: TenantBinding) -> Engine:
        engine = self._tenant_engines.get(binding.schema)
        if engine is None:
            engine = self.engine.execution_options(schema_translate_map={None: binding.schema})
            self._tenant_engines[binding.schema] = engine
        return engine

    # -- sessions --------------------------------------------------------------------------------
    def control_session(self) -> Session:
        return Session(bind=self.engine, expire_on_commit=False)

    def tenant_session(self, binding: TenantBinding) -> TenantSession:
        session = TenantSession(bind=self.tenant_engine(binding), expire_on_commit=False)
        session.binding = binding
        return session


BIND_SQL = "SELECT set_config('role', %s, true), set_config('search_path', %s, true)"


def bind_connection(connection, binding: TenantBinding) -> None:
    """Scope the connection's current transaction to one tenant: its role and its schema, both local to
    the transaction. One round trip; plain driver SQL because it runs at the start of every request."""
    connection.exec_driver_sql(BIND_SQL, (binding.role, binding.schema))


def _bind_transaction(session: TenantSession, transaction, connection) -> None:
    bind_connection(connection, session.binding)


# Every TenantSession, however it was made, scopes each of its transactions to its tenant.
event.listen(TenantSession, "after_begin", _bind_transaction)


def _reset_connection(dbapi_connection: psycopg.Connection, connection_record, reset_state) -> None:
    """Return the connection to a clean state: no transaction, no settings, no temp objects."""
    if reset_state.terminate_only:
        return
    if dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        dbapi_connection.rollback()
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("CLOSE ALL; RESET ALL; DISCARD TEMP")
    finally:
        dbapi_connection.autocommit = False
