"""Tenants on more than one PostgreSQL server (ADR 0055), against a second cluster the tests start (the
embedded pgserver, a separate PostgreSQL instance with its own roles): a tenant created there has its
schema and role there only; its host's requests, its jobs and its migrations reach it there; readiness,
the principal cache's listening and the metrics' per-tenant reads cover every server."""

import datetime as dt
import os
import signal
import subprocess
import sys
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
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.placement import place
from motcua_platform.errors import Conflict, InvalidInput
from motcua_tenants.migrations import runner
from motcua_tenants.registry import moves
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.models import TenantJob
from server_support import ADMIN, SLUG, create_on, has_role, has_schema
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

pytestmark = pytest.mark.committed


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
    assert readiness.problems(runtime) == {}  # its tenants fail, not every province with them
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


# -- moving a tenant between servers ------------------------------------------------------------------------
def counts(db, server: str, schema: str) -> dict[str, int]:
    with db.engine_for(server).connect() as conn:
        tables = conn.scalars(
            text("SELECT relname FROM pg_class WHERE relnamespace = CAST(:s AS regnamespace) AND relkind = 'r'"),
            {"s": schema},
        ).all()
        return {t: conn.scalar(text(f'SELECT count(*) FROM "{schema}"."{t}"')) for t in tables}


def with_data(runtime, app, db) -> tuple[str, dict[str, int]]:
    """The tenant on the second server with rows in several tables (a login's token, a seat snapshot's usage);
    the login's token and every table's row count."""
    create_on(db, runtime, "second")
    host = f"{SLUG}.{runtime.config.base_domain}"
    login = app.test_client().post("/api/v1/auth/login", headers={"Host": host},
                                   json={"email": ADMIN[0], "password": ADMIN[2]})  # fmt: skip
    assert login.status_code == 201
    seats.snapshot_all(db, seats.today(), slugs=[SLUG])
    return login.get_json()["token"], counts(db, "second", f"t_{SLUG}")


def placed_on(db) -> tuple[str, str]:
    with db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == SLUG))
        return tenant.server, tenant.status


def test_a_tenant_moves_whole_to_another_server_and_is_served_there(runtime, app, two_servers, second_url):
    db = two_servers
    # the second server prints times in another zone: the checks compare values, not one server's rendering
    set_time_zone(second_url, "Asia/Ho_Chi_Minh")
    db.dispose()
    try:
        moved_with_everything(runtime, app, db)
    finally:
        set_time_zone(second_url, None)


def set_time_zone(url: str, zone: str | None) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        name = make_url(url).database
        conn.execute(
            text(
                f"ALTER DATABASE \"{name}\" SET TimeZone = '{zone}'"
                if zone
                else f'ALTER DATABASE "{name}" RESET TimeZone'
            )
        )
    engine.dispose()


def moved_with_everything(runtime, app, db) -> None:
    token, before = with_data(runtime, app, db)
    assert before["staff_tokens"] == 1 and before["billing_usage_outbox"] >= 1 and before["units"] == 1

    with db.control_session() as session:
        job = moves.request_move(session, SEED_ACTOR, SLUG, "main", db.servers)
        session.commit()
    assert placed_on(db) == ("second", "suspended")  # the pause starts with the request
    moves.move(db, job.id, settle_seconds=0)

    assert placed_on(db) == ("main", "active")
    assert counts(db, "main", f"t_{SLUG}") == before
    binding = db.binding(SLUG)
    assert binding.server == "main"
    assert not has_schema(db, "second", f"t_{SLUG}") and not has_schema(db, "second", f"m_{SLUG}")
    assert not has_role(db, "second", binding.role) and has_role(db, "main", binding.role)

    runtime.resolver.invalidate()
    host = f"{SLUG}.{runtime.config.base_domain}"
    me = app.test_client().get("/api/v1/me", headers={"Host": host, "Authorization": f"Bearer {token}"})
    assert me.status_code == 200  # the token the login wrote on the second server is there on main
    again = app.test_client().post("/api/v1/auth/login", headers={"Host": host},
                                   json={"email": ADMIN[0], "password": ADMIN[2]})  # fmt: skip
    assert again.status_code == 201  # the sequences came along: a new row takes the next id, not a taken one
    assert counts(db, "main", f"t_{SLUG}")["staff_tokens"] == 2
    with db.control_session() as session:
        assert session.get(TenantJob, job.id).status == "succeeded"


def test_a_move_that_fails_before_the_switch_leaves_the_tenant_where_it_was(runtime, app, two_servers):
    db = two_servers
    _token, before = with_data(runtime, app, db)
    with db.control_session() as session:
        job = moves.request_move(session, SEED_ACTOR, SLUG, "main", db.servers)
        session.commit()
    with pytest.raises(RuntimeError, match="stopped before switch"):  # copied and checked, then a failure
        moves.move(db, job.id, settle_seconds=0, on_step=_fail_at("switch"))
    assert placed_on(db) == ("second", "active")  # un-fenced and resumed: the move did not happen
    assert counts(db, "second", f"t_{SLUG}") == before
    assert not has_schema(db, "second", f"m_{SLUG}")
    assert not has_schema(db, "main", f"t_{SLUG}")  # and the copy it made is gone
    with db.control_session() as session:
        assert session.get(TenantJob, job.id).status == "failed"


def _fail_at(step_name: str):
    def step(name: str) -> None:
        if name == step_name:
            raise RuntimeError(f"stopped before {step_name}")

    return step


def test_a_move_killed_midway_is_finished_by_running_it_again(runtime, app, two_servers, second_url, tmp_path):
    db = two_servers
    _token, before = with_data(runtime, app, db)
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": db.url,
        "MOTCUA_DATABASE_SERVERS": f"second={second_url}",
        "MOTCUA_BASE_DOMAIN": runtime.config.base_domain,
        "MOTCUA_SECRET_KEY": runtime.config.secret_key,
        "MOTCUA_INSTANCE_PATH": str(tmp_path),
    }
    command = [str(Path(sys.executable).parent / "motcua"), "tenants", "move", SLUG, "--to", "main", "--yes",
               "--settle-seconds", "0"]  # fmt: skip
    mover = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in mover.stdout:
        if line.strip() == f"{SLUG}: copy":  # fenced, copying: the worst moment to die
            mover.send_signal(signal.SIGKILL)
            break
    mover.wait(timeout=60)
    mover.stdout.close()
    assert mover.returncode == -signal.SIGKILL
    assert placed_on(db) == ("second", "suspended")
    assert has_schema(db, "second", f"m_{SLUG}")  # fenced, and still whole

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert placed_on(db) == ("main", "active")
    assert counts(db, "main", f"t_{SLUG}") == before  # nothing lost, nothing doubled
    assert not has_schema(db, "second", f"m_{SLUG}")
    with db.control_session() as session:
        jobs = session.scalars(select(TenantJob).join(Tenant).where(Tenant.slug == SLUG, TenantJob.kind == "move"))
        assert [job.status for job in jobs] == ["succeeded"]  # the re-run finished the same job


def test_a_move_to_an_unknown_server_or_the_same_one_is_refused(runtime, app, two_servers):
    db = two_servers
    create_on(db, runtime, "second")
    with db.control_session() as session:
        with pytest.raises(InvalidInput):
            moves.request_move(session, SEED_ACTOR, SLUG, "third", db.servers)
        with pytest.raises(Conflict):
            moves.request_move(session, SEED_ACTOR, SLUG, "second", db.servers)
        session.rollback()
    assert placed_on(db) == ("second", "active")


def test_a_tenant_on_the_second_server_is_backed_up_there_and_restored_on_the_main_one(
    runtime, app, two_servers, tmp_path
):
    from motcua_platform.storage.services import object_store
    from motcua_tenants.backups import services as backups
    from motcua_tenants.backups.tables import fix_output, quote, tables

    db = two_servers
    create_on(db, runtime, "second")
    folder = backups.backup_tenant(db, object_store(runtime.config), SLUG, tmp_path, actor=SEED_ACTOR)

    def rows(server: str, slug: str) -> dict[str, list[str]]:
        schema = db.binding(slug, server=server).schema
        with db.engine_for(server).connect() as conn, conn.begin():
            fix_output(conn)
            return {
                t.name: conn.scalars(text(f"SELECT x::text FROM {quote(schema)}.{quote(t.name)} x ORDER BY 1")).all()
                for t in tables(conn, schema)
            }

    try:
        report = backups.restore_tenant(db, object_store(runtime.config), folder, slug="secondcopy", actor=SEED_ACTOR)
        assert report.slug == "secondcopy"
        copy = db.binding("secondcopy")
        assert copy.server == "main"  # placed from the directory row the restore wrote
        original = rows("second", SLUG)
        assert original["staff_accounts"] and rows("main", "secondcopy") == original
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{db.binding("secondcopy", server="main").schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{db.binding("secondcopy", server="main").role}"'))
            conn.execute(delete(Tenant).where(Tenant.slug == "secondcopy"))


def test_a_move_interrupted_after_the_fence_keeps_the_platform_ready_and_blocks_resume(runtime, app, two_servers):
    db = two_servers
    _token, before = with_data(runtime, app, db)
    with db.control_session() as session:
        job = moves.request_move(session, SEED_ACTOR, SLUG, "main", db.servers)
        session.commit()
    moves._fence(db, db.binding(SLUG))  # where a mover killed after the fence leaves it

    assert readiness.problems(runtime) == {}  # every other province is still served
    revision = {t.slug: t for t in runner.tenant_revisions(db)}[SLUG]
    assert revision.moving and revision.at_head  # read in the fenced schema
    report = runner.upgrade_all(db, workers=1)
    assert not report.failed
    with db.control_session() as session:
        with pytest.raises(Conflict, match="being moved"):
            registry.resume_tenant(session, SEED_ACTOR, SLUG)
        with pytest.raises(Conflict, match="being moved"):
            registry.request_archive(session, SEED_ACTOR, SLUG)
        session.rollback()

    moves.move(db, job.id, settle_seconds=0)  # run again: it finishes
    assert placed_on(db) == ("main", "active")
    assert counts(db, "main", f"t_{SLUG}") == before


def test_a_move_to_a_server_that_does_not_answer_leaves_the_tenant_where_it_was(runtime, app, second_url, two_servers):
    db = two_servers
    _token, before = with_data(runtime, app, db)
    dead = Database(db.url, servers={"second": second_url, "dead": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    place(dead, 0)
    try:
        with dead.control_session() as session:
            job = moves.request_move(session, SEED_ACTOR, SLUG, "dead", dead.servers)
            session.commit()
        with pytest.raises(OperationalError):
            moves.move(dead, job.id, settle_seconds=0)
        assert placed_on(db) == ("second", "active")  # un-fenced and resumed though the copy's cleanup failed
        assert counts(db, "second", f"t_{SLUG}") == before
        assert not has_schema(db, "second", f"m_{SLUG}")
        assert readiness.problems(runtime) == {}  # the server that does not answer keeps no one out of rotation
    finally:
        dead.dispose()


def test_the_control_plane_api_places_a_new_tenant_on_the_server_it_names(runtime, app, platform, two_servers):
    db = two_servers
    body = {"slug": SLUG, "name": "Tỉnh Second", "unit_code": "000.00.00.H99", "server": "second"}
    created = platform.post("/api/v1/tenants", json=body)
    assert created.status_code == 202, created.get_json()
    assert created.get_json()["tenant"]["server"] == "second"
    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})  # the job the API queued, by the real queue
    assert has_schema(db, "second", f"t_{SLUG}") and not has_schema(db, "main", f"t_{SLUG}")
    assert platform.get(f"/api/v1/tenants/{SLUG}").get_json()["server"] == "second"
