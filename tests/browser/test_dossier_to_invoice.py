"""One dossier end to end across every console, in real browsers: a citizen applies on the portal; the officer
receives it in the console, processes its first step, uploads the result and returns it; the citizen
downloads the result; the province's finance team finds the intake in its usage against quota; the vendor's
finance team's invoice run for the month, previewed as it stands so far, bills the province a line that counts
it (issuing and voiding an invoice for a month that has ended: test_finance_console.py). Every page is
checked with axe-core and photographed at 375 and 1280 px."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from browser_support import apply_for_birth_registration, fill, register, t
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN, TEST_PASSWORD
from motcua_billing.catalog.models import BillableMetric
from motcua_billing.usage.services import drain_outbox
from sqlalchemy import select, text

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


def test_a_dossier_from_the_portal_to_the_provinces_invoice(open_browser, live, seeded, sigma_contract):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    db = live.runtime.db
    slug = live.tenant.slug
    with db.control_session() as control:
        metric_name = control.scalar(select(BillableMetric.name).where(BillableMetric.code == METRIC))

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

    def act(button: str, status: str | None = None) -> None:
        """Press one of the page's buttons and wait for the page its form leads to."""
        with officer.page.expect_navigation():
            officer.button(button).click()
        if status:
            assert _("Done: the dossier is now “%(status)s”.", status=_(status)) in officer.text()

    act(_("Receive"), "Received by the office")
    act(_("Start processing"), "Being processed")
    act(_("Claim this step"))
    fill(officer, {"step_comment": "Hồ sơ đủ thành phần, hợp lệ."})
    act(_("Complete this step"))
    assert "Hồ sơ đủ thành phần, hợp lệ." in officer.text()  # in the history, with the officer's name
    officer.page.get_by_text(_("Upload the result"), exact=True).first.click()  # opens its <details>
    officer.page.locator('[name="result_file"]').set_input_files(
        {"name": "giay-khai-sinh.pdf", "mimeType": "application/pdf", "buffer": RESULT}
    )
    act(_("Upload the result"))
    assert "giay-khai-sinh.pdf" in officer.text()
    act(_("Mark as processed"), "Processed")
    act(_("Return the result"), "Result returned")
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
    assert drain_outbox(db, slug).accepted >= 1  # what the worker's drain job does
    finance.link(_("Finance")).click()
    assert used_this_period(finance, metric_name) == before + 1
    finance.look("usage-after-intake")

    # The vendor's finance team: the invoice run for this month, previewed as it stands so far, bills sigma
    # exactly the intakes its finance page counts, this one among them.
    vendor = open_browser(language, width=1280)
    staff_login(vendor, "/operator/finance", "finance@vendor.test", language, host=TEST_BASE_DOMAIN)
    vendor.link(_("Invoice run")).click()
    month = dt.datetime.now(VIETNAM).strftime("%Y-%m")
    fill(vendor, {"period": month})
    vendor.button(_("Preview")).click()
    assert vendor.path == f"/operator/finance/run?period={month}"
    so_far = _("This month has not ended: these are its figures so far. Its drafts can be made from %(when)s.", when="")
    assert so_far.split(":")[0] in vendor.text()
    sigma = vendor.page.locator("section.card").filter(
        has=vendor.page.get_by_role("heading", name=f"{slug} · HD-SIGMA")
    )
    line = sigma.get_by_role("row").filter(has_text=metric_name)
    assert line.count() == 1
    quantity = line.get_by_role("cell").nth(2).inner_text()
    assert int(re.sub(r"\D", "", quantity.split()[0])) == before + 1
    vendor.look("run-preview-this-month")
