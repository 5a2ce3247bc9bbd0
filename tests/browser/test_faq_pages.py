"""Questions and answers in a real browser: Sigma's admin makes the questions from the catalogue in the
console, adds one of the province's own after being told what was missing; a citizen finds it and the
catalogue's answers from the portal's menu, without accents, unfolds an answer and sees the questions on
the procedure's page; in English without JavaScript, the English pair. Looked at (axe-core, 375 and
1280 px) at each step."""

from __future__ import annotations

import datetime as dt

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.faq import generate
from motcua_platform.audit.services import Actor

MARRIAGE = "1.000894"


@pytest.fixture
def questions(live):
    """Sigma's questions made from its catalogue (as the console's button makes them; idempotent)."""
    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        generate.make(session, Actor("system", None, "test"), live.tenant.context.enabled, dt.date.today())
        session.commit()


def test_the_admin_makes_and_adds_questions_and_a_citizen_finds_them(open_browser, live):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    office = open_browser("vi", width=1280)
    office.goto("/console/admin/faq")
    fill(office, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    office.button(_("Log in")).click()
    assert office.path == "/console/admin/faq"
    office.button(_("Update the questions from the catalogue")).click()
    assert office.path == "/console/admin/faq"
    # made now, or already by the English test's fixture on this server (then none added)
    flashed = office.page.get_by_role("status").filter(has_text=_("Questions from the catalogue: %(added)s added, "
                                                                   "%(rewritten)s rewritten, %(removed)s removed.",
                                                                   added=0, rewritten=0, removed=0)[:20])  # fmt: skip
    assert flashed.count() == 1, office.text()
    assert office.page.get_by_role("row").filter(has_text="Phí, lệ phí").count() >= 1  # the list holds them
    commune = office.page.get_by_role("row").filter(has_text="commune_a of Tỉnh Sigma").first
    assert _("Commune") in commune.inner_text()
    office.look("list")

    office.link(_("Add a question")).click()
    office.field(_("Question (Vietnamese)") + " (" + _("required") + ")").fill("Trung tâm có làm việc sáng thứ Bảy?")
    office.button(_("Add the question")).click()
    assert _("There is a problem") in office.text() and _("Enter the answer.") in office.text()
    office.look("error")
    office.field(_("Answer (Vietnamese)") + " (" + _("required") + ")").fill(
        "Có. Bộ phận một cửa làm việc sáng thứ Bảy từ 7 giờ 30 đến 11 giờ 30."
    )
    office.button(_("Add the question")).click()
    assert _("The question is added.") in office.text()
    office.look("saved")

    tab = open_browser("vi")
    tab.goto("/")
    tab.link(_("Questions")).click()
    assert tab.path == "/faq"
    tab.field(_("Search the questions")).fill("thu bay")
    tab.button(_("Search")).click()
    entry = tab.page.get_by_role("group").filter(has_text="Trung tâm có làm việc sáng thứ Bảy?").first
    tab.page.get_by_text("Trung tâm có làm việc sáng thứ Bảy?").click()  # the answer unfolds
    assert entry.get_by_text("từ 7 giờ 30 đến 11 giờ 30").is_visible()
    tab.look("search")

    tab.field(_("Search the questions")).fill("le phi ket hon")
    tab.button(_("Search")).click()
    first = tab.page.locator("details summary").first
    assert first.inner_text() == "Phí, lệ phí đăng ký kết hôn là bao nhiêu?"
    tab.look("accents")

    tab.goto(f"/procedures/{MARRIAGE}")
    questions = tab.page.get_by_role("heading", name=_("Questions and answers"))
    assert questions.is_visible()
    tab.page.get_by_text("Thủ tục đăng ký kết hôn được giải quyết trong bao lâu?").click()
    assert tab.page.get_by_text("5 ngày làm việc", exact=False).first.is_visible()
    tab.look("procedure")
    tab.page.locator(f'a[href="/faq?procedure={MARRIAGE}"]').click()
    assert tab.path.startswith("/faq?procedure=")
    tab.look("about-procedure")


def test_the_questions_in_english_without_javascript(questions, open_browser, live):
    tab = open_browser("en", javascript=False, width=1280)
    tab.goto("/faq?q=marriage+cost")
    summary = tab.page.locator("details summary").first
    assert summary.inner_text() == "How much does marriage registration cost?"
    summary.click()  # <details> opens without script
    assert tab.page.get_by_text(": free", exact=False).first.is_visible()
    tab.look("english")
    tab.link("Link to this answer").first.click()
    assert tab.path.startswith("/faq/")
    assert tab.page.get_by_role("heading", level=1).inner_text() == "How much does marriage registration cost?"
    tab.look("entry-en")
