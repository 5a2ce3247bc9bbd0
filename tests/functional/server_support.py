"""A second PostgreSQL cluster for the tests of tenants on several servers (ADR 0055): the cluster itself
(``second_url``), the runtime that knows it (``two_servers``), tenant ``second`` created on one of them
(``create_on``) and what is where (``has_schema``, ``has_role``). The fixtures are registered in conftest.py;
test_database_servers.py and test_tenant_export.py use them."""

import shutil
import tempfile
from pathlib import Path

import pytest
from motcua_app.testing.seed import SEED_ACTOR
from motcua_platform.db.database import Database
from motcua_platform.db.embedded import embedded_running, start_embedded, stop_embedded
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.placement import place
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.models import TenantJob
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url

SLUG = "second"
ADMIN = ("quantri@second.gov.vn", "Quản trị Second", "Nui-cao-Song-dai-61")


@pytest.fixture(scope="module")
def second_url(database_url):
    """A second PostgreSQL cluster, holding a database of the same name as the tests' main one. Its folder is
    not under pytest's temporary folders, which a concurrent pytest run may prune while the server runs."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-second-server-"))
    pgdata = folder / "pgdata"
    try:
        yield start_embedded(pgdata, database=make_url(database_url).database)
    finally:
        if embedded_running(pgdata):
            stop_embedded(pgdata)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def two_servers(runtime, second_url, monkeypatch):
    """The runtime with a second database server, as MOTCUA_DATABASE_SERVERS would give it; the tenant
    made on it is removed afterwards (its control rows too, which the one-server runtime of the other tests
    could not place)."""
    db = Database(runtime.db.url, servers={"second": second_url}, pool_size=2)
    place(db, seconds=runtime.config.tenant_cache_seconds)
    monkeypatch.setattr(runtime, "db", db)
    resolver = runtime.resolver  # None until a test of the same process has built the app
    if resolver is not None:
        monkeypatch.setattr(resolver, "db", db)  # the host → tenant cache reads through its own reference
        resolver.invalidate()
    yield db
    binding = db.binding(SLUG, server="second")
    for server in ("second", "main"):  # wherever a test left it: created, moved, fenced or half copied
        with db.engine_for(server).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP SCHEMA IF EXISTS "m_{SLUG}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
    with db.engine.begin() as conn:
        tenant_id = conn.scalar(select(Tenant.id).where(Tenant.slug == SLUG))
        conn.execute(delete(TenantJob).where(TenantJob.tenant_id == tenant_id))
        # the ledger is append-only (a trigger); the test's own events go with its tenant, triggers off for it
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in ("billing_usage_daily", "billing_usage_events"):
            conn.execute(text(f"DELETE FROM control.{table} WHERE tenant_id = :t"), {"t": tenant_id})
        conn.execute(delete(Tenant).where(Tenant.slug == SLUG))
    db.dispose()
    if resolver is not None:
        resolver.invalidate()


def create_on(db, runtime, server: str) -> None:
    spec = registry.TenantSpec(slug=SLUG, name="Tỉnh Second", unit_code="000.00.00.H99", server=server)
    spec.set_admin(*ADMIN)
    with db.control_session() as session:
        job = registry.create_tenant(session, SEED_ACTOR, spec, base_domain=runtime.config.base_domain,
                                     servers=db.servers)  # fmt: skip
        session.commit()
    registry.provision(db, job.id)


def has_schema(db, server: str, schema: str) -> bool:
    with db.engine_for(server).connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}) == 1


def has_role(db, server: str, role: str) -> bool:
    with db.engine_for(server).connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}) == 1
