"""The vendor's plugin allow-list (what the province's contract allows) apart from what the province has
enabled (docs/decisions/0029-plugins-allowed-vs-enabled.md): the vendor's ``PATCH
/api/v1/tenants/<slug>/plugins/<name>`` and the province's ``/api/v1/province/plugins``, with the required
plugins' rules, both audit trails and who may do what."""

import pytest
from motcua_platform.plugins import engine
from motcua_platform.plugins.engine import PluginRegistry, active

PROVINCE = "/api/v1/province/plugins"


def states(client, path=PROVINCE) -> dict[str, dict]:
    response = client.get(path)
    assert response.status_code == 200, response.get_json()
    return {p["name"]: p for p in response.get_json()}


def vendor_states(platform) -> dict[str, dict]:
    return states(platform, "/api/v1/tenants/alpha/plugins")


def procedure_codes(client) -> set[str]:
    return {p["code"] for p in client.get("/api/v1/procedures?page_size=50").get_json()}


@pytest.fixture
def needs_civil_status(monkeypatch):
    """The deployment's household_business requires civil_status (no built-in plugin requires another)."""
    plugins = []
    for plugin in active():
        if plugin.name == "household_business":
            plugin = type(plugin)()
            plugin.required_plugins = ("civil_status",)
        plugins.append(plugin)
    monkeypatch.setattr(engine, "_active", PluginRegistry(plugins))


def test_the_seeded_plugins_are_allowed_and_enabled(alpha, platform):
    listed = states(alpha)
    assert list(listed) == list(active().names)
    assert all(p["allowed"] and p["enabled"] for p in listed.values())
    land = listed["land"]
    assert land["procedures"] == 4 and land["version"] and land["title_vi"] and land["required_plugins"] == []
    assert all(p["allowed"] and p["enabled"] for p in vendor_states(platform).values())


def test_taking_a_plugin_off_the_allow_list_disables_it_and_the_province_cannot_enable_it(
    alpha, platform, host_client, seeded
):
    public = host_client(seeded["alpha"].host)
    assert "1.012800" in procedure_codes(public)  # a land procedure
    off = platform.patch("/api/v1/tenants/alpha/plugins/land", json={"allowed": False})
    assert off.status_code == 200 and off.get_json()["allowed"] is False and off.get_json()["enabled"] is False
    assert "1.012800" not in procedure_codes(public)
    vendor = platform.get("/api/v1/audit?action=plugin.disallow&tenant=alpha").get_json()
    assert vendor[0]["target"] == "plugin:land" and vendor[0]["actor"].startswith("operator:")
    assert vendor[0]["details"]["disabled"] is True
    assert platform.get("/api/v1/audit?action=plugin.disable&tenant=alpha").get_json()[0]["target"] == "plugin:land"

    refused = alpha.post(f"{PROVINCE}/land/enable")
    assert refused.status_code == 409
    assert "not in the province's contract" in refused.get_json()["message"]
    assert states(alpha)["land"] == {**states(alpha)["land"], "allowed": False, "enabled": False}
    assert "1.012800" not in procedure_codes(public)

    back = platform.patch("/api/v1/tenants/alpha/plugins/land", json={"allowed": True})
    assert back.status_code == 200 and back.get_json()["allowed"] is True
    assert back.get_json()["enabled"] is False  # allowed, not enabled: the province's choice
    assert platform.get("/api/v1/audit?action=plugin.allow&tenant=alpha").get_json()[0]["target"] == "plugin:land"
    assert "1.012800" not in procedure_codes(public)


def test_the_province_enables_and_disables_an_allowed_plugin_audited_in_both_trails(
    alpha, platform, host_client, seeded
):
    public = host_client(seeded["alpha"].host)
    assert platform.patch("/api/v1/tenants/alpha/plugins/land", json={"allowed": False}).status_code == 200
    assert platform.patch("/api/v1/tenants/alpha/plugins/land", json={"allowed": True}).status_code == 200
    enabled = alpha.post(f"{PROVINCE}/land/enable")
    assert enabled.status_code == 200
    assert enabled.get_json()["enabled"] is True and enabled.get_json()["allowed"] is True
    assert "1.012800" in procedure_codes(public)
    province = alpha.get("/api/v1/tenant-audit?action=plugin.enable").get_json()[0]
    staff_actor = f"staff:{seeded['alpha'].staff['admin']}"
    assert province["target"] == "plugin:land" and province["actor"].startswith(staff_actor)
    vendor = platform.get("/api/v1/audit?action=plugin.enable&tenant=alpha").get_json()[0]
    assert vendor["target"] == "plugin:land" and vendor["actor"].startswith(staff_actor)

    disabled = alpha.post(f"{PROVINCE}/land/disable")
    assert disabled.status_code == 200 and disabled.get_json() | {"allowed": True, "enabled": False} == (
        disabled.get_json()
    )
    assert "1.012800" not in procedure_codes(public)
    assert alpha.get("/api/v1/tenant-audit?action=plugin.disable").get_json()[0]["target"] == "plugin:land"
    vendor = platform.get("/api/v1/audit?action=plugin.disable&tenant=alpha").get_json()[0]
    assert vendor["target"] == "plugin:land" and vendor["actor"].startswith(staff_actor)
    assert vendor_states(platform)["land"]["allowed"] is True  # the contract is the vendor's, unchanged
    assert alpha.post(f"{PROVINCE}/ghost/enable").status_code == 404


def test_an_operator_enabling_a_plugin_also_allows_it(alpha, platform):
    assert platform.patch("/api/v1/tenants/alpha/plugins/construction", json={"allowed": False}).status_code == 200
    response = platform.put("/api/v1/tenants/alpha/plugins/construction", json={"enabled": True})
    assert response.status_code == 200 and response.get_json()["allowed"] is True
    assert states(alpha)["construction"]["enabled"] is True
    # an operator's disabling leaves it allowed: the province may enable it again
    assert platform.put("/api/v1/tenants/alpha/plugins/construction", json={"enabled": False}).status_code == 200
    assert states(alpha)["construction"] | {"allowed": True, "enabled": False} == states(alpha)["construction"]
    assert alpha.post(f"{PROVINCE}/construction/enable").status_code == 200


def test_required_plugins_rules_hold_for_the_province_and_the_allow_list(alpha, platform, needs_civil_status):
    refused = alpha.post(f"{PROVINCE}/civil_status/disable")
    assert refused.status_code == 409 and "household_business" in refused.get_json()["message"]
    off_list = platform.patch("/api/v1/tenants/alpha/plugins/civil_status", json={"allowed": False})
    assert off_list.status_code == 409 and "household_business" in off_list.get_json()["message"]
    assert states(alpha)["civil_status"]["allowed"] and states(alpha)["civil_status"]["enabled"]  # nothing changed

    assert alpha.post(f"{PROVINCE}/household_business/disable").status_code == 200
    assert alpha.post(f"{PROVINCE}/civil_status/disable").status_code == 200
    missing = alpha.post(f"{PROVINCE}/household_business/enable")
    assert missing.status_code == 409 and "civil_status" in missing.get_json()["message"]
    assert states(alpha)["household_business"]["enabled"] is False
    assert alpha.post(f"{PROVINCE}/civil_status/enable").status_code == 200
    assert alpha.post(f"{PROVINCE}/household_business/enable").status_code == 200


def test_only_the_provinces_tenant_admin_sees_and_switches(host_client, seeded, platform, alpha):
    for who in ("officer", "commune_admin"):  # a commune's tenant admin is not the province's
        client = host_client(seeded["alpha"].host, seeded["alpha"].tokens[who])
        assert client.get(PROVINCE).status_code == 403, who
        assert client.post(f"{PROVINCE}/land/disable").status_code == 403, who
    assert host_client(seeded["alpha"].host).get(PROVINCE).status_code == 401
    assert states(alpha)["land"]["enabled"] is True
    finance = host_client("motcua.test", seeded["platform"].tokens["finance"])
    assert finance.patch("/api/v1/tenants/alpha/plugins/land", json={"allowed": False}).status_code == 403
    assert platform.patch("/api/v1/tenants/alpha/plugins/land", json={}).status_code == 422
    assert platform.patch("/api/v1/tenants/alpha/plugins/ghost", json={"allowed": True}).status_code == 404
    assert platform.get(PROVINCE).status_code == 404  # the province's path is on its own host only
