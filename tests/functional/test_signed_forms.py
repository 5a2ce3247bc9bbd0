"""Forms 01–06 issued sealed with the agency's seal, and the register (07) sealed on the fly (issue 18 item 1;
docs/signatures.md, "Signed forms"), through the real HTTP API, the console and the portal: the officer of the
receiving unit issues the receipt; it verifies (valid, trusted, the stamp), poppler's pdfsig agrees, its QR code
carries its own /verify link; the citizen then downloads that very copy, and the public page finds it by its QR
link and by its bytes, saying only what the form prints; refusals store nothing; a byte changed is reported.

The tests' own certificate authority (tests/signing_ca.py) makes the seal."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import signature_support
from dossier_support import APPLICANT, citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.forms import signing
from motcua_onestop.dossiers.forms.models import IssuedForm
from motcua_platform.audit.models import TenantAuditEvent as AuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Forbidden
from motcua_platform.signatures import registry
from motcua_platform.signatures.settings import verify_document
from motcua_platform.storage.services import tenant_objects
from portal_support import console_client, csrf_token, fresh_address, words
from portal_support import log_in as portal_log_in
from pyhanko.pdf_utils.reader import PdfFileReader
from signing_ca import SigningCA, signing_keys
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

ca_server, ca = signature_support.ca_server, signature_support.ca

ADMIN = Actor("staff", 1, "admin@alpha.test")


def write_keys(ca: SigningCA, *, seal=None) -> Path:
    """alpha's signing.toml with the seal's key (``seal``: another certificate's key in its place)."""
    return signing_keys("alpha", seal=seal or ca.seal)


@pytest.fixture
def signing_setup(runtime, monkeypatch, ca):
    """The deployment's signing set-up pointed at the tests' CA; returns a function that changes the keys
    (``keys=None``: no signing set up at all)."""

    def configure(keys: Path | str | None = "seal", **options):
        folder = write_keys(ca, **options) if keys == "seal" else keys
        config = runtime.config.with_overrides(
            signing_keys_dir=folder, signing_trust_list=ca.trust_list, signing_fetch_revocation=False
        )
        monkeypatch.setattr(runtime, "config", config)

    configure()
    return configure


def register_seal(runtime, ca):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=ca.now)
        session.commit()


@pytest.fixture
def received(host_client, seeded):
    """An online dossier of the seeded citizen, received at commune A: ``(code, officer, citizen)``."""
    citizen = citizen_client(host_client, seeded)
    submitted = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert submitted.status_code == 201, submitted.get_json()
    code = submitted.get_json()["code"]
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert move(officer, code, 2, 1).status_code == 200
    return code, officer, citizen


def issue(client, code, number="01"):
    return client.post(f"/api/v1/dossiers/{code}/forms/{number}/signature")


def download(client, path) -> bytes:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    body = response.get_data()
    response.close()
    return body


def stored(runtime) -> list[IssuedForm]:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(select(IssuedForm).order_by(IssuedForm.id)).all()
        session.expunge_all()
        return list(rows)


def audit_of(runtime, action):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()
        session.expunge_all()
        return rows


def pdfsig(pdf: bytes) -> str:
    if not shutil.which("pdfsig"):
        pytest.skip("pdfsig is not installed (apt-get install -y poppler-utils)")
    path = Path(tempfile.mkdtemp(prefix="motcua-pdfsig-")) / "mau-01.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def qr_of(pdf: bytes) -> dict:
    """What the QR code printed on ``pdf`` says, read as a phone would (poppler's pdfimages, zbar's zbarimg)."""
    if not (shutil.which("pdfimages") and shutil.which("zbarimg")):
        pytest.skip("pdfimages or zbarimg is not installed (poppler-utils, zbar-tools)")
    folder = Path(tempfile.mkdtemp(prefix="motcua-qr-"))
    (folder / "form.pdf").write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(folder / "form.pdf"), str(folder / "image")], check=True)
    images = sorted(map(str, folder.glob("image-*.png")))
    found = subprocess.run(["zbarimg", "--quiet", "--raw", *images], capture_output=True, text=True)
    codes = found.stdout.splitlines()
    assert len(codes) == 1, codes
    return json.loads(codes[0])


def check_on_portal(host_client, seeded, body: bytes):
    client = host_client(seeded["alpha"].host)
    shown = client.get("/verify")
    boundary, data = encode_multipart(
        {
            "csrf_token": csrf_token(shown.get_data(as_text=True)),
            "file": FileStorage(io.BytesIO(body), filename="mau-01.pdf"),
        }
    )
    return client.post(
        "/verify",
        data=data,
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_base={"REMOTE_ADDR": fresh_address()},
    )


def tampered(signed: bytes) -> bytes:
    """One byte of the signed content changed (in the document's title), the length kept."""
    position = signed.index(b"/Title") + 2
    return signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1 :]


# -- the whole path ----------------------------------------------------------------------------------------------


def test_the_officer_issues_the_receipt_sealed_and_the_citizen_downloads_that_copy(
    runtime, seeded, ca, host_client, signing_setup, received
):
    code, officer, citizen = received
    register_seal(runtime, ca)
    before = citizen.get(f"/api/v1/my/dossiers/{code}/forms/01.pdf").get_data()
    assert b"/ByteRange" not in before  # unsigned until issued

    response = issue(officer, code)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["number"] == "01" and body["dossier_code"] == code
    assert body["fingerprint"] == ca.seal.asn1.sha256.hex() and body["signer_name"] == ca.seal.name
    [row] = stored(runtime)
    assert body["verify_url"] == f"{seeded['alpha'].context.public_url}/verify/{row.verify_token}"
    assert row.issued_by_id == seeded["alpha"].staff["officer"]
    assert row.signature_check["signatures"][0]["good"]

    pdf = download(officer, body["download"])
    assert hashlib.sha256(pdf).hexdigest() == body["sha256"] == row.sha256 and len(pdf) == row.size_bytes

    # valid, trusted, the seal's certificate, covering the whole file; a visible stamp in its own field
    [report] = verify_document(runtime.config, pdf)
    assert report.good and report.intact and report.valid and report.trusted, report.reasons
    assert report.covers_whole_document and report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    [field] = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    assert field.field_name == "DauCoQuanMau01"
    rect = [float(x) for x in field.sig_field["/Rect"]]
    assert rect[2] > rect[0] and rect[3] > rect[1]  # visible, not a zero-size field
    assert field.sig_object["/Reason"] == "Đóng dấu cơ quan"
    report_text = pdfsig(pdf)
    assert "Signature is Valid." in report_text and ca.seal.name in report_text
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "Ký bởi" in text and "Cơ quan" in text and "commune_a of Tỉnh Alpha" in text

    # the QR code printed on it leads to its own verification, as well as to the tracking page
    payload = qr_of(pdf)
    assert payload["xac_thuc"] == body["verify_url"] and payload["ma_ho_so"] == code
    assert payload["tra_cuu"].endswith(f"/track/{code}")

    # the citizen now gets the issued copy, by the API and on the portal (where it says it is sealed)
    assert download(citizen, f"/api/v1/my/dossiers/{code}/forms/01.pdf") == pdf
    portal = host_client(seeded["alpha"].host, language="en")
    portal_log_in(portal, "citizen@alpha.test", TEST_PASSWORD)
    assert download(portal, f"/my/dossiers/{code}/forms/01.pdf") == pdf
    assert "with the agency's digital seal" in words(portal.get(f"/my/dossiers/{code}"))
    # the officer's GET stays a fresh unsigned render
    assert b"/ByteRange" not in download(officer, f"/api/v1/dossiers/{code}/forms/01.pdf")

    # audited: who, which form, the file's hash, the certificate
    [event] = audit_of(runtime, "dossier.form_signed")
    assert event.target == f"dossier:{code}" and event.actor.startswith(f"staff:{seeded['alpha'].staff['officer']}:")
    assert event.details["number"] == "01" and event.details["issued_form_id"] == row.id
    assert event.details["sha256"] == row.sha256 and event.details["fingerprint"] == ca.seal.asn1.sha256.hex()

    # the public page, by the QR link: the form and the dossier, never the applicant
    stranger = host_client(seeded["alpha"].host)
    page = stranger.get(f"/verify/{row.verify_token}")
    assert page.status_code == 200
    seen = words(page)
    assert "Mẫu số 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in seen and code in seen
    assert f"Signed by {ca.seal.name} and not changed since it was signed" in seen
    html = page.get_data(as_text=True)
    for private in (APPLICANT["full_name"], APPLICANT["citizen_id"], APPLICANT["contact"]):
        assert private not in html, private
    assert host_client(seeded["beta"].host).get(f"/verify/{row.verify_token}").status_code == 404

    # by its bytes: the same file is recognised; one byte changed is reported, and pdfsig rejects it
    uploaded = words(check_on_portal(host_client, seeded, pdf))
    assert "This file is exactly the document the province issued" in uploaded and "Mẫu số 01" in uploaded
    changed = tampered(pdf)
    reported = words(check_on_portal(host_client, seeded, changed))
    assert "The document was changed after it was signed" in reported
    assert "exactly the document the province issued" not in reported
    [broken] = verify_document(runtime.config, changed)
    assert not broken.good and not broken.intact
    assert "Signature is Valid." not in pdfsig(changed)

    # a second issue is a new copy, and the newest is the citizen's
    again = issue(officer, code)
    assert again.status_code == 201
    assert len(stored(runtime)) == 2
    assert (
        hashlib.sha256(download(citizen, f"/api/v1/my/dossiers/{code}/forms/01.pdf")).hexdigest()
        == (again.get_json()["sha256"])
    )


def test_the_console_button_issues_the_form_and_links_the_signed_copy(
    runtime, seeded, ca, host_client, signing_setup, received
):
    from portal_support import submit

    code, _officer, _citizen = received
    register_seal(runtime, ca)
    console = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    page = console.get(f"/console/dossiers/{code}")
    assert page.status_code == 200 and "Sign and issue" in words(page)
    done = submit(console, f"/console/dossiers/{code}", action=f"/console/dossiers/{code}/forms/01/sign")
    assert done.status_code == 303, done.get_data(as_text=True)[:2000]
    [row] = stored(runtime)
    shown = console.get(f"/console/dossiers/{code}")
    assert "Signed copy issued on" in words(shown)
    signed = download(console, f"/console/dossiers/{code}/forms/01/signed.pdf")
    assert hashlib.sha256(signed).hexdigest() == row.sha256

    # without the seal's key: the page says why, nothing is stored
    signing_setup(keys=None)
    refused = submit(console, f"/console/dossiers/{code}", action=f"/console/dossiers/{code}/forms/01/sign")
    assert refused.status_code == 409 and "not set up for signing" in words(refused)
    assert len(stored(runtime)) == 1


# -- refusals ----------------------------------------------------------------------------------------------------


def nothing_written(runtime) -> None:
    assert stored(runtime) == [] and audit_of(runtime, "dossier.form_signed") == []


def test_without_a_registered_seal_or_its_key_nothing_is_signed_or_stored(runtime, seeded, ca, signing_setup, received):
    code, officer, _citizen = received
    unregistered = issue(officer, code)
    assert unregistered.status_code == 409, unregistered.get_json()
    assert "certificate" in unregistered.get_json()["errors"] and "register" in unregistered.get_json()["message"]
    nothing_written(runtime)

    register_seal(runtime, ca)
    signing_setup(keys=None)  # no MOTCUA_SIGNING_KEYS_DIR
    no_key = issue(officer, code)
    assert no_key.status_code == 409 and "signing.toml" in no_key.get_json()["message"]
    signing_setup(keys=Path(tempfile.mkdtemp()))  # a keys folder without the province's
    assert issue(officer, code).status_code == 409
    signing_setup(seal=ca.officer)  # a key that is not the registered seal's certificate
    wrong = issue(officer, code)
    assert wrong.status_code == 409 and ca.officer.asn1.sha256.hex() in wrong.get_json()["message"]
    nothing_written(runtime)


def test_who_may_not_issue_and_forms_that_do_not_apply(runtime, seeded, ca, host_client, signing_setup, received):
    code, officer, citizen = received
    register_seal(runtime, ca)
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert issue(finance, code).status_code == 404  # no officer unit: the dossier is not theirs to see
    assert issue(citizen, code).status_code == 403  # a citizen's token is not staff
    other = host_client(seeded["beta"].host, seeded["beta"].tokens["officer"])
    assert issue(other, code).status_code == 404  # beta has no such dossier
    refused = issue(officer, code, "03")  # a received dossier was not refused
    assert refused.status_code == 409 and "Form 03" in refused.get_json()["message"]
    assert issue(officer, code, "08").status_code == 404
    assert stored(runtime) == []

    # an officer who sees the dossier (a step's unit) but not of the unit that received it
    units = seeded["alpha"].units
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = dossiers.get_dossier(session, code, {units["root"]})
        with pytest.raises(Forbidden):
            signing.issue_form(
                session,
                tenant_objects(runtime.config, "alpha"),
                Actor("staff", seeded["alpha"].staff["officer"], "test"),
                seeded["alpha"].staff["officer"],
                {units["department"]},
                dossier,
                "01",
                seeded["alpha"].context,
                config=runtime.config,
            )
        session.rollback()
    assert stored(runtime) == []


def test_the_register_is_sealed_on_the_fly_and_audited(runtime, seeded, ca, host_client, signing_setup, received):
    _code, officer, _citizen = received
    register_seal(runtime, ca)
    unit = seeded["alpha"].units["commune_a"]
    query = f"unit_id={unit}&from=2020-01-01&to=2020-12-31"
    response = officer.post(f"/api/v1/register/signature?{query}")
    assert response.status_code == 200, response.get_json() if response.is_json else response.status_code
    pdf = response.get_data()
    [report] = verify_document(runtime.config, pdf)
    assert report.good and report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    [event] = audit_of(runtime, "register.form_signed")
    assert event.details["sha256"] == hashlib.sha256(pdf).hexdigest() and event.target == f"unit:{unit}"
    other_unit = seeded["alpha"].units["commune_b"]
    assert (
        officer.post(f"/api/v1/register/signature?unit_id={other_unit}&from=2020-01-01&to=2020-12-31").status_code
        == 403
    )
    assert stored(runtime) == []  # never stored


def test_a_failure_after_the_signed_copy_is_stored_deletes_it_and_writes_nothing(
    runtime, seeded, ca, monkeypatch, signing_setup, received
):
    import contextlib

    from motcua_onestop.dossiers.documents import services as documents

    code, officer, citizen = received
    register_seal(runtime, ca)
    objects = tenant_objects(runtime.config, "alpha")
    keys_before = set(objects.all_keys())

    def broken(*args, **kwargs):  # a failure while the rows are written, after the object was stored
        raise RuntimeError("the database went away")

    monkeypatch.setattr(documents, "count_stored", broken)
    # the test app may propagate the error rather than answer 500: the request failed either way
    with contextlib.suppress(RuntimeError):
        assert issue(officer, code).status_code == 500
    monkeypatch.undo()

    assert set(objects.all_keys()) == keys_before  # the signed copy's object was deleted again
    nothing_written(runtime)
    assert b"/ByteRange" not in download(citizen, f"/api/v1/my/dossiers/{code}/forms/01.pdf")


def test_a_sealed_copy_older_than_what_the_form_answers_is_not_served(
    runtime, seeded, ca, host_client, signing_setup, received
):
    """Form 04 prints the latest extension: after a second one, the applicant gets the form as it prints now
    (unsealed) until the new one is issued sealed too. So does the receipt (01), whose appointment the
    extension moved; and the dossier page stops calling it sealed."""
    code, officer, citizen = received
    register_seal(runtime, ca)
    portal = host_client(seeded["alpha"].host, language="en")
    portal_log_in(portal, "citizen@alpha.test", TEST_PASSWORD)

    def sealed_on_page() -> list[str]:
        html = portal.get(f"/my/dossiers/{code}").get_data(as_text=True)
        return re.findall(r"forms/(\d\d)\.pdf\">[^<]*</a> <span class=\"meta\">\(PDF, with the agency", html)

    def extend(days):
        version = officer.get(f"/api/v1/dossiers/{code}").headers["ETag"].strip('"')
        response = officer.post(
            f"/api/v1/dossiers/{code}/extensions",
            json={"working_days": days, "reason": "Chờ xác minh", "apology": "Xin lỗi Ông/Bà."},
            headers={"If-Match": f'"{version}"'},
        )
        assert response.status_code == 201, response.get_json()

    assert move(officer, code, 4, 2).status_code == 200
    extend(2)
    first = issue(officer, code, "04")
    assert first.status_code == 201, first.get_json()
    receipt = issue(officer, code, "01")
    assert receipt.status_code == 201, receipt.get_json()
    own, own_receipt = f"/api/v1/my/dossiers/{code}/forms/04.pdf", f"/api/v1/my/dossiers/{code}/forms/01.pdf"
    assert hashlib.sha256(download(citizen, own)).hexdigest() == first.get_json()["sha256"]
    assert hashlib.sha256(download(citizen, own_receipt)).hexdigest() == receipt.get_json()["sha256"]
    assert sorted(sealed_on_page()) == ["01", "04"]
    extend(3)
    assert b"/ByteRange" not in download(citizen, own)  # the new extension, printed now
    assert b"/ByteRange" not in download(citizen, own_receipt)  # and the appointment it moved
    assert sealed_on_page() == []
    second = issue(officer, code, "04")
    assert hashlib.sha256(download(citizen, own)).hexdigest() == second.get_json()["sha256"]


def test_where_revocation_is_fetched_a_job_checks_the_issued_copy_after_it_is_stored(
    runtime, seeded, ca, host_client, signing_setup, received, monkeypatch
):
    """Sealed offline, the copy's check says "checking" until the job asked for after the commit has fetched
    the CA's revocation list; the public page then says the seal is not revoked, rather than not checked."""
    from motcua_onestop.dossiers.documents.tasks import RECHECK_FORM_TASK, recheck_issued_form

    code, officer, _citizen = received
    register_seal(runtime, ca)
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(signing_fetch_revocation=True))
    assert issue(officer, code).status_code == 201
    [row] = stored(runtime)
    assert row.signature_check["state"] == "checking"
    assert {"tenant": "alpha", "issue_id": row.id} in signature_support.deferred(runtime, RECHECK_FORM_TASK)

    signature_support.run_job(runtime, recheck_issued_form, tenant="alpha", issue_id=row.id)
    [row] = stored(runtime)
    assert row.signature_check["state"] == "checked"
    [seal] = row.signature_check["signatures"]
    assert seal["good"] and seal["revocation_checked"] and not seal["revoked"]
    page = words(host_client(seeded["alpha"].host, language="en").get(f"/verify/{row.verify_token}"))
    assert "Revoked No" in page


def test_the_console_seals_the_register_after_a_confirmation(runtime, seeded, ca, host_client, signing_setup):
    """From the register's page: "print it sealed" leads to a page saying what will be sealed (a GET, which
    changes nothing); its button, a POST with the CSRF token, returns the sealed register. No seal yet: that
    page again saying what to set up, nothing signed."""
    console = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    unit = seeded["alpha"].units["commune_a"]
    choice = console.get(f"/console/register?unit_id={unit}").get_data(as_text=True)
    assert 'formaction="/console/register/sign"' in choice

    confirm = console.get(f"/console/register/sign?unit_id={unit}&from=2020-01-01&to=2020-12-31")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "from 1 Jan 2020 to 31 Dec 2020" in words(confirm) and audit_of(runtime, "register.form_signed") == []
    form = {"unit_id": str(unit), "from": "2020-01-01", "to": "2020-12-31"}
    assert console.post("/console/register/sign", data=form).status_code == 400  # no CSRF token

    refused = console.post("/console/register/sign", data=form | {"csrf_token": csrf_token(page)})
    assert refused.status_code == 409 and "seal certificate is not registered" in words(refused)
    assert audit_of(runtime, "register.form_signed") == []

    register_seal(runtime, ca)
    sealed = console.post("/console/register/sign", data=form | {"csrf_token": csrf_token(page)})
    assert sealed.status_code == 200 and sealed.mimetype == "application/pdf"
    [report] = verify_document(runtime.config, sealed.get_data())
    assert report.good and report.signer.fingerprint == ca.seal.asn1.sha256.hex()
    [event] = audit_of(runtime, "register.form_signed")
    assert event.details["sha256"] == hashlib.sha256(sealed.get_data()).hexdigest()

    other = seeded["alpha"].units["commune_b"]
    assert console.get(f"/console/register/sign?unit_id={other}&from=2020-01-01&to=2020-12-31").status_code == 403
    bad = console.get(f"/console/register/sign?unit_id={unit}&from=2020-12-31&to=2020-01-01")
    assert bad.status_code == 422 and "on or after the first" in words(bad)
