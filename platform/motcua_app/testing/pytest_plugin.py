"""pytest fixtures: a real PostgreSQL for every run, migrated once, and a savepoint per test.

* ``MOTCUA_TEST_DATABASE_URL`` names a server (CI uses the machine's); otherwise an embedded server
  (pgserver) is started in the temp folder and reused. Each xdist worker gets its own database,
  created fresh and migrated once, and dropped with its tenant roles when the session ends
  (``MOTCUA_TEST_KEEP_DATABASE=1`` keeps it for inspection).
* Two tenants, ``alpha`` and ``beta``, are provisioned through the real provisioning code and seeded
  with identical ids, for the isolation suite.
* By default each test runs inside one outer transaction: every session the app opens joins it with a
  savepoint, and everything is rolled back at the end. Tests marked ``committed`` (queue jobs,
  provisioning, pool behaviour) use the real engine and clean up after themselves.
* A statement guard fails any test in which SQL on a tenant-bound connection names another tenant's
  schema or the control schema.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from motcua_platform import i18n
from motcua_platform.auth import principal_cache
from motcua_platform.cache import clear_all
from motcua_platform.config import Config
from motcua_platform.db.database import RESET_SQL, UNBOUND_SEARCH_PATH, TenantBinding, TenantSession
from motcua_platform.runtime import Runtime, build_runtime
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from motcua_app.testing.seed import SeededTenant, seed_identical_tenants

TEST_BASE_DOMAIN = "motcua.test"
TEST_PASSWORD = "Tre-xanh-Bao-Moc-73"  # noqa: S105 - test accounts only


# -- database server and per-worker database -----------------------------------------------------
def _server_url() -> str:
    url = os.environ.get("MOTCUA_TEST_DATABASE_URL")
    if url:
        return url
    from motcua_platform.db.embedded import start_embedded

    data_dir = Path(tempfile.gettempdir()) / "motcua-test-pgdata"
    with open(Path(tempfile.gettempdir()) / "motcua-test-pgdata.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return start_embedded(data_dir, database="postgres")


def _admin_engine(server_url: str):
    admin = make_url(server_url).set(drivername="postgresql+psycopg", database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _drop_database(conn, name: str) -> None:
    """Drop database ``name`` and its cluster-wide tenant roles (``<name>_t_<slug>``, Database.binding)."""
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for (role,) in conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), {"p": f"{name}\\_%"}):
        conn.execute(text(f'DROP ROLE "{role}"'))


def _recreate_database(server_url: str, name: str) -> str:
    engine = _admin_engine(server_url)
    with engine.connect() as conn:
        _drop_database(conn, name)
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = engine.url.set(database=name).render_as_string(hide_password=False)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(worker_id: str, request) -> Iterator[str]:
    # One database per checkout and xdist worker, so runs from two work trees never drop each other's.
    checkout = hashlib.sha256(str(request.config.rootpath).encode()).hexdigest()[:6]
    name = f"motcua_test_{checkout}_{worker_id}"
    server = _server_url()
    yield _recreate_database(server, name)
    # Torn down after the runtime (which depends on this fixture) has closed its pools. Without this
    # every run against a shared server left its database and tenant roles behind.
    if os.environ.get("MOTCUA_TEST_KEEP_DATABASE") != "1":
        engine = _admin_engine(server)
        with engine.connect() as conn:
            _drop_database(conn, name)
        engine.dispose()


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def test_config(database_url: str, tmp_path_factory) -> Config:
    return Config(
        database_url=database_url,
        base_domain=TEST_BASE_DOMAIN,
        secret_key="test-secret-key-" + "x" * 32,
        instance_path=tmp_path_factory.mktemp("instance"),
        db_pool_size=5,
        login_max_failures=3,
        login_lock_seconds=60,
        tenant_cache_seconds=60,
        testing=True,
    )


@pytest.fixture(scope="session")
def runtime(test_config: Config) -> Iterator[Runtime]:
    from motcua_tenants.migrations.runner import upgrade_control

    runtime = build_runtime(test_config)
    upgrade_control(runtime.db)
    yield runtime
    runtime.jobs.close()
    runtime.db.dispose()


@pytest.fixture(scope="session")
def app(runtime: Runtime):
    from motcua_app import create_app

    return create_app(runtime=runtime)


@pytest.fixture(scope="session")
def seeded(runtime: Runtime, app) -> dict[str, SeededTenant]:
    """Tenants alpha and beta, provisioned for real and seeded with identical ids (committed)."""
    tenants = seed_identical_tenants(runtime, app, password=TEST_PASSWORD)
    app.extensions["motcua"].resolver.invalidate()
    return tenants


# -- per-test transaction ------------------------------------------------------------------------
_RESET = select(func.set_config("role", "none", True), func.set_config("search_path", UNBOUND_SEARCH_PATH, True))


@contextmanager
def savepoint_sessions(runtime: Runtime) -> Iterator[None]:
    """Make every session the app opens join one outer transaction, rolled back at the end."""
    db = runtime.db
    conn = db.engine.connect()
    outer = conn.begin()

    def control_session() -> Session:
        session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        # A previous tenant session's SET LOCAL ROLE outlives its savepoint; drop it for control work.
        event.listen(session, "after_begin", lambda s, t, c: c.execute(_RESET))
        return session

    def tenant_session(binding: TenantBinding) -> TenantSession:
        # Connection.execution_options changes this shared connection in place; control tables name
        # their schema explicitly, so the map only ever affects tenant tables.
        conn.execution_options(schema_translate_map={None: binding.schema})
        session = TenantSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        session.binding = binding  # TenantSession binds each transaction (class-level after_begin)

        # In production the tenant's SET LOCAL ROLE ends with its own transaction; here that transaction
        # is only a savepoint of the shared one, so put the connection back to the app role by hand.
        def unbind(session_, transaction):
            if transaction.parent is None and not conn.closed and conn.in_transaction():
                conn.execute(_RESET)

        event.listen(session, "after_transaction_end", unbind)
        return session

    originals = db.control_session, db.tenant_session
    db.control_session, db.tenant_session = control_session, tenant_session
    try:
        yield
    finally:
        db.control_session, db.tenant_session = originals
        outer.rollback()
        conn.close()


# Tests read messages in English: the HostClient asks for it (Accept-Language), and what a test renders
# outside a request (a service's error, str(message)) is English too. A tenant's people still get their
# province's language (notifications render under its locale), and tests of the language choice send
# their own headers or use a bare test client.
TEST_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with i18n.use_locale(TEST_LANGUAGE):
        yield


@pytest.fixture(autouse=True)
def _transaction_per_test(request) -> Iterator[None]:
    if request.node.get_closest_marker("committed") or "runtime" not in request.fixturenames:
        yield
        return
    runtime = request.getfixturevalue("runtime")
    if "app" in request.fixturenames:
        request.getfixturevalue("app").extensions["motcua"].resolver.invalidate()
    clear_all()  # cached reads would otherwise outlive the rollback of the data they came from
    principal_cache.clear_this_process()  # and principals, and what is kept with them: a rollback announces nothing
    with savepoint_sessions(runtime):
        yield


# -- statement guard -----------------------------------------------------------------------------
BOUND_SCHEMA = re.compile(r"set_config\('search_path', '(t_[a-z0-9]+)', true\)")
SCHEMA_REF = re.compile(r'(?<![\w.])"?(t_[a-z][a-z0-9]{1,29}|control)"?\.')


class StatementGuard:
    """Records SQL that, on a connection bound to one tenant, names another tenant's schema or control."""

    def __init__(self):
        self.violations: list[str] = []
        self.seen_bindings: list[str] = []  # each transaction's opening statement, as sent

    def before_execute(self, conn, cursor, statement, parameters, context, executemany):
        # a transaction's start: reset, and bound when it says so; opened by the same statement on the
        # app's engines (ADR 0035), whose binding the guard must see as well
        if statement.removeprefix("BEGIN; ").startswith(RESET_SQL):
            self.seen_bindings.append(statement)
            bound = BOUND_SCHEMA.search(statement)
            conn.info["motcua_bound_schema"] = bound.group(1) if bound else None
            return
        if "set_config" in statement and isinstance(parameters, dict):  # the harness's own reset
            values = list(parameters.values())
            if "search_path" in values:
                schema = values[values.index("search_path") + 1]
                conn.info["motcua_bound_schema"] = None if schema == UNBOUND_SEARCH_PATH else schema
            return
        bound = conn.info.get("motcua_bound_schema")
        if bound is None:
            return
        for schema in SCHEMA_REF.findall(statement):
            if schema != bound:
                self.violations.append(f"bound to {bound} but touched {schema}: {statement[:200]}")

    def new_transaction(self, conn):
        # Every transaction starts unbound until its bind statement runs (state left on a pooled
        # connection by an earlier test must not leak into this one).
        conn.info.pop("motcua_bound_schema", None)


@pytest.fixture(autouse=True)
def statement_guard(request) -> Iterator[StatementGuard]:
    guard = StatementGuard()
    if "runtime" not in request.fixturenames:
        yield guard
        return
    engine = request.getfixturevalue("runtime").db.engine
    event.listen(engine, "before_cursor_execute", guard.before_execute)
    event.listen(engine, "begin", guard.new_transaction)
    try:
        yield guard
    finally:
        event.remove(engine, "before_cursor_execute", guard.before_execute)
        event.remove(engine, "begin", guard.new_transaction)
    if guard.violations:
        pytest.fail("tenant isolation: SQL crossed schemas:\n" + "\n".join(guard.violations), pytrace=False)


# -- HTTP helpers --------------------------------------------------------------------------------
class HostClient:
    """Flask test client bound to one Host header (and optionally a bearer token). ``language`` is the
    browser's Accept-Language: English by default (tests read English), "vi" for a browser in Vietnam."""

    def __init__(self, app, host: str, token: str | None = None, language: str = TEST_LANGUAGE):
        self._client = app.test_client()
        self.host = host
        self.token = token
        self.language = language

    def with_token(self, token: str | None) -> HostClient:
        clone = HostClient.__new__(HostClient)
        clone._client, clone.host, clone.token, clone.language = self._client, self.host, token, self.language
        return clone

    def open(self, method: str, path: str, **kwargs):
        headers = {"Host": self.host, **kwargs.pop("headers", {})}
        headers.setdefault("Accept-Language", self.language)
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        # the request's server name is the host too, so the cookies a page sets come back like a browser's
        kwargs.setdefault("base_url", f"http://{self.host}")
        return self._client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)


@pytest.fixture
def host_client(app):
    def make(host: str, token: str | None = None, language: str = TEST_LANGUAGE) -> HostClient:
        return HostClient(app, host, token, language)

    return make


@pytest.fixture
def platform(app, seeded) -> HostClient:
    """The platform host, logged in as the seeded vendor admin."""
    return HostClient(app, TEST_BASE_DOMAIN, seeded["platform"].admin_token)


@pytest.fixture
def alpha(app, seeded) -> HostClient:
    return HostClient(app, seeded["alpha"].host, seeded["alpha"].admin_token)


@pytest.fixture
def beta(app, seeded) -> HostClient:
    return HostClient(app, seeded["beta"].host, seeded["beta"].admin_token)
