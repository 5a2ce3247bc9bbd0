"""The vendor operators' console (/operator on the platform host) through the test client and the session
cookie, as a browser: the operators' login (the API's login service; a province's staff or a citizen is
refused), each page and its roles, CSRF on every form, bad input kept with a 422, confirmations before a
lifecycle change, domains, the plugin allow-list and operator accounts. The control-plane API checks what
the pages changed; the audit trail records each write as the API does."""

import datetime as dt
import json
import re

import pytest
from billing_support import ingest
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_platform.directory.models import Tenant
from portal_support import csrf_token, fresh_address, input_value, submit, text
from sqlalchemy import delete
from sqlalchemy import text as sql

ADMIN_PASSWORD = "Nui-cao-Song-dai-61"


def log_in(client, email: str, password: str = TEST_PASSWORD, next_path: str | None = None):
    data = {"email": email, "password": password} | ({"next": next_path} if next_path else {})
    return submit(client, "/operator/login", data, environ_base={"REMOTE_ADDR": fresh_address()})


def signed_in(host_client, email: str):
    client = host_client(TEST_BASE_DOMAIN)
    response = log_in(client, email)
    assert response.status_code == 303, text(response)
    return client


@pytest.fixture
def admin(host_client, seeded):
    return signed_in(host_client, "admin@vendor.test")


@pytest.fixture
def ops(host_client, seeded):
    return signed_in(host_client, "ops@vendor.test")


@pytest.fixture
def finance_operator(host_client, seeded):
    return signed_in(host_client, "finance@vendor.test")


def test_pages_need_an_operator_login(host_client, seeded):
    client = host_client(TEST_BASE_DOMAIN)
    response = client.get("/operator/tenants")
    assert response.status_code == 303
    assert response.headers["Location"] == "/operator/login?next=/operator/tenants"
    page = client.get("/operator/login")
    assert page.status_code == 200 and "Operator log in" in text(page)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert log_in(client, "admin@vendor.test", "not the password").status_code == 401
    ok = log_in(client, "admin@vendor.test", next_path="/operator/operators")
    assert ok.status_code == 303 and ok.headers["Location"] == "/operator/operators"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/operator/tenants")
    assert page.status_code == 200
    for label in ("Tenants", "Finance", "Operators", "Audit"):
        assert f">{label}</a>" in text(page)
    elsewhere = log_in(host_client(TEST_BASE_DOMAIN), "admin@vendor.test", next_path="//evil.example/")
    assert elsewhere.headers["Location"] == "/operator/tenants"


def test_empty_login_form_is_a_422_next_to_the_fields(host_client, seeded):
    client = host_client(TEST_BASE_DOMAIN)
    response = log_in(client, "", "")
    assert response.status_code == 422
    assert "Enter your work e-mail." in text(response) and "Enter your password." in text(response)


def test_province_staff_and_citizens_are_refused(host_client, seeded):
    client = host_client(TEST_BASE_DOMAIN)
    assert log_in(client, "admin@alpha.test").status_code == 401
    assert log_in(client, "citizen@alpha.test").status_code == 401
    # the console is not served on a tenant host at all
    assert host_client(seeded["alpha"].host).get("/operator/login").status_code == 404


def test_log_out_revokes_the_token_and_needs_csrf(admin):
    page = admin.get("/operator/tenants")
    assert admin.post("/operator/logout").status_code == 400  # no CSRF token
    token = csrf_token(page.get_data(as_text=True))
    response = admin.post("/operator/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/operator/login"
    assert admin.get("/operator/tenants").status_code == 303


def test_roles_are_the_apis(ops, finance_operator):
    assert ops.get("/operator/operators").status_code == 403
    assert ops.get("/operator/audit").status_code == 200
    assert ">Operators</a>" not in text(ops.get("/operator/tenants"))
    assert finance_operator.get("/operator/tenants").status_code == 200
    assert finance_operator.get("/operator/audit").status_code == 403
    assert finance_operator.get("/operator/finance").status_code == 200
    assert ops.get("/operator/finance").status_code == 403


DOMAINS = "/operator/tenants/alpha/domains"


def last_audit(platform, action):
    events = platform.get("/api/v1/audit", query_string={"action": action}).get_json()
    assert events, f"no {action} event"
    return events[0]


def test_tenant_list_shows_every_tenant_with_its_contract_and_usage(admin, finance, contract, seeded):
    now = dt.datetime.now(dt.UTC).isoformat()
    events = [
        {"tenant": "alpha", "metric": "dossiers_received", "event_id": f"d:{n}", "quantity": 1, "occurred_at": now}
        for n in range(30)
    ]
    ingest(finance, events)
    page = admin.get("/operator/tenants")
    assert page.status_code == 200
    body = text(page)
    assert "/operator/tenants/alpha" in body and "/operator/tenants/beta" in body
    assert "HD-2026-ALPHA" in body and "Thuê dịch vụ một cửa điện tử" in body
    # the main metric (dossiers received) this contract year against the year's quota (1,000 a month)
    row = body.split('href="/operator/tenants/alpha"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r"30 / 12[.,]000", row), row
    assert '<progress class="progress" max="12000' in row and 'value="30' in row
    beta = body.split('href="/operator/tenants/beta"', 1)[1].split("</tr>", 1)[0]
    assert "No contract in force" in beta


def test_every_page_answers(admin, seeded):
    for path in (
        "/operator/tenants",
        "/operator/tenants/new",
        "/operator/tenants/alpha",
        "/operator/tenants/alpha/suspend",
        "/operator/tenants/alpha/archive",
        "/operator/tenants/alpha/plugins",
        "/operator/operators",
        "/operator/operators/new",
        "/operator/audit",
        "/operator/finance",
    ):
        response = admin.get(path)
        assert response.status_code == 200, path
        assert "<h1>" in text(response), path
    assert admin.get("/operator").status_code == 303
    assert admin.get("/operator/tenants/nosuch").status_code == 404
    assert admin.get("/operator/tenants/alpha/resume").status_code == 200  # the page; resuming an active one is 409


def test_creating_a_tenant_with_bad_input_is_a_422_that_keeps_the_input(admin, platform, seeded):
    data = {
        "slug": "Bad Slug!",
        "name": "Tỉnh Delta",
        "unit_code": "",
        "primary_color": "red",
        "secondary_color": "#ffc107",
        "domains": "not a domain",
    }
    response = submit(admin, "/operator/tenants/new", data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    for name in ("slug", "unit_code", "primary_color", "domains"):
        assert f'id="error-{name}"' in body, name
    assert input_value(body, "name") == "Tỉnh Delta" and input_value(body, "slug") == "Bad Slug!"
    weak = submit(
        admin,
        "/operator/tenants/new",
        {**data, "slug": "delta", "unit_code": "000.00.00.D01", "primary_color": "#004d40", "domains": ""}
        | {"admin_email": "qt@delta.gov.vn", "admin_password": "delta"},
    )
    assert weak.status_code == 422 and 'id="error-admin_password"' in weak.get_data(as_text=True)
    assert platform.get("/api/v1/tenants/delta").status_code == 404  # nothing was written


def test_needs_csrf_on_every_form(admin, seeded):
    for path, data in (
        ("/operator/tenants/new", {"slug": "epsilon"}),
        ("/operator/tenants/alpha/suspend", {}),
        ("/operator/tenants/alpha/archive", {"confirm_slug": "alpha"}),
        ("/operator/tenants/alpha/domains", {"domain": "dvc.alpha.gov.vn"}),
        ("/operator/tenants/alpha/plugins", {}),
        ("/operator/operators/new", {"email": "x@vendor.test", "full_name": "X", "role": "operator"}),
    ):
        assert admin.post(path, data=data).status_code == 400, path


def test_suspend_and_resume_need_confirmation_and_are_audited(ops, platform, seeded):
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "active"
    page = ops.get("/operator/tenants/alpha/suspend")
    assert "Suspend" in text(page) and platform.get("/api/v1/tenants/alpha").get_json()["status"] == "active"
    long = submit(ops, "/operator/tenants/alpha/suspend", {"reason": "x" * 501})
    assert long.status_code == 422 and 'id="error-reason"' in long.get_data(as_text=True)
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "active"
    response = submit(ops, "/operator/tenants/alpha/suspend", {"reason": "Chưa thanh toán"})
    assert response.status_code == 303 and response.headers["Location"] == "/operator/tenants/alpha"
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "suspended"
    event = last_audit(platform, "tenant.suspend")
    assert event["actor"].startswith("operator:") and "ops@vendor.test" in event["actor"]
    assert event["details"]["reason"] == "Chưa thanh toán" and event["tenant_slug"] == "alpha"
    # suspending again: the service's own refusal, on the console's error page
    again = submit(ops, "/operator/tenants/alpha/resume", {}, action="/operator/tenants/alpha/suspend")
    assert again.status_code == 409
    assert submit(ops, "/operator/tenants/alpha/resume", {}).status_code == 303
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "active"
    assert last_audit(platform, "tenant.resume")["actor"].startswith("operator:")


def test_archive_needs_the_slug_typed(ops, platform, seeded):
    wrong = submit(ops, "/operator/tenants/alpha/archive", {"confirm_slug": "alph"})
    assert wrong.status_code == 422
    body = text(wrong)
    assert "Type the tenant’s slug, alpha, exactly to confirm." in body
    assert input_value(wrong.get_data(as_text=True), "confirm_slug") == "alph"
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "active"
    archived = {"action": "tenant.archive_requested", "tenant": "alpha"}  # other tests archive their own tenants
    assert platform.get("/api/v1/audit", query_string=archived).get_json() == []
    done = submit(ops, "/operator/tenants/alpha/archive", {"confirm_slug": "alpha"})
    assert done.status_code == 303 and re.fullmatch(r"/operator/tenants/alpha/jobs/\d+", done.headers["Location"])
    assert platform.get("/api/v1/tenants/alpha").get_json()["status"] == "suspended"
    assert last_audit(platform, "tenant.archive_requested")["actor"].startswith("operator:")
    job = ops.get(done.headers["Location"])
    assert job.status_code == 200 and "Archiving of" in text(job)


def test_custom_domains_are_validated_added_and_removed(ops, platform, seeded):
    bad = submit(ops, "/operator/tenants/alpha", {"domain": "not a host"}, action="/operator/tenants/alpha/domains")
    assert bad.status_code == 422
    assert 'id="error-domain"' in bad.get_data(as_text=True)
    assert input_value(bad.get_data(as_text=True), "domain") == "not a host"
    under = submit(
        ops, "/operator/tenants/alpha", {"domain": "x.motcua.test"}, action="/operator/tenants/alpha/domains"
    )
    assert under.status_code == 422
    empty = submit(ops, "/operator/tenants/alpha", {"domain": ""}, action="/operator/tenants/alpha/domains")
    assert empty.status_code == 422
    added = submit(
        ops, "/operator/tenants/alpha", {"domain": "DichVuCong.Alpha.gov.vn"}, action="/operator/tenants/alpha/domains"
    )
    assert added.status_code == 303
    assert platform.get("/api/v1/tenants/alpha").get_json()["domains"] == ["dichvucong.alpha.gov.vn"]
    assert last_audit(platform, "tenant.domain_add")["details"]["domain"] == "dichvucong.alpha.gov.vn"
    taken = submit(
        ops, "/operator/tenants/beta", {"domain": "dichvucong.alpha.gov.vn"}, action="/operator/tenants/beta/domains"
    )
    assert taken.status_code == 409 and "already in use" in text(taken)
    page = ops.get("/operator/tenants/alpha")
    assert "dichvucong.alpha.gov.vn" in text(page)
    removed = submit(
        ops,
        "/operator/tenants/alpha",
        {"domain": "dichvucong.alpha.gov.vn"},
        action="/operator/tenants/alpha/domains/remove",
    )
    assert removed.status_code == 303
    assert platform.get("/api/v1/tenants/alpha").get_json()["domains"] == []
    assert last_audit(platform, "tenant.domain_remove")["actor"].startswith("operator:")


def test_plugin_allow_list(ops, platform, seeded):
    states = {p["name"]: p for p in platform.get("/api/v1/tenants/alpha/plugins").get_json()}
    assert states and all(p["allowed"] and p["enabled"] for p in states.values())  # the seed enables every one
    page = ops.get("/operator/tenants/alpha/plugins")
    for name in states:
        assert f'value="{name}" checked' in page.get_data(as_text=True)
    assert "Enabled by the province" in text(page)
    loaded = platform.get("/api/v1/plugins").get_json()
    needed = {r for p in loaded for r in p["required_plugins"]}
    leaf = next(p["name"] for p in loaded if p["name"] not in needed)
    keep = [name for name in states if name != leaf]
    response = submit(ops, "/operator/tenants/alpha/plugins", {"plugin": keep})
    assert response.status_code == 303
    states = {p["name"]: p for p in platform.get("/api/v1/tenants/alpha/plugins").get_json()}
    # taken off the allow-list: disabled too
    assert states[leaf]["allowed"] is False and states[leaf]["enabled"] is False
    assert all(states[name]["allowed"] and states[name]["enabled"] for name in keep)
    event = last_audit(platform, "plugin.disallow")
    assert event["target"] == f"plugin:{leaf}" and event["actor"].startswith("operator:")
    assert last_audit(platform, "plugin.disable")["target"] == f"plugin:{leaf}"
    assert f'value="{leaf}">' in ops.get("/operator/tenants/alpha/plugins").get_data(as_text=True)
    assert submit(ops, "/operator/tenants/alpha/plugins", {"plugin": list(states)}).status_code == 303
    states = {p["name"]: p for p in platform.get("/api/v1/tenants/alpha/plugins").get_json()}
    assert all(p["allowed"] for p in states.values())
    # allowed again, but enabling is the province's choice
    assert states[leaf]["enabled"] is False and all(states[name]["enabled"] for name in keep)
    assert last_audit(platform, "plugin.allow")["target"] == f"plugin:{leaf}"
    assert "Not enabled" in text(ops.get("/operator/tenants/alpha/plugins"))


def test_operator_accounts_create_with_a_temporary_password_and_deactivate(admin, host_client, platform, seeded):
    bad = submit(admin, "/operator/operators/new", {"email": "not-an-email", "full_name": "", "role": "operator"})
    assert bad.status_code == 422
    assert 'id="error-email"' in bad.get_data(as_text=True) and 'id="error-full_name"' in bad.get_data(as_text=True)
    assert input_value(bad.get_data(as_text=True), "email") == "not-an-email"
    created = submit(
        admin, "/operator/operators/new", {"email": "moi@vendor.test", "full_name": "Nhân viên Mới", "role": "operator"}
    )
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    password = re.search(r"<code data-temporary-password>([^<]+)</code>", created.get_data(as_text=True)).group(1)
    account = next(o for o in platform.get("/api/v1/operators").get_json() if o["email"] == "moi@vendor.test")
    assert account["role"] == "operator" and account["active"] is True
    assert last_audit(platform, "operator.create")["target"] == f"operator:{account['id']}"
    newcomer = signed_in_with(host_client, "moi@vendor.test", password)
    assert newcomer.get("/operator/tenants").status_code == 200
    assert password not in text(admin.get("/operator/operators"))  # shown once
    deactivate = submit(
        admin, "/operator/operators", {"active": "0"}, action=f"/operator/operators/{account['id']}/active"
    )
    assert deactivate.status_code == 303
    assert last_audit(platform, "operator.deactivate")["target"] == f"operator:{account['id']}"
    assert newcomer.get("/operator/tenants").status_code == 303  # its session ended
    assert log_in(host_client(TEST_BASE_DOMAIN), "moi@vendor.test", password).status_code == 401
    me = next(o for o in platform.get("/api/v1/operators").get_json() if o["email"] == "admin@vendor.test")
    own = submit(admin, "/operator/operators", {"active": "0"}, action=f"/operator/operators/{me['id']}/active")
    assert own.status_code == 409


def signed_in_with(host_client, email, password):
    client = host_client(TEST_BASE_DOMAIN)
    assert log_in(client, email, password).status_code == 303
    return client


def test_operator_api_deactivates_and_reactivates(platform, seeded):
    ops = next(o for o in platform.get("/api/v1/operators").get_json() if o["email"] == "ops@vendor.test")
    off = platform.patch(f"/api/v1/operators/{ops['id']}", json={"active": False})
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert platform.get("/api/v1/tenants").status_code == 200
    assert platform.patch(f"/api/v1/operators/{ops['id']}", json={"active": True}).get_json()["active"] is True
    assert platform.patch("/api/v1/operators/999999", json={"active": False}).status_code == 404
    assert platform.patch(f"/api/v1/operators/{ops['id']}", json={}).status_code == 422


def test_audit_trail_filters_and_pages(ops, platform, seeded):
    for n in range(3):
        submit(
            ops, "/operator/tenants/alpha", {"domain": f"d{n}.alpha.gov.vn"}, action="/operator/tenants/alpha/domains"
        )
    page = ops.get("/operator/audit", query_string={"action": "tenant.domain_add", "tenant": "alpha"})
    assert page.status_code == 200
    body = text(page)
    assert "3 events" in body and body.count("<code>tenant.domain_add</code>") == 3
    assert "ops@vendor.test" in body
    other = text(ops.get("/operator/audit", query_string={"action": "tenant.domain_add", "tenant": "beta"}))
    assert "No event matches these filters." in other
    # by operator: the page and the API's own filter
    me = next(o for o in platform.get("/api/v1/operators").get_json() if o["email"] == "ops@vendor.test")
    mine = text(ops.get("/operator/audit", query_string={"actor": f"operator:{me['id']}"}))
    assert mine.count("<code>tenant.domain_add</code>") == 3 and "admin@vendor.test" not in mine.split("<tbody>")[1]
    events = platform.get("/api/v1/audit", query_string={"actor": f"operator:{me['id']}"}).get_json()
    assert "tenant.domain_add" in {e["action"] for e in events}
    assert all("ops@vendor.test" in e["actor"] for e in events)
    assert platform.get("/api/v1/audit", query_string={"actor": "operator:999999"}).get_json() == []
    assert ops.get("/operator/audit", query_string={"page": "abc"}).status_code == 200


@pytest.fixture
def cleanup(runtime):
    slugs: list[str] = []
    yield slugs.append
    for slug in slugs:
        binding = runtime.db.binding(slug)
        with runtime.db.engine.begin() as conn:
            conn.execute(sql(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
            conn.execute(sql(f'DROP ROLE IF EXISTS "{binding.role}"'))
            conn.execute(delete(Tenant).where(Tenant.slug == slug))
    runtime.resolver.invalidate()


@pytest.mark.committed
def test_create_a_tenant_and_watch_its_provisioning(admin, platform, runtime, seeded, cleanup):
    cleanup("zeta")
    response = submit(
        admin,
        "/operator/tenants/new",
        {
            "slug": "zeta",
            "name": "Tỉnh Zeta",
            "unit_code": "000.00.00.Z01",
            "primary_color": "#004d40",
            "secondary_color": "#ffc107",
            "domains": "dichvucong.zeta.gov.vn",
            "admin_email": "quantri@zeta.gov.vn",
            "admin_name": "Quản trị Zeta",
            "admin_password": ADMIN_PASSWORD,
        },
    )
    assert response.status_code == 303, text(response)
    job_page = response.headers["Location"]
    assert re.fullmatch(r"/operator/tenants/zeta/jobs/\d+", job_page)
    page = admin.get(job_page)
    assert "Waiting for a worker" in text(page) and 'href="' + job_page + '">Refresh</a>' in text(page)
    status = admin.get(job_page + "/status")
    assert status.mimetype == "application/json"
    state = json.loads(status.get_data(as_text=True))
    assert (state["status"], state["finished"], state["tenant_status"]) == ("queued", False, "provisioning")
    assert [s["code"] for s in state["steps"]][:3] == ["queued", "starting", "creating schema and role"]
    event = last_audit(platform, "tenant.create")
    assert event["tenant_slug"] == "zeta" and event["actor"].startswith("operator:")

    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})
    state = admin.get(job_page + "/status").get_json()
    assert (state["status"], state["progress"], state["finished"], state["tenant_status"]) == (
        "succeeded",
        100,
        True,
        "active",
    )
    assert {s["state"] for s in state["steps"]} == {"done"}
    page = text(admin.get(job_page))
    assert "Finished" in page and ">Refresh</a>" not in page.split("hidden", 1)[0]
    assert platform.get("/api/v1/tenants/zeta").get_json()["domains"] == ["dichvucong.zeta.gov.vn"]


def test_a_failed_job_shows_where_it_stopped_and_why_and_runs_again(admin, host_client, platform, runtime, seeded):
    from motcua_tenants.registry.models import TenantJob

    response = submit(admin, "/operator/tenants/new", {"slug": "eta", "name": "Tỉnh Eta", "unit_code": "000.00.00.E01"})
    assert response.status_code == 303
    job_page = response.headers["Location"]
    job_id = int(job_page.rsplit("/", 1)[1])
    with runtime.db.control_session() as session:  # what the worker's JobReporter writes when a step fails
        job = session.get(TenantJob, job_id)
        job.status, job.step, job.progress, job.error = "failed", "applying migrations", 30, "RuntimeError: disk full"
        session.commit()
    state = admin.get(job_page + "/status").get_json()
    assert state["finished"] is True and state["error"] == "RuntimeError: disk full"
    steps = {step["code"]: step["state"] for step in state["steps"]}
    assert steps["creating schema and role"] == "done" and steps["applying migrations"] == "failed"
    assert steps["seeding"] == "todo"
    page = admin.get(job_page).get_data(as_text=True)
    assert 'data-step="applying migrations" data-state="failed"' in page and "RuntimeError: disk full" in page
    # run again from the page: a new job, its own progress page, audited
    again = submit(admin, job_page, {}, action="/operator/tenants/eta/provision")
    assert again.status_code == 303 and again.headers["Location"] != job_page
    assert admin.get(again.headers["Location"] + "/status").get_json()["status"] == "queued"
    assert last_audit(platform, "tenant.provision_retry")["actor"].startswith("operator:")
    assert submit(admin, job_page, {}, action="/operator/tenants/eta/provision").status_code == 409  # one at a time
    # the job's pages are the console's: a browser without an operator session is sent to log in
    anonymous = host_client(TEST_BASE_DOMAIN).get(job_page + "/status")
    assert anonymous.status_code == 303 and anonymous.headers["Location"].startswith("/operator/login")
