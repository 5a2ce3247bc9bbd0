"""One dossier end to end across every console, in real browsers: a citizen applies on the portal; the officer
receives it in the console, processes its first step, uploads the result and returns it; the citizen
downloads the result; the province's finance team finds the intake in its usage against quota; the vendor's
finance team runs the invoices for the month and finalises the province's; the province then reads the line
that bills it. Every page is checked with axe-core and photographed at 375 and 1280 px."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from browser_support import apply_for_birth_registration, fill, register, t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_billing.usage.services import drain_outbox
from sqlalchemy import text

RESULT = b"%PDF-1.4\n% giay khai sinh ban chinh\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
METRIC = "dossiers_received"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # billing periods are months in Vietnam


def staff_login(tab, path: str, email: str, language: str, host: str | None = None) -> None:
    tab.goto(path, host=host)
    fill(tab, {"email": email, "password": TEST_PASSWORD})
    tab.button(t(language, "Log in")).click()
    assert tab.path == path, tab.text()


def used_this_period(tab, metric_name: str) -> int:
    """The province's finance overview: the "Used" cell of the metric's row."""
    row = tab.page.get_by_role("row").filter(has=tab.page.get_by_role("rowheader", name=metric_name, exact=True))
    used = row.get_by_role("cell").first.inner_text()
    return int(re.sub(r"\D", "", used.split()[0]))


def test_a_dossier_from_the_portal_to_the_provinces_invoice(open_browser, live, sigma_contract):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    db = live.runtime.db
    slug = live.tenant.slug
    with db.control_session() as control:
        metric_name = control.execute(text("SELECT name FROM billing_metrics WHERE code = :c"), {"c": METRIC}).scalar()

    # The province's finance team: this period's intakes before.
    finance = open_browser(language, width=1280)
    staff_login(finance, "/console/finance", f"finance@{slug}.test", language)
    before = used_this_period(finance, metric_name)

    # A citizen applies online on the portal.
    citizen_tab = open_browser(language)
    citizen_tab.goto("/")
    citizen = register(citizen_tab, language)
    code = apply_for_birth_registration(citizen_tab, language, citizen)

    # The officer: the inbox, the dossier, receive, start processing, the first step, the result, return.
    officer = open_browser(language)
    staff_login(officer, "/console", f"officer@{slug}.test", language)
    officer.link(code).click()
    officer.button(_("Receive")).click()
    assert _("Done: the dossier is now %(status)s.", status=_("Received")) in officer.text()
    officer.button(_("Start processing")).click()
    officer.button(_("Claim this step")).click()
    fill(officer, {"step_comment": "Hồ sơ đủ thành phần, hợp lệ."})
    officer.button(_("Complete this step")).click()
    assert "Hồ sơ đủ thành phần, hợp lệ." in officer.text()  # in the history, with the officer's name
    officer.page.get_by_text(_("Upload the result"), exact=True).first.click()  # opens its <details>
    officer.page.locator('[name="result_file"]').set_input_files(
        {"name": "giay-khai-sinh.pdf", "mimeType": "application/pdf", "buffer": RESULT}
    )
    officer.button(_("Upload the result")).click()
    officer.button(_("Mark as processed")).click()
    officer.button(_("Return the result")).click()
    assert _("Done: the dossier is now %(status)s.", status=_("Result returned")) in officer.text()
    officer.look("returned")

    # The citizen downloads the result from "my dossiers".
    citizen_tab.link(_("My dossiers")).first.click()
    citizen_tab.link(code).click()
    downloaded = citizen_tab.fetch(
        citizen_tab.page.get_by_role("link", name="giay-khai-sinh.pdf").get_attribute("href")
    )
    assert downloaded.ok and downloaded.body() == RESULT
    citizen_tab.look("result")

    # The intake reaches the billing ledger (what the worker's drain job does), then the finance page.
    with db.tenant_session(db.binding(slug)) as session:
        dossier_id = session.execute(text("SELECT id FROM dossiers WHERE code = :c"), {"c": code}).scalar()
        event = f"dossier:{dossier_id}:received"  # the intake's usage event (dossiers.clock)
        queued = session.execute(
            text("SELECT count(*) FROM billing_usage_outbox WHERE metric_code = :m AND event_id = :e"),
            {"m": METRIC, "e": event},
        ).scalar()
    assert queued == 1  # one intake, one event
    assert drain_outbox(db, slug).accepted >= 1
    finance.link(_("Finance")).click()
    assert used_this_period(finance, metric_name) == before + 1
    finance.look("usage-after-intake")

    # An invoice run bills months that have ended: this intake is dated back into last month, as if the run
    # were made next month (the only change the test makes outside the product).
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
    with db.control_session() as control:
        moved = control.execute(
            text(
                "UPDATE billing_usage_events SET occurred_at = :at WHERE metric_code = :m AND event_id = :e"
                " AND tenant_id = (SELECT id FROM tenants WHERE slug = :s)"
            ),
            {"at": dt.datetime.combine(last_month, dt.time(3), tzinfo=dt.UTC), "m": METRIC, "e": event, "s": slug},
        ).rowcount
        billed_last_month = control.execute(
            text(
                "SELECT count(*) FROM billing_usage_events WHERE metric_code = :m AND invoice_line_id IS NULL"
                " AND tenant_id = (SELECT id FROM tenants WHERE slug = :s)"
                " AND occurred_at >= :start AND occurred_at < :end"
            ),
            {
                "m": METRIC,
                "s": slug,
                "start": dt.datetime.combine(last_month.replace(day=1), dt.time(), tzinfo=dt.UTC)
                - dt.timedelta(hours=7),
                "end": dt.datetime.combine(dt.date.today().replace(day=1), dt.time(), tzinfo=dt.UTC)
                - dt.timedelta(hours=7),
            },
        ).scalar()
        control.commit()
    assert moved == 1 and billed_last_month >= 1

    # The vendor's finance team: the run's preview, the drafts, sigma's draft finalised.
    vendor = open_browser(language, width=1280)
    staff_login(vendor, "/operator/finance", "finance@vendor.test", language, host=TEST_BASE_DOMAIN)
    vendor.link(_("Invoice run")).click()
    vendor.button(_("Preview")).click()
    month = vendor.page.locator("#field-period").input_value()
    assert month == last_month.strftime("%Y-%m")
    assert "HD-SIGMA" in vendor.text()
    vendor.look("run-preview")
    vendor.button(_("Make the drafts for %(period)s", period=month)).click()
    vendor.page.get_by_role("row").filter(has_text=slug).get_by_role("link").first.click()
    vendor.button(_("Finalise and issue")).click()
    number = vendor.page.get_by_role("heading", level=1).inner_text().split()[-1]
    vendor.look("issued")

    # The province reads the invoice and the line that bills its intakes of last month, this one among them.
    finance.link(_("Invoices")).click()
    finance.link(number).click()
    line = finance.page.get_by_role("row").filter(has_text=metric_name)
    assert line.count() == 1
    quantity = line.get_by_role("cell").nth(3).inner_text()
    assert int(re.sub(r"\D", "", quantity.split()[0])) == billed_last_month
    finance.look("invoice-line")
