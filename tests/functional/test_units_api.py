def test_unit_tree_is_public_and_nested(host_client, seeded):
    response = host_client(seeded["alpha"].host).get("/api/v1/units/tree")
    assert response.status_code == 200
    (root,) = response.get_json()
    assert root["kind"] == "province" and root["parent_id"] is None
    commune = next(c for c in root["children"] if c["id"] == seeded["alpha"].units["commune_a"])
    assert [c["kind"] for c in commune["children"]] == ["service_centre"]


def test_list_filters_and_paginates(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    communes = client.get("/api/v1/units?kind=commune").get_json()
    assert {u["kind"] for u in communes} == {"commune"} and len(communes) == 2
    page = client.get("/api/v1/units?page=1&page_size=2")
    assert len(page.get_json()) == 2
    assert '"total": 5' in page.headers["X-Pagination"]
    assert client.get("/api/v1/units?kind=castle").status_code == 422


def test_admin_creates_updates_closes_and_deletes_a_unit(alpha, seeded):
    root = seeded["alpha"].units["root"]
    created = alpha.post(
        "/api/v1/units",
        json={
            "kind": "department",
            "code": "000.00.09.A01",
            "name": "Sở Nội vụ",
            "parent_id": root,
            "valid_from": "2025-07-01",
        },
    )
    assert created.status_code == 201, created.get_json()
    unit = created.get_json()
    assert unit["valid_from"] == "2025-07-01"
    renamed = alpha.patch(f"/api/v1/units/{unit['id']}", json={"name": "Sở Nội vụ tỉnh", "valid_to": "2026-12-31"})
    assert renamed.status_code == 200 and renamed.get_json()["valid_to"] == "2026-12-31"
    active = alpha.get("/api/v1/units?active_on=2027-01-01&kind=department").get_json()
    assert unit["id"] not in [u["id"] for u in active]
    assert alpha.delete(f"/api/v1/units/{unit['id']}").status_code == 204
    assert alpha.get(f"/api/v1/units/{unit['id']}").status_code == 404
    audit = alpha.get("/api/v1/tenant-audit").get_json()
    assert [e["action"] for e in audit[:3]] == ["unit.delete", "unit.update", "unit.create"]


def test_validation_reports_every_problem_and_saves_nothing(alpha, seeded):
    before = alpha.get("/api/v1/units?page_size=100").get_json()
    response = alpha.post(
        "/api/v1/units",
        json={
            "kind": "commune",
            "code": "bad code!",
            "name": "X",
            "parent_id": 9999,
            "valid_from": "2026-01-02",
            "valid_to": "2026-01-01",
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"code", "parent_id", "valid_to"}
    duplicate = alpha.post(
        "/api/v1/units",
        json={"kind": "commune", "code": "000.00.51.A01", "name": "X", "parent_id": seeded["alpha"].units["root"]},
    )
    assert duplicate.status_code == 422 and "already used" in duplicate.get_json()["errors"]["code"][0]
    assert alpha.get("/api/v1/units?page_size=100").get_json() == before


def test_cycles_and_root_protection(alpha, seeded):
    units = seeded["alpha"].units
    cycle = alpha.patch(f"/api/v1/units/{units['commune_a']}", json={"parent_id": units["centre_a"]})
    assert cycle.status_code == 422 and "under itself" in cycle.get_json()["errors"]["parent_id"][0]
    assert alpha.delete(f"/api/v1/units/{units['root']}").status_code == 409
    has_children = alpha.delete(f"/api/v1/units/{units['commune_a']}")
    assert has_children.status_code == 409 and "valid_to" in has_children.get_json()["message"]


def test_roles_and_unit_scope_are_enforced(host_client, seeded):
    tenant = seeded["alpha"]
    units = tenant.units
    officer = host_client(tenant.host, tenant.tokens["officer"])
    assert (
        officer.post(
            "/api/v1/units", json={"kind": "commune", "code": "X.1", "name": "X", "parent_id": units["root"]}
        ).status_code
        == 403
    )
    commune_admin = host_client(tenant.host, tenant.tokens["commune_admin"])
    inside = commune_admin.post(
        "/api/v1/units",
        json={"kind": "service_centre", "code": "X.2", "name": "Điểm tiếp nhận", "parent_id": units["commune_a"]},
    )
    assert inside.status_code == 201
    outside = commune_admin.patch(f"/api/v1/units/{units['commune_b']}", json={"name": "taken over"})
    assert outside.status_code == 403
    anonymous = host_client(tenant.host)
    assert anonymous.delete(f"/api/v1/units/{units['centre_a']}").status_code == 401


def test_unit_without_parent_is_refused_cleanly(alpha):
    response = alpha.post("/api/v1/units", json={"kind": "commune", "code": "NOPARENT.1", "name": "Xã mồ côi"})
    assert response.status_code == 422
    assert "parent" in response.get_json()["errors"]["parent_id"][0]
    second_root = alpha.post("/api/v1/units", json={"kind": "province", "code": "ROOT.2", "name": "Tỉnh thứ hai"})
    assert second_root.status_code == 403


def test_kind_rules_hold_on_create_and_on_move(alpha, seeded):
    """models.PARENT_KINDS: a service centre sits under the province or a commune, a commune under the
    province, a province nowhere; a move or a change of kind that breaks it is a 422 and changes nothing."""
    units = seeded["alpha"].units
    centre = alpha.post(
        "/api/v1/units",
        json={"kind": "service_centre", "code": "000.00.99.A01", "name": "TTPVHCC tỉnh", "parent_id": units["root"]},
    )
    assert centre.status_code == 201, centre.get_json()
    centre_id = centre.get_json()["id"]
    before = alpha.get("/api/v1/units?page_size=100").get_json()

    moved = alpha.patch(f"/api/v1/units/{centre_id}", json={"parent_id": units["centre_a"]})
    assert moved.status_code == 422
    message = moved.get_json()["errors"]["parent_id"][0]
    assert message.startswith("A public-administration service centre cannot sit under a public-administration")
    assert "its parent must be a commune or the province" in message

    refused = {
        "commune under a commune": {"kind": "commune", "parent_id": units["commune_b"]},
        "department under a commune": {"kind": "department", "parent_id": units["commune_a"]},
        "second province": {"kind": "province", "parent_id": units["root"]},
        "sector office under a service centre": {"kind": "sector_office", "parent_id": units["centre_a"]},
    }
    for case, fields in refused.items():
        response = alpha.post("/api/v1/units", json={"code": "000.00.98.A01", "name": "X", **fields})
        assert response.status_code == 422, case
        assert set(response.get_json()["errors"]) == {"parent_id"}, case
    # commune A has a service centre below it: it cannot become a department (a centre never sits under one)
    rekinded = alpha.patch(f"/api/v1/units/{units['commune_a']}", json={"kind": "department"})
    assert rekinded.status_code == 422
    assert (
        "cannot sit under a department: a public-administration service centre"
        in (rekinded.get_json()["errors"]["kind"][0])
    )
    assert alpha.get("/api/v1/units?page_size=100").get_json() == before

    allowed = {
        "sub-department": {"kind": "department", "parent_id": units["department"]},
        "land registration office under a department": {"kind": "sector_office", "parent_id": units["department"]},
    }
    for number, (case, fields) in enumerate(allowed.items()):
        response = alpha.post("/api/v1/units", json={"code": f"000.00.9{number}.A01", "name": "X", **fields})
        assert response.status_code == 201, (case, response.get_json())


def test_a_unit_placed_before_the_rule_can_still_be_renamed_but_not_moved_wrongly(alpha, seeded, runtime):
    from motcua_onestop.units.models import Unit

    units = seeded["alpha"].units
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:  # written before PARENT_KINDS
        old = Unit(kind="service_centre", code="000.00.96.A01", name="Một cửa Sở", parent_id=units["department"])
        session.add(old)
        session.commit()
        old_id = old.id
    assert alpha.patch(f"/api/v1/units/{old_id}", json={"name": "Bộ phận một cửa Sở"}).status_code == 200
    assert alpha.patch(f"/api/v1/units/{old_id}", json={"parent_id": units["centre_a"]}).status_code == 422
    assert alpha.patch(f"/api/v1/units/{old_id}", json={"parent_id": units["root"]}).status_code == 200


def test_a_service_centre_keeps_its_level_when_moved(alpha, seeded):
    """The province's centre cannot be moved under a commune, a commune's cannot move up to the province
    (422 on parent_id, nothing changed); a commune's centre may move to another commune (a merger)."""
    units = seeded["alpha"].units
    centre = alpha.post(
        "/api/v1/units",
        json={"kind": "service_centre", "code": "000.00.99.A01", "name": "TTPVHCC tỉnh", "parent_id": units["root"]},
    ).get_json()["id"]
    down = alpha.patch(f"/api/v1/units/{centre}", json={"parent_id": units["commune_a"]})
    assert down.status_code == 422
    assert down.get_json()["errors"]["parent_id"] == [
        "The province's service centre cannot be moved under a commune; create the commune's own centre instead."
    ]
    up = alpha.patch(f"/api/v1/units/{units['centre_a']}", json={"parent_id": units["root"]})
    assert up.status_code == 422 and "cannot be moved up to the province" in up.get_json()["errors"]["parent_id"][0]
    assert alpha.get(f"/api/v1/units/{units['centre_a']}").get_json()["parent_id"] == units["commune_a"]
    assert alpha.patch(f"/api/v1/units/{units['centre_a']}", json={"parent_id": units["commune_b"]}).status_code == 200
