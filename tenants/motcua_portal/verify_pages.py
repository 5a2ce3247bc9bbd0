"""The public verification page, "Kiểm tra chữ ký số" (issue 18 item 3, ADR 0063): anyone uploads a PDF and
reads who signed it, for which agency, when, whether it was changed since, and whether the signer's chain is
trusted, revoked or expired; or follows ``/verify/<token>``, the link of the QR code on a result or a sealed
form (01–06, ``forms.signing``) the province issued, to the verification of the copy the platform stored.

What a stranger sees: for an upload, only what the file they hold says about its own signatures (nothing is
stored, nothing is looked up but the file's hash); for a token, the province, the document's name, the
dossier code and the day it was issued (all printed on the document and in its QR code already), and the
signatures' report — never the applicant's name or identifier, and never the file's content.
"""

from __future__ import annotations

import hashlib

from flask import render_template, request
from flask_babel import gettext as _
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.documents.api import MULTIPART_ALLOWANCE
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument
from motcua_onestop.dossiers.documents.web_checks import deployment_trust
from motcua_onestop.dossiers.forms import signing as form_signing
from motcua_onestop.dossiers.forms.models import IssuedForm
from motcua_onestop.dossiers.models import Dossier
from motcua_platform.errors import InvalidInput, NotFound
from motcua_platform.signatures.verify import verify
from motcua_platform.web.context import runtime, tenant_session
from motcua_platform.web.ratelimit import limit_per_client
from sqlalchemy import select

from motcua_portal.blueprint import portal

CHECKS_PER_MINUTE = 10  # per client address: a person checks a file or two; each check costs the server CPU
LOOKUPS_PER_MINUTE = 30  # a QR code scanned: cheap (a stored report), but tokens must not be tried in bulk
VERIFY_ENDPOINT = "site.verify_upload"


@portal.before_app_request  # app-wide hooks run before the blueprint's CSRF check reads the form
def allow_verification_uploads():
    """The file may be larger than MOTCUA_MAX_BODY_BYTES, up to the upload limit and its envelope."""
    if request.endpoint == VERIFY_ENDPOINT:
        request.max_content_length = runtime().config.upload_max_bytes + MULTIPART_ALLOWANCE


def _page(status: int = 200, **context):
    return render_template("portal/verify.html", limit_mb=runtime().config.upload_max_bytes // (1024 * 1024),
                           **{"check": None, "errors": {}, "issued": None, **context}), status  # fmt: skip


@portal.get("/verify")
def verify_form():
    return _page()


@portal.post("/verify")
def verify_upload():
    limit_per_client("verify", CHECKS_PER_MINUTE)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _page(422, errors={"file": [_("Choose the PDF file to check.")]})
    try:
        spooled = documents.spool(upload_file.stream, runtime().config.upload_max_bytes)
    except documents.PayloadTooLarge:
        limit = runtime().config.upload_max_bytes // (1024 * 1024)
        return _page(413, errors={"file": [_("The file is larger than %(n)s MB. Choose a smaller file.", n=limit)]})
    except InvalidInput:
        return _page(422, errors={"file": [_("The file is empty or is not a PDF file.")]})
    try:
        if spooled.content_type != "application/pdf":
            return _page(422, errors={"file": [_("Only a PDF file can carry a digital signature. Choose a PDF.")]})
        pdf = spooled.file.read()
    finally:
        spooled.close()
    config = runtime().config
    # nothing is stored: the revocation is fetched now when the deployment does (each CA server's answer is
    # bounded by the fetchers' timeout), and the rate limit bounds how often a client makes the server try
    reports = verify(pdf, deployment_trust(), allow_fetching=config.signing_fetch_revocation)
    check = signature_checks.display(signature_checks.check_of(reports, will_fetch=False))
    issued = _issued_with_hash(hashlib.sha256(pdf).hexdigest())
    return _page(check=check, issued=issued, filename=documents.display_name(upload_file.filename, "application/pdf"))


@portal.get("/verify/<token>")
def verify_issued(token: str):
    limit_per_client("verify_token", LOOKUPS_PER_MINUTE)
    db = tenant_session()
    try:
        document = documents.issued_document(db, token)
    except NotFound:
        try:  # a sealed form's QR link
            form = form_signing.issued_form(db, token)
        except NotFound:
            return _page(404, not_found=True)
        return _page(check=signature_checks.display(form.signature_check), issued=_issued_form(form), by_token=True)
    return _page(check=signature_checks.display(document.signature_check), issued=_issued(document), by_token=True)


def _issued_with_hash(sha256: str) -> dict | None:
    """The stored result with exactly these bytes, if the province issued it (the holder of the file knows
    its hash, so saying so reveals nothing they do not hold)."""
    document = tenant_session().scalar(
        select(DossierDocument)
        .where(DossierDocument.sha256 == sha256, DossierDocument.kind == DocumentKind.RESULT)
        .order_by(DossierDocument.id)
        .limit(1)
    )
    if document is not None:
        return _issued(document)
    form = form_signing.issued_with_hash(tenant_session(), sha256)
    return _issued_form(form) if form is not None else None


def _issued(document: DossierDocument) -> dict:
    """What the page says about an issued document: only what the document and its QR code print."""
    dossier = tenant_session().get(Dossier, document.dossier_id)
    return {
        "name": documents.result_name(tenant_session(), dossier),
        "dossier_code": dossier.code,
        "issued_at": document.uploaded_at,
        "sha256": document.sha256,
    }


def _issued_form(form: IssuedForm) -> dict:
    """What the page says about a sealed form: its number and title, the dossier code, the day — what the form
    and its QR code print; never the applicant's name."""
    dossier = tenant_session().get(Dossier, form.dossier_id)
    return {
        "name": form_signing.form_name(form.number),
        "dossier_code": dossier.code,
        "issued_at": form.issued_at,
        "sha256": form.sha256,
    }
