"""The finance consoles in a real browser. The province's: usage recorded through the billing service
crosses 80 % of the dossier quota, the alert service raises its alerts (e-mailed to a real SMTP server on
127.0.0.1), and the finance viewer sees the quota alert, the bars with their figures and who was told. The
vendor's: the invoice run previewed, then its draft made, finalised, and voided with a reason. Every page
is checked with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from browser_support import PROVINCE_EMAIL, fill, t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_billing.alerts.services import check_all
from motcua_billing.usage import services as usage
from motcua_billing.usage.models import UsageEvent
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant
from motcua_platform.messaging.mail import SmtpMailer
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, select


class Inbox:
    def __init__(self):
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailer():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpMailer("127.0.0.1", port, "billing@motcua.test")
    finally:
        controller.stop()


def received_this_month(live) -> int:
    """Sigma's dossiers received so far this month (Vietnam's), in the ledger."""
    start = utcnow().astimezone(VIETNAM).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    with live.runtime.db.control_session() as session:
        return session.scalar(
            select(func.count())
            .select_from(UsageEvent)
            .join(Tenant, Tenant.id == UsageEvent.tenant_id)
            .where(Tenant.slug == live.tenant.slug, UsageEvent.metric_code == "dossiers_received")
            .where(UsageEvent.occurred_at >= start)
        )


def record_dossiers(live, count: int, prefix: str) -> None:
    """``count`` dossiers received, through the usage service the API's ingestion calls."""
    at = (utcnow() - dt.timedelta(minutes=1)).isoformat()
    events = [
        {"tenant": live.tenant.slug, "metric": "dossiers_received", "event_id": f"{prefix}:{i}", "occurred_at": at}
        for i in range(count)
    ]
    with live.runtime.db.control_session() as session:
        result = usage.ingest(session, events, source="api")
        assert result.count("accepted") == count
        session.commit()


def test_a_quota_alert_appears_when_usage_crosses_80_percent(open_browser, live, mailer, sigma_contract):
    inbox, smtp = mailer
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    # 79 % (the 50 % alert only), counting what earlier browser tests of the run had sigma receive this month
    record_dossiers(live, 790 - received_this_month(live), "before")
    assert check_all(live.runtime.db, smtp, ("finance@vendor.test",)) == 1

    tab = open_browser(language)
    tab.goto("/console/finance")
    fill(tab, {"email": f"finance@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/console/finance"
    assert _("Quota alert") not in tab.text()
    assert "790" in tab.text()

    record_dossiers(live, 20, "after")  # 810 of 1,000: 81 %
    assert check_all(live.runtime.db, smtp, ("finance@vendor.test",)) == 1
    assert sorted(inbox.recipients[-1]) == ["finance@vendor.test", PROVINCE_EMAIL]

    tab.link(_("Finance")).click()
    page = tab.text()
    assert _("Quota alert") in page and "81" in page
    alerts = tab.page.get_by_role("table").filter(has_text=PROVINCE_EMAIL)
    assert "80 %" in alerts.inner_text() and "finance@vendor.test" not in alerts.inner_text()
    tab.look("finance-overview")

    tab.link(_("Alerts")).click()
    assert tab.path == "/console/finance/alerts"
    rows = tab.page.get_by_role("row").filter(has_text=PROVINCE_EMAIL)
    assert rows.count() == 2  # 80 % and 50 %, each with who was told
    tab.look("finance-alerts")

    tab.link(_("Invoices")).click()
    assert tab.path == "/console/finance/invoices"
    tab.look("finance-invoices")
    tab.link(_("Payments")).click()
    tab.look("finance-payments")


def test_the_vendor_previews_a_run_finalises_and_voids(open_browser, live, seeded, sigma_contract):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    tab.goto("/operator/finance", host=TEST_BASE_DOMAIN)
    fill(tab, {"email": "finance@vendor.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/operator/finance"
    assert "sigma" in tab.text() and "HD-SIGMA" in tab.text()
    tab.look("vendor-usage")

    tab.link(_("Invoice run")).click()
    tab.button(_("Preview")).click()  # last month, the form's default
    month = tab.page.locator("#field-period").input_value()
    assert tab.path == f"/operator/finance/run?period={month}"
    assert _("Preview for %(period)s", period=month) in tab.text() and "HD-SIGMA" in tab.text()
    tab.look("vendor-run-preview")

    tab.button(_("Make the drafts for %(period)s", period=month)).click()
    assert tab.path.startswith("/operator/finance/invoices?")
    tab.look("vendor-drafts")
    tab.page.get_by_role("row").filter(has_text="sigma").get_by_role("link").first.click()
    tab.look("vendor-draft")
    tab.button(_("Finalise and issue")).click()
    assert _("Finalise and issue") not in tab.text()
    number = tab.page.get_by_role("heading", level=1).inner_text()
    assert "MC" in number

    tab.link(_("Void…")).click()
    tab.button(_("Void the invoice")).click()  # no reason: refused, next to the field
    assert _("Give the reason for voiding this invoice.") in tab.text()
    tab.look("vendor-void-refused")
    fill(tab, {"reason": "Sai thông tin người mua"})
    tab.button(_("Void the invoice")).click()
    assert "Sai thông tin người mua" in tab.text()
    tab.look("vendor-voided")

    # the province sees the issued (now void) invoice, never the draft it was, with its lines
    province = open_browser(language)
    province.goto("/console/finance/invoices")
    fill(province, {"email": f"finance@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    province.button(_("Log in")).click()
    assert province.path == "/console/finance/invoices"
    province.link(number.split()[-1]).click()
    assert "Sai thông tin người mua" in province.text() and _("Lines") in province.text()
    province.look("finance-invoice")
