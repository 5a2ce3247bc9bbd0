"""The finance consoles through the test client and the session cookie, as a browser. The province's pages
(/console/finance on its host): usage against quota, the overage budget, invoices with their lines, PDF and
CSV, payments and alerts, for the roles the my-billing API allows (a finance viewer or tenant admin of the
province itself), read-only; anyone else 403."""

import csv
import datetime as dt
import io

import pytest
from billing_support import ingest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_billing.alerts.services import check_all
from motcua_platform.db.base import utcnow
from portal_support import csrf_token, fresh_address, submit, text

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
    # nor through the staff API with the same role: the vendor's billing is not on a tenant host at all
    api = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert api.post(f"/api/v1/billing/invoices/{invoice['id']}/void", json={"reason": "x"}).status_code == 404
    assert finance.get(f"/api/v1/billing/invoices/{invoice['id']}").get_json()["status"] == "finalized"
