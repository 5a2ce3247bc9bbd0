"""The public verification page in a real browser (ADR 0063): a stranger opens "Kiểm tra chữ ký số" from the
portal's footer, uploads a PDF sealed by the tests' CA (tests/signing_ca.py) and reads that it is valid, then
one changed after signing. Looked at (axe-core, 375 and 1280 px) at each step."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from browser_support import t
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures.pkcs12 import Pkcs12Signer
from motcua_platform.signatures.stamp import StampText
from signing_ca import PASSPHRASE, SigningCA


@pytest.fixture
def sealed(live, monkeypatch):
    """Form 01 sealed by the CA's agency seal; the live server trusts the CA's root and fetches nothing (no
    CRL server here: revocation shows as not checked)."""
    ca = SigningCA("http://127.0.0.1:9/")
    config = live.runtime.config.with_overrides(signing_trust_list=ca.trust_list, signing_fetch_revocation=False)
    monkeypatch.setattr(live.runtime, "config", config)
    context = sample_context("01")
    context["qr"] = qr_data_uri(context["tracking_url"])
    pdf = html_to_pdf(render_html("01", context), find_font(), title="Mẫu 01", creator="Motcua Cloud")
    # pyHanko runs its own event loop; Playwright's runs in this thread, so sign in another
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(
            Pkcs12Signer(ca.seal.p12, lambda: PASSPHRASE).sign,
            pdf,
            stamp=StampText(signer=ca.seal.name, agency="UBND tỉnh Sigma"),
            field_name="Seal",
        ).result()


def test_a_stranger_checks_a_sealed_pdf_and_a_changed_one(open_browser, live, sealed):
    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser("vi", javascript=False)
    tab.goto("/")
    tab.link(_("Check a digital signature")).click()
    assert tab.path == "/verify"
    tab.look("form")

    tab.page.locator('input[type="file"]').set_input_files(
        {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": sealed}
    )
    tab.button(_("Check the signature")).click()
    text = tab.text()
    assert _("Valid signature") in text and "UBND tỉnh Đắk Lắk" in text
    assert _("Not checked") in text  # revocation, offline here
    tab.look("valid")

    position = sealed.index(b"/Title") + 2
    changed = sealed[:position] + bytes([sealed[position] ^ 0x01]) + sealed[position + 1 :]
    tab.page.locator('input[type="file"]').set_input_files(
        {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": changed}
    )
    tab.button(_("Check the signature")).click()
    assert _("Changed after signing") in tab.text()
    tab.look("changed")


def test_the_officer_sees_the_signature_beside_the_document(open_browser, live, sealed):
    """A citizen's signed component, uploaded through the API, on the console's dossier page."""
    from browser_support import fill
    from motcua_app.testing.pytest_plugin import TEST_PASSWORD
    from test_officer_workspace import submit_online

    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words
    tab = open_browser("vi")
    code = submit_online(tab, live)
    headers = {"Host": live.host, "Authorization": f"Bearer {live.tenant.citizen_token}"}
    uploaded = tab.page.context.request.post(
        live.direct(f"/api/v1/dossiers/{code}/documents"),
        multipart={"component": "0", "file": {"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": sealed}},
        headers=headers,
    )
    assert uploaded.status == 201, uploaded.text()

    tab.goto(f"/console/dossiers/{code}")
    fill(tab, {"email": f"officer@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    assert tab.path == f"/console/dossiers/{code}"
    cell = tab.page.locator("#documents")
    assert _("Valid signature") in cell.inner_text() and "UBND tỉnh Đắk Lắk" in cell.inner_text()
    tab.look("console")
