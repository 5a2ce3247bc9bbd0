"""The portal's public statistics in a real browser: a citizen opens them from the menu, reads a month's
figures, narrows them to a field and then to an agency, and mistypes a period. Sigma's June 2025 is made here
through the services with a fixed clock (no other browser test writes that month): at commune A, B received
Mon 2 June and finished the 4th (early), C received the 3rd and finished the 16th (late), D received the 20th
and still open at the end of June (past due: the marriage takes 5 working days), E submitted online and taken
in the 10th and still open (past due too); at commune B, F received the 5th and finished the 6th (early)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from browser_support import t
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.intake import services as intake
from motcua_platform.audit.services import Actor
from motcua_platform.plugins.engine import active
from motcua_platform.timezones import VIETNAM

SYSTEM = Actor("system", None, "test")
FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}
JUNE = "/statistics?period=month&value=2025-06"


def june(day, hour=9):
    return dt.datetime(2025, 6, day, hour, tzinfo=VIETNAM)


@pytest.fixture(scope="module")
def sigma_june(live):
    tenant, units = live.tenant, live.tenant.units
    with live.runtime.db.tenant_session(live.runtime.db.binding(tenant.slug)) as session:

        def received(when, unit="commune_a", channel="counter"):
            data = intake.Intake("1.000894", units[unit], channel, "Nguyễn Văn A", FORM, None, None)
            return intake.intake(session, SYSTEM, {units["root"]}, active(), tenant.context, data, now=when)

        def move(dossier, status, when):
            context = tenant.context
            services.transition(session, SYSTEM, dossier, status, dossier.version, None, tenant=context, now=when)

        for start, end in ((june(2), june(4)), (june(3), june(16)), (june(5), june(6))):
            dossier = received(start, "commune_b" if start.day == 5 else "commune_a")
            move(dossier, 4, start)
            move(dossier, 9, end)
        received(june(20))
        online = received(june(9), channel="online")
        move(online, 2, june(10))
        session.commit()


def test_a_citizen_reads_a_months_statistics_and_narrows_them(sigma_june, open_browser):
    tab = open_browser("vi")
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab.goto("/")
    tab.link(_("Statistics")).first.click()
    assert tab.path == "/statistics"
    tab.goto(JUNE)
    words = tab.text()
    assert _("Month %(month)s/%(year)s", month=6, year=2025) in words
    assert "5" in tab.page.locator(".key-figures li").nth(0).inner_text()  # B C D E F
    assert _("Online: %(count)s (%(share)s)", count="1", share="20.0 %") in words  # E
    assert _("On time or early: %(rate)s %%", rate="66.67") in words  # B F of B C F
    assert _("Past the deadline: %(count)s", count="2") in words  # D, E
    ranking = tab.page.locator("#ranking").locator("xpath=..").inner_text()
    assert "commune_b of Tỉnh Sigma" in ranking and "commune_a of Tỉnh Sigma" in ranking
    tab.look("june")

    tab.field(_("Agency")).select_option(label="commune_b of Tỉnh Sigma")
    tab.button(_("Show")).click()
    assert "unit=" in tab.path
    assert "1" in tab.page.locator(".key-figures li").nth(0).inner_text()  # F
    assert _("Agencies ranked") not in tab.text()


def test_in_english_without_javascript_and_a_wrong_period(sigma_june, open_browser):
    tab = open_browser("en", javascript=False, width=1280)
    tab.goto(JUNE)
    tab.field("Field").select_option("Đất đai")
    tab.button("Show").click()
    assert "field=" in tab.path
    assert "No dossier in this period." in tab.text()
    tab.look("field")

    tab.goto("/statistics?period=month&value=2025-13")
    assert "There is a problem" in tab.text() and "Choose one of the periods listed." in tab.text()
    tab.look("error")


def test_the_province_admin_opens_a_number_and_reaches_its_dossiers(sigma_june, open_browser, live):
    """In the console: June by unit, the QĐ 766 table beside it, and the late number opening C alone."""
    from browser_support import fill
    from motcua_app.testing.pytest_plugin import TEST_PASSWORD

    tab = open_browser("vi", width=1280)
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab.goto("/console/statistics?period=month&value=2025-06")
    fill(tab, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/console/statistics?period=month&value=2025-06"
    total = tab.page.get_by_role("row").filter(has_text=_("Total")).inner_text()
    assert "5" in total and "66.67 %" in total
    assert _("QĐ 766 indicators") in tab.text()
    tab.look("console")

    # the total's "Late" cell: its column's name is the cell's label on a phone, its link the number
    tab.page.locator(f'tr.total td[data-label="{_("Late")}"] a').click()
    assert tab.path.startswith("/console/statistics/dossiers?number=resolved_late")
    rows = tab.page.get_by_role("row").all()
    assert len(rows) == 2  # the header and C
    tab.look("late")
    rows[1].get_by_role("link").click()
    assert tab.path.startswith("/console/dossiers/")

    # from one date to another: June as two dates gives June's total
    tab.goto("/console/statistics?period=month&value=2025-06")
    tab.page.get_by_label(_("Period"), exact=True).select_option("custom")
    tab.page.get_by_label(_("Which one"), exact=True).fill("2025-06-01..2025-06-30")
    tab.button(_("Show")).click()
    assert "period=custom" in tab.path and "01/06/2025 – 30/06/2025" in tab.text()
    assert tab.page.get_by_role("row").filter(has_text=_("Total")).inner_text() == total
    tab.look("dates")


def test_the_province_admin_makes_a_weekly_report_and_sets_a_target(sigma_june, open_browser, live):
    from browser_support import fill
    from motcua_app.testing.pytest_plugin import TEST_PASSWORD

    tab = open_browser("vi")
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab.goto("/console/statistics/reports")
    fill(tab, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/console/statistics/reports"
    tab.button(_("Make the latest week's report now")).click()
    assert tab.path == "/console/statistics/reports"
    # the week's report, listed with its files (each link also names the week, for a screen reader)
    workbook = tab.page.get_by_role("link", name=re.compile("^" + re.escape(_("Workbook (XLSX)"))))
    assert workbook.count() >= 1
    tab.look("reports")
    pdf = tab.fetch(tab.page.get_by_role("link", name=re.compile("^PDF")).first.get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    tab.goto("/console/statistics/targets?year=2025")
    tab.field(_("%(target)s: goal (%%)", target=_("Online dossier rate (3.3)"))).fill("50")
    tab.button(_("Save the targets")).click()
    assert tab.path == "/console/statistics/targets?year=2025"
    row = tab.page.get_by_role("row").filter(has_text=_("Online dossier rate (3.3)")).first.inner_text()
    assert "50.00 %" in row and "20.0 %" in row  # June 2025's one online dossier of five, the year's only month
    header = tab.page.locator("header").inner_text()
    assert "Sigma" in header and "metric" not in header  # the page's own values left the layout's name alone
    tab.look("targets")
