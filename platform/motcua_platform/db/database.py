"""Engine, sessions and the per-tenant binding described in the design brief (section 3).

* One Engine per process, created lazily so gunicorn workers build their own after fork.
* Per tenant, a derived engine with ``schema_translate_map={None: "t_<slug>"}``; derived engines
  share the parent's pool.
* Tenants may live on several PostgreSQL servers (ADR 0055): the main server holds the control plane, the
  job queue and, by default, tenants; each further server holds tenants only. A binding names its
  tenant's server, and its engine is that server's; where a tenant lives is asked of ``locate`` (the
  directory's placements, a per-process cache), never guessed. With one server nothing is asked.
* Every tenant transaction starts with ``SET LOCAL ROLE`` and ``SET LOCAL search_path`` (via
  ``set_config(..., true)``) so even SQL that escaped translation can only see that tenant's schema.
* The connection's default ``search_path`` is a schema that does not exist, so an unbound,
  unqualified query fails instead of reading some other schema.
* Every transaction starts from a clean connection: no cursors, settings or temporary tables left by
  whoever used it before. A tenant transaction's reset travels with its binding, in one round trip; any
  other transaction sends the reset first (ADR 0034). A connection goes back to the pool with no
  transaction open.
* The driver does not open transactions itself (psycopg in autocommit mode, which would otherwise send a
  ``BEGIN`` of its own, one round trip, before the first statement): the first statement of every
  transaction, the binding or the reset, starts with ``BEGIN`` (ADR 0035). SQLAlchemy's commit and
  rollback still reach psycopg, which sends them whenever the server has a transaction open.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import psycopg
import sqlalchemy
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

UNBOUND_SEARCH_PATH = "motcua_unbound"
SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,29}$")
MAIN_SERVER = "main"


@dataclass(frozen=True)
class TenantBinding:
    """Names a tenant's data goes by in PostgreSQL."""

    slug: str
    schema: str
    role: str
    server: str = MAIN_SERVER


class UnknownServer(LookupError):
    """A server name that is not among the configured database servers (MOTCUA_DATABASE_SERVERS)."""

    def __init__(self, server: str):
        super().__init__(f"unknown database server {server!r} (MOTCUA_DATABASE_SERVERS names the others)")
        self.server = server


class TenantSession(Session):
    """A Session bound to exactly one tenant for its whole life."""

    binding: TenantBinding


class Database:
    def __init__(
        self,
        url: str,
        *,
        servers: Mapping[str, str] | None = None,
        pool_size: int = 10,
        max_overflow: int | None = None,
        echo: bool = False,
    ):
        self.url = url
        # The main server (``url``) first, then the servers that hold tenants only, by name.
        self.servers: dict[str, str] = {MAIN_SERVER: url, **(servers or {})}
        self.pool_size = pool_size
        self.max_overflow = pool_size if max_overflow is None else max_overflow
        self.echo = echo
        database_name = make_url(url).database or "motcua"
        # Roles are cluster-wide; prefixing them with the database name lets several databases
        # (development, tests, one per xdist worker) share one server without clashing. The main database's
        # name serves every server, so a tenant's role keeps its name when the tenant moves.
        self.role_prefix = re.sub(r"[^a-z0-9_]", "_", database_name.lower())
        self.locate: Callable[[str], str] | None = None  # slug → server name; needed with several servers
        self._engines: dict[str, Engine] = {}
        self._tenant_engines: dict[tuple[str, str], Engine] = {}
        self._lock = threading.Lock()

    # -- engines ---------------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        """The main server's engine: the control plane, the job queue, and the tenants placed there."""
        return self.engine_for(MAIN_SERVER)

    def engine_for(self, server: str) -> Engine:
        engine = self._engines.get(server)
        if engine is None:
            if server not in self.servers:
                raise UnknownServer(server)
            with self._lock:
                engine = self._engines.get(server)
                if engine is None:
                    engine = self._engines[server] = self._create_engine(self.servers[server])
        return engine

    def url_for(self, server: str) -> str:
        if server not in self.servers:
            raise UnknownServer(server)
        return self.servers[server]

    def _create_engine(self, url: str) -> Engine:
        # looked up at each call: tracing (motcua_platform.tracing) wraps sqlalchemy.create_engine
        engine = sqlalchemy.create_engine(
            url,
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
            isolation_level="AUTOCOMMIT",  # and every transaction's first statement begins it (_opening)
        )
        event.listen(engine, "reset", _end_transaction)
        event.listen(engine, "begin", _reset_unless_bound)
        return engine

    def dispose(self) -> None:
        """Drop pooled connections (call after fork or at shutdown)."""
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()
        self._tenant_engines.clear()

    def binding(self, slug: str, server: str | None = None) -> TenantBinding:
        """Tenant ``slug``'s names and server: ``server`` when the caller knows it (from the directory row it
        holds), else where ``locate`` places it."""
        if not SLUG_RE.match(slug):
            raise ValueError(f"invalid tenant slug {slug!r}")
        if server is None:
            if len(self.servers) == 1:
                server = MAIN_SERVER
            elif self.locate is None:
                raise RuntimeError("several database servers but no placement lookup (Database.locate)")
            else:
                server = self.locate(slug)
        if server not in self.servers:
            raise UnknownServer(server)
        schema = f"t_{slug}"
        return TenantBinding(slug=slug, schema=schema, role=f"{self.role_prefix}_{schema}", server=server)

    def tenant_engine(self, binding: TenantBinding) -> Engine:
        key = (binding.server, binding.schema)
        engine = self._tenant_engines.get(key)
        if engine is None:
            engine = self.engine_for(binding.server).execution_options(schema_translate_map={None: binding.schema})
            self._tenant_engines[key] = engine
        return engine

    # -- sessions --------------------------------------------------------------------------------
    def control_session(self) -> Session:
        return Session(bind=self.engine, expire_on_commit=False)

    def tenant_session(self, binding: TenantBinding) -> TenantSession:
        session = TenantSession(bind=self.tenant_engine(binding), expire_on_commit=False)
        session.binding = binding
        return session


# What a previous user of the connection may have left: open cursors, session settings (a SET without LOCAL,
# a role), temporary tables (pg_temp is searched before any schema).
RESET_SQL = "CLOSE ALL; RESET ALL; RESET ROLE; DISCARD TEMP"  # RESET ALL leaves the role alone
BIND_SQL = "SELECT set_config('role', '{role}', true), set_config('search_path', '{schema}', true)"


def bind_sql(binding: TenantBinding) -> str:
    """The reset and the binding as one simple-protocol statement. The names are literals, which is safe:
    a slug matches SLUG_RE and the role prefix is [a-z0-9_] (``Database.binding``)."""
    return f"{RESET_SQL}; {BIND_SQL.format(role=binding.role, schema=binding.schema)}"


def bind_connection(connection, binding: TenantBinding) -> None:
    """Scope the connection's current transaction to one tenant: its role and its schema, both local to
    the transaction, after resetting what a previous user left; on this module's engines, the same
    statement opens the transaction. One round trip, plain driver SQL: it runs at the start of every
    tenant request."""
    connection.exec_driver_sql(_opening(connection) + bind_sql(binding))


def _opening(connection) -> str:
    """``BEGIN; `` where the driver opens no transaction itself and none is open yet (this module's
    engines); nothing on a connection that opens its own (a migration's engine), is already in one, or was
    asked for autocommit by its user (``VACUUM``, ``CREATE DATABASE``: they cannot run in a transaction)."""
    if "isolation_level" in connection.get_execution_options():
        return ""
    driver = connection.connection.driver_connection
    idle = driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    return "BEGIN; " if driver.autocommit and idle else ""


def _bind_transaction(session: TenantSession, transaction, connection) -> None:
    bind_connection(connection, session.binding)


# Every TenantSession, however it was made, scopes each of its transactions to its tenant.
event.listen(TenantSession, "after_begin", _bind_transaction)


def _reset_unless_bound(connection) -> None:
    """At the start of every transaction: open it and reset the connection, unless it belongs to a tenant
    engine, whose session's binding (``after_begin``, next) does both in the same round trip."""
    if connection.get_execution_options().get("schema_translate_map") is None:
        connection.exec_driver_sql(_opening(connection) + RESET_SQL)


def _end_transaction(dbapi_connection: psycopg.Connection, connection_record, reset_state) -> None:
    """Back in the pool with no transaction open (an error may have left one); the next transaction resets
    the rest as it starts."""
    if reset_state.terminate_only:
        return
    if dbapi_connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        dbapi_connection.rollback()
