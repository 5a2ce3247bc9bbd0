"""Counter intake in a real browser: the officer of commune A finds the marriage registration by typing its
name without accents, fills in the applicant and the form (a mistake first: the error is shown next to
the field and the answers are kept), reviews, attaches a scan, receives the dossier, and opens its receipt
(form 01): a PDF whose text names the dossier and the applicant; then the unit's register (form 07). Every
page is checked with axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import subprocess

from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD

MARRIAGE = "1.000894"
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"  # a scan, as far as the upload checks go
FORM = {
    "husband_full_name": "Trần Văn Chồng",
    "husband_citizen_id": "079090001111",
    "husband_date_of_birth": "1990-01-01",
    "wife_full_name": "Lê Thị Vợ",
    "wife_citizen_id": "079092002222",
    "wife_date_of_birth": "1992-02-02",
    "residence": "Xã A",
}


def pdf_text(body: bytes, folder) -> str:
    source = folder / "receipt.pdf"
    source.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], check=True, capture_output=True, text=True).stdout


def test_an_officer_takes_a_dossier_at_the_counter(open_browser, live, tmp_path):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language)
    tab.goto("/console/login")
    fill(tab, {"email": f"officer@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == "/console"

    tab.link(_("Intake")).click()
    assert tab.path == "/console/intake"
    tab.field(_("Search procedures")).fill("dang ky ket hon")
    tab.button(_("Search")).click()
    tab.look("procedures")
    procedure = tab.page.locator("li", has_text=MARRIAGE)
    procedure.get_by_role("link", name=_("Record a postal dossier")).click()
    assert tab.page.get_by_role("group", name=_("The postal item")).is_visible()  # asked of a postal dossier
    tab.look("postal-form")
    tab.goto("/console/intake?q=dang+ky+ket+hon")  # by its address: history.back once detached chromium's page
    procedure.get_by_role("link", name=_("Take at the counter")).click()
    assert tab.path == f"/console/intake/{MARRIAGE}"

    unit = live.tenant.units["commune_a"]
    fill(
        tab,
        {
            "intake-unit": str(unit),
            "intake-name": "Trần Văn Chồng",
            "intake-citizen_id": "079090001111",
            "intake-phone": "0901 234 567",
            "intake-address": "12 Lê Lợi, Xã A",
            **{name: value for name, value in FORM.items() if name != "wife_full_name"},
        },
    )
    tab.button(_("Check and continue")).click()
    # the wife's name is missing: said next to its input, everything typed is kept
    assert tab.page.locator("#error-wife_full_name").is_visible()
    assert tab.field(_("Phone")).input_value() == "0901 234 567"
    tab.look("form-error")
    fill(tab, {"wife_full_name": "Lê Thị Vợ"})
    tab.button(_("Check and continue")).click()

    assert _("Review and receive") in tab.text() and "Lê Thị Vợ" in tab.text()
    tab.page.locator('[name="document-0"]').set_input_files(
        {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    tab.page.get_by_label(_("Received on paper, to be digitised")).nth(1).check()
    tab.look("review")
    tab.button(_("Receive the dossier")).click()

    assert tab.path.startswith("/console/intake/received/"), tab.text()
    code = tab.page.locator(".dossier-code").inner_text()
    assert tab.path == f"/console/intake/received/{code}"
    assert _("Dossier received") in tab.text()
    tab.look("received")

    receipt_link = tab.link(_("Receipt and appointment (form 01)"))
    href = receipt_link.get_attribute("href")
    assert href == f"/console/dossiers/{code}/forms/01.pdf"
    receipt = tab.fetch(href)
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    printed = pdf_text(receipt.body(), tmp_path)
    assert code in printed and "Trần Văn Chồng" in printed and "0901 234 567" in printed

    tab.link(_("Open the dossier")).click()
    assert tab.path == f"/console/dossiers/{code}"
    assert _("Forms to print") in tab.text() and "to-khai.pdf" in tab.text()
    tab.look("dossier")

    # form 07, the register of the officer's unit, chosen on its own page
    tab.link(_("Register of dossiers (form 07)")).click()
    assert tab.path.startswith("/console/register")
    assert tab.page.locator('[name="unit_id"]').input_value() == str(unit)
    tab.look("register")
