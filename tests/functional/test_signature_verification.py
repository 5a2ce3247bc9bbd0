"""Uploaded PDFs' signatures checked at upload (ADR 0063), through the real HTTP API and the staff console: a
PDF signed by the tests' CA (tests/signing_ca.py) shows its signer as valid and trusted beside the document; a
byte changed after signing is "changed after signing"; a revoked signer is revoked once the revocation
re-check has fetched the CRL; an unsigned PDF is "no signature"; an image has no check."""

from __future__ import annotations

import io

import pytest
import signature_support
from dossier_support import APPLICANT, intake_body, move
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_platform.auth.models import StaffAccount
from portal_support import console_client, csrf_token, fresh_address, words
from signature_support import sign, tampered
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

# the CA and a real form, shared with the other signature tests
ca_server, ca, receipt = signature_support.ca_server, signature_support.ca, signature_support.receipt

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def trusting(runtime, ca, monkeypatch):
    """The deployment trusts the tests' root and fetches revocation data (a job re-checks uploads)."""
    config = runtime.config.with_overrides(signing_trust_list=ca.trust_list, signing_fetch_revocation=True)
    monkeypatch.setattr(runtime, "config", config)
    return config


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def code(officer, seeded):
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def upload(client, code, body, name="to-khai.pdf", component="0", kind="component"):
    fields = {"kind": kind, "file": FileStorage(io.BytesIO(body), filename=name)} | (
        {"component": component} if component else {}
    )
    boundary, data = encode_multipart(fields)
    response = client.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def recheck(runtime, document_id: int) -> dict:
    """Run the job ``documents:recheck_signatures`` as the worker would (its context carries the runtime),
    then read the check it stored."""
    from types import SimpleNamespace

    from motcua_onestop.dossiers.documents.tasks import recheck_signatures

    recheck_signatures.func(
        SimpleNamespace(additional_context={"runtime": runtime}), tenant="alpha", document_id=document_id
    )
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.get(DossierDocument, document_id).signature_check


def console_page(host_client, seeded, code, language="en") -> str:
    client = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    if language != "en":
        client.language = language
    page = client.get(f"/console/dossiers/{code}")
    assert page.status_code == 200
    return words(page)


def test_a_signed_pdf_shows_its_signer_valid_and_trusted(
    officer, code, trusting, receipt, ca, runtime, host_client, seeded
):
    document = upload(officer, code, sign(receipt, ca.seal))

    check = document["signature_check"]
    assert check["state"] == "checking"  # offline at upload; the job fetches the CRL
    (signature,) = check["signatures"]
    assert signature["signer"] == "UBND tỉnh Đắk Lắk" and signature["organization"] == "UBND tỉnh Đắk Lắk"
    assert signature["intact"] and signature["valid"] and signature["trusted"] and signature["covers_whole_document"]
    assert not signature["revocation_checked"] and "revocation_not_checked" in signature["notes"]
    assert signature["fingerprint"] == ca.seal.asn1.sha256.hex()

    page = console_page(host_client, seeded, code)
    assert "Checking revocation with the certification authority" in page
    assert "Valid signature UBND tỉnh Đắk Lắk" in page

    after = recheck(runtime, document["id"])
    assert after["state"] == "checked"
    (signature,) = after["signatures"]
    assert signature["good"] and signature["revocation_checked"] and not signature["revoked"]
    listed = officer.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert listed[0]["signature_check"]["signatures"][0]["revocation_checked"] is True
    page = console_page(host_client, seeded, code)
    assert "Checking revocation" not in page
    assert "Valid signature UBND tỉnh Đắk Lắk" in page and "Revoked No" in page
    assert "Trusted certification authority Yes" in page

    vietnamese = console_page(host_client, seeded, code, language="vi")
    assert "Chữ ký hợp lệ" in vietnamese and "Chữ ký số" in vietnamese


def test_a_pdf_changed_after_signing_is_said_so(officer, code, trusting, receipt, ca, host_client, seeded):
    document = upload(officer, code, tampered(sign(receipt, ca.seal)))

    (signature,) = document["signature_check"]["signatures"]
    assert not signature["intact"] and not signature["good"] and "broken" in signature["problems"]
    assert document["signature_check"]["state"] == "checked"  # nothing more to fetch for a broken signature
    assert any("changed after it was signed" in reason for reason in signature["reasons"])
    page = console_page(host_client, seeded, code)
    assert "Changed after signing" in page and "Unchanged since signing No" in page


def test_a_revoked_signer_is_revoked_after_the_recheck(
    officer, code, trusting, receipt, ca, runtime, host_client, seeded
):
    document = upload(officer, code, sign(receipt, ca.revoked))
    assert document["signature_check"]["state"] == "checking"

    (signature,) = recheck(runtime, document["id"])["signatures"]

    assert signature["revoked"] and not signature["good"] and signature["problems"] == ["revoked"]
    page = console_page(host_client, seeded, code)
    assert "Certificate revoked Trần Văn Bị Thu Hồi" in page and "Revoked Yes" in page


def test_an_untrusted_signer_and_an_expired_one(officer, code, trusting, receipt, ca):
    stranger = upload(officer, code, sign(receipt, ca.stranger))["signature_check"]
    assert stranger["signatures"][0]["problems"] == ["untrusted"] and stranger["state"] == "checked"
    expired = upload(officer, code, sign(receipt, ca.expired), component="1")["signature_check"]
    assert expired["signatures"][0]["expired"] and "expired" in expired["signatures"][0]["problems"]


def test_an_unsigned_pdf_is_no_signature_and_an_image_has_no_check(
    officer, code, trusting, receipt, host_client, seeded, runtime
):
    unsigned = upload(officer, code, receipt)
    assert unsigned["signature_check"]["signatures"] == [] and unsigned["signature_check"]["state"] == "checked"
    image = upload(officer, code, PNG, name="scan.png", component="1")
    assert image["signature_check"] is None

    page = console_page(host_client, seeded, code)
    assert "No signature" in page
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        stored = session.get(DossierDocument, unsigned["id"])
        assert stored.signature_check["signatures"] == []


def test_a_hostile_pdf_is_a_report_not_an_error(officer, code, trusting):
    broken = b"%PDF-1.7\n1 0 obj<</Type/Sig/Contents<00>>>endobj\n" + b"\xff" * 512 + b"\n%%EOF\n"
    document = upload(officer, code, broken)
    assert document["signature_check"]["state"] == "checked"
    assert all("unreadable" in s["problems"] for s in document["signature_check"]["signatures"])


def test_without_revocation_fetching_the_upload_check_is_final(officer, code, runtime, ca, receipt, monkeypatch):
    config = runtime.config.with_overrides(signing_trust_list=ca.trust_list, signing_fetch_revocation=False)
    monkeypatch.setattr(runtime, "config", config)
    check = upload(officer, code, sign(receipt, ca.seal))["signature_check"]
    assert check["state"] == "checked"
    assert check["signatures"][0]["good"] and not check["signatures"][0]["revocation_checked"]


# -- the public verification page ----------------------------------------------------------------------------


def check_on_portal(host_client, seeded, body: bytes, name="ket-qua.pdf"):
    """A stranger on the province's portal: GET /verify, then POST the file with the page's CSRF token."""
    client = host_client(seeded["alpha"].host)
    shown = client.get("/verify")
    assert shown.status_code == 200
    boundary, data = encode_multipart(
        {"csrf_token": csrf_token(shown.get_data(as_text=True)), "file": FileStorage(io.BytesIO(body), filename=name)}
    )
    return client.post(
        "/verify",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_base={"REMOTE_ADDR": fresh_address()},
    )


def test_the_public_page_checks_an_uploaded_pdf(host_client, seeded, trusting, receipt, ca):
    good = check_on_portal(host_client, seeded, sign(receipt, ca.seal))
    assert good.status_code == 200
    page = words(good)
    assert "Signed by UBND tỉnh Đắk Lắk and not changed since it was signed" in page
    assert "Revoked No" in page  # fetched now: the public page says it plainly
    assert ca.seal.asn1.sha256.hex() in page
    assert "exactly the document the province issued" not in page  # never stored here

    changed = words(check_on_portal(host_client, seeded, tampered(sign(receipt, ca.seal))))
    assert "The document was changed after it was signed" in changed
    revoked = words(check_on_portal(host_client, seeded, sign(receipt, ca.revoked)))
    assert "the certification authority has revoked the certificate" in revoked
    unsigned = words(check_on_portal(host_client, seeded, receipt))
    assert "This PDF has no digital signature." in unsigned

    vietnamese = host_client(seeded["alpha"].host, language="vi").get("/verify")
    assert "Kiểm tra chữ ký số" in words(vietnamese)


def test_the_public_page_refuses_what_it_cannot_check(host_client, seeded, trusting, runtime, monkeypatch):
    image = check_on_portal(host_client, seeded, PNG, name="anh.png")
    assert image.status_code == 422 and "Only a PDF file can carry a digital signature" in words(image)
    client = host_client(seeded["alpha"].host)
    without_token = client.post("/verify", data={}, environ_base={"REMOTE_ADDR": fresh_address()})
    assert without_token.status_code in (400, 403)  # CSRF: a form from elsewhere is refused
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(upload_max_bytes=1000))
    large = check_on_portal(host_client, seeded, b"%PDF-1.7\n" + b"0" * 2000)
    assert large.status_code == 413


def test_a_result_issued_by_the_province_is_verified_by_its_qr_link(
    officer, code, trusting, receipt, ca, host_client, seeded
):
    assert move(officer, code, 4, 1).status_code == 200
    signed = sign(receipt, ca.seal)
    result = upload(officer, code, signed, kind="result", component="")
    token = result["verify_token"]
    assert token and len(token) == 43
    component = upload(officer, code, signed)  # the same bytes as a citizen's paper: never public
    assert component["verify_token"] is None

    stranger = host_client(seeded["alpha"].host)
    page = stranger.get(f"/verify/{token}")
    assert page.status_code == 200
    seen = words(page)
    assert "This is the copy the province stored" in seen and code in seen
    assert "Signed by UBND tỉnh Đắk Lắk" in seen
    body = page.get_data(as_text=True)
    # what a stranger holding the QR must not see: who applied, how to reach them, the file itself
    for private in (
        APPLICANT["full_name"],
        APPLICANT["citizen_id"],
        APPLICANT["contact"],
        "/content",
        result["filename"],
    ):
        assert private not in body, private

    # the same file uploaded by anyone is recognised as the one issued
    uploaded = words(check_on_portal(host_client, seeded, signed))
    assert "This file is exactly the document the province issued" in uploaded and code in uploaded

    assert stranger.get(f"/verify/{token[:-1]}x").status_code == 404
    assert stranger.get("/verify/" + "a" * 43).status_code == 404
    other_province = host_client(seeded["beta"].host).get(f"/verify/{token}")
    assert other_province.status_code == 404  # a province's links are its own


def test_a_signature_made_with_a_registered_certificate_says_whose_it_is(
    officer, code, trusting, receipt, ca, runtime, host_client, seeded
):
    """The officer reads "the province's registered seal" or the colleague's name beside a signer the register
    knows; a stranger's certificate gets no such line."""
    from motcua_platform.audit.services import Actor
    from motcua_platform.signatures import registry

    upload(officer, code, sign(receipt, ca.seal), component="0")
    upload(officer, code, sign(receipt, ca.officer), component="1")
    assert "registered" not in console_page(host_client, seeded, code).lower()

    leader = seeded["alpha"].staff["commune_admin"]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        admin = Actor("staff", leader, "admin@alpha.test")
        registry.register_seal(session, ca.seal.pem, actor=admin, now=ca.now)
        registry.register_officer_certificate(session, ca.officer.pem, staff_id=leader, actor=admin, now=ca.now)
        session.commit()
        name = session.get(StaffAccount, leader).full_name

        officer_certificate = registry.registered(session, ca.officer.asn1.sha256.hex()).id

    page = console_page(host_client, seeded, code)
    assert "UBND tỉnh Đắk Lắk" in page and "The province's registered seal" in page
    assert f"{ca.officer.name}" in page and f"Registered certificate of {name}" in page
    assert "Con dấu số đã đăng ký của tỉnh" in console_page(host_client, seeded, code, language="vi")

    # the seal's certificate is public: a copy changed after sealing names it, and is not called the seal
    upload(officer, code, tampered(sign(receipt, ca.seal)), component="0")
    page = console_page(host_client, seeded, code)
    assert "Changed after signing UBND tỉnh Đắk Lắk" in page and "registered seal" not in page

    # a certificate retired before it signed is flagged, not endorsed
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        registry.retire(session, officer_certificate, actor=admin, now=ca.now)
        session.commit()
    upload(officer, code, sign(receipt, ca.officer, field_name="Later"), component="1")
    page = console_page(host_client, seeded, code)
    assert f"Registered certificate of {name} (signed after it was retired)" in page
