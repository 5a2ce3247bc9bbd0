"""The officer's workspace (/console) through the test client and the session cookie, as a browser: log in
with the staff login service, the inbox of the officer's units only, one dossier, a status change with the
version the page was drawn from (a stale one is a 409 that changes nothing), CSRF on every form, and a
change the state machine does not allow refused. The staff API checks what the pages changed."""

import io

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from portal_support import csrf_token, fresh_address, submit, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHANGED_EN = "Someone else changed this dossier while you had it open"


def log_in(client, email: str, password: str = TEST_PASSWORD, next_path: str | None = None):
    data = {"email": email, "password": password} | ({"next": next_path} if next_path else {})
    return submit(client, "/console/login", data, environ_base={"REMOTE_ADDR": fresh_address()})


@pytest.fixture
def officer_api(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def console(host_client, seeded):
    """The seeded officer of commune A in a browser, logged in to the console (a cookie, no token)."""
    client = host_client(seeded["alpha"].host)
    response = log_in(client, "officer@alpha.test")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"] == "/console"
    return client


@pytest.fixture
def online_code(host_client, seeded):
    """A dossier submitted online at commune A, awaiting intake (status 1, version 1)."""
    response = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def dossier(api, code):
    return api.get(f"/api/v1/dossiers/{code}").get_json()


def act(client, code, to_status, *, comment="", version=None):
    """POST the action form of the dossier's page (its CSRF token, and its version unless given)."""
    page = client.get(f"/console/dossiers/{code}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    shown = body.split('name="version" value="', 1)[1].split('"', 1)[0] if 'name="version"' in body else "1"
    data = {
        "csrf_token": csrf_token(body),
        "version": str(version if version is not None else shown),
        "to_status": str(to_status),
        "comment": comment,
    }
    return client.post(f"/console/dossiers/{code}/transitions", data=data)


def test_pages_need_a_staff_login_and_the_login_is_the_staff_apis(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    response = client.get("/console")
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/login?next=/console"
    page = client.get("/console/login")
    assert page.status_code == 200
    assert "Staff log in" in text(page)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    wrong = log_in(client, "officer@alpha.test", "not the password")
    assert wrong.status_code == 401
    assert "E-mail or password is incorrect." in text(wrong)
    # a citizen's login is not a staff login
    assert log_in(client, "citizen@alpha.test").status_code == 401
    ok = log_in(client, "officer@alpha.test", next_path="/console?view=overdue")
    assert ok.status_code == 303 and ok.headers["Location"] == "/console?view=overdue"
    cookie = ok.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/console").status_code == 200
    # an address elsewhere is never where the login goes next
    elsewhere = log_in(host_client(seeded["alpha"].host), "officer@alpha.test", next_path="//evil.example/")
    assert elsewhere.headers["Location"] == "/console"


def test_log_out_revokes_the_token(console):
    page = console.get("/console")
    response = console.post("/console/logout", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 303 and response.headers["Location"] == "/console/login"
    assert console.get("/console").status_code == 303


def test_the_inbox_shows_only_the_officers_units(console, alpha, officer_api, seeded, online_code):
    units = seeded["alpha"].units
    other = alpha.post("/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=units["commune_b"]))
    assert other.status_code == 201, other.get_json()
    other_code = other.get_json()["code"]
    page = text(console.get("/console"))
    assert online_code in page
    assert other_code not in page  # commune B's dossier, received by the province's admin
    assert "Submitted, awaiting intake" in page
    assert "Trần Văn Chồng" in page
    assert "Open dossiers" in page and "Overdue" in page
    # the same answer as the API for the officer: another unit's dossier does not exist
    assert console.get(f"/console/dossiers/{other_code}").status_code == 404
    assert officer_api.get(f"/api/v1/dossiers/{other_code}").status_code == 404
    # filters: a status, a view
    assert online_code in text(console.get("/console?status=1"))
    assert online_code not in text(console.get("/console?status=2"))
    assert online_code not in text(console.get("/console?view=overdue"))
    assert console.get("/console?view=mine&page=2").status_code == 200


def test_the_dossier_page_and_an_action(console, officer_api, online_code):
    page = text(console.get(f"/console/dossiers/{online_code}"))
    assert "Form data" in page and "Lê Thị Vợ" in page and "Husband's full name" in page
    assert "History" in page
    for action in ("Receive", "Refuse", "Ask for a supplement", "Record a withdrawal"):
        assert f">{action}</button>" in page
    response = act(console, online_code, 2, comment="Đủ giấy tờ")
    assert response.status_code == 303
    shown = text(console.get(response.headers["Location"]))
    assert "Done: the dossier is now “Received by the office”." in shown
    assert ">Start processing</button>" in shown
    after = dossier(officer_api, online_code)
    assert after["status"] == 2 and after["version"] == 2


def test_a_stale_page_changes_nothing(console, officer_api, online_code):
    page = console.get(f"/console/dossiers/{online_code}")  # drawn at version 1
    assert move(officer_api, online_code, 2, 1).status_code == 200  # someone else receives it meanwhile
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "version": "1", "to_status": "3", "comment": "x"}
    response = console.post(f"/console/dossiers/{online_code}/transitions", data=data)
    assert response.status_code == 409
    assert CHANGED_EN in text(response)
    assert "Received by the office" in text(response)  # its current state
    after = dossier(officer_api, online_code)
    assert after["status"] == 2 and after["version"] == 2


def test_forms_need_their_csrf_token(console, officer_api, online_code):
    response = console.post(f"/console/dossiers/{online_code}/transitions", data={"version": "1", "to_status": "2"})
    assert response.status_code == 400
    assert dossier(officer_api, online_code)["status"] == 1
    assert console.post("/console/logout").status_code == 400
    assert console.get("/console").status_code == 200  # still logged in


def test_a_forbidden_action_is_refused(console, officer_api, online_code):
    response = act(console, online_code, 9)  # "processed" straight from awaiting intake
    assert response.status_code == 409
    assert "cannot move to 9" in text(response)
    response = act(console, online_code, 3)  # a refusal without its reason
    assert response.status_code == 422
    assert "Give the reason" in text(response)
    response = act(console, online_code, 42)
    assert response.status_code == 422
    after = dossier(officer_api, online_code)
    assert after["status"] == 1 and after["version"] == 1


def test_staff_without_a_unit_role_have_no_inbox(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    assert log_in(client, "finance@alpha.test").status_code == 303
    assert client.get("/console").status_code == 403


def test_vietnamese_first(host_client, seeded, online_code):
    client = host_client(seeded["alpha"].host, language="vi")
    assert "Cán bộ đăng nhập" in text(client.get("/console/login"))
    assert log_in(client, "officer@alpha.test").status_code == 303
    page = text(client.get(f"/console/dossiers/{online_code}"))
    # the form's fields under the plugin's Vietnamese titles, never its keys or English
    assert "Họ, chữ đệm, tên người chồng" in page and "Nơi cư trú của hai bên" in page
    assert "Husband" not in page and "husband_full_name" not in page


def test_documents_are_links_to_their_files(console, officer_api, online_code):
    fields = {"component": "0", "file": FileStorage(io.BytesIO(PDF), filename="to-khai.pdf")}
    boundary, data = encode_multipart(fields)
    uploaded = officer_api.post(
        f"/api/v1/dossiers/{online_code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    document_id = uploaded.get_json()["id"]
    page = text(console.get(f"/console/dossiers/{online_code}"))
    link = f"/console/dossiers/{online_code}/documents/{document_id}"
    assert f'href="{link}"' in page and "to-khai.pdf" in page
    response = console.get(link)
    assert response.status_code == 200
    assert response.get_data() == PDF
    response.close()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_console_wears_the_provinces_colours(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    page = client.get("/console/login").get_data(as_text=True)
    stylesheet = page.split('<link rel="stylesheet" href="/brand.css?v=', 1)[1].split('"', 1)[0]
    css = client.get(f"/brand.css?v={stylesheet}")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert "--brand: #" in css.get_data(as_text=True)
