"""A province's tenant admins manage staff accounts (issue 13): full name and roles, a temporary password
that ends every session, unlocking a locked-out account. Each change stays inside the admin's units, keeps
one province-wide admin, and is audited."""

from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_platform.auth.models import LoginFailures
from sqlalchemy import select

WRONG = "Wrong-passw0rd!"
STRANGER = "203.0.113.9"


def commune_admin(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])


def email_of(alpha, staff_id):
    return alpha.get(f"/api/v1/staff/{staff_id}").get_json()["email"]


def login(host_client, seeded, email, password, addr="198.51.100.7"):
    return host_client(seeded["alpha"].host).post(
        "/api/v1/auth/login", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": addr}
    )


def last_event(alpha, action):
    events = alpha.get(f"/api/v1/tenant-audit?action={action}").get_json()
    assert events, action
    return events[0]


# -- name and roles --------------------------------------------------------------------------------
def test_admin_changes_name_and_roles_and_the_change_is_audited(alpha, host_client, seeded):
    tenant = seeded["alpha"]
    officer = tenant.staff["officer"]
    response = alpha.patch(
        f"/api/v1/staff/{officer}",
        json={
            "full_name": "Lê Văn Cán Bộ",
            "roles": [
                {"role": "officer", "unit_id": tenant.units["department"]},
                {"role": "finance_viewer", "unit_id": tenant.units["root"]},
            ],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["full_name"] == "Lê Văn Cán Bộ"
    assert sorted((r["role"], r["unit_id"]) for r in body["roles"]) == [
        ("finance_viewer", tenant.units["root"]),
        ("officer", tenant.units["department"]),
    ]
    # the officer's own token sees the new roles at once
    me = host_client(tenant.host, tenant.tokens["officer"]).get("/api/v1/me").get_json()
    assert {(r["role"], r["unit_id"]) for r in me["roles"]} == {
        ("finance_viewer", tenant.units["root"]),
        ("officer", tenant.units["department"]),
    }
    event = last_event(alpha, "staff.update")
    assert event["target"] == f"staff:{officer}"
    assert event["actor"].startswith(f"staff:{tenant.staff['admin']}:")
    assert event["details"]["full_name"]["to"] == "Lê Văn Cán Bộ"
    assert sorted(map(tuple, event["details"]["roles"]["added"])) == [
        ("finance_viewer", tenant.units["root"]),
        ("officer", tenant.units["department"]),
    ]
    assert event["details"]["roles"]["removed"] == [["officer", tenant.units["commune_a"]]]


def test_a_name_alone_leaves_the_roles(alpha, seeded):
    officer = seeded["alpha"].staff["officer"]
    before = alpha.get(f"/api/v1/staff/{officer}").get_json()["roles"]
    response = alpha.patch(f"/api/v1/staff/{officer}", json={"full_name": "Tên Mới"})
    assert response.status_code == 200 and response.get_json()["roles"] == before
    details = last_event(alpha, "staff.update")["details"]
    assert details["full_name"]["to"] == "Tên Mới" and "roles" not in details


def test_invalid_changes_are_refused_with_the_fields(alpha, seeded):
    officer = seeded["alpha"].staff["officer"]
    empty = alpha.patch(f"/api/v1/staff/{officer}", json={})
    assert empty.status_code == 422 and empty.get_json()["code"] == "validation_error"
    no_roles = alpha.patch(f"/api/v1/staff/{officer}", json={"roles": []})
    assert no_roles.status_code == 422 and "roles" in no_roles.get_json()["errors"]
    bad_role = alpha.patch(f"/api/v1/staff/{officer}", json={"roles": [{"role": "king", "unit_id": 1}]})
    assert bad_role.status_code == 422 and "roles" in bad_role.get_json()["errors"]
    no_unit = alpha.patch(f"/api/v1/staff/{officer}", json={"roles": [{"role": "officer", "unit_id": 9999}]})
    assert no_unit.status_code == 422
    assert no_unit.get_json()["errors"]["roles"] == ["Unit 9999 does not exist."]
    blank = alpha.patch(f"/api/v1/staff/{officer}", json={"full_name": "   "})
    assert blank.status_code == 422 and set(blank.get_json()["errors"]) == {"full_name"}
    unknown_field = alpha.patch(f"/api/v1/staff/{officer}", json={"email": "x@alpha.test"})
    assert unknown_field.status_code == 422
    assert alpha.get("/api/v1/tenant-audit?action=staff.update").get_json() == []  # nothing written


def test_commune_admin_changes_roles_only_inside_the_commune(host_client, seeded, alpha):
    tenant = seeded["alpha"]
    client = commune_admin(host_client, seeded)
    officer = tenant.staff["officer"]
    inside = client.patch(
        f"/api/v1/staff/{officer}",
        json={"roles": [{"role": "officer", "unit_id": tenant.units["centre_a"]}]},
    )
    assert inside.status_code == 200, inside.get_json()
    # granting beyond the commune, even tenant_admin on the province: 403, nothing changed
    climb = client.patch(
        f"/api/v1/staff/{officer}",
        json={"roles": [{"role": "tenant_admin", "unit_id": tenant.units["root"]}]},
    )
    assert climb.status_code == 403 and climb.get_json()["code"] == "forbidden"
    assert [r["unit_id"] for r in alpha.get(f"/api/v1/staff/{officer}").get_json()["roles"]] == [
        tenant.units["centre_a"]
    ]
    # accounts above the commune are not even visible
    assert client.patch(f"/api/v1/staff/{tenant.staff['admin']}", json={"full_name": "X"}).status_code == 404
    assert client.patch(f"/api/v1/staff/{tenant.staff['finance']}", json={"full_name": "X"}).status_code == 404
    # officers and finance viewers manage nobody
    officer_client = host_client(tenant.host, tenant.tokens["officer"])
    assert officer_client.patch(f"/api/v1/staff/{officer}", json={"full_name": "Me"}).status_code == 403


def test_an_account_with_roles_beyond_the_commune_is_left_to_a_higher_admin(host_client, seeded, alpha):
    tenant = seeded["alpha"]
    both = alpha.patch(
        f"/api/v1/staff/{tenant.staff['officer']}",
        json={
            "roles": [
                {"role": "officer", "unit_id": tenant.units["commune_a"]},
                {"role": "officer", "unit_id": tenant.units["commune_b"]},
            ]
        },
    )
    assert both.status_code == 200
    client = commune_admin(host_client, seeded)
    officer = tenant.staff["officer"]
    assert client.patch(f"/api/v1/staff/{officer}", json={"full_name": "X"}).status_code == 403
    assert client.post(f"/api/v1/staff/{officer}/reset-password").status_code == 403
    assert client.post(f"/api/v1/staff/{officer}/unlock").status_code == 403


def test_the_last_province_wide_admin_stays(alpha, host_client, seeded):
    tenant = seeded["alpha"]
    admin = tenant.staff["admin"]
    demote = alpha.patch(
        f"/api/v1/staff/{admin}", json={"roles": [{"role": "officer", "unit_id": tenant.units["root"]}]}
    )
    assert demote.status_code == 409 and demote.get_json()["code"] == "conflict"
    assert "last active tenant admin" in demote.get_json()["message"]
    # a second province admin first; then the first may step down (and the second may not be removed)
    promote = alpha.patch(
        f"/api/v1/staff/{tenant.staff['finance']}",
        json={"roles": [{"role": "tenant_admin", "unit_id": tenant.units["root"]}]},
    )
    assert promote.status_code == 200
    stepped_down = alpha.patch(
        f"/api/v1/staff/{admin}", json={"roles": [{"role": "officer", "unit_id": tenant.units["root"]}]}
    )
    assert stepped_down.status_code == 200, stepped_down.get_json()
    assert alpha.get("/api/v1/staff").status_code == 403  # the role is gone at once
    second = host_client(tenant.host, tenant.tokens["finance"])
    assert second.patch(f"/api/v1/staff/{admin}", json={"full_name": "Cựu quản trị"}).status_code == 200
    alone = second.patch(
        f"/api/v1/staff/{tenant.staff['finance']}",
        json={"roles": [{"role": "tenant_admin", "unit_id": tenant.units["commune_a"]}]},
    )
    assert alone.status_code == 409


def test_deactivation_still_works_and_is_audited(alpha, seeded):
    officer = seeded["alpha"].staff["officer"]
    assert alpha.patch(f"/api/v1/staff/{officer}", json={"active": False}).get_json()["active"] is False
    assert last_event(alpha, "staff.deactivate")["target"] == f"staff:{officer}"
    assert alpha.patch(f"/api/v1/staff/{officer}", json={"active": True}).get_json()["active"] is True


# -- password reset ------------------------------------------------------------------------------
def test_reset_gives_a_temporary_password_once_and_ends_every_session(alpha, host_client, seeded, runtime):
    tenant = seeded["alpha"]
    officer = tenant.staff["officer"]
    email = email_of(alpha, officer)
    other_session = login(host_client, seeded, email, TEST_PASSWORD).get_json()["token"]
    for _ in range(3):  # lock the officer out from one address (MOTCUA_LOGIN_MAX_FAILURES is 3 in tests)
        login(host_client, seeded, email, WRONG, addr=STRANGER)
    assert login(host_client, seeded, email, TEST_PASSWORD, addr=STRANGER).status_code == 429

    response = alpha.post(f"/api/v1/staff/{officer}/reset-password")
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    password = body["temporary_password"]
    assert body["staff_id"] == officer and len(password) == 24
    assert body["tokens_revoked"] == 2 and body["locks_cleared"] == 1

    for token in (tenant.tokens["officer"], other_session):
        assert host_client(tenant.host, token).get("/api/v1/me").status_code == 401
    assert login(host_client, seeded, email, TEST_PASSWORD).status_code == 401
    assert login(host_client, seeded, email, password, addr=STRANGER).status_code == 201  # unlocked too

    event = last_event(alpha, "staff.password_reset")
    assert event["target"] == f"staff:{officer}"
    assert event["details"] == {"tokens_revoked": 2, "locks_cleared": 1}
    assert password not in str(alpha.get("/api/v1/tenant-audit").get_json())
    assert alpha.get(f"/api/v1/staff/{officer}").get_json().keys().isdisjoint({"temporary_password", "password"})
    # the admin's own session is untouched
    assert alpha.get("/api/v1/me").status_code == 200


def test_reset_is_scoped_and_not_for_oneself(alpha, host_client, seeded):
    tenant = seeded["alpha"]
    client = commune_admin(host_client, seeded)
    assert client.post(f"/api/v1/staff/{tenant.staff['admin']}/reset-password").status_code == 404
    assert client.post("/api/v1/staff/999999/reset-password").status_code == 404
    assert client.post(f"/api/v1/staff/{tenant.staff['officer']}/reset-password").status_code == 200
    own = alpha.post(f"/api/v1/staff/{tenant.staff['admin']}/reset-password")
    assert own.status_code == 409
    officer_client = host_client(tenant.host, tenant.tokens["finance"])
    assert officer_client.post(f"/api/v1/staff/{tenant.staff['officer']}/reset-password").status_code == 403
    assert host_client(tenant.host).post(f"/api/v1/staff/{tenant.staff['officer']}/reset-password").status_code == 401
    # another province's admin cannot reach alpha's staff
    beta = host_client(tenant.host, seeded["beta"].admin_token)
    assert beta.post(f"/api/v1/staff/{tenant.staff['officer']}/reset-password").status_code == 403


# -- unlock --------------------------------------------------------------------------------------
def test_unlock_lifts_every_lock_of_the_account(alpha, host_client, seeded, runtime):
    tenant = seeded["alpha"]
    finance = tenant.staff["finance"]
    email = email_of(alpha, finance)
    for addr in (STRANGER, "203.0.113.10"):
        for _ in range(3):
            login(host_client, seeded, email, WRONG, addr=addr)
        assert login(host_client, seeded, email, TEST_PASSWORD, addr=addr).status_code == 429

    response = alpha.post(f"/api/v1/staff/{finance}/unlock")
    assert response.status_code == 200
    assert response.get_json() == {"staff_id": finance, "locks_cleared": 2}
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert (
            session.scalars(select(LoginFailures.account).where(LoginFailures.account == f"staff:{finance}")).all()
            == []
        )
    assert login(host_client, seeded, email, TEST_PASSWORD, addr=STRANGER).status_code == 201
    assert host_client(tenant.host, tenant.tokens["finance"]).get("/api/v1/me").status_code == 200  # sessions kept
    event = last_event(alpha, "staff.unlock")
    assert event["target"] == f"staff:{finance}" and event["details"] == {"locks_cleared": 2}
    assert alpha.post(f"/api/v1/staff/{finance}/unlock").get_json()["locks_cleared"] == 0  # nothing left


def test_unlock_is_scoped(host_client, seeded):
    tenant = seeded["alpha"]
    client = commune_admin(host_client, seeded)
    assert client.post(f"/api/v1/staff/{tenant.staff['finance']}/unlock").status_code == 404
    assert client.post(f"/api/v1/staff/{tenant.staff['officer']}/unlock").status_code == 200
    assert (
        host_client(tenant.host, tenant.tokens["officer"])
        .post(f"/api/v1/staff/{tenant.staff['officer']}/unlock")
        .status_code
        == 403
    )
