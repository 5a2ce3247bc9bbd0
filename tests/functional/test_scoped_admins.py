"""Tenant-admin roles are scoped to units: a commune's admin manages that commune, not the province."""


def commune_admin(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])


def test_commune_admin_sees_and_changes_only_staff_of_the_commune(host_client, seeded):
    client = commune_admin(host_client, seeded)
    staff = seeded["alpha"].staff
    listed = {s["id"] for s in client.get("/api/v1/staff").get_json()}
    assert listed == {staff["officer"], staff["commune_admin"]}
    assert client.get(f"/api/v1/staff/{staff['admin']}").status_code == 404
    assert client.patch(f"/api/v1/staff/{staff['admin']}", json={"active": False}).status_code == 404
    assert client.patch(f"/api/v1/staff/{staff['officer']}", json={"active": False}).status_code == 200
    province_admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    assert province_admin.get("/api/v1/me").status_code == 200  # not locked out
    assert len(province_admin.get("/api/v1/staff").get_json()) == 4


def test_staff_with_roles_beyond_the_commune_is_left_to_a_higher_admin(alpha, host_client, seeded):
    units = seeded["alpha"].units
    both = alpha.post(
        "/api/v1/staff",
        json={
            "email": "hai-noi@alpha.test",
            "full_name": "Hai Nơi",
            "password": "Cau-vong-sau-mua-2027",
            "roles": [
                {"role": "officer", "unit_id": units["commune_a"]},
                {"role": "officer", "unit_id": units["department"]},
            ],
        },
    )
    assert both.status_code == 201
    client = commune_admin(host_client, seeded)
    assert client.get(f"/api/v1/staff/{both.get_json()['id']}").status_code == 200
    assert client.patch(f"/api/v1/staff/{both.get_json()['id']}", json={"active": False}).status_code == 403


def test_only_a_province_admin_changes_the_catalogue(host_client, seeded):
    client = commune_admin(host_client, seeded)
    refused = client.patch("/api/v1/procedures/1.001193", json={"fees": [{"name": "Lệ phí", "amount": 9_999_999}]})
    assert refused.status_code == 403 and "province itself" in refused.get_json()["message"]
    assert client.post("/api/v1/catalogue/import", json={"thu_tuc": []}).status_code == 403
    assert client.get("/api/v1/catalogue/export").status_code == 403
    public = host_client(seeded["alpha"].host).get("/api/v1/procedures/1.001193").get_json()
    assert public["fees"][0]["amount"] == 0


def test_only_province_level_roles_see_the_provinces_billing(host_client, seeded):
    assert commune_admin(host_client, seeded).get("/api/v1/my-billing/invoices").status_code == 403
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.get("/api/v1/my-billing/invoices").status_code == 200


def test_operators_cannot_send_billable_usage(host_client, seeded):
    operator = host_client("motcua.test", seeded["platform"].tokens["operator"])
    response = operator.post(
        "/api/v1/billing/usage-events",
        json={
            "events": [
                {
                    "tenant": "beta",
                    "metric": "sms_sent",
                    "event_id": "x:1",
                    "quantity": 1000000,
                    "occurred_at": "2026-11-01T00:00:00+07:00",
                }
            ]
        },
    )
    assert response.status_code == 403


def test_spellings_of_one_search_share_a_cache_entry(host_client, seeded):
    from motcua_onestop.catalogue.search import SEARCH_CACHE

    client = host_client(seeded["alpha"].host)
    for q in ("khai", "khai ", "Khai", "KHAI", "khai."):
        assert client.get(f"/api/v1/procedures?q={q}").status_code == 200
    assert len(SEARCH_CACHE._entries) == 1
    client.get("/api/v1/procedures?q=khai&page=9")
    assert len(SEARCH_CACHE._entries) == 1  # deep pages are not kept
