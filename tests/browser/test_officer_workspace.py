"""The officer's workspace in a real browser: a dossier a citizen submitted through the API, found by the
officer of commune A in the console's inbox after logging in, received from its page, its new status shown.
Every page is checked with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD

MARRIAGE = "1.000894"  # Đăng ký kết hôn: partly online, so an online dossier is received at the counter
FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}


def submit_online(tab, live) -> str:
    """The seeded citizen of the province submits a dossier at commune A through the API."""
    body = {
        "procedure_code": MARRIAGE,
        "receiving_unit_id": live.tenant.units["commune_a"],
        "channel": "online",
        "applicant": {"full_name": "Trần Văn Chồng", "citizen_id": "079090001111", "contact": "0901234567"},
        "form": FORM,
    }
    headers = {"Host": live.host, "Authorization": f"Bearer {live.tenant.citizen_token}"}
    response = tab.page.context.request.post(live.direct("/api/v1/dossiers"), data=body, headers=headers)
    assert response.status == 201, response.text()
    return response.json()["code"]


def test_an_officer_receives_a_dossier(open_browser, live):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    code = submit_online(tab, live)

    tab.goto("/console")
    assert tab.path == "/console/login?next=/console"
    tab.look("login")
    fill(tab, {"email": f"officer@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()

    assert tab.path == "/console"
    row = tab.page.get_by_role("row").filter(has_text=code)
    assert _("Submitted, awaiting intake") in row.inner_text()
    tab.look("inbox")

    tab.link(code).click()
    assert tab.path == f"/console/dossiers/{code}"
    assert "Lê Thị Vợ" in tab.text()
    tab.look("dossier")

    tab.button(_("Receive")).click()
    assert tab.path == f"/console/dossiers/{code}"
    status = _("Received by the office")
    assert _("Done: the dossier is now “%(status)s”.", status=status) in tab.text()
    assert status in tab.page.locator(".status").inner_text()
    assert tab.button(_("Start processing")).is_visible()
    tab.look("received")

    tab.link(_("Back to the inbox")).click()
    row = tab.page.get_by_role("row").filter(has_text=code)
    assert status in row.inner_text()
    assert tab.page.locator(f"tr:has-text('{code}') .tag").count() == 1  # its due date, early / on time / late
    tab.look("inbox-after")
