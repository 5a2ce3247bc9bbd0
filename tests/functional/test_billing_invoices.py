"""The invoice run, the invoice lifecycle, late usage, payments, PDF and CSV, through the real HTTP API."""

import csv
import io
from types import SimpleNamespace

import pytest
from billing_support import BUDGET, LEASE, dossiers, ingest, vn
from click.testing import CliRunner
from motcua_app.testing.pytest_plugin import HostClient
from motcua_platform.cli import CliContext, main

RUN = "/api/v1/billing/runs"


def run(client, period="2026-10"):
    response = client.post(RUN, json={"period": period})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def usage_for_october(finance):
    ingest(finance, dossiers(1200))
    ingest(
        finance,
        [
            {
                "tenant": "alpha",
                "metric": "sms_sent",
                "event_id": "sms:1",
                "quantity": 20500,
                "occurred_at": vn(2026, 10, 3).isoformat(),
            },
            {
                "tenant": "alpha",
                "metric": "storage_gb",
                "event_id": "st:1",
                "quantity": "480.5",
                "occurred_at": vn(2026, 10, 2).isoformat(),
            },
            {
                "tenant": "alpha",
                "metric": "storage_gb",
                "event_id": "st:2",
                "quantity": "510.25",
                "occurred_at": vn(2026, 10, 20).isoformat(),
            },
            {
                "tenant": "alpha",
                "metric": "officer_seats",
                "event_id": "seats:1",
                "quantity": 320,
                "occurred_at": vn(2026, 10, 5).isoformat(),
            },
            # 1 November 00:30 in Hà Nội is 31 October in UTC: it belongs to November.
            {
                "tenant": "alpha",
                "metric": "sms_sent",
                "event_id": "sms:nov",
                "quantity": 999999,
                "occurred_at": "2026-10-31T17:30:00+00:00",
            },
        ],
    )


def test_run_rates_the_period_and_rerunning_changes_nothing(finance, contract):
    usage_for_october(finance)
    report = run(finance)
    assert report["created"] == ["alpha"] and report["skipped"] == {"beta": "no contract"}
    invoice = finance.get(f"/api/v1/billing/invoices/{report['invoice_ids'][0]}").get_json()
    assert invoice["status"] == "draft" and invoice["number"] is None
    lines = {line["metric_code"] or line["kind"]: line for line in invoice["lines"]}
    assert lines["lease"]["amount_vnd"] == LEASE // 12 == 99_000_000
    # Official tariff from July: 200 over the quota at 600 đ.
    assert lines["dossiers_received"]["quantity"] == "1200.000000"
    assert lines["dossiers_received"]["billable_quantity"] == "200.000000"
    assert lines["dossiers_received"]["amount_vnd"] == 120_000
    assert lines["dossiers_received"]["event_count"] == 1200
    assert lines["sms_sent"]["amount_vnd"] == 350_000  # one started package of 1,000; November's SMS not counted
    assert lines["storage_gb"]["quantity"] == "510.250000"  # max
    assert lines["storage_gb"]["amount_vnd"] == 205_000  # 10.25 GB × 20,000
    assert lines["officer_seats"]["amount_vnd"] == 20 * 50_000
    subtotal = 99_000_000 + 120_000 + 350_000 + 205_000 + 1_000_000
    assert invoice["subtotal_vnd"] == subtotal
    assert invoice["vat_vnd"] == subtotal // 10 and invoice["total_vnd"] == subtotal + subtotal // 10
    assert lines["dossiers_received"]["details"]["usage_query"]["occurred_from"] == "2026-10-01T00:00:00+07:00"

    again = run(finance)
    assert again["unchanged"] == ["alpha"] and again["created"] == again["updated"] == []
    assert finance.get(f"/api/v1/billing/invoices/{report['invoice_ids'][0]}").get_json() == invoice

    ingest(finance, dossiers(1, prefix="x"))
    assert run(finance)["updated"] == ["alpha"]  # a draft follows new usage


def test_finalize_numbers_without_gaps_and_claims_the_usage(finance, contract):
    usage_for_october(finance)
    invoice_id = run(finance)["invoice_ids"][0]
    finalized = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    assert finalized.status_code == 200, finalized.get_json()
    body = finalized.get_json()
    assert body["status"] == "finalized" and body["number"].startswith("MC2026-")
    twice = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    assert twice.status_code == 409 and twice.get_json()["code"] == "conflict"
    assert finance.get(f"/api/v1/billing/invoices/{invoice_id}").get_json() == body

    dossier_line = next(line for line in body["lines"] if line["metric_code"] == "dossiers_received")
    usage = finance.get(f"/api/v1/billing/invoices/{invoice_id}/lines/{dossier_line['id']}/usage?page_size=5")
    assert usage.status_code == 200 and len(usage.get_json()) == 5
    assert all(e["invoice_line_id"] == dossier_line["id"] for e in usage.get_json())
    assert '"total": 1200' in usage.headers["X-Pagination"]

    # Re-running a finalized period changes nothing.
    assert "already finalized" in run(finance)["skipped"]["alpha"]

    # September: a second invoice gets the next number.
    ingest(finance, dossiers(10, month=(2026, 9), prefix="s"))
    september = run(finance, "2026-09")["invoice_ids"][0]
    second = finance.post(f"/api/v1/billing/invoices/{september}/finalize").get_json()
    first_no, second_no = int(body["number"].split("-")[1]), int(second["number"].split("-")[1])
    assert second_no == first_no + 1


def test_late_usage_becomes_an_adjustment_on_the_next_invoice(finance, contract, runtime):
    usage_for_october(finance)
    october = run(finance)["invoice_ids"][0]
    finance.post(f"/api/v1/billing/invoices/{october}/finalize")
    late = ingest(finance, dossiers(3, prefix="late"))  # October dossiers that arrive after finalization
    assert late["accepted"] == 3
    assert (
        finance.get(f"/api/v1/billing/invoices/{october}").get_json()["total_vnd"]
        == finance.get(f"/api/v1/billing/invoices/{october}").get_json()["total_vnd"]
    )
    november = run(finance, "2026-11")
    invoice = finance.get(f"/api/v1/billing/invoices/{november['invoice_ids'][0]}").get_json()
    adjustments = [line for line in invoice["lines"] if line["kind"] == "adjustment"]
    assert len(adjustments) == 1
    adjustment = adjustments[0]
    assert adjustment["metric_code"] == "dossiers_received" and adjustment["service_start"] == "2026-10-01"
    assert adjustment["quantity"] == "3.000000" and adjustment["amount_vnd"] == 3 * 600
    assert adjustment["event_count"] == 3
    finalized = finance.post(f"/api/v1/billing/invoices/{invoice['id']}/finalize").get_json()
    adjustment = next(line for line in finalized["lines"] if line["kind"] == "adjustment")
    claimed = finance.get(f"/api/v1/billing/invoices/{invoice['id']}/lines/{adjustment['id']}/usage").get_json()
    assert sorted(e["event_id"] for e in claimed) == [f"dossier:late{i}:received" for i in range(3)]
    # The October invoice can no longer be voided: November's invoice already adjusts October.
    refused = finance.post(f"/api/v1/billing/invoices/{october}/void", json={"reason": "Sai"})
    assert refused.status_code == 409 and "adjusts this period" in refused.get_json()["message"]
    # Nothing is billed twice: December (rated as on 1 January, when it has ended) has no adjustment left.
    import datetime as dt
    from decimal import Decimal

    from motcua_billing.invoices.models import Invoice
    from motcua_billing.invoices.run import run_period
    from motcua_platform.audit.services import Actor

    with runtime.db.control_session() as session:
        january = dt.datetime(2026, 12, 31, 17, tzinfo=dt.UTC)
        actor = Actor("cli", None, "test")
        report = run_period(session, actor, dt.date(2026, 12, 1), vat_rate=Decimal(10), now=january)
        december = session.get(Invoice, report.invoice_ids[0])
        assert december.period_start == dt.date(2026, 12, 1)
        assert not [line for line in december.lines if line.kind == "adjustment"]
        session.rollback()


def test_payments_void_and_their_bad_input(finance, contract):
    invoice_id = run(finance)["invoice_ids"][0]
    draft_payment = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": 1, "reference": "VCB-1"}
    )
    assert draft_payment.status_code == 409 and "finalize" in draft_payment.get_json()["message"]
    total = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize").get_json()["total_vnd"]
    assert total == 108_900_000  # the lease and its 10% VAT
    bad = finance.post(f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": -5, "reference": "x"})
    assert bad.status_code == 422 and "amount_vnd" in bad.get_json()["errors"]
    text_amount = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": "100", "reference": "x"}
    )
    assert text_amount.status_code == 422
    too_much = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": total + 1, "reference": "x"}
    )
    assert too_much.status_code == 422
    part = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": 8_900_000, "reference": "VCB-FT1"}
    )
    assert part.status_code == 201
    assert finance.get(f"/api/v1/billing/invoices/{invoice_id}").get_json()["status"] == "finalized"
    replay = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": 100, "reference": "VCB-FT1"}
    )
    assert replay.status_code == 409
    rest = finance.post(
        f"/api/v1/billing/invoices/{invoice_id}/payments", json={"amount_vnd": 100_000_000, "reference": "VCB-FT2"}
    )
    assert rest.status_code == 201
    paid = finance.get(f"/api/v1/billing/invoices/{invoice_id}").get_json()
    assert paid["status"] == "paid" and paid["amount_due_vnd"] == 0
    refused = finance.post(f"/api/v1/billing/invoices/{invoice_id}/void", json={"reason": "sai"})
    assert refused.status_code == 409

    september = run(finance, "2026-09")["invoice_ids"][0]
    finance.post(f"/api/v1/billing/invoices/{september}/finalize")
    assert finance.post(f"/api/v1/billing/invoices/{september}/void", json={}).status_code == 422
    voided = finance.post(f"/api/v1/billing/invoices/{september}/void", json={"reason": "Sai thông tin người mua"})
    assert voided.status_code == 200 and voided.get_json()["status"] == "void"
    pay_void = finance.post(
        f"/api/v1/billing/invoices/{september}/payments", json={"amount_vnd": 1, "reference": "VCB-9"}
    )
    assert pay_void.status_code == 409 and "void" in pay_void.get_json()["message"]
    assert finance.post(f"/api/v1/billing/invoices/{september}/void", json={"reason": "again"}).status_code == 409
    replacement = run(finance, "2026-09")
    assert replacement["created"] == ["alpha"] and replacement["invoice_ids"][0] != september


def test_roles_hosts_and_bad_periods(finance, contract, seeded, app, alpha):
    operator = HostClient(app, "motcua.test", seeded["platform"].tokens["operator"])
    assert operator.post(RUN, json={"period": "2026-10"}).status_code == 403
    assert finance.post(RUN, json={"period": "2026-13"}).status_code == 422
    assert finance.post(RUN, json={"period": "October"}).status_code == 422
    assert alpha.post(RUN, json={"period": "2026-10"}).status_code == 404  # platform route on a tenant host
    assert finance.get("/api/v1/billing/invoices/999999").status_code == 404
    assert finance.post("/api/v1/billing/invoices/999999/finalize").status_code == 404


def test_pdf_and_csv(finance, contract):
    usage_for_october(finance)
    invoice_id = run(finance)["invoice_ids"][0]
    finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    pdf = finance.get(f"/api/v1/billing/invoices/{invoice_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 5000
    exported = finance.get("/api/v1/billing/exports/invoices.csv?period=2026-10")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [r["kind"] for r in rows] == ["lease", "usage", "usage", "usage", "usage"]
    assert {r["tenant"] for r in rows} == {"alpha"} and rows[0]["amount_vnd"] == "99000000"
    assert sum(int(r["amount_vnd"]) for r in rows) == int(rows[0]["subtotal_vnd"])


def test_pdf_is_vietnamese(finance, contract, tmp_path):
    from motcua_billing.invoices import documents

    invoice_id = run(finance)["invoice_ids"][0]
    finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    pdf = finance.get(f"/api/v1/billing/invoices/{invoice_id}/pdf").data
    import shutil
    import subprocess

    if shutil.which("pdftotext"):
        path = tmp_path / "invoice.pdf"
        path.write_bytes(pdf)
        extracted = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "HÓA ĐƠN DỊCH VỤ" in extracted and "Văn phòng UBND tỉnh Alpha" in extracted
        assert "99.000.000" in extracted and "Một trăm linh tám triệu chín trăm nghìn đồng" in extracted
    assert documents.amount_in_words(108_900_000) == "Một trăm linh tám triệu chín trăm nghìn đồng"


def test_province_sees_its_own_usage_budget_and_invoices_only(finance, contract, seeded, app, runtime):
    usage_for_october(finance)
    invoice_id = run(finance)["invoice_ids"][0]
    alpha_finance = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    beta_finance = HostClient(app, seeded["beta"].host, seeded["beta"].tokens["finance"])
    officer = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert alpha_finance.get("/api/v1/my-billing/invoices").get_json() == []  # drafts are not shown
    finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    mine = alpha_finance.get("/api/v1/my-billing/invoices").get_json()
    assert [i["id"] for i in mine] == [invoice_id]
    assert alpha_finance.get(f"/api/v1/my-billing/invoices/{invoice_id}/pdf").status_code == 200
    assert beta_finance.get(f"/api/v1/my-billing/invoices/{invoice_id}").status_code == 404
    assert beta_finance.get("/api/v1/my-billing/invoices").get_json() == []
    assert officer.get("/api/v1/my-billing/invoices").status_code == 403
    assert beta_finance.get("/api/v1/my-billing/usage").status_code == 404  # beta has no contract

    budget = alpha_finance.get("/api/v1/my-billing/budget").get_json()
    year = budget["years"][0]
    assert (year["lease_vnd"], year["overage_budget_vnd"]) == (LEASE, BUDGET)
    # October as invoiced, plus the live period when it is November 2026 (980 started SMS packages so far).
    from motcua_platform.timezones import VIETNAM

    live = 980 * 350_000 if __import__("datetime").datetime.now(VIETNAM).strftime("%Y-%m") == "2026-11" else 0
    assert year["actual_overage_vnd"] == (120_000 + 350_000 + 205_000 + 1_000_000) + live
    assert year["invoiced_vnd"] == mine[0]["total_vnd"] and year["paid_vnd"] == 0
    assert finance.get("/api/v1/billing/tenants/alpha/budget").get_json() == budget


def test_the_command_line_run_is_idempotent_and_finance_can_work_from_it(finance, contract, runtime, tmp_path):
    context = CliContext()
    context._runtime = runtime

    def motcua(*args):
        return CliRunner().invoke(main, ["billing", *args], obj=context, catch_exceptions=False)

    ingest(finance, dossiers(1100))
    first = motcua("run", "--period", "2026-10")
    assert first.exit_code == 0 and "created: alpha" in first.output
    second = motcua("run", "--period", "2026-10")
    assert second.exit_code == 0 and "unchanged: alpha" in second.output and "created: -" in second.output
    assert motcua("run", "--period", "2026-1").exit_code == 2
    invoice_id = finance.get("/api/v1/billing/invoices?period=2026-10").get_json()[0]["id"]
    finalized = motcua("finalize", str(invoice_id))
    assert finalized.exit_code == 0 and "finalized as MC2026-" in finalized.output
    again = motcua("finalize", str(invoice_id))
    assert again.exit_code == 1 and "only a draft can be finalized" in again.output
    assert motcua("pdf", str(invoice_id), "-o", str(tmp_path / "x.pdf")).exit_code == 0
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    exported = motcua("export", "--period", "2026-10")
    assert exported.exit_code == 0 and "dossiers_received" in exported.output
    total = finance.get(f"/api/v1/billing/invoices/{invoice_id}").get_json()["total_vnd"]
    paid = motcua("pay", str(invoice_id), "--amount", str(total), "--reference", "VCB-FT9")
    assert paid.exit_code == 0 and "paid, 0 VND still due" in paid.output
    budget = motcua("budget", "alpha")
    assert budget.exit_code == 0 and "1,188.000" in budget.output and "240.000" in budget.output


def test_scheduled_jobs_are_registered(runtime):
    tasks = runtime.jobs.app.tasks
    assert {"billing:monthly_run", "billing:drain_usage", "billing:check_alerts", "billing:run_period"} <= set(tasks)
    crons = {
        task.name: cron
        for task, cron in ((p.task, p.cron) for p in runtime.jobs.app.periodic_registry.periodic_tasks.values())
    }
    assert crons["billing:monthly_run"] == "0 18 * * *"
    from motcua_billing.invoices.tasks import previous_month

    assert previous_month(vn(2026, 11, 1, hour=1)) == __import__("datetime").date(2026, 10, 1)


def test_a_quarterly_contract_is_billed_when_its_quarter_closes(finance, contract):
    created = finance.post(
        "/api/v1/billing/contracts",
        json={"tenant": "beta", "code": "HD-BETA-Q", "plan": "daklak", "cadence": "quarterly"}
        | {"starts_on": "2026-01-01", "ends_on": "2026-12-31"},
    )
    assert created.status_code == 201
    ingest(finance, dossiers(1500, month=(2026, 8), tenant="beta", days=14))
    august = run(finance, "2026-08")
    assert "quarterly period" in august["skipped"]["beta"] and "does not close" in august["skipped"]["beta"]
    september = run(finance, "2026-09")
    invoice = next(
        i for i in finance.get("/api/v1/billing/invoices?tenant=beta").get_json() if i["id"] in september["invoice_ids"]
    )
    assert (invoice["period_start"], invoice["period_end"]) == ("2026-07-01", "2026-10-01")
    lease = next(line for line in invoice["lines"] if line["kind"] == "lease")
    assert lease["amount_vnd"] == LEASE // 4 and "07/2026 – 09/2026" in lease["description"]
    usage = next(line for line in invoice["lines"] if line["metric_code"] == "dossiers_received")
    assert usage["quantity"] == "1500.000000" and usage["amount_vnd"] == 500 * 500  # plan tariff; quota per quarter


def test_a_month_that_has_not_ended_and_years_out_of_range_are_refused(finance, contract, runtime):
    import datetime as dt

    from motcua_billing.invoices.models import Invoice
    from motcua_billing.invoices.tasks import run_period_task
    from motcua_platform.errors import InvalidInput
    from motcua_platform.timezones import VIETNAM
    from sqlalchemy import func, select

    ingest(finance, dossiers(10, month=(2026, 10)))
    this_month = dt.datetime.now(VIETNAM).strftime("%Y-%m")
    for period in (this_month, "2099-12"):
        refused = finance.post(RUN, json={"period": period})
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["code"] == "validation_error" and "has not ended" in refused.get_json()["message"]
        assert refused.get_json()["errors"] == {"period": ["The month has not ended yet."]}
    # the one period parser behind every route: no year 0 or 9999 reaches the period arithmetic (it was a 500)
    for period in ("0000-01", "1999-12", "2100-01", "9999-12"):
        refused = finance.post(RUN, json={"period": period})
        assert refused.status_code == 422 and "outside the billing years" in str(refused.get_json()["errors"])
        assert finance.get(f"/api/v1/billing/invoices?period={period}").status_code == 422
        assert finance.get(f"/api/v1/billing/exports/invoices.csv?period={period}").status_code == 422
    with pytest.raises(InvalidInput, match="has not ended"):  # the on-demand job refuses it too
        run_period_task.func(SimpleNamespace(additional_context={"runtime": runtime}), period=this_month)
    with runtime.db.control_session() as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 0  # nothing half-written
    assert run(finance, "2026-10")["created"] == ["alpha"]  # an ended month still runs


def test_every_tenant_not_billed_is_listed_with_the_reason(finance, contract, runtime):
    from motcua_billing.invoices.tasks import run_period_task

    report = run(finance)
    assert report["created"] == ["alpha"] and report["skipped"] == {"beta": "no contract"}
    later = finance.post(
        "/api/v1/billing/contracts",
        json={"tenant": "beta", "code": "HD-BETA-2027", "plan": "daklak"}
        | {"starts_on": "2027-01-01", "ends_on": "2027-12-31"},
    )
    assert later.status_code == 201, later.get_json()
    expected = "no contract in force in 2026-10 (HD-BETA-2027: 2027-01-01 – 2027-12-31)"
    assert run(finance)["skipped"] == {"beta": expected}
    # the scheduled job's result and the command line say the same
    job = run_period_task.func(SimpleNamespace(additional_context={"runtime": runtime}), period="2026-10")
    assert job["skipped"] == {"beta": expected} and job["unchanged"] == ["alpha"]
    context = CliContext()
    context._runtime = runtime
    output = CliRunner().invoke(main, ["billing", "run", "--period", "2026-10"], obj=context).output
    assert f"skipped: beta ({expected})" in output
    refused = CliRunner().invoke(main, ["billing", "run", "--period", "2099-12"], obj=context)
    assert refused.exit_code == 1 and "2099-12 has not ended" in refused.output
    out_of_range = CliRunner().invoke(main, ["billing", "run", "--period", "0000-01"], obj=context)
    assert out_of_range.exit_code == 2 and "outside the billing years" in out_of_range.output


def test_a_rolled_back_finalization_leaves_no_gap(finance, contract, runtime):
    from motcua_billing.invoices.lifecycle import finalize
    from motcua_platform.audit.services import Actor

    october = run(finance)["invoice_ids"][0]
    september = run(finance, "2026-09")["invoice_ids"][0]
    actor = Actor("cli", None, "test")
    with runtime.db.control_session() as session:
        number = finalize(session, actor, october).number
        session.rollback()  # e.g. the e-invoice provider refused it
    with runtime.db.control_session() as session:
        assert finalize(session, actor, september).number == number
        assert finalize(session, actor, october).number == number + 1
        session.commit()


def test_usage_view_shows_quota_left_and_projected_overage(finance, contract, seeded, app):
    import datetime as dt
    from decimal import Decimal

    from motcua_platform.timezones import VIETNAM

    today = dt.datetime.now(VIETNAM)
    alpha_finance = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    response = alpha_finance.get("/api/v1/my-billing/usage")
    if today.year != 2026:  # the test contract covers 2026 only
        assert response.status_code == 404
        return
    ingest(finance, dossiers(600, month=(2026, today.month), days=max(today.day - 1, 1)))
    usage = alpha_finance.get("/api/v1/my-billing/usage").get_json()
    assert usage["contract"] == "HD-2026-ALPHA" and usage["period_start"] == f"2026-{today.month:02d}-01"
    dossier = next(m for m in usage["metrics"] if m["metric"] == "dossiers_received")
    assert Decimal(dossier["quantity"]) == 600 and Decimal(dossier["quota_left"]) == 400
    assert Decimal(dossier["used_percent"]) == 60
    assert Decimal(dossier["projected_quantity"]) >= 600  # the month is not over: usage is projected forward
    assert dossier["projected_overage_vnd"] >= dossier["overage_vnd"] == 0
    assert usage["budget"]["overage_budget_vnd"] == BUDGET
    # the vendor sees the same figures; the projection runs on the clock, so it may move between the two
    # requests and is compared apart from the rest
    vendor = finance.get("/api/v1/billing/tenants/alpha/usage").get_json()["metrics"]

    def settled(metrics):
        return [{k: v for k, v in m.items() if not k.startswith("projected_")} for m in metrics]

    assert settled(vendor) == settled(usage["metrics"])
    vendor_dossier = next(m for m in vendor if m["metric"] == "dossiers_received")
    # later in the period the same usage projects a little lower, never below what was used
    assert 600 <= Decimal(vendor_dossier["projected_quantity"]) <= Decimal(dossier["projected_quantity"])


def Decimal_equal(text, number) -> bool:
    from decimal import Decimal

    return Decimal(text) == Decimal(number)
