def test_admin_creates_staff_with_roles_on_units(alpha, host_client, seeded):
    units = seeded["alpha"].units
    response = alpha.post(
        "/api/v1/staff",
        json={
            "email": "tiepnhan@alpha.test",
            "full_name": "Trần Thị Tiếp Nhận",
            "password": "Bien-xanh-cat-trang-2028",
            "roles": [
                {"role": "officer", "unit_id": units["centre_a"]},
                {"role": "officer", "unit_id": units["department"]},
            ],
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "password" not in body and "password_hash" not in body
    login = host_client(seeded["alpha"].host).post(
        "/api/v1/auth/login", json={"email": "tiepnhan@alpha.test", "password": "Bien-xanh-cat-trang-2028"}
    )
    assert login.status_code == 201


def test_staff_validation(alpha, seeded):
    response = alpha.post(
        "/api/v1/staff",
        json={
            "email": "officer@alpha.test",
            "full_name": "Dup",
            "password": "short",
            "roles": [{"role": "officer", "unit_id": 9999}],
        },
    )
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "password", "roles"}
    missing = alpha.post("/api/v1/staff", json={"email": "x@alpha.test"})
    assert missing.status_code == 422
    assert set(missing.get_json()["errors"]) >= {"full_name", "password", "roles"}


def test_commune_admin_cannot_grant_roles_outside_the_commune(host_client, seeded):
    tenant = seeded["alpha"]
    commune_admin = host_client(tenant.host, tenant.tokens["commune_admin"])
    response = commune_admin.post(
        "/api/v1/staff",
        json={
            "email": "climber@alpha.test",
            "full_name": "Climber",
            "password": "Climb-2026-x",
            "roles": [{"role": "tenant_admin", "unit_id": tenant.units["root"]}],
        },
    )
    assert response.status_code == 403


def test_only_tenant_admins_manage_staff(host_client, seeded):
    tenant = seeded["alpha"]
    assert host_client(tenant.host, tenant.tokens["officer"]).get("/api/v1/staff").status_code == 403
    assert host_client(tenant.host, tenant.tokens["finance"]).get("/api/v1/staff").status_code == 403
    assert host_client(tenant.host, tenant.admin_token).get("/api/v1/staff").status_code == 200


def test_admin_cannot_deactivate_themself(alpha, seeded):
    response = alpha.patch(f"/api/v1/staff/{seeded['alpha'].staff['admin']}", json={"active": False})
    assert response.status_code == 409
