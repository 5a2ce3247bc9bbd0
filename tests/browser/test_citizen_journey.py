"""A citizen's whole journey on a province's portal in a real browser, as the issue tells it: register,
search "dang ky khai sinh", apply online with uploads, the receipt, a supplement the office asks for and
the citizen uploads, the result, and tracking through the link in the receipt's QR code.

Run twice: in Vietnamese with JavaScript (uploads go through the progress bar), and in English, chosen
with the language switch, with JavaScript off (every step a plain HTML form). Every page is checked with
axe-core and photographed at 375 and 1280 px (browser_support.Tab.look)."""

from __future__ import annotations

import json
import re

import pytest
from browser_support import BIRTH_FORM, Office, apply_for_birth_registration, qr_payload, register, t

ASKED = "Bổ sung bản chụp rõ nét hơn của giấy chứng sinh"
CLEARER = b"%PDF-1.4\n% giay chung sinh, ban chup ro\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
RESULT = b"%PDF-1.4\n% giay khai sinh ban chinh\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STATUS = {  # the dossier's statuses as the tracking page names them
    "vi": {2: "Đã tiếp nhận", 5: "Yêu cầu bổ sung", 10: "Đã trả kết quả"},
}


@pytest.mark.parametrize(("language", "javascript"), [("vi", True), ("en", False)], ids=["vi-js", "en-no-js"])
def test_a_citizen_from_registration_to_the_result(open_browser, live, tmp_path, language, javascript):
    _ = lambda msgid, **params: t(language, msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser("vi", javascript=javascript)  # a browser in Vietnam
    page = tab.page

    # Home; the English journey switches language once and the choice is remembered on every later page.
    tab.goto("/")
    if language == "en":
        tab.link("English").click()
    assert page.locator("html").get_attribute("lang") == language
    tab.look("home")

    # Register (the account is logged in at once and lands on "my dossiers").
    citizen = register(tab, language, look=True)
    tab.look("my-dossiers-empty")

    # Search without accents, apply online with every document, review, submit.
    code = apply_for_birth_registration(tab, language, citizen, look=True)
    tab.look("submitted")

    # The office receives it; the citizen downloads the receipt (form 01) from the dossier's page.
    office = Office(open_browser().page.context.request, live, live.tenant.tokens["officer"])
    office.move(code, 2)
    tab.link(_("My dossiers")).first.click()
    tab.link(code).click()
    tab.look("my-dossier-received")
    receipt_link = page.get_by_role("link", name=re.compile(re.escape(_("Receipt (form 01, PDF)").split(" (")[0])))
    receipt = tab.fetch(receipt_link.first.get_attribute("href"))
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    scanned = json.loads(qr_payload(receipt.body(), tmp_path))  # the national QR payload (ADR 0013)
    assert scanned["ma_ho_so"] == code and scanned["ma_dinh_danh"] == citizen["national_id"]
    tracking_url = scanned["tra_cuu"]
    assert tracking_url == live.url(f"/track/{code}")

    # The office starts work, then asks for one more document.
    office.move(code, 4)
    office.move(code, 5, ASKED)
    page.reload()
    assert ASKED in tab.text()
    tab.look("my-dossier-supplement")
    supplement = page.locator("section", has=page.locator("#supplement-title"))
    supplement.locator('select[name="component"]').select_option("1")  # the birth certificate, again
    supplement.locator('input[type="file"]').set_input_files(
        {"name": "giay-chung-sinh-ro.pdf", "mimeType": "application/pdf", "buffer": CLEARER}
    )
    supplement.get_by_role("button", name=_("Upload"), exact=True).click()
    page.locator("#documents").get_by_text("giay-chung-sinh-ro.pdf").wait_for()
    page.locator("section", has=page.locator("#supplement-title")).get_by_role(
        "button", name=_("Supplement done"), exact=True
    ).click()
    assert office.dossier(code)["status"] == 4  # back with the office
    assert page.locator("#supplement-title").count() == 0

    # The result: attached and returned by the office, downloaded by the citizen.
    office.attach_result(code, "giay-khai-sinh.pdf", RESULT)
    office.move(code, 9)
    office.move(code, 10)
    page.reload()
    tab.look("my-dossier-result")
    result_link = page.get_by_role("link", name="giay-khai-sinh.pdf")
    assert result_link.get_attribute("download") is not None  # saved, not opened in the page
    downloaded = tab.fetch(result_link.get_attribute("href"))
    assert downloaded.ok and downloaded.body() == RESULT

    # Tracking through the QR code's link, by anyone: the status, and nothing personal.
    stranger = open_browser(language, javascript=javascript)
    stranger.page.goto(tracking_url)
    shown = stranger.text()
    assert code in shown
    if language in STATUS:
        assert STATUS[language][10] in shown
    for personal in (
        citizen["full_name"],
        citizen["national_id"],
        citizen["phone"],
        citizen["email"],
        BIRTH_FORM["child_full_name"],
    ):
        assert personal not in shown
    stranger.look("tracked")
