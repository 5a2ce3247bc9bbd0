"""Paying a fee online in a real browser, through a local gateway on 127.0.0.1 that implements the gateway's
side of the protocol (tests/payment_support.py): Sigma takes payments online; a dossier of its citizen is
asked for its fee (status 6); the citizen opens it, pays on the gateway's page, is sent back, sees the payment
received, opens the receipt and finds the dossier back in processing. The gateway's notification reaches the
live server over HTTP before the browser comes back. Looked at (axe-core, 375 and 1280 px) on our pages."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.payments import settings as merchant
from motcua_platform.audit.services import Actor
from motcua_platform.plugins.engine import active
from payment_support import SECRET, LocalGateway, start_gateway

SYSTEM = Actor("system", None, "test")
OWNER = {
    "full_name": "Nguyễn Văn Chủ",
    "citizen_id": "079090003333",
    "date_of_birth": "1980-05-05",
    "address": "Xã A, tỉnh Sigma",
    "phone": "0903334444",
}
FORM = {
    "owner": OWNER,
    "land_parcel": "Thửa 12, tờ 3",
    "land_certificate_number": "CS 0001",
    "site_address": "Xã A",
    "site_area_m2": 120.0,
    "floor_area_m2": 200.0,
    "floors": 2,
    "height_m": 8.5,
}


@pytest.fixture
def gateway(live):
    got = LocalGateway(ipn_url=live.direct("/api/v1/payments/vnpay/ipn"), ipn_host=live.host)
    server = start_gateway(got)
    db = live.runtime.db
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        merchant.change(
            session,
            SYSTEM,
            enabled=True,
            merchant_code=got.merchant,
            pay_url=got.pay_url,
            api_url=got.api_url,
            secret=SECRET,
            local_addresses=True,
        )
        session.commit()
    yield got
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        merchant.change(session, SYSTEM, enabled=False, merchant_code=None, pay_url=None, api_url=None)
        session.commit()
    server.shutdown()
    server.server_close()


@pytest.fixture
def asked_to_pay(live):
    """An online dossier of Sigma's citizen (a building permit, 75 000 đồng), asked for its fee (status 6)."""
    tenant, units = live.tenant, live.tenant.units
    with live.runtime.db.tenant_session(live.runtime.db.binding(tenant.slug)) as session:
        data = intake.Intake(
            "1.009994", units["commune_a"], "online", OWNER["full_name"], FORM, citizen_account_id=tenant.citizen_id
        )
        dossier = intake.intake(session, SYSTEM, {units["root"]}, active(), tenant.context, data)
        for status in (2, 4, 6):
            services.transition(session, SYSTEM, dossier, status, dossier.version, None, tenant=tenant.context)
        session.commit()
        return dossier.code


def test_the_citizen_pays_a_fee_online_and_gets_the_receipt(asked_to_pay, gateway, open_browser, live):
    code = asked_to_pay
    tab = open_browser("vi")
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab.goto(f"/my/dossiers/{code}")
    fill(tab, {"login": f"citizen@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == f"/my/dossiers/{code}", tab.path
    assert _("Pay online") in tab.text() and "75.000" in tab.text()
    tab.look("fee-due")

    tab.button(_("Pay online")).click()
    assert _("Go to the payment gateway") in tab.text()
    tab.look("to-the-gateway")
    tab.link(_("Go to the payment gateway")).click()
    assert "Cổng thanh toán thử" in tab.text() and "75,000" in tab.text()  # the gateway's own page
    tab.page.get_by_role("button", name="Thanh toán").click()

    assert tab.path.startswith("/payments/return?"), tab.path
    assert gateway.notifications == [{"RspCode": "00", "Message": "Confirm Success"}]
    assert _("Payment received") in tab.text()
    tab.look("paid")
    receipt = tab.fetch(f"/my/dossiers/{code}/payments/{_payment_id(live, code)}/receipt.pdf")
    assert receipt.status == 200 and receipt.body().startswith(b"%PDF")

    tab.link(_("Back to the dossier")).click()
    assert (_("Paid") in tab.text() and t("vi", "Processing") in tab.text()) or "Đang xử lý" in tab.text()
    tab.look("dossier-paid")


def _payment_id(live, code):
    from motcua_onestop.dossiers.models import Dossier
    from motcua_onestop.payments.models import Payment
    from sqlalchemy import select

    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        query = select(Payment.id).join(Dossier, Dossier.id == Payment.dossier_id).where(Dossier.code == code)
        return session.scalar(query.where(Payment.state == "paid"))


def test_the_office_takes_cash_and_finance_reconciles(asked_to_pay, gateway, open_browser, live):
    """The officer records cash on the dossier's page (a wrong amount first); the admin, in English without
    JavaScript, sees the merchant settings (the secret only as "set") and reconciles the day on the fee
    payments page."""
    code = asked_to_pay
    tab = open_browser("vi", width=1280)
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731
    tab.goto(f"/console/dossiers/{code}")
    fill(tab, {"email": f"officer@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == f"/console/dossiers/{code}"
    tab.page.locator("#payments summary").click()
    fill(tab, {"amount": "70.000"})
    tab.button(_("Record the payment")).click()
    assert "75.000" in tab.text()  # the fee is 75 000 đồng, to be paid whole
    tab.look("counter-wrong-amount")
    # the form stays open on the page that says what was wrong
    fill(tab, {"amount": "75.000", "reference": "PT-0001"})
    tab.button(_("Record the payment")).click()
    assert _("The payment is recorded.") in tab.text() and _("Receipt (PDF)") in tab.text()
    tab.look("counter-paid")

    admin = open_browser("en", javascript=False)
    e = lambda msgid, **params: t("en", msgid, **params)  # noqa: E731
    admin.goto("/console/payment-settings")
    fill(admin, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    admin.button(e("Log in")).click()
    assert admin.path == "/console/payment-settings"
    assert SECRET not in admin.page.content() and e("A secret is set: leave this empty to keep it.") in admin.text()
    admin.look("settings")
    admin.goto("/console/fee-payments")
    today = dt.date.today()
    fill(
        admin,
        {
            "from": str(today - dt.timedelta(days=1)),
            "to": str(today + dt.timedelta(days=1)),
        },
    )
    admin.button(e("Compare")).click()
    assert "Orders compared" in admin.text() and code in admin.text()
    admin.look("fee-payments")
