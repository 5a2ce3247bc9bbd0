"""The vendor operators' console (/operator on the platform host) through the test client and the session
cookie, as a browser: the operators' login (the API's login service; a province's staff or a citizen is
refused), each page and its roles, CSRF on every form, bad input kept with a 422, confirmations before a
lifecycle change, domains, the plugin allow-list and operator accounts. The control-plane API checks what
the pages changed; the audit trail records each write as the API does."""

import pytest
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from portal_support import csrf_token, fresh_address, submit, text


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
