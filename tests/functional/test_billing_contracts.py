"""Metrics as data, plans as templates, contracts with pilot and official price versions, and their bad input."""

from billing_support import CHARGES, LEASE
from motcua_app.testing.pytest_plugin import HostClient


def test_seeded_metrics_and_adding_one_is_data(finance, seeded):
    codes = {m["code"]: m["aggregation"] for m in finance.get("/api/v1/billing/metrics").get_json()}
    assert codes == {
        "api_calls": "count",
        "dossiers_received": "count",
        "officer_seats": "max",
        "sms_sent": "sum",
        "statistics_reports": "count",
        "storage_gb": "max",
    }
    added = finance.post(
        "/api/v1/billing/metrics",
        json={"code": "esign_requests", "name": "Lượt ký số", "unit": "lượt", "aggregation": "count"},
    )
    assert added.status_code == 201
    again = finance.post(
        "/api/v1/billing/metrics", json={"code": "esign_requests", "name": "x", "unit": "x", "aggregation": "count"}
    )
    assert again.status_code == 422 and "already exists" in again.get_json()["errors"]["code"][0]
    bad = finance.post("/api/v1/billing/metrics", json={"code": "X", "name": "x", "unit": "x", "aggregation": "avg"})
    assert bad.status_code == 422 and {"aggregation"} <= set(bad.get_json()["errors"])


def test_contract_copies_its_plan_and_later_plan_changes_do_not_touch_it(finance, contract):
    assert [v["name"] for v in contract["price_versions"]] == ["Thí điểm", "Giá chính thức"]
    assert contract["price_versions"][1]["effective_from"] == "2026-07-01"
    pilot = {c["metric_code"]: c for c in contract["price_versions"][0]["charges"]}
    assert pilot["dossiers_received"]["tiers"][0] == {"up_to": "500", "unit_price": "500"}
    from_plan = finance.post(
        "/api/v1/billing/contracts",
        json={
            "tenant": "beta",
            "code": "HD-BETA",
            "plan": "daklak",
            "starts_on": "2027-01-01",
            "ends_on": "2027-12-31",
        },
    )
    assert from_plan.status_code == 201
    version = from_plan.get_json()["price_versions"][0]
    assert version["annual_fee_vnd"] == LEASE and version["effective_from"] == "2027-01-01"
    assert len(version["charges"]) == len(CHARGES)
    assert finance.get("/api/v1/billing/contracts?tenant=beta").get_json()[0]["tenant"] == "beta"


def test_overlapping_contracts_are_refused(finance, contract):
    overlap = finance.post(
        "/api/v1/billing/contracts",
        json={"tenant": "alpha", "code": "HD-2", "plan": "daklak", "starts_on": "2026-12-01", "ends_on": "2027-11-30"},
    )
    assert overlap.status_code == 409 and "HD-2026-ALPHA" in overlap.get_json()["message"]
    after = finance.post(
        "/api/v1/billing/contracts",
        json={"tenant": "alpha", "code": "HD-2", "plan": "daklak", "starts_on": "2027-01-01", "ends_on": "2027-12-31"},
    )
    assert after.status_code == 201


def test_bad_contract_input_is_explained_and_nothing_is_written(finance, contract):
    cases = [
        ({"starts_on": "2027-01-15"}, "starts_on"),
        ({"ends_on": "2027-12-30"}, "ends_on"),
        ({"ends_on": "2026-12-31"}, "ends_on"),
        # outside the billing years (9999-12-31 was a 500: there is no day after it)
        ({"starts_on": "0001-01-01", "ends_on": "0001-12-31"}, "starts_on"),
        ({"ends_on": "9999-12-31"}, "ends_on"),
        ({"starts_on": "9999-01-01", "ends_on": "9999-12-31"}, "ends_on"),
        ({"overage_budget_vnd": -1}, "overage_budget_vnd"),
        ({"plan": None}, "price_versions"),
        (
            {
                "price_versions": [
                    {
                        "name": "x",
                        "effective_from": "2027-01-01",
                        "annual_fee_vnd": 1,
                        "charges": [{"metric_code": "fax"}],
                    }
                ]
            },
            "price_versions",
        ),
        (
            {
                "price_versions": [
                    {
                        "name": "x",
                        "effective_from": "2027-01-01",
                        "annual_fee_vnd": 1,
                        "charges": [{"metric_code": "sms_sent", "tiers": [{"up_to": 10, "unit_price": "-1"}]}],
                    }
                ]
            },
            "price_versions",
        ),
    ]
    base = {"tenant": "alpha", "code": "HD-BAD", "plan": "daklak", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    for change, field in cases:
        response = finance.post("/api/v1/billing/contracts", json={**base, **change})
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"], (change, response.get_json())
    unknown = finance.post("/api/v1/billing/contracts", json={**base, "tenant": "gamma"})
    assert unknown.status_code == 404
    assert [c["code"] for c in finance.get("/api/v1/billing/contracts").get_json()] == ["HD-2026-ALPHA"]


def test_price_versions_and_roles(finance, contract, app, seeded, alpha):
    added = finance.post(
        "/api/v1/billing/contracts/HD-2026-ALPHA/price-versions",
        json={"name": "Điều chỉnh", "effective_from": "2026-11-01", "annual_fee_vnd": LEASE, "charges": CHARGES},
    )
    assert added.status_code == 201
    clash = finance.post(
        "/api/v1/billing/contracts/HD-2026-ALPHA/price-versions",
        json={"name": "Trùng", "effective_from": "2026-11-01", "annual_fee_vnd": LEASE},
    )
    assert clash.status_code == 409
    outside = finance.post(
        "/api/v1/billing/contracts/HD-2026-ALPHA/price-versions",
        json={"name": "Ngoài", "effective_from": "2027-03-01", "annual_fee_vnd": LEASE},
    )
    assert outside.status_code == 422
    operator = HostClient(app, "motcua.test", seeded["platform"].tokens["operator"])
    assert operator.get("/api/v1/billing/contracts").status_code == 200
    assert operator.post("/api/v1/billing/plans", json={}).status_code in (403, 422)
    assert (
        operator.post("/api/v1/billing/plans", json={"code": "p", "name": "p", "annual_fee_vnd": 1}).status_code == 403
    )
    assert alpha.get("/api/v1/billing/contracts").status_code == 404
