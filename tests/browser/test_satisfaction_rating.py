"""Rating the processing of a dossier in a real browser, through the link its result message carries (no
sign-in): a dossier of Sigma is received, processed and finished through the services, its result message
queued with the link; the applicant opens it, sends the form without choosing a level and is told, then
rates it, and the province's admin sees the rating on the dossier's console page and among the province's
ratings; in English without
JavaScript, a second dossier. Looked at (axe-core, 375 and 1280 px) at each step."""

from __future__ import annotations

import re

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_platform.audit.services import Actor
from motcua_platform.plugins.engine import active
from sqlalchemy import select, text

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
RATE_PATH = re.compile(r"/rate/[A-Za-z0-9_\-]+")


@pytest.fixture
def finished(live):
    """A dossier of Sigma with its result ready: (its code, the path of the rating link its message carries)."""
    tenant, units = live.tenant, live.tenant.units
    with live.runtime.db.tenant_session(live.runtime.db.binding(tenant.slug)) as session:
        data = intake.Intake("1.000894", units["commune_a"], "counter", "Nguyễn Văn A", FORM, None, "0901234567")
        dossier = intake.intake(session, SYSTEM, {units["root"]}, active(), tenant.context, data)
        for status in (4, 9):
            services.transition(session, SYSTEM, dossier, status, dossier.version, None, tenant=tenant.context)
        message = session.scalar(
            select(NotificationOutbox.body).where(
                NotificationOutbox.dossier_id == dossier.id, NotificationOutbox.event == "done"
            )
        )
        session.commit()
        return dossier.code, RATE_PATH.search(message).group(0)


def rating(live, code):
    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        return session.execute(
            text(
                "SELECT r.level, r.comment, r.via FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id"
                " WHERE d.code = :code"
            ),
            {"code": code},
        ).all()


def test_the_applicant_rates_through_the_result_message_s_link(finished, open_browser, live):
    code, path = finished
    tab = open_browser("vi")
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab.goto(path)
    assert code in tab.text() and _("Very satisfied") in tab.text()
    tab.look("form")

    tab.button(_("Send my rating")).click()
    assert _("There is a problem") in tab.text() and _("Choose one of the four levels.") in tab.text()
    assert rating(live, code) == []
    tab.look("error")

    tab.field(_("Satisfied")).check()
    tab.field(_("What went well, or what should the office do better? (optional)")).fill("Cán bộ hướng dẫn tận tình")
    tab.button(_("Send my rating")).click()
    assert tab.path == path
    assert _("Thank you for your rating.") in tab.text()
    assert _("This dossier has been rated. Thank you.") in tab.text()
    assert "Cán bộ hướng dẫn tận tình" not in tab.text()  # the link only rates: what was said is not shown
    assert tab.page.get_by_role("button", name=_("Send my rating")).count() == 0
    assert [tuple(row) for row in rating(live, code)] == [(3, "Cán bộ hướng dẫn tận tình", "link")]
    tab.look("thanks")

    # the province's admin sees it on the dossier's page in the console
    office = open_browser("vi", width=1280)
    office.goto(f"/console/dossiers/{code}")
    fill(office, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    office.button(_("Log in")).click()
    assert office.path == f"/console/dossiers/{code}"
    assert _("Applicant's rating") in office.text() and "“Cán bộ hướng dẫn tận tình”" in office.text()
    office.look("console")

    # and among the ratings of the province, from the menu
    office.link(_("Ratings")).click()
    assert office.path == "/console/ratings"
    row = office.page.get_by_role("row").filter(has_text=code)
    assert "Cán bộ hướng dẫn tận tình" in row.inner_text() and _("Satisfied") in row.inner_text()
    office.look("ratings")


def test_in_english_without_javascript(finished, open_browser, live):
    code, path = finished
    tab = open_browser("en", javascript=False, width=1280)
    tab.goto(path)
    tab.field("Very dissatisfied").check()
    tab.button("Send my rating").click()
    assert "Thank you for your rating." in tab.text() and "This dossier has been rated. Thank you." in tab.text()
    assert [tuple(row) for row in rating(live, code)] == [(1, None, "link")]
    tab.look("thanks-en")

    tab.goto(path[:-2] + ("yy" if path.endswith("zz") else "zz"))  # a link that was never sent
    assert "This rating link is not valid or has expired." in tab.text()
