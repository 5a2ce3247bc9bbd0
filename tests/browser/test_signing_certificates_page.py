"""The province admin keeps the register of signing certificates from the console in a real browser, without
JavaScript, in Vietnamese and in English: a file that is no certificate is refused beside its field, then the
seal's certificate (pasted PEM) and an officer's (a .cer file) are registered and listed, the seal first, and
each is retired after its confirmation page. axe-core and screenshots at 375 and 1280 px of the page, the
refusal, the list, the confirmation and the list after. Certificates come from the tests' CA
(tests/signing_ca.py), new ones each run: the live province is shared by the browser tests, and a
certificate is registered once."""

from __future__ import annotations

import pytest
from browser_support import fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from signing_ca import SigningCA


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_admin_registers_and_retires_signing_certificates(open_browser, live, language):

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    ca = SigningCA("http://127.0.0.1:9/")
    seal = ca.issue_signer("UBND tỉnh Sigma", organization="UBND tỉnh Sigma")
    officer = ca.issue_signer("Phạm Thị Ký Thay", organization="UBND tỉnh Sigma")
    officer_id = live.tenant.staff["officer"]
    officer_name = "officer Tỉnh Sigma"  # the seeded officer of the live province

    tab = open_browser(language, javascript=False)
    tab.goto("/console/login")
    fill(tab, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    tab.link(_("Signing certificates")).click()
    assert tab.path == "/console/signing-certificates"
    heading = tab.page.get_by_role("heading", level=1).inner_text()
    assert heading == {"vi": "Chứng thư số ký", "en": "Signing certificates"}[language]
    tab.look("page")

    # a file that is no certificate: refused beside the file field, nothing registered
    tab.page.locator('[name="officer_file"]').set_input_files(
        {"name": "chu-ky.cer", "mimeType": "application/pkix-cert", "buffer": b"not a certificate"}
    )
    tab.page.locator('[name="staff_id"]').select_option(str(officer_id))
    tab.button(_("Register the officer’s certificate")).click()
    refusal = _("This is not an X.509 certificate (PEM or DER).")
    assert tab.page.locator("#error-officer_file").inner_text().strip() == refusal
    assert tab.page.locator("#field-staff_id").input_value() == str(officer_id)  # the choice is kept
    assert refusal in tab.page.locator(".error-summary").inner_text()
    tab.look("refused")

    # the seal's certificate, pasted as PEM text
    tab.page.locator('[name="seal_pem"]').fill(seal.pem.decode())
    tab.button(_("Register the seal’s certificate")).click()
    seal_card = _card(tab)
    assert (
        _("The seal's certificate of %(subject)s is registered: results are sealed with it.", subject=seal.name)
        in tab.text()
    )

    # the officer's, as a DER .cer file
    tab.page.locator('[name="officer_file"]').set_input_files(
        {"name": "pham-thi-ky-thay.cer", "mimeType": "application/pkix-cert", "buffer": officer.asn1.dump()}
    )
    tab.page.locator('[name="staff_id"]').select_option(str(officer_id))
    tab.button(_("Register the officer’s certificate")).click()
    officer_card = _card(tab)
    shown = tab.page.locator(f"#{officer_card}").inner_text()
    assert officer_name in shown and officer.name in shown and _("In use") in shown
    assert officer.asn1.sha256.hex() in shown
    cards = tab.page.locator("ul.cards > li").evaluate_all("items => items.map(item => item.id)")
    assert cards.index(seal_card) < cards.index(officer_card)  # the seal first
    assert _("The agency’s seal") in tab.page.locator(f"#{seal_card}").inner_text()
    tab.look("listed")

    # retire the officer's: a confirmation page first
    tab.page.locator(f"#{officer_card}").get_by_role("link", name=_("Retire"), exact=True).click()
    assert tab.page.get_by_role("heading", level=1).inner_text() == _("Retire this certificate?")
    assert officer.name in tab.text()
    tab.look("confirm")
    tab.button(_("Retire the certificate")).click()
    shown = tab.page.locator(f"#{officer_card}").inner_text()
    assert _("In use") not in shown and _("Retired at %(when)s", when="").strip() in shown
    assert tab.page.locator(f"#{officer_card}").get_by_role("link", name=_("Retire")).count() == 0
    tab.look("retired")

    # and the seal's, so that the shared province is left with no seal of this test's in use
    tab.page.locator(f"#{seal_card}").get_by_role("link", name=_("Retire"), exact=True).click()
    tab.button(_("Retire the certificate")).click()
    assert _("No certificate of the agency’s seal is in use: results cannot be sealed until one is registered.") in (
        tab.text()
    )


def _card(tab) -> str:
    """The id of the card the page was sent back to (``…#certificate-<id>``) after a registration."""
    anchor = tab.page.url.rsplit("#", 1)[-1]
    assert anchor.startswith("certificate-"), tab.page.url
    return anchor
