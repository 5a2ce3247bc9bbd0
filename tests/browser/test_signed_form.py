"""An officer issues the receipt (form 01) sealed with the agency's seal from the console in a real browser
(docs/signatures.md, "Signed forms"): the "Ký số và phát hành" button of the forms to print, checked with
axe-core and photographed at 375 and 1280 px before and after; then the link to the signed copy, whose last
page is rendered with poppler's pdftoppm (the whole page, and the stamp enlarged) to look at its Vietnamese
text. Keys and certificates come from the tests' certificate authority (tests/signing_ca.py)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from browser_support import Office, artefacts, fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.dossiers.forms.models import IssuedForm
from motcua_platform.audit.models import TenantAuditEvent as AuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.db.base import utcnow
from motcua_platform.signatures import registry
from signing_ca import SigningCA, signing_keys
from sqlalchemy import select

MARRIAGE = "1.000894"
ADMIN = Actor("staff", None, "test")
DPI = 200  # the stamp's crop
STAMP_BOX = (345, 36, 575, 106)  # points from the lower left: the stamp module's default placement


@pytest.fixture
def sealing_province(live, monkeypatch):
    """Sigma's agency seal registered and its key in signing.toml; the seal is retired again afterwards (the
    other browser tests share the province)."""
    ca = SigningCA("http://127.0.0.1:9/")
    keys = signing_keys(live.tenant.slug, seal=ca.seal)
    config = live.runtime.config.with_overrides(signing_keys_dir=keys, signing_trust_list=ca.trust_list)
    monkeypatch.setattr(live.runtime, "config", config)
    db = live.runtime.db
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        seal = registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=ca.now)
        session.commit()
        seal_id = seal.id
    yield ca
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        registry.retire(session, seal_id, actor=ADMIN, now=utcnow())
        session.commit()


def render_last_page(pdf: bytes, name: str) -> tuple[Path, Path]:
    """The signed PDF's last page as PNG, whole (100 dpi) and the stamp's corner enlarged (200 dpi)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (poppler-utils)")
    work = Path(tempfile.mkdtemp(prefix="motcua-stamp-"))
    source = work / "signed.pdf"
    source.write_bytes(pdf)
    pages = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True, check=True).stdout
    last = next(int(line.split()[-1]) for line in pages.splitlines() if line.startswith("Pages:"))
    height = float(next(line for line in pages.splitlines() if line.startswith("Page size:")).split()[4])
    folder = artefacts()
    whole = folder / f"{name}-page"
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", "100", "-f", str(last), "-l", str(last), str(source),
                    str(whole)], check=True)  # fmt: skip
    scale = DPI / 72
    left, bottom, right, top = STAMP_BOX
    margin = 12
    crop = [
        int((left - margin) * scale),
        int((height - top - margin) * scale),
        int((right - left + 2 * margin) * scale),
        int((top - bottom + 2 * margin) * scale),
    ]
    stamp = folder / f"{name}-stamp"
    subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", str(DPI), "-f", str(last), "-l", str(last),
                    "-x", str(crop[0]), "-y", str(crop[1]), "-W", str(crop[2]), "-H", str(crop[3]),
                    str(source), str(stamp)], check=True)  # fmt: skip
    return whole.with_suffix(".png"), stamp.with_suffix(".png")


def test_the_officer_signs_and_issues_the_receipt_from_the_console(open_browser, live, sealing_province):
    language = "vi"

    def _(msgid: str, **params) -> str:
        return t(language, msgid, **params)

    tab = open_browser(language, javascript=False)
    http = tab.page.context.request
    citizen = {"Host": live.host, "Authorization": f"Bearer {live.tenant.citizen_token}"}
    body = {
        "procedure_code": MARRIAGE,
        "receiving_unit_id": live.tenant.units["commune_a"],
        "channel": "online",
        "applicant": {"full_name": "Trần Văn Chồng", "citizen_id": "079090001111", "contact": "0901234567"},
        "form": {
            "husband_full_name": "Trần Văn Chồng",
            "husband_citizen_id": "079090001111",
            "husband_date_of_birth": "1990-01-01",
            "wife_full_name": "Lê Thị Vợ",
            "wife_citizen_id": "079092002222",
            "wife_date_of_birth": "1992-02-02",
            "residence": "Xã A",
        },
    }
    submitted = http.post(live.direct("/api/v1/dossiers"), data=body, headers=citizen)
    assert submitted.status == 201, submitted.text()
    code = submitted.json()["code"]
    Office(http, live, live.tenant.tokens["officer"]).move(code, 2)

    tab.goto("/console/login")
    fill(tab, {"email": f"officer@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    tab.button(_("Log in")).click()
    tab.goto(f"/console/dossiers/{code}#print-title")
    receipt = _("Receipt and appointment (form 01)")
    button = tab.button(_("Sign and issue: %(title)s", title=receipt))
    assert button.count() == 1
    assert tab.page.get_by_role("link", name=_("Signed copy issued on %(at)s", at="")).count() == 0
    tab.look("sign-and-issue")

    button.click(timeout=30_000)  # the server renders and signs before it answers
    assert tab.path.startswith(f"/console/dossiers/{code}")
    shown = tab.text()
    assert _("Form %(number)s is signed with the agency's seal and issued.", number="01") in shown
    signed_link = tab.page.locator(f'a[href$="/dossiers/{code}/forms/01/signed.pdf"]')
    assert signed_link.count() == 1
    assert _("Signed copy issued on %(at)s", at="").strip() in signed_link.inner_text()
    tab.look("issued")

    answer = tab.fetch(f"/console/dossiers/{code}/forms/01/signed.pdf")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    assert b"/ByteRange" in pdf and b"DauCoQuanMau01" in pdf
    page, stamp = render_last_page(pdf, f"{tab.test_name}--signed-form-01")
    assert page.stat().st_size > 0 and stamp.stat().st_size > 0
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "Ký bởi" in text and "Thời gian" in text and sealing_province.seal.name in text

    # where its QR code leads: the public page of the copy the province stored
    db = live.runtime.db
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        token = session.scalars(select(IssuedForm.verify_token).order_by(IssuedForm.id.desc()).limit(1)).one()
    tab.goto(f"/verify/{token}")
    shown = tab.text()
    assert "Mẫu số 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in shown and code in shown
    assert "Trần Văn Chồng" not in shown  # never the applicant
    tab.look("verify-issued-form")

    # the register (07) sealed: the choice, the confirmation page (what will be sealed), then the PDF
    tab.goto(f"/console/register?unit_id={live.tenant.units['commune_a']}")
    sealed_button = tab.button(_("Print it sealed with the agency's seal"))
    assert sealed_button.count() == 1
    sealed_button.click()
    assert tab.path.startswith("/console/register/sign")
    assert _("Seal the register (form 07)") in tab.text()
    tab.look("register-seal-confirm")

    def sealing(response) -> bool:
        return response.url.endswith("/console/register/sign") and response.request.method == "POST"

    with tab.page.expect_response(sealing, timeout=30_000) as answer:
        tab.button(_("Seal and download")).click(timeout=30_000)
    assert answer.value.status == 200 and answer.value.headers["content-type"] == "application/pdf"
    # Chromium shows the PDF in its viewer (the bytes are checked in test_signed_forms.py); the audit has it
    with db.tenant_session(db.binding(live.tenant.slug)) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "register.form_signed").order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.target == f"unit:{live.tenant.units['commune_a']}"
