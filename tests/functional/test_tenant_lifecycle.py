"""Tenant lifecycle through the control-plane API and the real job queue."""

import subprocess
from pathlib import Path

import pytest
from motcua_app.testing.seed import SEED_ACTOR
from motcua_platform.db.embedded import pg_binary
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.services import get_tenant
from motcua_tenants.registry import services
from motcua_tenants.registry.models import TenantJob
from sqlalchemy import delete, func, select, text

ADMIN = {"email": "quantri@gamma.gov.vn", "full_name": "Quản trị Gamma", "password": "Nui-cao-Song-dai-61"}


def run_jobs(runtime):
    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})


def schema_exists(runtime, schema) -> bool:
    with runtime.db.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}) == 1


def role_exists(runtime, role) -> bool:
    with runtime.db.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM pg_roles WHERE rolname = :r"), {"r": role}) == 1


@pytest.fixture
def cleanup(runtime):
    slugs: list[str] = []
    yield slugs.append
    for slug in slugs:
        binding = runtime.db.binding(slug)
        with runtime.db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
            conn.execute(delete(Tenant).where(Tenant.slug == slug))
    runtime.resolver.invalidate()


@pytest.mark.committed
def test_create_provision_suspend_resume_archive_restore(platform, host_client, runtime, seeded, cleanup, tmp_path):
    cleanup("gamma")
    response = platform.post(
        "/api/v1/tenants",
        json={
            "slug": "gamma",
            "name": "Tỉnh Gamma",
            "unit_code": "000.00.00.G01",
            "domains": ["DichVuCong.Gamma.gov.vn"],
            "primary_color": "#004d40",
            "admin": ADMIN,
        },
    )
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["tenant"]["status"] == "provisioning" and body["job"]["status"] == "queued"
    assert body["tenant"]["domains"] == ["dichvucong.gamma.gov.vn"]
    assert body["tenant"]["server"] == "main"  # where a tenant goes unless the request names another server
    job_url = response.headers["Location"]
    gamma = host_client("gamma.motcua.test")
    runtime.resolver.invalidate()
    waiting = gamma.get("/api/v1/portal")
    assert waiting.status_code == 503 and waiting.get_json()["code"] == "tenant_provisioning"

    run_jobs(runtime)
    job = platform.get(job_url).get_json()
    assert (job["status"], job["progress"], job["step"]) == ("succeeded", 100, "done"), job
    runtime.resolver.invalidate()
    assert gamma.get("/api/v1/portal").get_json()["primary_color"] == "#004d40"
    assert host_client("dichvucong.gamma.gov.vn").get("/api/v1/portal").get_json()["slug"] == "gamma"
    login = gamma.post("/api/v1/auth/login", json={"email": ADMIN["email"], "password": ADMIN["password"]})
    assert login.status_code == 201
    admin = gamma.with_token(login.get_json()["token"])
    root = admin.get("/api/v1/units").get_json()[0]
    assert root["code"] == "000.00.00.G01" and root["kind"] == "province"
    assert (
        admin.post(
            "/api/v1/units",
            json={"kind": "commune", "code": "000.01.50.G01", "name": "Xã Một", "parent_id": root["id"]},
        ).status_code
        == 201
    )

    suspended = platform.post("/api/v1/tenants/gamma/suspend", json={"reason": "contract expired"})
    assert suspended.status_code == 200 and suspended.get_json()["status"] == "suspended"
    blocked = admin.get("/api/v1/units")
    assert blocked.status_code == 503 and blocked.get_json()["code"] == "tenant_suspended"
    assert blocked.headers["Retry-After"]
    assert platform.post("/api/v1/tenants/gamma/suspend", json={}).status_code == 409
    assert platform.post("/api/v1/tenants/gamma/resume").status_code == 200
    assert len(admin.get("/api/v1/units").get_json()) == 2  # data kept

    archived = platform.post("/api/v1/tenants/gamma/archive")
    assert archived.status_code == 202
    run_jobs(runtime)
    assert platform.get(archived.headers["Location"]).get_json()["status"] == "succeeded"
    tenant = platform.get("/api/v1/tenants/gamma").get_json()
    assert tenant["status"] == "archived"
    dump = Path(tenant["archive_path"])
    assert dump.stat().st_size > 0
    assert dump.stat().st_mode & 0o777 == 0o600  # personal data: readable by the service account only
    binding = runtime.db.binding("gamma")
    assert not schema_exists(runtime, binding.schema) and not role_exists(runtime, binding.role)
    runtime.resolver.invalidate()
    assert gamma.get("/api/v1/portal").status_code == 410
    listing = subprocess.run([pg_binary("pg_restore"), "--list", str(dump)], capture_output=True, text=True, check=True)
    assert "t_gamma units" in listing.stdout.replace('"', "")

    # The restore procedure of docs/operations/tenants.md.
    with runtime.db.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{binding.role}" NOLOGIN NOINHERIT'))
        conn.execute(text(f'GRANT "{binding.role}" TO CURRENT_USER'))
    from motcua_platform.jobs import conninfo

    subprocess.run(
        [pg_binary("pg_restore"), f"--dbname={conninfo(runtime.db.url)}", str(dump)], check=True, capture_output=True
    )
    with runtime.db.engine.begin() as conn:
        conn.execute(text("UPDATE control.tenants SET status = 'active', archive_path = NULL WHERE slug = 'gamma'"))
    runtime.resolver.invalidate()
    assert [u["name"] for u in admin.get("/api/v1/units").get_json()] == ["UBND Tỉnh Gamma", "Xã Một"]

    actions = [e["action"] for e in platform.get("/api/v1/audit?tenant=gamma&page_size=50").get_json()]
    for expected in (
        "tenant.create",
        "tenant.provisioned",
        "tenant.suspend",
        "tenant.resume",
        "tenant.archive_requested",
        "tenant.archived",
    ):
        assert expected in actions


@pytest.mark.committed
def test_failed_provision_leaves_nothing_and_can_be_rerun(runtime, seeded, cleanup):
    cleanup("delta")
    with runtime.db.control_session() as session:
        job = services.create_tenant(
            session,
            SEED_ACTOR,
            services.TenantSpec(slug="delta", name="Tỉnh Delta", unit_code="000.00.00.D01"),
            base_domain="motcua.test",
        )
        session.commit()

    def boom(conn):
        raise RuntimeError("disk full (injected)")

    with pytest.raises(RuntimeError, match="injected"):
        services.provision(runtime.db, job.id, after_migrate=boom)
    binding = runtime.db.binding("delta")
    assert not schema_exists(runtime, binding.schema)
    assert not role_exists(runtime, binding.role)
    with runtime.db.control_session() as session:
        failed = session.get(TenantJob, job.id)
        assert failed.status == "failed" and "injected" in failed.error
        assert get_tenant(session, "delta").status == "provisioning"
        retry = services.retry_provision(session, SEED_ACTOR, "delta")
        session.commit()
    services.provision(runtime.db, retry.id)
    with runtime.db.control_session() as session:
        assert get_tenant(session, "delta").status == "active"
    assert schema_exists(runtime, binding.schema) and role_exists(runtime, binding.role)


@pytest.mark.committed
def test_a_job_only_acts_on_the_tenant_it_names(runtime, seeded, cleanup):
    from motcua_tenants.registry import tasks

    cleanup("epsilon")
    with runtime.db.control_session() as session:
        job = services.create_tenant(
            session,
            SEED_ACTOR,
            services.TenantSpec(slug="epsilon", name="Tỉnh Epsilon", unit_code="000.00.00.E01"),
            base_domain="motcua.test",
        )
        session.commit()

    class Context:
        additional_context = {"runtime": runtime}

    with pytest.raises(ValueError, match="belongs to tenant 'epsilon'"):
        tasks.provision_tenant.func(Context(), job_id=job.id, tenant="alpha")
    assert not schema_exists(runtime, "t_epsilon")


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"slug": "alpha"}, "slug", "already used by tenant 'alpha'"),
        ({"slug": "Alpha"}, "slug", "differs only in case"),
        ({"slug": "phu-tho"}, "slug", "letters a–z"),
        ({"slug": "select"}, "slug", "reserved"),
        ({"domains": ["bad domain"]}, "domains", "not a valid host name"),
        ({"domains": ["x.motcua.test"]}, "domains", "under the platform domain"),
        ({"primary_color": "red"}, "primary_color", "#1a2b3c"),
        ({"server": "db9"}, "server", "No database server is named 'db9'"),
        ({"admin": {"email": "a@b.vn", "full_name": "A", "password": "weak"}}, "admin", "at least"),
        ({"admin": {"email": "a@b.vn", "full_name": "A", "password": "Zeta-Tinh-2026"}}, "admin", "of the province"),
    ],
)
def test_bad_tenant_input_is_refused_and_nothing_is_written(platform, runtime, seeded, payload, field, message):
    body = {"slug": "zeta", "name": "Tỉnh Zeta", "unit_code": "000.00.00.Z01"} | payload
    with runtime.db.control_session() as session:
        before = session.scalar(select(func.count()).select_from(Tenant))
    response = platform.post("/api/v1/tenants", json=body)
    assert response.status_code == 422, response.get_json()
    assert message in str(response.get_json()["errors"][field])
    with runtime.db.control_session() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == before


def test_missing_fields_are_listed(platform, seeded):
    response = platform.post("/api/v1/tenants", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"slug", "name", "unit_code"}


def test_only_operators_manage_tenants(host_client, seeded):
    finance = host_client("motcua.test", seeded["platform"].tokens["finance"])
    assert finance.get("/api/v1/tenants").status_code == 200
    assert finance.post("/api/v1/tenants/alpha/suspend", json={}).status_code == 403
    assert host_client("motcua.test").get("/api/v1/tenants").status_code == 401


def test_list_and_show(platform, seeded):
    slugs = [t["slug"] for t in platform.get("/api/v1/tenants?status=active").get_json()]
    assert {"alpha", "beta"} <= set(slugs)
    assert platform.get("/api/v1/tenants/alpha").get_json()["name"] == "Tỉnh Alpha"
    assert platform.get("/api/v1/tenants/nope").status_code == 404
    assert platform.get("/api/v1/tenants?status=bogus").status_code == 422


def test_branding_update_reaches_the_portal(platform, host_client, seeded, app):
    response = platform.patch(
        "/api/v1/tenants/beta", json={"display_name": "Cổng DVC Beta", "primary_color": "#123456"}
    )
    assert response.status_code == 200
    portal = host_client(seeded["beta"].host).get("/api/v1/portal").get_json()
    assert portal["display_name"] == "Cổng DVC Beta" and portal["primary_color"] == "#123456"


def test_custom_domains_can_be_added_and_removed(platform, host_client, seeded):
    added = platform.post("/api/v1/tenants/beta/domains", json={"domain": "DVC.Beta.gov.vn."})
    assert added.status_code == 201 and added.get_json()["domains"] == ["dvc.beta.gov.vn"]
    assert host_client("dvc.beta.gov.vn").get("/api/v1/portal").get_json()["slug"] == "beta"
    duplicate = platform.post("/api/v1/tenants/alpha/domains", json={"domain": "dvc.beta.gov.vn"})
    assert duplicate.status_code == 409
    assert platform.post("/api/v1/tenants/alpha/domains", json={"domain": "a b"}).status_code == 422
    assert platform.post("/api/v1/tenants/alpha/domains", json={"domain": "x.motcua.test"}).status_code == 422
    assert platform.delete("/api/v1/tenants/beta/domains/dvc.beta.gov.vn").status_code == 204
    assert host_client("dvc.beta.gov.vn").get("/api/v1/portal").status_code == 404
    assert platform.delete("/api/v1/tenants/beta/domains/dvc.beta.gov.vn").status_code == 404
