"""Fee payment on the pages: the citizen pays from the dossier's page through the local gateway and comes
back to a page that shows what the notification recorded (a forged return shows nothing); the officer records
a counter payment on the dossier's page; finance sees the payments, the refunds due and the reconciliation;
the tenant admin sets the merchant account, the secret never shown back."""

from __future__ import annotations

import re
import urllib.parse

from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from portal_support import console_client, csrf_token, log_in, submit, text
from test_payments import (
    NEW_PERMIT,
    OTHER_SECRET,
    configure,
    dossier_row,
    gateway,  # noqa: F401 - the fixture
    move,
    notify,
    open_at_gateway,
    rows,
    staff,
    submit_online,
)


def test_the_citizen_pays_from_the_dossier_page_and_sees_the_receipt(runtime, seeded, host_client, gateway):  # noqa: F811
    configure(runtime, gateway)
    dossier = submit_online(host_client, seeded, NEW_PERMIT)
    code, officer = dossier["code"], staff(host_client, seeded, "officer")
    version = dossier["version"]
    for status in (2, 4, 6):
        version = move(officer, code, status, version).get_json()["version"]
    browser = host_client(seeded["alpha"].host, language="en")
    log_in(browser, "citizen@alpha.test", TEST_PASSWORD)
    page = text(browser.get(f"/my/dossiers/{code}"))
    assert "Pay online" in page and "75,000" in page
    paying = submit(browser, f"/my/dossiers/{code}", action=f"/my/dossiers/{code}/pay")
    assert paying.status_code == 200 and "Go to the payment gateway" in text(paying)
    link = re.search(r'href="([^"]+)">Go to the payment gateway', text(paying)).group(1)
    assert link.startswith(gateway.pay_url)
    assert open_at_gateway(link) == 200
    fields = gateway.outcome(gateway.only_order())
    back = "/payments/return?" + urllib.parse.urlencode(fields)
    waiting = text(browser.get(back))  # the gateway said paid, the notification has not come yet
    assert "being confirmed" in waiting and rows(runtime)[0][0][1] == "pending"
    assert notify(host_client(seeded["alpha"].host), fields)["RspCode"] == "00"
    done = text(browser.get(back))
    assert "Payment received" in done and "Receipt (PDF)" in done
    receipt = browser.get(f"/my/dossiers/{code}/payments/{rows(runtime)[0][0][0]}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    assert dossier_row(runtime, code).status == 4
    forged = gateway.outcome(gateway.only_order(), secret=OTHER_SECRET)
    assert browser.get("/payments/return?" + urllib.parse.urlencode(forged)).status_code == 404


def test_an_officer_records_a_counter_payment_on_the_dossier_page(runtime, seeded, host_client):
    dossier = submit_online(host_client, seeded, NEW_PERMIT)
    code = dossier["code"]
    version = dossier["version"]
    for status in (2, 4, 6):
        version = move(staff(host_client, seeded, "officer"), code, status, version).get_json()["version"]
    browser = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    page = browser.get(f"/console/dossiers/{code}").get_data(as_text=True)
    assert "Record a payment at the counter" in page
    token = csrf_token(page)
    wrong = browser.post(
        f"/console/dossiers/{code}/payments", data={"csrf_token": token, "method": "transfer", "amount": "75.000"}
    )
    assert wrong.status_code == 422 and "reference" in text(wrong)
    made = browser.post(
        f"/console/dossiers/{code}/payments",
        data={"csrf_token": token, "method": "cash", "amount": "75.000", "reference": "PT-7"},
    )
    assert made.status_code == 303
    assert (dossier_row(runtime, code).status, dossier_row(runtime, code).payment_method) == (4, "cash")
    assert "Receipt (PDF)" in text(browser.get(f"/console/dossiers/{code}"))


def test_finance_and_settings_pages(runtime, seeded, host_client, gateway):  # noqa: F811
    admin = console_client(host_client, seeded["alpha"].host, "admin@alpha.test")
    settings = admin.get("/console/payment-settings")
    assert settings.status_code == 200
    saved = submit(
        admin,
        "/console/payment-settings",
        {
            "enabled": "on",
            "merchant_code": "ALPHA001",
            "pay_url": gateway.pay_url,
            "api_url": gateway.api_url,
            "secret": "S" * 32,
        },
    )
    assert saved.status_code == 303
    page = admin.get("/console/payment-settings").get_data(as_text=True)
    assert "S" * 32 not in page and "leave this empty to keep it" in page
    incomplete = submit(admin, "/console/payment-settings", {"enabled": "on", "merchant_code": ""})
    assert incomplete.status_code == 422
    finance = console_client(host_client, seeded["alpha"].host, "finance@alpha.test")
    listed = finance.get("/console/fee-payments?from=2026-01-01&to=2026-01-31")
    assert listed.status_code == 200 and "Orders compared" in text(listed)
    assert (
        console_client(host_client, seeded["alpha"].host, "officer@alpha.test").get("/console/fee-payments").status_code
        == 403
    )
    assert finance.get("/console/payment-settings").status_code == 403


def test_a_fully_online_dossier_offers_payment_right_after_submitting(runtime, seeded, host_client, gateway):  # noqa: F811
    configure(runtime, gateway)
    code = submit_online(host_client, seeded)["code"]  # the extension: paid before intake
    browser = host_client(seeded["alpha"].host, language="en")
    log_in(browser, "citizen@alpha.test", TEST_PASSWORD)
    page = text(browser.get(f"/my/dossiers/{code}/submitted"))
    assert "Pay online" in page and "15,000" in page
    configure(runtime, gateway, enabled=False)  # the province does not take payments online: pay at the office
    page = text(browser.get(f"/my/dossiers/{code}/submitted"))
    assert "Pay online" not in page and "Pay at the office" in page
    assert (
        browser.post(
            f"/my/dossiers/{code}/pay",
            data={"csrf_token": csrf_token(browser.get(f"/my/dossiers/{code}").get_data(as_text=True))},
        ).status_code
        == 303
    )
    assert rows(runtime)[0] == []  # no order made
