"""The finance consoles through the test client and the session cookie, as a browser. The province's pages
(/console/finance on its host): usage against quota, the overage budget, invoices with their lines, PDF and
CSV, payments and alerts, for the roles the my-billing API allows (a finance viewer or tenant admin of the
province itself), read-only; anyone else 403."""

import csv
import datetime as dt
import io
import re

import pytest
from billing_support import dossiers, ingest
from dossier_support import citizen_client, intake_body
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_billing.alerts.services import check_all
from motcua_platform.db.base import utcnow
from portal_support import csrf_token, fresh_address, submit, text
from test_billing_stripe import fake_stripe, httpserver_listen_address  # noqa: F401 - Stripe on 127.0.0.1

VENDOR = ("finance@vendor.test",)


def log_in(client, email: str):
    data = {"email": email, "password": TEST_PASSWORD}
    response = submit(client, "/console/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


@pytest.fixture
def province(host_client, seeded):
    """Alpha's finance viewer, logged in to the console."""
    return log_in(host_client(seeded["alpha"].host), "finance@alpha.test")


def dossiers_now(n: int, prefix: str = "now") -> list[dict]:
    """``n`` dossiers received a minute ago (this billing period, whenever the test runs in the contract)."""
    at = (utcnow() - dt.timedelta(minutes=1)).isoformat()
    return [
        {"tenant": "alpha", "metric": "dossiers_received", "event_id": f"dossier:{prefix}{i}", "occurred_at": at}
        for i in range(n)
    ]


def run_and_finalize(finance, period="2026-10") -> dict:
    run = finance.post("/api/v1/billing/runs", json={"period": period})
    assert run.status_code == 200, run.get_json()
    invoice_id = run.get_json()["invoice_ids"][0]
    finalized = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    assert finalized.status_code == 200, finalized.get_json()
    return finalized.get_json()


def test_usage_against_quota_the_budget_and_the_alerts(province, finance, contract, runtime, smtp):
    _inbox, mailer = smtp
    ingest(finance, dossiers_now(850))  # 85 % of the 1,000 dossiers of the quota
    page = province.get("/console/finance")
    assert page.status_code == 200
    body = text(page)
    assert "Usage against quota" in body and "Quota alert" in body
    assert "850 of 1,000" in body and "85 %" in body  # the figures, in words as well as drawn
    assert "80 % or more used" in body  # not by colour alone
    html = page.get_data(as_text=True)
    assert 'class="bar-chart"' in html and 'width="85.0"' in html
    assert "Overage budget this contract year" in body and "Per contract year" in body
    assert "240,000,000" in body  # the year's overage budget
    assert 'href="/console/finance"' in html  # the nav shows Finance to the finance viewer
    assert "No alert has been raised." in body

    assert check_all(runtime.db, mailer, VENDOR) == 2  # the alert service raises 50 % and 80 %
    alerts = text(province.get("/console/finance/alerts"))
    assert "80 %" in alerts and "50 %" in alerts and "85 % used" in alerts
    assert "taichinh@alpha.gov.vn" in alerts  # who was told: the province's own address,
    assert "finance@vendor.test" not in alerts  # never the vendor's
    assert "taichinh@alpha.gov.vn" in text(province.get("/console/finance"))


def test_invoices_their_lines_pdf_csv_and_payments(province, finance, contract, host_client, seeded):
    assert "No invoice has been issued yet." in text(province.get("/console/finance/invoices"))
    invoice = run_and_finalize(finance)
    paid = finance.post(
        f"/api/v1/billing/invoices/{invoice['id']}/payments", json={"amount_vnd": 8_900_000, "reference": "VCB-FT77"}
    )
    assert paid.status_code == 201, paid.get_json()

    listed = text(province.get("/console/finance/invoices"))
    assert invoice["number"] in listed and "108,900,000" in listed and "Issued, awaiting payment" in listed
    detail = province.get(f"/console/finance/invoices/{invoice['id']}")
    assert detail.status_code == 200
    shown = text(detail)
    assert invoice["lines"][0]["description"] in shown and "99,000,000" in shown  # the lease line
    assert "VCB-FT77" in shown and "8,900,000" in shown and "Bank transfer" in shown
    payments = text(province.get("/console/finance/payments"))
    assert "VCB-FT77" in payments and invoice["number"] in payments

    pdf = province.get(f"/console/finance/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    exported = province.get("/console/finance/invoices.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.headers["Content-Disposition"] == 'attachment; filename="invoices.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert {r["number"] for r in rows} == {invoice["number"]} and len(rows) == len(invoice["lines"])
    assert (rows[0]["kind"], rows[0]["amount_vnd"]) == ("lease", "99000000")

    # the same answers as the my-billing API: another province does not see it, a draft does not exist
    beta = log_in(host_client(seeded["beta"].host), "finance@beta.test")
    assert beta.get(f"/console/finance/invoices/{invoice['id']}").status_code == 404
    assert beta.get(f"/console/finance/invoices/{invoice['id']}/pdf").status_code == 404
    assert beta.get("/console/finance/invoices.csv").data.decode("utf-8-sig").count("\n") == 1  # the header
    draft = finance.post("/api/v1/billing/runs", json={"period": "2026-09"}).get_json()["invoice_ids"][0]
    assert province.get(f"/console/finance/invoices/{draft}").status_code == 404


def test_the_my_billing_api_lists_payments_and_exports_csv(finance, contract, app, seeded):
    from motcua_app.testing.pytest_plugin import HostClient

    invoice = run_and_finalize(finance)
    finance.post(f"/api/v1/billing/invoices/{invoice['id']}/payments", json={"amount_vnd": 1000, "reference": "R1"})
    mine = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    payments = mine.get("/api/v1/my-billing/payments")
    assert payments.status_code == 200
    assert [(p["invoice_number"], p["amount_vnd"], p["reference"]) for p in payments.get_json()] == [
        (invoice["number"], 1000, "R1")
    ]
    exported = mine.get("/api/v1/my-billing/exports/invoices.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv" and invoice["number"] in exported.text
    officer = HostClient(app, seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/my-billing/payments").status_code == 403
    assert officer.get("/api/v1/my-billing/exports/invoices.csv").status_code == 403
    beta = HostClient(app, seeded["beta"].host, seeded["beta"].tokens["finance"])
    assert beta.get("/api/v1/my-billing/payments").get_json() == []


PAGES = (
    "/console/finance",
    "/console/finance/invoices",
    "/console/finance/payments",
    "/console/finance/alerts",
    "/console/finance/invoices.csv",
)


def test_only_the_provinces_finance_roles_open_the_pages(host_client, seeded, contract):
    officer = log_in(host_client(seeded["alpha"].host), "officer@alpha.test")
    commune_admin = log_in(host_client(seeded["alpha"].host), "commune_admin@alpha.test")
    for path in PAGES:
        assert officer.get(path).status_code == 403, path
        assert commune_admin.get(path).status_code == 403, path  # an admin of a commune, not the province
    assert "Finance" not in text(officer.get("/console"))  # no link to a page that would refuse
    admin = log_in(host_client(seeded["alpha"].host), "admin@alpha.test")
    assert all(admin.get(path).status_code == 200 for path in PAGES)
    anonymous = host_client(seeded["alpha"].host)
    signed_out = anonymous.get("/console/finance")
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"] == "/console/login?next=/console/finance"


def test_a_province_without_a_contract_sees_so(host_client, seeded):
    beta = log_in(host_client(seeded["beta"].host), "finance@beta.test")
    page = beta.get("/console/finance")
    assert page.status_code == 200
    assert "No contract is in force this month" in text(page)


def test_the_finance_viewer_never_writes(province, finance, contract, seeded, host_client):
    invoice = run_and_finalize(finance)
    token = csrf_token(province.get("/console/finance").get_data(as_text=True))
    for path in (*PAGES, f"/console/finance/invoices/{invoice['id']}"):
        response = province.post(path, data={"csrf_token": token})
        assert response.status_code in (403, 405), path
    # nor on the officer's pages: a dossier's action form is refused and the dossier stays as it was
    submitted = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    code = submitted.get_json()["code"]
    moved = province.post(
        f"/console/dossiers/{code}/transitions", data={"csrf_token": token, "version": "1", "to_status": "2"}
    )
    assert moved.status_code in (403, 404)
    officer_api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer_api.get(f"/api/v1/dossiers/{code}").get_json()["status"] == 1
    # nor through the staff API with the same role: the vendor's billing is not on a tenant host at all
    api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert api.post(f"/api/v1/billing/invoices/{invoice['id']}/void", json={"reason": "x"}).status_code == 404
    assert finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()["status"] == "finalized"


# -- the vendor's finance pages (/operator/finance on the platform host) ----------------------------
def operator_console(host_client, email: str):
    client = host_client(TEST_BASE_DOMAIN)
    data = {"email": email, "password": TEST_PASSWORD}
    response = submit(client, "/operator/login", data, environ_base={"REMOTE_ADDR": fresh_address()})
    assert response.status_code == 303, text(response)
    return client


@pytest.fixture
def vendor(host_client, seeded):
    """The vendor's finance operator, logged in to the vendor console."""
    return operator_console(host_client, "finance@vendor.test")


def audited(platform, action) -> list[dict]:
    return platform.get("/api/v1/audit", query_string={"action": action}).get_json()


def test_vendor_usage_of_every_tenant(vendor, finance, contract, host_client, seeded):
    ingest(finance, dossiers_now(850))
    page = vendor.get("/operator/finance")
    assert page.status_code == 200
    body = text(page)
    assert "alpha" in body and "HD-2026-ALPHA" in body
    assert re.search(r"850 / 1[.,]000", body) and "85 %" in body and "80 % or more used" in body
    assert "Without a contract in force this month: beta." in body
    ops = operator_console(host_client, "ops@vendor.test")
    for path in (
        "/operator/finance",
        "/operator/finance/run",
        "/operator/finance/invoices",
        "/operator/finance/alerts",
    ):
        assert ops.get(path).status_code == 403, path  # the vendor's finance team's section


def test_the_run_preview_writes_nothing_and_the_run_makes_the_drafts(vendor, finance, contract, platform):
    ingest(finance, dossiers(1200))  # October: 200 over the quota of 1,000
    page = vendor.get("/operator/finance/run?period=2026-10")
    assert page.status_code == 200
    body = text(page)
    assert "Preview for 2026-10" in body and "Nothing has been written yet" in body
    assert "HD-2026-ALPHA" in body and "a new draft" in body
    assert "99,000,000" in body  # the lease line
    assert "beta" in body and "no contract" in body  # not billed, and why
    preview = finance.get("/api/v1/billing/runs/preview?period=2026-10").get_json()
    assert [i["tenant"] for i in preview["invoices"]] == ["alpha"]
    assert f"{preview['totals']['total_vnd']:,}" in body
    # nothing written: no invoice, no audit record
    assert finance.get("/api/v1/billing/invoices").get_json() == []
    assert audited(platform, "billing.run") == []

    made = submit(vendor, "/operator/finance/run?period=2026-10", {"period": "2026-10"}, action="/operator/finance/run")
    assert made.status_code == 303
    assert made.headers["Location"] == "/operator/finance/invoices?period=2026-10&status=draft"
    drafts = finance.get("/api/v1/billing/invoices?status=draft").get_json()
    assert len(drafts) == 1 and drafts[0]["total_vnd"] == preview["invoices"][0]["total_vnd"]
    assert [line["amount_vnd"] for line in drafts[0]["lines"]] == [
        line["amount_vnd"] for line in preview["invoices"][0]["lines"]
    ]
    run_event = audited(platform, "billing.run")[0]
    assert "finance@vendor.test" in run_event["actor"] and run_event["details"]["created"] == ["alpha"]
    listed = text(vendor.get(made.headers["Location"]))
    assert f"Draft {drafts[0]['id']}" in listed
    again = text(vendor.get("/operator/finance/run?period=2026-10"))
    assert "its draft is already this" in again  # a second run would change nothing


def test_the_run_refuses_a_bad_or_unfinished_month_and_previews_this_month_so_far(vendor, contract):
    bad = vendor.get("/operator/finance/run?period=2026-13")
    assert bad.status_code == 422 and "Write the month as YYYY-MM" in text(bad)
    assert 'value="2026-13"' in bad.get_data(as_text=True)  # the input kept
    month = f"{utcnow():%Y-%m}"
    so_far = vendor.get(f"/operator/finance/run?period={month}")
    assert so_far.status_code == 200 and "This month has not ended: these are its figures so far." in text(so_far)
    assert "Make the drafts" not in text(so_far)  # only a month that has ended is billed
    unfinished = submit(vendor, "/operator/finance/run", {"period": month})
    assert unfinished.status_code == 422 and "has not ended" in text(unfinished)
    assert vendor.get("/operator/finance/run?period=2099-12").status_code == 422  # not begun: nothing to show
    posted = submit(vendor, "/operator/finance/run", {"period": "nonsense"})
    assert posted.status_code == 422


def test_finalise_then_void_with_a_reason(vendor, finance, contract, platform):
    draft = finance.post("/api/v1/billing/runs", json={"period": "2026-10"}).get_json()["invoice_ids"][0]
    page = f"/operator/finance/invoices/{draft}"
    assert "Finalise and issue" in text(vendor.get(page))
    issued = submit(vendor, page, action=f"{page}/finalize")
    assert issued.status_code == 303 and issued.headers["Location"] == page
    invoice = finance.get(f"/api/v1/billing/invoices/{draft}").get_json()
    assert invoice["status"] == "finalized" and invoice["number"].startswith("MC2026-")
    shown = text(vendor.get(page))
    assert invoice["number"] in shown and "Finalise and issue" not in shown
    assert "finance@vendor.test" in audited(platform, "billing.invoice_finalize")[0]["actor"]

    confirm = vendor.get(f"{page}/void")
    assert confirm.status_code == 200 and "This cannot be undone" in text(confirm)
    empty = submit(vendor, f"{page}/void", {"reason": "  "})
    assert empty.status_code == 422 and "Give the reason for voiding this invoice." in text(empty)
    assert finance.get(f"/api/v1/billing/invoices/{draft}").get_json()["status"] == "finalized"
    voided = submit(vendor, f"{page}/void", {"reason": "Sai mã số thuế người mua"})
    assert voided.status_code == 303
    after = finance.get(f"/api/v1/billing/invoices/{draft}").get_json()
    assert after["status"] == "void" and after["void_reason"] == "Sai mã số thuế người mua"
    assert "Sai mã số thuế người mua" in text(vendor.get(page))
    voided_event = audited(platform, "billing.invoice_void")[0]
    assert "finance@vendor.test" in voided_event["actor"] and voided_event["target"] == f"invoice:{draft}"
    # a void invoice cannot be voided again: the page says so, the service refuses
    assert "Only a draft or an issued invoice with no payment can be voided." in text(vendor.get(f"{page}/void"))
    assert submit(vendor, f"{page}/void", {"reason": "again"}).status_code == 409


def test_vendor_invoices_pdf_csv_and_alerts(vendor, finance, contract, runtime, smtp):
    _inbox, mailer = smtp
    invoice = run_and_finalize(finance)
    listed = text(vendor.get("/operator/finance/invoices?tenant=alpha&status=finalized"))
    assert invoice["number"] in listed
    assert "No invoice matches." in text(vendor.get("/operator/finance/invoices?status=paid"))
    pdf = vendor.get(f"/operator/finance/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    exported = vendor.get("/operator/finance/invoices.csv?tenant=alpha")
    assert exported.mimetype == "text/csv" and invoice["number"] in exported.data.decode("utf-8-sig")

    ingest(finance, dossiers_now(850))
    assert check_all(runtime.db, mailer, VENDOR) == 2
    alerts = text(vendor.get("/operator/finance/alerts"))
    assert "alpha" in alerts and "80 %" in alerts and "85 % used" in alerts
    assert "taichinh@alpha.gov.vn" in alerts and "finance@vendor.test" in alerts  # who was told
    assert "No alert has been raised." in text(vendor.get("/operator/finance/alerts?tenant=beta"))


def test_reconciliation_without_stripe_says_so(vendor, finance, contract):
    page = vendor.get("/operator/finance/reconciliation?check=1")
    assert page.status_code == 200 and "Stripe is not configured" in text(page)
    assert finance.get("/api/v1/billing/reconciliation").status_code == 503


def test_reconciliation_shows_matched_and_unmatched(request, vendor, finance, contract, host_client, seeded):
    stripe = request.getfixturevalue("fake_stripe")  # Stripe's API on 127.0.0.1, as test_billing_stripe has it
    invoice = run_and_finalize(finance)
    assert invoice["stripe_invoice_id"]
    assert "Compare with Stripe now" in text(vendor.get("/operator/finance/reconciliation"))
    clean = text(vendor.get("/operator/finance/reconciliation?check=1"))
    assert "1 invoice(s) compared: 1 matched, 0 not matched." in clean
    assert "None: Stripe agrees with every invoice." in clean
    stripe.invoices[invoice["stripe_invoice_id"]]["total"] += 100  # someone edited it at Stripe
    drift = text(vendor.get("/operator/finance/reconciliation?check=1"))
    assert "1 invoice(s) compared: 0 matched, 1 not matched." in drift and "≠ ours" in drift
    api = finance.get("/api/v1/billing/reconciliation").get_json()
    assert api["checked"] == 1 and api["matched"] == [] and api["mismatches"][0]["invoice"] == invoice["id"]
    ops = host_client(TEST_BASE_DOMAIN, seeded["platform"].tokens["operator"])
    assert ops.get("/api/v1/billing/reconciliation").status_code == 403
    assert ops.get("/api/v1/billing/runs/preview?period=2026-10").status_code == 403
