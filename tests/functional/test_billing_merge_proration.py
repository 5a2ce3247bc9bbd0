"""Billing of a merged province (ADR 0060): its contracts end the day before the merge, audited, and the invoice
run bills the period containing that day for the days the contract covered, fee and quotas alike; after
that the merged tenant is left out of the run. Through the real HTTP API and the real invoice run."""

import datetime as dt

import pytest
from billing_support import LEASE, dossiers, ingest
from motcua_platform.audit.models import ControlAuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict
from motcua_tenants.merges.control import record_merge
from sqlalchemy import select, text

ACTOR = Actor("cli", None, "merge-operator")
RUN = "/api/v1/billing/runs"


@pytest.fixture(autouse=True)
def _fresh_hosts(app):
    app.extensions["motcua"].resolver.invalidate()
    yield
    app.extensions["motcua"].resolver.invalidate()


def merge(runtime, source, target, on):
    with runtime.db.control_session() as session:
        found = dict(session.execute(select(Tenant.slug, Tenant.id)).all())
        record_merge(session, source_id=found[source], target_id=found[target], on=on, actor=ACTOR)
        session.commit()


def run(finance, period):
    response = finance.post(RUN, json={"period": period})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def invoice_of(finance, report, slug):
    ids = set(report["invoice_ids"])
    return next(i for i in finance.get(f"/api/v1/billing/invoices?tenant={slug}").get_json() if i["id"] in ids)


def lines_of(invoice):
    return {line["metric_code"] or line["kind"]: line for line in invoice["lines"]}


def test_a_monthly_contract_merged_mid_october_bills_fourteen_days_of_october(finance, contract, runtime):
    ingest(finance, dossiers(1200))  # October, days 1–28: recorded against alpha before the merge
    merge(runtime, "alpha", "beta", dt.date(2026, 10, 15))

    ended = finance.get("/api/v1/billing/contracts/HD-2026-ALPHA").get_json()
    assert (ended["ends_on"], ended["status"]) == ("2026-10-14", "active")
    with runtime.db.control_session() as session:
        audit = session.scalar(
            select(ControlAuditEvent).where(ControlAuditEvent.action == "billing.contract_ended_by_merge")
        )
    assert (audit.tenant_slug, audit.target, audit.actor) == ("alpha", "contract:HD-2026-ALPHA", "cli:merge-operator")
    assert (audit.details["old_ends_on"], audit.details["ends_on"]) == ("2026-12-31", "2026-10-14")
    assert audit.details["merged_into"] == "beta"

    # September was whole: billed as before
    september = lines_of(invoice_of(finance, run(finance, "2026-09"), "alpha"))
    assert september["lease"]["amount_vnd"] == LEASE // 12 == 99_000_000

    october = run(finance, "2026-10")
    assert october["created"] == ["alpha"] and october["skipped"] == {"beta": "no contract"}
    invoice = invoice_of(finance, october, "alpha")
    assert (invoice["period_start"], invoice["period_end"]) == ("2026-10-01", "2026-11-01")
    lines = lines_of(invoice)
    lease = lines["lease"]
    assert lease["amount_vnd"] == 44_709_677  # 99,000,000 × 14 / 31 = 44,709,677.42
    assert lease["quantity"] == "0.451613"  # of a month
    assert "từ 01/10/2026 đến 14/10/2026 (14/31 ngày)" in lease["description"]
    assert (lease["details"]["covered_days"], lease["details"]["period_days"]) == (14, 31)
    usage = lines["dossiers_received"]
    # the quota of 1,000 a month is 451.612903 for 14 days; the official tariff: 500 at 600, the rest at 450
    assert usage["included_quantity"] == "451.612903" and usage["billable_quantity"] == "748.387097"
    assert usage["amount_vnd"] == 500 * 600 + 111_774  # 248.387097 × 450 = 111,774.19
    assert usage["quantity"] == "1200.000000"  # all of the period's usage recorded against the tenant

    # finalizing re-rates from the ledger the same way: the numbers stand
    finalized = finance.post(f"/api/v1/billing/invoices/{invoice['id']}/finalize")
    assert finalized.status_code == 200, finalized.get_json()
    assert lines_of(finalized.get_json())["lease"]["amount_vnd"] == 44_709_677
    assert finalized.get_json()["subtotal_vnd"] == invoice["subtotal_vnd"]

    # after its contract ends the merged tenant is not billed, nor listed as skipped
    november = run(finance, "2026-11")
    assert "alpha" not in november["skipped"] and "alpha" not in november["created"]


def test_an_annual_contract_merged_in_march_bills_its_days_of_the_year_in_march(finance, contract, runtime):
    created = finance.post(
        "/api/v1/billing/contracts",
        json={"tenant": "beta", "code": "HD-BETA-Y", "plan": "daklak", "cadence": "annual"}
        | {"starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )
    assert created.status_code == 201, created.get_json()
    ingest(finance, dossiers(300, month=(2026, 2), tenant="beta", days=28))
    merge(runtime, "beta", "alpha", dt.date(2026, 3, 15))

    february = run(finance, "2026-02")
    assert "annual period" in february["skipped"]["beta"]
    march = run(finance, "2026-03")
    assert "beta" in march["created"]
    invoice = invoice_of(finance, march, "beta")
    assert (invoice["period_start"], invoice["period_end"]) == ("2026-01-01", "2027-01-01")
    lease = lines_of(invoice)["lease"]
    assert lease["amount_vnd"] == 237_600_000  # 1,188,000,000 × (31 + 28 + 14) / 365
    assert "từ 01/01/2026 đến 14/03/2026 (73/365 ngày)" in lease["description"]
    april = run(finance, "2026-04")
    assert "beta" not in april["created"] and "beta" not in april["skipped"]


def test_a_merge_inside_a_finalized_period_is_refused_and_changes_nothing(finance, contract, runtime):
    ingest(finance, dossiers(10))
    invoice_id = run(finance, "2026-10")["invoice_ids"][0]
    assert finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").status_code == 200
    with pytest.raises(Conflict) as refused:
        merge(runtime, "alpha", "beta", dt.date(2026, 10, 15))
    assert "finalized for 2026-10-01 – 2026-10-31, after the merge date 2026-10-15" in str(refused.value.message)
    assert finance.get("/api/v1/billing/contracts/HD-2026-ALPHA").get_json()["ends_on"] == "2026-12-31"
    with runtime.db.control_session() as session:
        assert session.scalar(select(Tenant.status).where(Tenant.slug == "alpha")) == "active"
    # merging from the day after that period is accepted
    merge(runtime, "alpha", "beta", dt.date(2026, 11, 1))
    assert finance.get("/api/v1/billing/contracts/HD-2026-ALPHA").get_json()["ends_on"] == "2026-10-31"


def test_drafts_for_periods_after_the_merge_are_voided_and_a_draft_the_contract_no_longer_covers_is_not_finalized(
    finance, contract, runtime
):
    ingest(finance, dossiers(40))  # October
    ingest(finance, dossiers(30, month=(2026, 11), prefix="n", days=28))
    october = invoice_of(finance, run(finance, "2026-10"), "alpha")
    november = invoice_of(finance, run(finance, "2026-11"), "alpha")
    merge(runtime, "alpha", "beta", dt.date(2026, 11, 1))  # after both drafts were made

    voided = finance.get(f"/api/v1/billing/invoices/{november['id']}").get_json()
    assert voided["status"] == "void" and "alpha" in voided["void_reason"]
    with runtime.db.control_session() as session:
        audit = session.scalar(
            select(ControlAuditEvent).where(
                ControlAuditEvent.action == "billing.invoice_void",
                ControlAuditEvent.target == f"invoice:{november['id']}",
            )
        )
    assert audit is not None and audit.actor == "cli:merge-operator"
    # October, whole before the merge, is still a draft and finalizes as it was
    assert finance.get(f"/api/v1/billing/invoices/{october['id']}").get_json()["status"] == "draft"
    assert finance.post(f"/api/v1/billing/invoices/{october['id']}/finalize").status_code == 200


def test_finalizing_a_draft_its_contract_no_longer_covers_is_refused(finance, contract, runtime):
    ingest(finance, dossiers(30, month=(2026, 11), prefix="n", days=28))
    november = invoice_of(finance, run(finance, "2026-11"), "alpha")
    with runtime.db.control_session() as session:  # the term cut short after the draft, by hand or by an old merge
        session.execute(
            text("UPDATE control.billing_contracts SET ends_on = DATE '2026-10-31' WHERE code = 'HD-2026-ALPHA'")
        )
        session.commit()
    refused = finance.post(f"/api/v1/billing/invoices/{november['id']}/finalize")
    assert refused.status_code == 409, refused.get_json()
    assert "does not cover any day" in refused.get_json()["message"]
    assert finance.get(f"/api/v1/billing/invoices/{november['id']}").get_json()["status"] == "draft"
