"""Tenants on more than one PostgreSQL server (ADR 0055), against a second cluster the tests start (the
embedded pgserver, a separate PostgreSQL instance with its own roles): a tenant created there has its
schema and role there only; its host's requests, its jobs and its migrations reach it there; readiness,
the principal cache's listening and the metrics' per-tenant reads cover every server."""

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from motcua_app.testing.seed import SEED_ACTOR
from motcua_billing.usage import seats
from motcua_billing.usage.services import drain_outbox
from motcua_platform import metrics, readiness
from motcua_platform.auth.principal_cache import PrincipalCache
from motcua_platform.db.database import Database, UnknownServer
from motcua_platform.db.embedded import embedded_running, start_embedded, stop_embedded
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.placement import place
from motcua_platform.errors import InvalidInput
from motcua_tenants.migrations import runner
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.models import TenantJob
from sqlalchemy import delete, select, text
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.committed

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
    monkeypatch.setattr(runtime.resolver, "db", db)  # the host → tenant cache reads through its own reference
    runtime.resolver.invalidate()
    yield db
    binding = db.binding(SLUG, server="second")
    with db.engine_for("second").begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
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
    runtime.resolver.invalidate()


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


def count_on(db, server: str, sql: str) -> int:
    with db.engine_for(server).connect() as conn:
        return conn.scalar(text(sql))


def test_a_tenant_placed_on_the_second_server_lives_and_is_served_there(runtime, app, two_servers):
    db = two_servers
    create_on(db, runtime, "second")
    binding = db.binding(SLUG)
    assert binding.server == "second"  # placed from the directory, not assumed
    assert has_schema(db, "second", binding.schema) and has_role(db, "second", binding.role)
    assert not has_schema(db, "main", binding.schema) and not has_role(db, "main", binding.role)

    host = f"{SLUG}.{runtime.config.base_domain}"
    login = app.test_client().post("/api/v1/auth/login", headers={"Host": host},
                                   json={"email": ADMIN[0], "password": ADMIN[2]})  # fmt: skip
    assert login.status_code == 201, login.get_json()
    me = app.test_client().get(
        "/api/v1/me", headers={"Host": host, "Authorization": f"Bearer {login.get_json()['token']}"}
    )
    assert me.status_code == 200 and me.get_json()["email"] == ADMIN[0]
    # the token the login wrote is in the tenant's schema on the second server
    assert count_on(db, "second", f'SELECT count(*) FROM "{binding.schema}".staff_tokens') == 1

    # a job's work for the tenant binds to the same server: the daily seat snapshot writes the tenant's usage
    # outbox there, and the drain moves it into the control plane's ledger on main
    outbox = f'SELECT count(*) FROM "{binding.schema}".billing_usage_outbox WHERE drained_at IS NULL'
    [taken] = seats.snapshot_all(db, seats.today(), slugs=[SLUG])
    assert taken.status != "failed" and taken.seats == 1
    pending = count_on(db, "second", outbox)
    assert pending >= 1
    assert drain_outbox(db, SLUG).accepted == pending
    assert count_on(db, "second", outbox) == 0
    ledger = "SELECT count(*) FROM control.billing_usage_events e JOIN control.tenants t ON t.id = e.tenant_id "
    assert count_on(db, "main", ledger + f"WHERE t.slug = '{SLUG}'") == pending


def test_migrations_reach_tenants_on_every_server(runtime, seeded, two_servers):
    db = two_servers
    create_on(db, runtime, "second")
    revisions = {t.slug: t for t in runner.tenant_revisions(db)}
    assert revisions[SLUG].server == "second" and revisions[SLUG].at_head
    assert {t.server for t in revisions.values()} == {"main", "second"}

    binding = db.binding(SLUG)
    with db.engine_for("second").connect() as conn, conn.begin():
        runner.downgrade_tenant_on(conn, binding, "core@-1")
    assert not {t.slug: t for t in runner.tenant_revisions(db)}[SLUG].at_head

    report = runner.upgrade_all(db, workers=1)
    upgraded = {t.slug: t for t in report.tenants if t.outcome == "upgraded"}
    assert set(upgraded) == {SLUG} and upgraded[SLUG].at_head
    assert all(t.at_head for t in runner.tenant_revisions(db))


def test_readiness_and_metrics_look_at_every_server(runtime, seeded, two_servers, monkeypatch):
    db = two_servers
    create_on(db, runtime, "second")
    assert readiness.problems(runtime) == {}
    rows = metrics.each_tenant(runtime, "SELECT current_database() AS db, count(*) AS n FROM {schema}.units")
    by_tenant = {row[0]: row for row in rows}
    assert SLUG in by_tenant and by_tenant[SLUG][2] == 1  # its root unit, read on the second server
    assert len(by_tenant) > 1  # and the tenants on main

    unreachable = Database(db.url, servers={"second": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    monkeypatch.setattr(runtime, "db", unreachable)
    assert set(readiness.problems(runtime)) == {"database:second"}
    unreachable.dispose()


def test_a_change_announced_on_the_second_server_empties_the_principal_cache(runtime, second_url):
    cache = PrincipalCache(runtime.db.url, second_url, seconds=300)
    try:
        assert cache.wait_listening()
        generation = cache.generation()
        cache.put("staff", "token", object(), expires_at=_in_an_hour(), generation=generation)
        assert cache.get("staff", "token") is not None
        conninfo = make_url(second_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_notify('motcua_auth', '')")
        deadline = time.monotonic() + 10
        while cache.get("staff", "token") is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert cache.get("staff", "token") is None
    finally:
        cache.stop()


def test_the_cache_is_off_while_one_server_cannot_be_listened_to(runtime):
    cache = PrincipalCache(runtime.db.url, "postgresql://nobody@127.0.0.1:1/none", seconds=300)
    try:
        assert not cache.wait_listening(timeout=1.5)
        cache.put("staff", "token", object(), expires_at=_in_an_hour(), generation=cache.generation())
        assert cache.get("staff", "token") is None
    finally:
        cache.stop()


def test_an_unknown_server_is_refused(runtime, two_servers):
    spec = registry.TenantSpec(slug=SLUG, name="Tỉnh Second", unit_code="000.00.00.H99", server="third")
    with two_servers.control_session() as session:
        with pytest.raises(InvalidInput) as refused:
            registry.create_tenant(session, SEED_ACTOR, spec, base_domain=runtime.config.base_domain,
                                   servers=two_servers.servers)  # fmt: skip
        assert "third" in refused.value.errors["server"][0]
        assert session.scalar(select(Tenant.id).where(Tenant.slug == SLUG)) is None
    with pytest.raises(UnknownServer):
        two_servers.binding(SLUG, server="third")


def _in_an_hour():
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)


def test_a_lone_server_needs_no_placement(runtime):
    assert runtime.db.binding("alpha").server == "main"
    several = Database(runtime.db.url, servers={"second": "postgresql+psycopg://x@127.0.0.1:1/none"})
    with pytest.raises(RuntimeError, match="placement"):
        several.binding("alpha")
