"""The province administration pages of the console (issue 13 items 2 and 5) through the test client and
the session cookie, as a browser: the unit tree and its kind rules, staff accounts (create with a temporary
password shown once, name and roles, reset, unlock, deactivate, the last province admin kept), one's own
password (and the change a temporary password forces first), and the audit trail. Each page answers as the
API does for the same caller: an officer gets 403, a commune's admin sees and changes only the commune's
subtree; the API checks what the pages changed."""

import re

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from portal_support import csrf_token, fresh_address, submit, text

NEW_PASSWORD = "Sông Hồng chảy qua bốn mùa lúa chín"


def log_in(client, email: str, password: str = TEST_PASSWORD):
    return submit(
        client, "/console/login", {"email": email, "password": password}, environ_base={"REMOTE_ADDR": fresh_address()}
    )


def signed_in(host_client, seeded, key: str):
    client = host_client(seeded["alpha"].host)
    response = log_in(client, f"{key}@alpha.test")
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin(host_client, seeded):
    return signed_in(host_client, seeded, "admin")


@pytest.fixture
def commune_admin(host_client, seeded):
    return signed_in(host_client, seeded, "commune_admin")


def post_form(client, page: str, data: dict, action: str | None = None):
    return submit(client, page, data, action=action)


def temporary_password(response) -> str:
    match = re.search(r'<code id="temporary-password">([^<]+)</code>', response.get_data(as_text=True))
    assert match, "the page shows no temporary password"
    return match.group(1)


ADMIN_PAGES = (
    "/console/admin/units",
    "/console/admin/units/new",
    "/console/admin/staff",
    "/console/admin/staff/new",
    "/console/admin/audit",
)


def test_the_admin_pages_are_for_tenant_admins_only(host_client, seeded, admin):
    anonymous = host_client(seeded["alpha"].host)
    for path in ADMIN_PAGES:
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/console/login?next=")
    officer = signed_in(host_client, seeded, "officer")
    finance = signed_in(host_client, seeded, "finance")
    for path in (*ADMIN_PAGES, f"/console/admin/staff/{seeded['alpha'].staff['admin']}"):
        assert officer.get(path).status_code == 403, path
        assert finance.get(path).status_code == 403, path
        assert admin.get(path).status_code == 200, path
    # a POST too: the form's role check is the page's, not the link's
    page = officer.get("/console/password").get_data(as_text=True)
    refused = officer.post("/console/admin/units/new", data={"csrf_token": csrf_token(page), "name": "X"})
    assert refused.status_code == 403
    # the same answer as the API
    assert host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"]).get("/api/v1/staff").status_code == 403
    # the navigation offers the group only to admins
    assert "Administration" in text(admin.get("/console"))
    assert "Administration" not in text(officer.get("/console"))
    assert "My password" in text(officer.get("/console"))


def test_the_unit_tree_and_a_new_unit(admin, alpha, seeded):
    units = seeded["alpha"].units
    page = text(admin.get("/console/admin/units"))
    for key in ("department", "commune_a", "commune_b", "centre_a"):
        assert f"{key} of Tỉnh Alpha" in page
    assert "Public-administration service centre" in page
    created = post_form(
        admin,
        f"/console/admin/units/new?parent={units['root']}",
        {"name": "Sở Tư pháp", "code": "000.00.07.A01", "kind": "department", "parent_id": units["root"]},
    )
    assert created.status_code == 303 and created.headers["Location"] == "/console/admin/units"
    listed = alpha.get("/api/v1/units?q=000.00.07.A01").get_json()
    assert [(u["name"], u["kind"], u["parent_id"]) for u in listed] == [("Sở Tư pháp", "department", units["root"])]
    events = alpha.get("/api/v1/tenant-audit?action=unit.create").get_json()
    assert events[0]["target"] == f"unit:{listed[0]['id']}"
    assert events[0]["actor"].startswith(f"staff:{seeded['alpha'].staff['admin']}:")
    assert "Sở Tư pháp" in text(admin.get("/console/admin/units"))


def test_bad_unit_input_is_shown_next_to_the_field_and_kept(admin, alpha, seeded):
    units = seeded["alpha"].units
    before = alpha.get("/api/v1/units?page_size=100").get_json()
    empty = post_form(admin, "/console/admin/units/new", {"name": "Phòng mới", "code": "", "kind": "", "parent_id": ""})
    assert empty.status_code == 422
    body = text(empty)
    assert 'id="error-code"' in body and 'id="error-kind"' in body and 'id="error-parent_id"' in body
    assert 'value="Phòng mới"' in body
    taken = post_form(
        admin,
        "/console/admin/units/new",
        {
            "name": "Trùng",
            "code": "000.00.51.A01",
            "kind": "department",
            "parent_id": units["root"],
            "valid_from": "hôm qua",
        },
    )
    assert taken.status_code == 422
    assert 'id="error-valid_from"' in text(taken)
    taken = post_form(
        admin,
        "/console/admin/units/new",
        {"name": "Trùng", "code": "000.00.51.A01", "kind": "department", "parent_id": units["root"]},
    )
    assert taken.status_code == 422
    assert "is already used by another unit" in text(taken).split('id="error-code"', 1)[1].split("</p>", 1)[0]
    assert alpha.get("/api/v1/units?page_size=100").get_json() == before


def test_the_kind_rules_are_the_services_and_shown_by_the_parent_field(admin, alpha, seeded):
    units = seeded["alpha"].units
    # a commune under a commune: refused at creation
    refused = post_form(
        admin,
        "/console/admin/units/new",
        {"name": "Xã con", "code": "000.00.61.A01", "kind": "commune", "parent_id": units["commune_a"]},
    )
    assert refused.status_code == 422
    message = text(refused).split('id="error-parent_id"', 1)[1].split("</p>", 1)[0]
    assert "A commune cannot sit under a commune" in message and "its parent must be the province" in message
    # the province's service centre cannot be moved under a commune (the API refuses the same)
    centre = alpha.post(
        "/api/v1/units",
        json={"kind": "service_centre", "code": "000.00.99.A01", "name": "TTPVHCC tỉnh", "parent_id": units["root"]},
    ).get_json()["id"]
    moved = post_form(
        admin,
        f"/console/admin/units/{centre}",
        {"name": "TTPVHCC tỉnh", "code": "000.00.99.A01", "kind": "service_centre", "parent_id": units["commune_b"]},
    )
    assert moved.status_code == 422
    field = text(moved).split('id="error-parent_id"', 1)[1].split("</p>", 1)[0]
    assert "The province's service centre cannot be moved under a commune" in field
    assert 'value="TTPVHCC tỉnh"' in text(moved)
    api = alpha.patch(f"/api/v1/units/{centre}", json={"parent_id": units["commune_b"]})
    assert api.status_code == 422 and "cannot be moved under a commune" in api.get_json()["errors"]["parent_id"][0]
    assert alpha.get(f"/api/v1/units/{centre}").get_json()["parent_id"] == units["root"]
    # a commune's centre may follow a merger into another commune
    merged = post_form(
        admin,
        f"/console/admin/units/{units['centre_a']}",
        {"name": "TTPVHCC xã A", "code": "000.00.53.A01", "kind": "service_centre", "parent_id": units["commune_b"]},
    )
    assert merged.status_code == 303
    assert alpha.get(f"/api/v1/units/{units['centre_a']}").get_json()["parent_id"] == units["commune_b"]


def test_rename_and_close_a_unit(admin, alpha, seeded):
    units = seeded["alpha"].units
    form = {
        "name": "Sở Nội vụ (mới)",
        "code": "000.00.01.A01",
        "kind": "department",
        "parent_id": units["root"],
        "valid_to": "2026-12-31",
    }
    saved = post_form(admin, f"/console/admin/units/{units['department']}", form)
    assert saved.status_code == 303
    unit = alpha.get(f"/api/v1/units/{units['department']}").get_json()
    assert unit["name"] == "Sở Nội vụ (mới)" and unit["valid_to"] == "2026-12-31"
    assert "Closes on" in text(admin.get("/console/admin/units")) or "Closed on" in text(
        admin.get("/console/admin/units")
    )


def test_a_commune_admin_sees_and_changes_only_the_commune(commune_admin, alpha, seeded):
    units = seeded["alpha"].units
    tree = text(commune_admin.get("/console/admin/units"))
    assert "commune_a of Tỉnh Alpha" in tree and "centre_a of Tỉnh Alpha" in tree
    assert "commune_b of Tỉnh Alpha" not in tree and "department of Tỉnh Alpha" not in tree
    assert commune_admin.get(f"/console/admin/units/{units['commune_b']}").status_code == 404
    staff = text(commune_admin.get("/console/admin/staff"))
    assert "officer@alpha.test" in staff and "commune_admin@alpha.test" in staff
    assert "finance@alpha.test" not in staff and ">admin@alpha.test<" not in staff
    assert commune_admin.get(f"/console/admin/staff/{seeded['alpha'].staff['finance']}").status_code == 404
    # granting a role beyond the commune is the API's 403, and changes nothing
    officer = seeded["alpha"].staff["officer"]
    page = commune_admin.get(f"/console/admin/staff/{officer}").get_data(as_text=True)
    beyond = commune_admin.post(
        f"/console/admin/staff/{officer}",
        data={
            "csrf_token": csrf_token(page),
            "full_name": "officer",
            "role-0": "tenant_admin",
            "unit-0": str(units["root"]),
        },
    )
    assert beyond.status_code == 403
    assert [r["unit_id"] for r in alpha.get(f"/api/v1/staff/{officer}").get_json()["roles"]] == [units["commune_a"]]
    # the commune itself keeps its parent (the province, above the commune's admin) when saved
    kept = post_form(
        commune_admin,
        f"/console/admin/units/{units['commune_a']}",
        {"name": "Xã A mới", "code": "000.00.51.A01", "kind": "commune", "parent_id": units["root"]},
    )
    assert kept.status_code == 303
    assert alpha.get(f"/api/v1/units/{units['commune_a']}").get_json()["name"] == "Xã A mới"
    # an account also holding a role above the commune is shown, not offered for change
    roles = [{"role": "officer", "unit_id": units["commune_a"]}, {"role": "officer", "unit_id": units["department"]}]
    assert alpha.patch(f"/api/v1/staff/{officer}", json={"roles": roles}).status_code == 200
    shown = text(commune_admin.get(f"/console/admin/staff/{officer}"))
    assert "only an administrator above those units can change it" in shown and "Save name and roles" not in shown


def test_the_staff_list_filters_and_pages(admin, seeded, host_client, monkeypatch):
    units = seeded["alpha"].units
    every = text(admin.get("/console/admin/staff"))
    assert "4 accounts" in every and "officer@alpha.test" in every and "Officer — commune_a of Tỉnh Alpha" in every
    officers = text(admin.get(f"/console/admin/staff?role=officer&unit={units['commune_a']}"))
    assert "1 account" in officers and "officer@alpha.test" in officers and "finance@alpha.test" not in officers
    assert "0 accounts" in text(admin.get("/console/admin/staff?active=no"))
    assert admin.get("/console/admin/staff?page=2&role=king&unit=x").status_code == 200
    # in pages
    from motcua_console import staff_pages

    monkeypatch.setattr(staff_pages, "PAGE_SIZE", 3)
    first, second = text(admin.get("/console/admin/staff?role=")), text(admin.get("/console/admin/staff?page=2"))
    assert "Page 1 of 2" in first and 'rel="next" href="/console/admin/staff?page=2"' in first
    assert "finance@alpha.test" in second and "officer@alpha.test" not in second
    # the API's same filters
    api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    listed = api.get(f"/api/v1/staff?role=tenant_admin&unit_id={units['commune_a']}").get_json()
    assert [s["email"] for s in listed] == ["commune_admin@alpha.test"]
    assert api.get("/api/v1/staff?active=false").get_json() == []
    assert api.get("/api/v1/staff?role=king").status_code == 422


def test_create_a_staff_member_with_a_temporary_password_shown_once(admin, alpha, seeded, host_client):
    units = seeded["alpha"].units
    created = post_form(
        admin,
        "/console/admin/staff/new",
        {
            "full_name": "Nguyễn Thị Lan",
            "email": "lan@alpha.test",
            "role-0": "officer",
            "unit-0": units["commune_b"],
            "role-1": "",
            "unit-1": "",
        },
    )
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    password = temporary_password(created)
    account = next(s for s in alpha.get("/api/v1/staff").get_json() if s["email"] == "lan@alpha.test")
    assert account["roles"] == [{"role": "officer", "unit_id": units["commune_b"]}]
    assert password not in text(admin.get(f"/console/admin/staff/{account['id']}"))
    # the new member's first login leads to choosing their own password, before any other page
    lan = host_client(seeded["alpha"].host)
    assert log_in(lan, "lan@alpha.test", password).status_code == 303
    forced = lan.get("/console")
    assert forced.status_code == 303 and forced.headers["Location"] == "/console/password"
    assert lan.get(f"/console/dossiers/{'x'}").headers["Location"] == "/console/password"
    assert "Choose your own password" in text(lan.get("/console/password"))
    changed = post_form(
        lan,
        "/console/password",
        {"current_password": password, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert lan.get("/console").status_code == 200
    # bad input on creation: every field's problem, the input kept
    bad = post_form(
        admin,
        "/console/admin/staff/new",
        {"full_name": "", "email": "lan@alpha.test", "role-0": "officer", "unit-0": ""},
    )
    assert bad.status_code == 422
    body = text(bad)
    assert 'id="error-full_name"' in body and 'id="error-roles"' in body and 'value="lan@alpha.test"' in body
    taken = post_form(
        admin,
        "/console/admin/staff/new",
        {"full_name": "Lan 2", "email": "LAN@alpha.test", "role-0": "officer", "unit-0": units["commune_b"]},
    )
    assert (
        taken.status_code == 422 and "already exists" in text(taken).split('id="error-email"', 1)[1].split("</p>", 1)[0]
    )


def test_edit_name_and_roles_and_the_last_province_admin(admin, alpha, seeded):
    units, staff = seeded["alpha"].units, seeded["alpha"].staff
    saved = post_form(
        admin,
        f"/console/admin/staff/{staff['officer']}",
        {
            "full_name": "Trần Văn Bình",
            "role-0": "officer",
            "unit-0": units["commune_a"],
            "role-1": "finance_viewer",
            "unit-1": units["department"],
            "role-2": "",
            "unit-2": "",
        },
    )
    assert saved.status_code == 303
    account = alpha.get(f"/api/v1/staff/{staff['officer']}").get_json()
    assert account["full_name"] == "Trần Văn Bình"
    assert sorted((r["role"], r["unit_id"]) for r in account["roles"]) == [
        ("finance_viewer", units["department"]),
        ("officer", units["commune_a"]),
    ]
    event = alpha.get("/api/v1/tenant-audit?action=staff.update").get_json()[0]
    assert event["target"] == f"staff:{staff['officer']}" and event["details"]["roles"]["added"] == [
        ["finance_viewer", units["department"]]
    ]
    # a half-filled row: 422 next to the roles, nothing changed
    half = post_form(
        admin, f"/console/admin/staff/{staff['officer']}", {"full_name": "X", "role-0": "officer", "unit-0": ""}
    )
    assert half.status_code == 422 and 'id="error-roles"' in text(half)
    assert alpha.get(f"/api/v1/staff/{staff['officer']}").get_json()["full_name"] == "Trần Văn Bình"
    # the admin is the province's only one: taking the role away is a clear 409
    last = post_form(
        admin,
        f"/console/admin/staff/{staff['admin']}",
        {"full_name": "admin", "role-0": "officer", "unit-0": units["root"]},
    )
    assert last.status_code == 409
    assert "last active tenant admin" in text(last)
    assert alpha.get(f"/api/v1/staff/{staff['admin']}").get_json()["roles"] == [
        {"role": "tenant_admin", "unit_id": units["root"]}
    ]


def test_reset_unlock_deactivate_and_reactivate(admin, alpha, seeded, host_client):
    staff = seeded["alpha"].staff
    officer_api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer_api.get("/api/v1/me").status_code == 200
    page = f"/console/admin/staff/{staff['officer']}"
    reset = post_form(admin, page, {}, action=f"{page}/reset-password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    password = temporary_password(reset)
    assert officer_api.get("/api/v1/me").status_code == 401  # every session ended
    login = host_client(seeded["alpha"].host).post(
        "/api/v1/auth/login", json={"email": "officer@alpha.test", "password": password}
    )
    assert login.status_code == 201 and login.get_json()["must_change_password"] is True
    assert "Temporary: to be changed at the next login" in text(admin.get(page))
    # locked out by failed logins from one address, then unlocked
    stranger = host_client(seeded["alpha"].host)
    for _attempt in range(6):
        stranger.post(
            "/api/v1/auth/login",
            json={"email": "officer@alpha.test", "password": "wrong"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
    assert "Locked from 1 address" in text(admin.get(page))
    unlocked = post_form(admin, page, {}, action=f"{page}/unlock")
    assert unlocked.status_code == 303
    assert "Not locked" in text(admin.get(page))
    assert alpha.get("/api/v1/tenant-audit?action=staff.unlock").get_json()[0]["target"] == f"staff:{staff['officer']}"
    # deactivate, reactivate
    assert post_form(admin, page, {"active": "no"}, action=f"{page}/active").status_code == 303
    assert alpha.get(page.replace("/console/admin", "/api/v1")).get_json()["active"] is False
    assert "Deactivated" in text(admin.get("/console/admin/staff?active=no"))
    assert post_form(admin, page, {"active": "yes"}, action=f"{page}/active").status_code == 303
    assert alpha.get(page.replace("/console/admin", "/api/v1")).get_json()["active"] is True
    # one's own account: no reset or deactivation here (the API's 409)
    own = f"/console/admin/staff/{staff['admin']}"
    assert "Reset the password" not in text(admin.get(own))
    refused = post_form(admin, own, {"active": "no"}, action=f"{own}/active")
    assert refused.status_code == 409 and "You cannot deactivate your own account." in text(refused)


def test_everyone_changes_their_own_password(host_client, seeded):
    officer = signed_in(host_client, seeded, "officer")
    other_session = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    weak = post_form(
        officer,
        "/console/password",
        {"current_password": TEST_PASSWORD, "new_password": "password123", "new_password_again": "password123"},
    )
    assert weak.status_code == 422
    assert 'id="error-new_password"' in text(weak)
    wrong = post_form(
        officer,
        "/console/password",
        {"current_password": "nope", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "The current password is wrong." in text(wrong)
    differ = post_form(
        officer,
        "/console/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": "x"},
    )
    assert differ.status_code == 422 and 'id="error-new_password_again"' in text(differ)
    assert other_session.get("/api/v1/me").status_code == 200
    done = post_form(
        officer,
        "/console/password",
        {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert done.status_code == 303
    assert officer.get("/console").status_code == 200  # this session goes on
    assert other_session.get("/api/v1/me").status_code == 401  # the others end
    again = host_client(seeded["alpha"].host)
    assert log_in(again, "officer@alpha.test", NEW_PASSWORD).status_code == 303


def test_the_api_changes_ones_own_password_too(host_client, seeded):
    api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    weak = api.post(
        "/api/v1/staff/me/password", json={"current_password": TEST_PASSWORD, "new_password": "finance Tỉnh Alpha"}
    )
    assert weak.status_code == 422 and "new_password" in weak.get_json()["errors"]
    ok = api.post("/api/v1/staff/me/password", json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert ok.status_code == 204
    assert api.get("/api/v1/me").get_json()["must_change_password"] is False
    event = (
        host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
        .get("/api/v1/tenant-audit?action=staff.password")
        .get_json()[0]
    )
    assert event["target"] == f"staff:{seeded['alpha'].staff['finance']}"
    # an account created through the API with a password to hand over carries the flag until changed
    body = {
        "email": "tam@alpha.test",
        "full_name": "Phạm Văn Tâm",
        "password": NEW_PASSWORD,
        "roles": [{"role": "officer", "unit_id": seeded["alpha"].units["commune_b"]}],
        "must_change_password": True,
    }
    admin_api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["admin"])
    assert admin_api.post("/api/v1/staff", json=body).status_code == 201
    login = host_client(seeded["alpha"].host).post(
        "/api/v1/auth/login", json={"email": "tam@alpha.test", "password": NEW_PASSWORD}
    )
    assert login.get_json()["must_change_password"] is True
    seeded_login = host_client(seeded["alpha"].host).post(
        "/api/v1/auth/login", json={"email": "officer@alpha.test", "password": TEST_PASSWORD}
    )
    assert seeded_login.get_json()["must_change_password"] is False
    citizen = host_client(seeded["alpha"].host, seeded["alpha"].citizen_token)
    assert (
        citizen.post("/api/v1/staff/me/password", json={"current_password": "a", "new_password": "b"}).status_code
        == 403
    )


def test_the_audit_trail_page(admin, alpha, seeded):
    officer = seeded["alpha"].staff["officer"]
    alpha.post(f"/api/v1/staff/{officer}/unlock")
    page = text(admin.get("/console/admin/audit"))
    assert '"What">Logged in<' in page  # the admin's own console login
    assert f'officer Tỉnh Alpha <a href="/console/admin/audit?target=staff:{officer}">' in page  # named
    assert "Unlocked a staff account" in page and "admin@alpha.test" in page and f"staff:{officer}" in page
    only = text(admin.get(f"/console/admin/audit?action=staff.unlock&target=staff:{officer}&actor=admin@alpha"))
    assert "Unlocked a staff account" in only and '"What">Logged in<' not in only
    assert "No event matches." in text(admin.get("/console/admin/audit?target=staff:999999"))
    assert "No event matches." in text(admin.get("/console/admin/audit?until=2001-01-01"))
    assert "Unlocked a staff account" in text(admin.get("/console/admin/audit?action=staff.unlock&since=2001-01-01"))
    bad = admin.get("/console/admin/audit?since=yesterday&until=2001-01-01")
    assert bad.status_code == 422 and 'id="error-since"' in text(bad)
    reversed_days = admin.get("/console/admin/audit?since=2026-02-01&until=2026-01-01")
    assert reversed_days.status_code == 422 and 'id="error-until"' in text(reversed_days)
    # the API filters the same way
    api = alpha.get(f"/api/v1/tenant-audit?actor=admin@alpha&target=staff:{officer}&since=2001-01-01").get_json()
    assert api and all(e["target"] == f"staff:{officer}" for e in api)
    assert alpha.get("/api/v1/tenant-audit?until=2001-01-01").get_json() == []


def test_every_form_needs_its_csrf_token(admin, seeded):
    staff = seeded["alpha"].staff["officer"]
    for path in ("/console/admin/units/new", f"/console/admin/staff/{staff}/unlock", "/console/password"):
        assert admin.post(path, data={}).status_code == 400, path
