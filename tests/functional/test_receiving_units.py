"""Which units receive a procedure (catalogue.receiving): one rule for every intake channel and for the
public "where to submit" list."""

from dossier_support import MARRIAGE, citizen_client, intake_body
from motcua_onestop.dossiers.models import Dossier
from sqlalchemy import func, select

FIRST_CERTIFICATE = "1.012756"  # land: province level, competent unit a sector office
LAND_FORM = {
    "applicant": {
        "full_name": "Trần Văn Đất",
        "citizen_id": "079090001111",
        "date_of_birth": "1990-01-01",
        "address": "Xã A",
    },
    "parcel": {"map_sheet": "12", "parcel_number": "345", "area_m2": 120.5, "address": "Xã A", "land_use": "ONT"},
    "origin": "Nhận chuyển nhượng trước 2004",
    "used_since": "2003-05-01",
}


def dossier_count(runtime) -> int:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def add_unit(alpha, kind, code, parent_id, name="X") -> int:
    response = alpha.post("/api/v1/units", json={"kind": kind, "code": code, "name": name, "parent_id": parent_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def listed(client, code) -> set[int]:
    response = client.get(f"/api/v1/procedures/{code}/units")
    assert response.status_code == 200, response.get_json()
    return {unit["id"] for unit in response.get_json()}


def test_a_commune_procedure_is_refused_at_a_department_on_every_channel(host_client, alpha, seeded, runtime):
    units = seeded["alpha"].units
    citizen = citizen_client(host_client, seeded)
    before = dossier_count(runtime)
    for client, channel in ((citizen, "online"), (alpha, "counter"), (alpha, "postal")):
        refused = client.post(
            "/api/v1/dossiers", json=intake_body(seeded, channel, receiving_unit_id=units["department"])
        )
        assert refused.status_code == 422, (channel, refused.get_json())
        body = refused.get_json()
        assert f"department of Tỉnh Alpha (000.00.01.A01) does not receive procedure {MARRIAGE}" in body["message"]
        assert "Đăng ký kết hôn" in body["message"]
        assert set(body["errors"]) == {"receiving_unit_id"}
    assert dossier_count(runtime) == before  # nothing written, not even a code


def test_where_to_submit_lists_exactly_the_units_intake_accepts(host_client, alpha, seeded):
    """Competent units and the service centres of the procedure's tier; the list and intake agree."""
    units = seeded["alpha"].units
    provincial_centre = add_unit(alpha, "service_centre", "000.00.99.A01", units["root"], "TTPVHCC tỉnh")
    land_office = add_unit(alpha, "sector_office", "000.00.97.A01", units["department"], "Văn phòng đăng ký đất đai")
    anonymous = host_client(seeded["alpha"].host)

    commune_level = listed(anonymous, MARRIAGE)
    assert commune_level == {units["commune_a"], units["commune_b"], units["centre_a"]}
    province_level = listed(anonymous, FIRST_CERTIFICATE)
    assert province_level == {provincial_centre, land_office}

    every_unit = {u["id"] for u in alpha.get("/api/v1/units?page_size=100").get_json()}
    for code, form, accepted in ((MARRIAGE, None, commune_level), (FIRST_CERTIFICATE, LAND_FORM, province_level)):
        for unit in every_unit:
            body = intake_body(seeded, receiving_unit_id=unit, procedure_code=code) | ({"form": form} if form else {})
            response = alpha.post("/api/v1/dossiers", json=body)
            assert response.status_code == (201 if unit in accepted else 422), (code, unit, response.get_json())

    assert anonymous.get("/api/v1/procedures/9.999999/units").status_code == 404


def test_the_list_follows_the_unit_tree(host_client, alpha, seeded):
    units = seeded["alpha"].units
    anonymous = host_client(seeded["alpha"].host)
    assert units["commune_b"] in listed(anonymous, MARRIAGE)  # read (and cached) before the change
    closed = alpha.patch(
        f"/api/v1/units/{units['commune_b']}", json={"valid_from": "2020-01-01", "valid_to": "2025-06-30"}
    )
    assert closed.status_code == 200
    assert units["commune_b"] not in listed(anonymous, MARRIAGE)
    centre_b = add_unit(alpha, "service_centre", "000.00.54.A01", units["commune_a"], "Điểm tiếp nhận")
    assert centre_b in listed(anonymous, MARRIAGE) and centre_b not in listed(anonymous, FIRST_CERTIFICATE)
