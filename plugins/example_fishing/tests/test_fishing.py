from motcua_platform.plugins.engine import BUILT_IN, discovered, load_plugins
from motcua_platform.plugins.forms import validate_form
from motcua_plugin_fishing.plugin import FishingPlugin

LICENCE = FishingPlugin.procedures[0]
FORM = {
    "owner_full_name": "Trần Văn Biển",
    "owner_citizen_id": "066085001234",
    "vessel_registration": "BTr-90123-TS",
    "vessel_length_m": 11.5,
    "fishing_zone": "ven_bo",
}


def test_the_plugin_is_installed_and_valid():
    assert "fishing" in discovered()
    assert load_plugins([*BUILT_IN, "fishing"]).get("fishing").problems() == []


def test_the_fee_without_a_database():
    small = validate_form(LICENCE.form, FORM)
    large = validate_form(LICENCE.form, {**FORM, "vessel_length_m": 15})
    assert LICENCE.fee_calculator(small, LICENCE, {})[0].amount == 20_000  # under 12 m: half the fee
    assert LICENCE.fee_calculator(large, LICENCE, {})[0].amount == 40_000


def test_enabled_for_the_seeded_tenants(host_client, seeded):
    public = host_client(seeded["alpha"].host)
    found = public.get("/api/v1/procedures?q=khai thac thuy san").get_json()
    assert [p["code"] for p in found] == ["1.004359"]


def test_form_check_in_vietnamese_and_fee(host_client, seeded):
    public = host_client(seeded["alpha"].host)
    ok = public.post("/api/v1/procedures/1.004359/form/check", json=FORM)
    assert ok.status_code == 200 and ok.get_json()["total_fee"] == 20_000
    bad = public.post("/api/v1/procedures/1.004359/form/check", json={**FORM, "vessel_registration": "DL-1-TS"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {
        "vessel_registration": ["Số đăng ký tàu cá không hợp lệ (ví dụ: BTr-90123-TS)."]
    }


def test_disabling_hides_the_procedure_for_one_tenant(platform, host_client, seeded):
    assert platform.put("/api/v1/tenants/alpha/plugins/fishing", json={"enabled": False}).status_code == 200
    assert host_client(seeded["alpha"].host).get("/api/v1/procedures/1.004359").status_code == 404
    assert host_client(seeded["beta"].host).get("/api/v1/procedures/1.004359").status_code == 200
