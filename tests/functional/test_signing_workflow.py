"""Signature steps in the dossier workflow (issue 18 item 2, ADR 0062), through the real HTTP API: the commune's
leader signs the result with their own certificate, then the records office seals it; the citizen downloads
the doubly signed file, which the platform's verify() and poppler's pdfsig both find good; a step that needs
a signature does not complete without it; who may not act on the step is refused and nothing is written; an
officer with no registered certificate is told what to register; a wrong passphrase leaves the previous
document current; each signature is in the audit log; the national sync reports the signed result.

The tests' own certificate authority (tests/signing_ca.py) makes the leader's certificate and the seal."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import signature_support
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_onestop.dossiers.documents.tasks import RECHECK_TASK, recheck_signatures
from motcua_onestop.dossiers.forms.rendering import html_to_pdf, qr_data_uri, render_html
from motcua_onestop.dossiers.forms.samples import sample_context
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow.models import DossierSignature
from motcua_onestop.national_sync.models import NationalSyncOutbox
from motcua_platform.audit.models import TenantAuditEvent as AuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.rendering.pdf import find_font
from motcua_platform.signatures import registry
from motcua_platform.signatures.settings import verify_document
from portal_support import log_in as portal_log_in
from pyhanko.pdf_utils.reader import PdfFileReader
from signing_ca import PASSPHRASE, SigningCA, signing_keys
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

ca_server, ca = signature_support.ca_server, signature_support.ca

MARRIAGE = "1.000894"
ADMIN = Actor("staff", 1, "admin@alpha.test")
LEADER = "commune_admin"  # tenant_admin of commune A: the commune's leader, who signs
CLERK = "officer"  # the officer of commune A (and its service centre): the records office, who seals


@pytest.fixture(scope="module")
def result_pdf() -> bytes:
    context = sample_context("01")
    context["qr"] = qr_data_uri(context["tracking_url"])
    return html_to_pdf(render_html("01", context), find_font(), title="Kết quả", creator="Motcua Cloud")


def write_keys(ca: SigningCA, leader_passphrase: bytes = PASSPHRASE) -> Path:
    """alpha's signing.toml: the seal, and the leader's own key held server-side."""
    return signing_keys(
        "alpha", seal=ca.seal, officers={f"{LEADER}@alpha.test": ca.officer}, officer_passphrase=leader_passphrase
    )


@pytest.fixture
def signing(runtime, monkeypatch, ca):
    """The deployment's signing set-up pointed at the tests' CA; returns a function that rewrites the keys."""

    def configure(**options):
        config = runtime.config.with_overrides(
            signing_keys_dir=write_keys(ca, **options), signing_trust_list=ca.trust_list, signing_fetch_revocation=True
        )
        monkeypatch.setattr(runtime, "config", config)

    configure()
    return configure


@pytest.fixture
def signature_steps(runtime, seeded):
    """The marriage procedure of alpha with two signature steps: step 3 (the leader's, role tenant_admin) signs
    personally, step 4 (the records office's) applies the seal."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        procedure = session.scalars(select(Procedure).where(Procedure.code == MARRIAGE)).one()
        steps = [dict(step) for step in procedure.workflow]
        steps[2] |= {"role": "tenant_admin", "signature": "personal"}
        steps[3] |= {"signature": "seal"}
        procedure.workflow = steps
        session.commit()


def client(host_client, seeded, who):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens[who])


def step_post(c, code, path, version, **body):
    return c.post(f"/api/v1/dossiers/{code}/steps/{path}", json=body, headers={"If-Match": f'"{version}"'})


def version_of(c, code) -> int:
    return int(c.get(f"/api/v1/dossiers/{code}/steps").headers["ETag"].strip('"'))


def claim_and_complete(c, code, comment="xong"):
    assert step_post(c, code, "current/claim", version_of(c, code)).status_code == 200
    done = step_post(c, code, "current/complete", version_of(c, code), comment=comment)
    assert done.status_code == 200, done.get_json()


def upload_result(c, code, pdf):
    boundary, data = encode_multipart(
        {"kind": "result", "file": FileStorage(io.BytesIO(pdf), filename="giay-chung-nhan-ket-hon.pdf")}
    )
    response = c.post(
        f"/api/v1/dossiers/{code}/documents", data=data, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def sign(c, code, index):
    return step_post(c, code, f"{index}/signature", version_of(c, code))


def register_leader(runtime, seeded, ca):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        registry.register_officer_certificate(
            session, ca.officer.pem, staff_id=seeded["alpha"].staff[LEADER], actor=ADMIN, now=ca.now
        )
        registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=ca.now)
        session.commit()


def download(c, path) -> bytes:
    response = c.get(path)
    assert response.status_code == 200, response.status_code
    body = response.get_data()
    response.close()
    return body


def results(runtime, code):
    """The dossier's result documents (oldest first) and its signature records."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        documents = session.scalars(
            select(DossierDocument)
            .where(DossierDocument.dossier_id == dossier.id, DossierDocument.kind == "result")
            .order_by(DossierDocument.id)
        ).all()
        signatures = session.scalars(select(DossierSignature).where(DossierSignature.dossier_id == dossier.id)).all()
        session.expunge_all()
        return documents, signatures


def audit_of(runtime, code, action="dossier.result_signed"):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.target == f"dossier:{code}")
            .order_by(AuditEvent.id)
        ).all()
        session.expunge_all()
        return rows


@pytest.fixture
def at_leader_step(host_client, seeded, signing, signature_steps, result_pdf):
    """An online dossier of the seeded citizen, received, processed to the leader's step (3), with its result
    PDF attached: ``(code, clerk, leader, citizen, original result)``."""
    citizen = citizen_client(host_client, seeded)
    submitted = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert submitted.status_code == 201, submitted.get_json()
    code = submitted.get_json()["code"]
    clerk, leader = client(host_client, seeded, CLERK), client(host_client, seeded, LEADER)
    assert move(clerk, code, 2, 1).status_code == 200
    assert move(clerk, code, 4, 2).status_code == 200
    claim_and_complete(clerk, code, "Hồ sơ đủ")
    claim_and_complete(clerk, code, "Đã thẩm định, trình lãnh đạo")
    original = upload_result(clerk, code, result_pdf)
    return code, clerk, leader, citizen, original


def pdfsig(pdf: bytes) -> str:
    if not shutil.which("pdfsig"):
        pytest.skip("pdfsig is not installed (apt-get install -y poppler-utils)")
    path = Path(tempfile.mkdtemp(prefix="motcua-pdfsig-")) / "ket-qua.pdf"
    path.write_bytes(pdf)
    run = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


# -- the whole path ----------------------------------------------------------------------------------------------


def stamp_links(pdf: bytes, folder: Path) -> list[str]:
    """What the QR codes drawn on the pages say, read as a phone would: the pages rendered by poppler's
    pdftoppm (the stamp's QR code is drawn, not an image) and decoded by zbar's zbarimg."""
    if not shutil.which("pdftoppm") or not shutil.which("zbarimg"):
        pytest.skip("pdftoppm and zbarimg are not installed (apt-get install -y poppler-utils zbar-tools)")
    (folder / "signed.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(folder / "signed.pdf"), str(folder / "page")], check=True)
    pages = sorted(folder.glob("page*.png"))
    found = subprocess.run(["zbarimg", "--quiet", "--raw", *map(str, pages)], capture_output=True, text=True)
    return found.stdout.splitlines()


def test_the_leader_signs_the_records_office_seals_and_the_citizen_gets_the_doubly_signed_result(
    runtime, seeded, ca, host_client, at_leader_step, tmp_path
):
    code, clerk, leader, citizen, original = at_leader_step
    register_leader(runtime, seeded, ca)
    token_given = results(runtime, code)[0][0].verify_token  # the result's /verify/<token> link, given out
    assert token_given

    # the leader's step: claimed by the leader, not complete until signed
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    unsigned = step_post(leader, code, "current/complete", version_of(leader, code), comment="Đồng ý")
    assert unsigned.status_code == 409 and "signature" in unsigned.get_json()["errors"]

    signed = sign(leader, code, 2)
    assert signed.status_code == 200, signed.get_json()
    step = signed.get_json()["steps"][2]
    assert step["signature"] == "personal" and step["signed"]["kind"] == "personal"
    assert step["signed"]["staff_id"] == seeded["alpha"].staff[LEADER]
    assert step["signed"]["signer_name"] == ca.officer.name
    assert step["signed"]["fingerprint"] == ca.officer.asn1.sha256.hex()
    assert sign(leader, code, 2).status_code == 409  # once
    claim_and_complete_current = step_post(leader, code, "current/complete", version_of(leader, code), comment="Ký")
    assert claim_and_complete_current.status_code == 200

    # the records office seals at the last step
    assert step_post(clerk, code, "current/claim", version_of(clerk, code)).status_code == 200
    sealed = sign(clerk, code, 3)
    assert sealed.status_code == 200, sealed.get_json()
    assert sealed.get_json()["steps"][3]["signed"]["fingerprint"] == ca.seal.asn1.sha256.hex()
    assert step_post(clerk, code, "current/complete", version_of(clerk, code), comment="Đã đóng dấu").status_code == 200

    # three versions of the result: the original, the leader's, the sealed one; only the last is current
    documents, signatures = results(runtime, code)
    assert len(documents) == 3 and documents[0].id == original["id"]
    assert [d.superseded_by_id for d in documents] == [documents[1].id, documents[2].id, None]
    assert all(d.superseded_at is not None for d in documents[:2])
    assert len({d.storage_key for d in documents}) == 3  # nothing overwritten in place
    # the public verification link given with the result moves to the current version; each signed version
    # carries its own check, as an officer and the verification page see it
    assert [d.verify_token for d in documents] == [None, None, token_given]
    assert [len(d.signature_check["signatures"]) for d in documents[1:]] == [1, 2]
    assert all(s["intact"] and s["valid"] for s in documents[2].signature_check["signatures"])
    # checked offline as it was stored; the revocation re-check job, asked for after each commit, fetches the CRLs
    assert [d.signature_check["state"] for d in documents[1:]] == ["checking", "checking"]
    waiting = [job["document_id"] for job in signature_support.deferred(runtime, RECHECK_TASK)]
    assert {documents[1].id, documents[2].id} <= set(waiting)
    signature_support.run_job(runtime, recheck_signatures, tenant="alpha", document_id=documents[2].id)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rechecked = session.get(DossierDocument, documents[2].id).signature_check
    assert rechecked["state"] == "checked"
    assert all(s["good"] and s["revocation_checked"] and not s["revoked"] for s in rechecked["signatures"])
    assert [(s.kind, s.signed_from_id, s.document_id) for s in signatures] == [
        ("personal", documents[0].id, documents[1].id),
        ("seal", documents[1].id, documents[2].id),
    ]

    # the result is returned; the citizen downloads the current version, signed twice
    assert move(clerk, code, 9, version_of(clerk, code)).status_code == 200
    assert move(clerk, code, 10, version_of(clerk, code)).status_code == 200
    listed = citizen.get(f"/api/v1/dossiers/{code}/documents").get_json()
    current = [d for d in listed if d["kind"] == "result" and d["superseded_at"] is None]
    assert [d["id"] for d in current] == [documents[2].id]
    pdf = download(citizen, current[0]["download"])
    assert hashlib.sha256(pdf).hexdigest() == documents[2].sha256
    assert pdf.startswith(download(citizen, listed[0]["download"])[:1024])  # an incremental update of the original

    reports = verify_document(runtime.config, pdf)
    assert len(reports) == 2
    assert all(r.intact and r.valid and r.trusted and not r.revoked for r in reports), [r.reasons for r in reports]
    assert [r.signer.fingerprint for r in reports] == [ca.officer.asn1.sha256.hex(), ca.seal.asn1.sha256.hex()]
    assert reports[1].good and reports[1].covers_whole_document
    assert reports[0].modification == "form_filling"  # only the seal came after the leader's signature

    # the two visible stamps sit apart in the signing block: the leader's above the seal's
    fields = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    boxes = [[float(x) for x in field.sig_field["/Rect"]] for field in fields]
    assert boxes[0][1] >= boxes[1][3], boxes

    report = pdfsig(pdf)
    assert report.count("Signature is Valid.") == 2, report
    assert ca.officer.name in report and ca.seal.name in report

    # each stamp carries a QR code of the result's public verification link, which a phone follows to the
    # portal's page for the stored copy (the form's own QR code, the tracking link, is on the first page)
    links = [link for link in stamp_links(pdf, tmp_path) if "/verify/" in link]
    assert len(links) == 2 and links[0] == links[1], links
    assert re.fullmatch(rf"https?://{re.escape(seeded['alpha'].host)}(:\d+)?/verify/{re.escape(token_given)}", links[0])
    checked = host_client(seeded["alpha"].host, language="vi").get(urlsplit(links[0]).path)
    assert checked.status_code == 200 and code in checked.get_data(as_text=True)

    # the portal's page offers the current result only, and its download is the signed file
    portal = host_client(seeded["alpha"].host, language="vi")
    portal_log_in(portal, "citizen@alpha.test", TEST_PASSWORD)
    html = portal.get(f"/my/dossiers/{code}").get_data(as_text=True)
    linked = set(re.findall(rf"/my/dossiers/{re.escape(code)}/documents/(\d+)", html))
    assert str(documents[2].id) in linked and not linked & {str(documents[0].id), str(documents[1].id)}
    assert download(portal, f"/my/dossiers/{code}/documents/{documents[2].id}") == pdf

    # audited: actor, dossier, document, kind, certificate
    events = audit_of(runtime, code)
    assert [(e.details["kind"], e.details["document_id"], e.details["fingerprint"]) for e in events] == [
        ("personal", documents[1].id, ca.officer.asn1.sha256.hex()),
        ("seal", documents[2].id, ca.seal.asn1.sha256.hex()),
    ]
    assert events[0].actor.startswith(f"staff:{seeded['alpha'].staff[LEADER]}:")
    assert events[1].actor.startswith(f"staff:{seeded['alpha'].staff[CLERK]}:")

    # the national sync reports the signed electronic result, and which file it is
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(
            select(NationalSyncOutbox)
            .where(NationalSyncOutbox.payload["MaHoSo"].astext == code)
            .order_by(NationalSyncOutbox.sequence)
        ).all()
        last = rows[-1].payload
    assert last["TrangThaiHoSo"] == 10 and last["CoKetQuaDienTu"] == 1
    assert last["KetQuaDaKySo"] == 1 and last["MaBamKetQua"] == documents[2].sha256
    assert rows[0].payload["KetQuaDaKySo"] == 0 and rows[0].payload["MaBamKetQua"] is None


def test_a_result_stored_before_results_had_a_link_gets_one_on_its_stamp(
    runtime, seeded, ca, host_client, at_leader_step, tmp_path
):
    code, _clerk, leader, _citizen, original = at_leader_step
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.get(DossierDocument, original["id"]).verify_token = None
        session.commit()
    register_leader(runtime, seeded, ca)
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    assert sign(leader, code, 2).status_code == 200

    documents, _signatures = results(runtime, code)
    assert documents[0].verify_token is None and documents[1].verify_token  # given with the signature, moved on
    listed = {d["id"]: d for d in leader.get(f"/api/v1/dossiers/{code}/documents").get_json()}
    signed = download(leader, listed[documents[1].id]["download"])
    links = [link for link in stamp_links(signed, tmp_path) if "/verify/" in link]
    assert len(links) == 1 and links[0].endswith(f"/verify/{documents[1].verify_token}")
    assert host_client(seeded["alpha"].host).get(urlsplit(links[0]).path).status_code == 200


# -- refusals ----------------------------------------------------------------------------------------------------


def test_someone_without_the_steps_role_cannot_sign_and_nothing_is_written(runtime, seeded, ca, at_leader_step):
    code, clerk, _leader, _citizen, original = at_leader_step
    register_leader(runtime, seeded, ca)
    before = version_of(clerk, code)
    refused = sign(clerk, code, 2)  # the clerk is an officer; step 3 is the leader's (tenant_admin)
    assert refused.status_code == 403, refused.get_json()
    documents, signatures = results(runtime, code)
    assert [d.id for d in documents] == [original["id"]] and documents[0].superseded_at is None
    assert signatures == [] and audit_of(runtime, code) == [] and version_of(clerk, code) == before
    # and a step that needs no signature, or one that is not current, is not signed
    assert sign(clerk, code, 1).status_code == 409


def test_who_claimed_the_step_but_no_longer_holds_its_role_cannot_sign(runtime, seeded, ca, at_leader_step):
    """The role is checked at the signature, not only at the claim (a leader moved to other duties)."""
    from motcua_onestop.dossiers import services as dossiers
    from motcua_onestop.dossiers.workflow import signing
    from motcua_platform.errors import Forbidden
    from motcua_platform.storage.services import tenant_objects

    code, _clerk, leader, _citizen, _original = at_leader_step
    register_leader(runtime, seeded, ca)
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    units = seeded["alpha"].units
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = dossiers.get_dossier(session, code, {units["root"]}, lock=True)
        with pytest.raises(Forbidden):
            signing.sign_step(
                session,
                tenant_objects(runtime.config, "alpha"),
                Actor("staff", seeded["alpha"].staff[LEADER], "test"),
                [("officer", units["commune_a"])],  # an officer now, no longer the leader (tenant_admin)
                seeded["alpha"].staff[LEADER],
                dossier,
                dossier.version,
                2,
                config=runtime.config,
                tenant_slug="alpha",
                public_url=f"https://{seeded['alpha'].host}",
            )
        session.rollback()


def test_an_officer_without_a_registered_certificate_is_told_to_register_one(runtime, seeded, at_leader_step):
    code, _clerk, leader, _citizen, original = at_leader_step
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    refused = sign(leader, code, 2)
    assert refused.status_code == 409
    body = refused.get_json()
    assert "certificate" in body["errors"] and "register" in body["message"].lower()
    documents, signatures = results(runtime, code)
    assert [d.id for d in documents] == [original["id"]] and signatures == []


def test_a_retired_certificate_no_longer_signs(runtime, seeded, ca, at_leader_step):
    code, _clerk, leader, _citizen, _original = at_leader_step
    register_leader(runtime, seeded, ca)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        row = registry.registered(session, ca.officer.asn1.sha256.hex())
        registry.retire(session, row.id, actor=ADMIN, now=ca.now)
        session.commit()
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    assert sign(leader, code, 2).status_code == 409


def test_a_wrong_passphrase_leaves_the_previous_document_current_and_nothing_half_written(
    runtime, seeded, ca, signing, at_leader_step
):
    code, _clerk, leader, _citizen, original = at_leader_step
    register_leader(runtime, seeded, ca)
    signing(leader_passphrase=b"not-the-passphrase")
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    before = version_of(leader, code)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        documents_before = session.scalar(select(func.count()).select_from(DossierDocument))

    failed = sign(leader, code, 2)
    assert failed.status_code == 422, failed.get_json()

    documents, signatures = results(runtime, code)
    assert [d.id for d in documents] == [original["id"]] and documents[0].superseded_at is None
    assert signatures == [] and audit_of(runtime, code) == [] and version_of(leader, code) == before
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        assert session.scalar(select(func.count()).select_from(DossierDocument)) == documents_before
    # the step still cannot complete; with the right key it signs
    assert step_post(leader, code, "current/complete", before, comment="x").status_code == 409
    signing()
    assert sign(leader, code, 2).status_code == 200


def test_a_failure_after_the_signed_copy_is_stored_deletes_it_and_keeps_the_previous_version(
    runtime, seeded, ca, monkeypatch, at_leader_step
):
    from motcua_onestop.dossiers.documents import store
    from motcua_platform.storage.services import tenant_objects

    code, _clerk, leader, _citizen, original = at_leader_step
    register_leader(runtime, seeded, ca)
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    objects = tenant_objects(runtime.config, "alpha")
    keys_before = set(objects.all_keys())

    def broken(*args, **kwargs):  # a failure while the rows are written, after the object was stored
        raise RuntimeError("the database went away")

    monkeypatch.setattr(store, "keep", broken)
    # the test app may propagate the error rather than answer 500: the request failed either way
    with contextlib.suppress(RuntimeError):
        assert sign(leader, code, 2).status_code == 500
    monkeypatch.undo()

    assert set(objects.all_keys()) == keys_before  # the signed copy's object was deleted again
    documents, signatures = results(runtime, code)
    assert [d.id for d in documents] == [original["id"]] and documents[0].superseded_at is None
    assert signatures == [] and audit_of(runtime, code) == []


def test_a_key_that_is_not_the_registered_certificate_is_refused(runtime, seeded, ca, at_leader_step):
    code, _clerk, leader, _citizen, original = at_leader_step
    other = ca.issue_signer("Người Khác", organization="UBND tỉnh Đắk Lắk")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        # the leader's registered certificate is not the one signing.toml holds the key of
        registry.register_officer_certificate(
            session, other.pem, staff_id=seeded["alpha"].staff[LEADER], actor=ADMIN, now=ca.now
        )
        session.commit()
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    refused = sign(leader, code, 2)
    assert refused.status_code == 409 and "certificate" in refused.get_json()["errors"]
    documents, signatures = results(runtime, code)
    assert [d.id for d in documents] == [original["id"]] and signatures == []


# -- the console -------------------------------------------------------------------------------------------------


def test_the_leader_signs_from_the_console_page_and_the_page_says_who_signed_and_when(
    runtime, seeded, ca, host_client, at_leader_step
):
    from portal_support import csrf_token, fresh_address, submit

    code, _clerk, leader, _citizen, _original = at_leader_step
    register_leader(runtime, seeded, ca)
    assert step_post(leader, code, "current/claim", version_of(leader, code)).status_code == 200
    console = host_client(seeded["alpha"].host, language="vi")
    login = {"email": f"{LEADER}@alpha.test", "password": TEST_PASSWORD}
    assert submit(console, "/console/login", login, environ_base={"REMOTE_ADDR": fresh_address()}).status_code == 303

    body = console.get(f"/console/dossiers/{code}").get_data(as_text=True)
    assert "Ký số" in body and "/steps/sign" in body
    form = {
        "csrf_token": csrf_token(body),
        "version": re.search(r'name="version" value="(\d+)"', body).group(1),
        "step": "2",
    }
    assert console.post(f"/console/dossiers/{code}/steps/sign", data={**form, "csrf_token": "x"}).status_code in (
        400,
        403,
    )  # no CSRF token, no signature
    assert results(runtime, code)[1] == []
    signed = console.post(f"/console/dossiers/{code}/steps/sign", data=form)
    assert signed.status_code == 303, signed.get_data(as_text=True)
    page = console.get(f"/console/dossiers/{code}").get_data(as_text=True)
    assert f"Ký bởi {ca.officer.name}" in page or ca.officer.name in page
    assert "Đã ký" in page and "/steps/sign" not in page  # signed once: no button any more
    assert [s.kind for s in results(runtime, code)[1]] == ["personal"]


def test_the_sign_button_is_not_shown_to_who_may_not_sign(runtime, seeded, host_client, at_leader_step):
    from portal_support import fresh_address, submit

    code, _clerk, _leader, _citizen, _original = at_leader_step
    console = host_client(seeded["alpha"].host, language="vi")
    login = {"email": f"{CLERK}@alpha.test", "password": TEST_PASSWORD}
    assert submit(console, "/console/login", login, environ_base={"REMOTE_ADDR": fresh_address()}).status_code == 303
    body = console.get(f"/console/dossiers/{code}").get_data(as_text=True)
    assert "/steps/sign" not in body and "Cần chữ ký số cá nhân" in body
