"""The control-plane side of a merge (ADR 0060): ``record_merge`` marks the source merged into the target, every
request to the source's hosts is redirected to the target's with its path, query and method, other
processes drop their cached binding of the source, refusals write nothing, and both tenants' audit says it."""

import datetime as dt
import http.client
import time
from urllib.parse import urlsplit

import pytest
from dossier_support import citizen_client, intake_body
from motcua_app.testing.gunicorn import gunicorn_server
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_app.testing.seed import seed_tenant
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.directory.models import Tenant, TenantDomain, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.storage.services import tenant_objects
from motcua_tenants.export.deletion import delete_tenant
from motcua_tenants.export.services import export_tenant
from motcua_tenants.merges.control import record_merge
from motcua_tenants.migrations.runner import tenant_revisions
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.models import TenantJob
from portal_support import csrf_token
from sqlalchemy import delete, func, select, text

ACTOR = Actor("cli", None, "merge-operator")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture
def resolver(app):
    """This process's host → tenant cache, empty before and after (a merged beta must not outlive the test)."""
    found = app.extensions["motcua"].resolver
    found.invalidate()
    yield found
    found.invalidate()


def ids(session, *slugs) -> list[int]:
    found = dict(session.execute(select(Tenant.slug, Tenant.id).where(Tenant.slug.in_(slugs))).all())
    return [found.get(slug, -1) for slug in slugs]


def merge(runtime, source="beta", target="alpha", on=None) -> None:
    with runtime.db.control_session() as session:
        source_id, target_id = ids(session, source, target)
        record_merge(session, source_id=source_id, target_id=target_id, on=on or today(), actor=ACTOR)
        session.commit()


def add_domain(runtime, slug, domain) -> None:
    with runtime.db.control_session() as session:
        registry.add_domain(session, ACTOR, slug, domain, base_domain=TEST_BASE_DOMAIN)
        session.commit()


def target_url(runtime, host: str, path: str) -> str:
    return runtime.config.public_url(host) + path


def follow(host_client, response, method="GET", **kwargs):
    """Send the request again where a redirect says, as a browser does (the test client follows only its own
    host's redirects)."""
    location = urlsplit(response.headers["Location"])
    path = location.path + (f"?{location.query}" if location.query else "")
    return host_client(location.netloc).open(method, path, **kwargs)


# -- the redirect --------------------------------------------------------------------------------
def test_every_request_to_the_source_hosts_is_redirected_to_the_target_keeping_path_query_and_method(
    host_client, seeded, runtime, resolver
):
    add_domain(runtime, "beta", "dichvucong.beta.test")
    beta = host_client(seeded["beta"].host)
    assert beta.get("/api/v1/portal").status_code == 200  # served, and now cached in this process
    merge(runtime)
    resolver.invalidate()  # what the committing process does (the merge command)
    alpha_host = seeded["alpha"].host

    page = beta.get("/track/000.00.51.B01-260101-0001?lang=vi&from=qr")
    assert page.status_code == 308
    assert page.headers["Location"] == target_url(
        runtime, alpha_host, "/track/000.00.51.B01-260101-0001?lang=vi&from=qr"
    )
    assert page.headers["Cache-Control"] == "public, max-age=86400"
    assert page.get_json()["code"] == "tenant_merged"
    # a POST keeps its method (308), its body is the client's to send again: nothing was done here
    posted = beta.post("/api/v1/dossiers?x=1", json={"procedure": "anything"})
    assert posted.status_code == 308
    assert posted.headers["Location"] == target_url(runtime, alpha_host, "/api/v1/dossiers?x=1")
    # staff console, an unknown path and a path in Vietnamese, all the same way
    assert beta.get("/console/").headers["Location"] == target_url(runtime, alpha_host, "/console/")
    assert beta.get("/no/such/page").status_code == 308
    percent = beta.get("/track/100%25-xong")  # a "%" in the path stays a "%", not an escape
    assert percent.headers["Location"] == target_url(runtime, alpha_host, "/track/100%25-xong")
    vietnamese = beta.get("/tìm-kiếm?q=khai%20sinh")
    assert vietnamese.headers["Location"] == target_url(runtime, alpha_host, "/t%C3%ACm-ki%E1%BA%BFm?q=khai%20sinh")
    # the source's custom domain too
    custom = host_client("dichvucong.beta.test").get("/api/v1/track/X-1")
    assert custom.status_code == 308
    assert custom.headers["Location"] == target_url(runtime, alpha_host, "/api/v1/track/X-1")
    # the target still serves, and the platform host is untouched
    assert host_client(alpha_host).get("/api/v1/portal").status_code == 200
    assert host_client(alpha_host).get("/api/v1/portal").get_json()["slug"] == "alpha"
    # a target with a custom domain is reached on it (its public address, as its printed links are)
    add_domain(runtime, "alpha", "dichvucong.alpha.test")
    resolver.invalidate()
    assert beta.get("/track").headers["Location"] == target_url(runtime, "dichvucong.alpha.test", "/track")


def test_an_old_code_tracked_on_the_source_host_ends_on_the_targets_tracking_page(
    host_client, seeded, runtime, resolver
):
    # the data side copies the source's dossiers, codes unchanged, into the target: one is there already
    code = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert code.status_code == 201, code.get_json()
    code = code.get_json()["code"]
    merge(runtime)
    resolver.invalidate()
    beta = host_client(seeded["beta"].host)

    page = beta.get(f"/track/{code}")  # the QR code printed on the source's receipt
    assert page.status_code == 308
    landed = follow(host_client, page)
    assert landed.status_code == 200 and code in landed.get_data(as_text=True)
    assert urlsplit(page.headers["Location"]).hostname == seeded["alpha"].host

    api = beta.get(f"/api/v1/track/{code}")
    tracked = follow(host_client, api)
    assert api.status_code == 308 and tracked.status_code == 200 and tracked.get_json()["code"] == code
    # the form on the source's tracking page sends ?code=: the target's page takes it from there
    form = follow(host_client, beta.get(f"/track?code={code}"))
    assert form.status_code == 303 and form.headers["Location"].endswith(f"/track/{code}")


# -- the record ------------------------------------------------------------------------------------
def test_the_merge_is_recorded_and_audited_for_both_tenants(runtime, seeded, resolver):
    on = today() + dt.timedelta(days=3)
    merge(runtime, on=on)
    with runtime.db.control_session() as session:
        beta, alpha = (session.scalar(select(Tenant).where(Tenant.slug == s)) for s in ("beta", "alpha"))
        assert (beta.status, beta.merged_into_id, beta.merged_on) == (TenantStatus.MERGED, alpha.id, on)
        assert alpha.status == TenantStatus.ACTIVE and alpha.merged_into_id is None
        events = {
            e.action: e
            for e in session.scalars(
                select(ControlAuditEvent).where(
                    ControlAuditEvent.action.in_(["tenant.merge", "tenant.merged_in"]),
                    ControlAuditEvent.tenant_slug.in_(["alpha", "beta"]),
                )
            )
        }
    merged, merged_in = events["tenant.merge"], events["tenant.merged_in"]
    assert (merged.tenant_slug, merged.target, merged.actor) == ("beta", "tenant:beta", "cli:merge-operator")
    assert merged.details["into"] == "alpha" and merged.details["on"] == on.isoformat()
    assert merged.details["previous_status"] == "active"
    assert (merged_in.tenant_slug, merged_in.details["source"], merged_in.details["on"]) == (
        "alpha",
        "beta",
        on.isoformat(),
    )
    # recorded again (a re-run after a crash): nothing more is written
    merge(runtime, on=on)
    with runtime.db.control_session() as session:
        count = session.scalar(
            select(func.count()).where(
                ControlAuditEvent.action == "tenant.merge", ControlAuditEvent.tenant_slug == "beta"
            )
        )
    assert count == 1


def test_the_control_api_shows_where_a_merged_tenant_went(platform, runtime, seeded, resolver):
    on = today()
    merge(runtime, on=on)
    shown = platform.get("/api/v1/tenants/beta").get_json()
    assert (shown["status"], shown["merged_into"], shown["merged_on"]) == ("merged", "alpha", on.isoformat())
    alpha = platform.get("/api/v1/tenants/alpha").get_json()
    assert alpha["merged_into"] is None and alpha["merged_on"] is None
    listed = {t["slug"]: t for t in platform.get("/api/v1/tenants?status=merged").get_json()}
    assert set(listed) == {"beta"}


def test_the_vendor_console_says_where_a_merged_tenant_went_in_both_languages(host_client, seeded, runtime, resolver):
    from test_console_operator import log_in  # the vendor console's sign-in, as a browser

    merge(runtime, on=dt.date(2026, 7, 1))
    for language, status, sentence in (
        ("en", "Merged", "Merged into Tỉnh Alpha on 1 Jul 2026; its addresses redirect there."),
        (
            "vi",
            "Đã sáp nhập",
            "Đã sáp nhập vào Tỉnh Alpha từ ngày 01/07/2026; các địa chỉ của tỉnh chuyển hướng về đó.",
        ),
    ):
        client = host_client(TEST_BASE_DOMAIN, language=language)
        assert log_in(client, "admin@vendor.test").status_code == 303
        detail = client.get("/operator/tenants/beta").get_data(as_text=True)
        assert status in detail and sentence in detail, detail
        listing = client.get("/operator/tenants").get_data(as_text=True)
        assert status in listing
        # its hosts only redirect: the page offers no new domain, and one posted anyway is refused, unwritten
        assert "/operator/tenants/beta/domains" not in detail.replace("/domains/remove", "")
        refused = client.post(
            "/operator/tenants/beta/domains", data={"csrf_token": csrf_token(detail), "domain": "dvc.moi.test"}
        )
        assert refused.status_code == 409 and "alpha" in refused.get_data(as_text=True)
    assert "/operator/tenants/alpha/domains" in client.get("/operator/tenants/alpha").get_data(as_text=True)


def test_a_domain_is_not_added_to_a_merged_tenant(platform, runtime, seeded, resolver):
    merge(runtime, on=today())
    refused = platform.post("/api/v1/tenants/beta/domains", json={"domain": "dvc.moi.test"})
    assert refused.status_code == 409, refused.get_json()
    assert "'alpha'" in refused.get_json()["message"]
    with runtime.db.control_session() as session:
        assert session.scalar(select(TenantDomain.id).where(TenantDomain.domain == "dvc.moi.test")) is None


# -- refusals --------------------------------------------------------------------------------------
def _state(session) -> tuple:
    tenants = session.execute(
        select(Tenant.slug, Tenant.status, Tenant.merged_into_id, Tenant.merged_on).order_by(Tenant.slug)
    ).all()
    return tuple(tenants), session.scalar(select(func.count()).select_from(ControlAuditEvent))


def _gamma(session) -> int:
    """A third tenant, in the directory only (nothing here reads its schema)."""
    gamma = Tenant(slug="gamma", name="Tỉnh Gamma", unit_code="000.00.00.H77", display_name="Tỉnh Gamma",
                   status=TenantStatus.ACTIVE)  # fmt: skip
    session.add(gamma)
    session.flush()
    return gamma.id


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("itself", InvalidInput, "cannot be merged into itself"),
        ("unknown source", NotFound, "No tenant with id"),
        ("archived source", Conflict, "'beta' is archived; a merge needs both tenants active or suspended"),
        ("provisioning target", Conflict, "'alpha' is provisioning; a merge needs both"),
        ("merged target", Conflict, "'alpha' is itself merged into another"),
        ("merged into another", Conflict, "'beta' is already merged into 'gamma'"),
        ("merged on another day", Conflict, "'beta' is already merged into 'alpha'"),
    ],
)
def test_each_refusal_is_clear_and_writes_nothing(runtime, seeded, resolver, case, error, message):
    with runtime.db.control_session() as session:
        alpha_id, beta_id = ids(session, "alpha", "beta")
        source_id, target_id, on = beta_id, alpha_id, today()
        if case == "itself":
            target_id = beta_id
        elif case == "unknown source":
            source_id = 10**12
        elif case == "archived source":
            session.execute(text("UPDATE control.tenants SET status = 'archived' WHERE slug = 'beta'"))
        elif case == "provisioning target":
            session.execute(text("UPDATE control.tenants SET status = 'provisioning' WHERE slug = 'alpha'"))
        elif case == "merged target":
            record_merge(session, source_id=alpha_id, target_id=_gamma(session), on=on, actor=ACTOR)
        elif case == "merged into another":
            record_merge(session, source_id=beta_id, target_id=_gamma(session), on=on, actor=ACTOR)
        elif case == "merged on another day":
            record_merge(session, source_id=beta_id, target_id=alpha_id, on=on, actor=ACTOR)
            on += dt.timedelta(days=1)
        session.flush()
        before = _state(session)
        with pytest.raises(error) as refused:
            record_merge(session, source_id=source_id, target_id=target_id, on=on, actor=ACTOR)
        assert message in str(refused.value.message)
        session.flush()  # whatever it had changed would be written now
        assert _state(session) == before
        session.rollback()


def test_tenants_merged_into_the_source_earlier_go_straight_to_the_target(runtime, seeded, resolver):
    with runtime.db.control_session() as session:
        alpha_id, beta_id = ids(session, "alpha", "beta")
        gamma_id = _gamma(session)
        record_merge(session, source_id=gamma_id, target_id=beta_id, on=today(), actor=ACTOR)
        record_merge(session, source_id=beta_id, target_id=alpha_id, on=today(), actor=ACTOR)
        session.flush()
        assert session.get(Tenant, gamma_id).merged_into_id == alpha_id
        moved = session.scalar(select(ControlAuditEvent).where(ControlAuditEvent.action == "tenant.merge_redirected"))
        assert (moved.tenant_slug, moved.details["was_into"], moved.details["now_into"]) == ("gamma", "beta", "alpha")
        session.rollback()


# -- another process -----------------------------------------------------------------------------
OTHER_PROCESS_CACHE_SECONDS = 2


@pytest.fixture
def two_directory_tenants(runtime):
    """Tenants ``mergefrom`` and ``mergeinto``, committed, in the directory only (no schema: what is tested
    here is the host lookup and its cache); removed afterwards, source first (it names the target)."""
    slugs = ("mergefrom", "mergeinto")
    with runtime.db.control_session() as session:
        for slug in slugs:
            session.add(Tenant(slug=slug, name=f"Tỉnh {slug}", unit_code="000.00.00.H88", display_name=slug,
                               status=TenantStatus.ACTIVE))  # fmt: skip
        session.commit()
    yield slugs
    _remove(runtime, *slugs)


def _remove(runtime, *slugs) -> None:
    """Directory rows and audit events of tenants a committed test made, in order (a source names its target)."""
    with runtime.db.control_session() as session:
        session.execute(delete(ControlAuditEvent).where(ControlAuditEvent.tenant_slug.in_(slugs)))
        for slug in slugs:
            session.execute(delete(Tenant).where(Tenant.slug == slug))
        session.commit()


def _ask(port: int, host: str, path: str) -> tuple[int, str | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        conn.close()


@pytest.mark.committed
def test_another_process_drops_its_cached_binding_of_the_source(
    runtime, database_url, tmp_path_factory, two_directory_tenants
):
    source, target = two_directory_tenants
    instance = tmp_path_factory.mktemp("merge-other-process")
    settings = {"MOTCUA_TENANT_CACHE_SECONDS": str(OTHER_PROCESS_CACHE_SECONDS)}
    with gunicorn_server(database_url, instance, **settings) as port:
        host = f"{source}.{TEST_BASE_DOMAIN}"
        # resolved and cached there: a path no route serves answers the tenant's 404
        assert _ask(port, host, "/no/such/page?x=1") == (404, None)
        merge(runtime, source=source, target=target)
        deadline = time.monotonic() + OTHER_PROCESS_CACHE_SECONDS + 5
        answer = _ask(port, host, "/no/such/page?x=1")
        while answer[0] != 308 and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = _ask(port, host, "/no/such/page?x=1")
        assert answer[0] == 308, answer
        assert urlsplit(answer[1]).hostname == f"{target}.{TEST_BASE_DOMAIN}"
        assert answer[1].endswith("/no/such/page?x=1")


# -- the source's schema until it is handed over ----------------------------------------------------
@pytest.fixture
def merged_source(runtime, app, seeded, resolver):
    """Tenant ``mergedsrc``, provisioned and seeded for real with a custom domain, merged into alpha and
    committed; everything of it removed afterwards."""
    slug = "mergedsrc"
    try:
        seed_tenant(runtime, app, slug, "Tỉnh Sáp Nhập", "M01", password=TEST_PASSWORD)
        add_domain(runtime, slug, "dichvucong.sapnhap.test")
        merge(runtime, source=slug, target="alpha")
        resolver.invalidate()
        yield slug
    finally:
        binding = runtime.db.binding(slug)
        with runtime.db.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        with runtime.db.control_session() as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == slug))
            session.execute(delete(TenantJob).where(TenantJob.tenant_id == tenant_id))
            session.commit()
        _remove(runtime, slug)
        objects = tenant_objects(runtime.config, slug)
        for key in list(objects.all_keys()):
            objects.delete(key)


@pytest.mark.committed
def test_a_merged_source_is_migrated_exported_and_deleted_and_its_hosts_keep_redirecting(
    runtime, host_client, merged_source, resolver, tmp_path
):
    slug = merged_source
    # its schema is kept, not served: the migrations runner still counts it (so an export reads a current schema)
    assert slug in {t.slug for t in tenant_revisions(runtime.db)}
    assert host_client(f"{slug}.{TEST_BASE_DOMAIN}").get("/api/v1/portal").status_code == 308
    # exported and deleted with the existing path, as a suspended tenant is
    objects = tenant_objects(runtime.config, slug)
    export_tenant(runtime.db, objects, ACTOR, slug, tmp_path / "export", settle_seconds=0)
    delete_tenant(runtime.db, objects, ACTOR, slug, tmp_path / "export", backup_dir=None)
    with runtime.db.control_session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
        assert tenant.status == TenantStatus.DELETED and tenant.merged_into_id is not None
        domains = session.scalars(select(TenantDomain.domain).where(TenantDomain.tenant_id == tenant.id)).all()
    assert domains == ["dichvucong.sapnhap.test"]  # kept, for the redirect
    assert slug not in {t.slug for t in tenant_revisions(runtime.db)}
    # old links and printed QR codes still land on the target, on both of the source's hosts
    resolver.invalidate()
    for host in (f"{slug}.{TEST_BASE_DOMAIN}", "dichvucong.sapnhap.test"):
        answer = host_client(host).get("/track/000.00.00.M01-260101-0001?lang=vi")
        assert answer.status_code == 308
        assert answer.headers["Location"] == target_url(
            runtime, seeded_host("alpha"), "/track/000.00.00.M01-260101-0001?lang=vi"
        )


def seeded_host(slug: str) -> str:
    return f"{slug}.{TEST_BASE_DOMAIN}"
