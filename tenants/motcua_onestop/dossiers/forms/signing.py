"""Forms sealed and issued (issue 18 item 1; docs/signatures.md, "Signed forms"): an officer of the dossier's
receiving unit issues form 01–06 as a PDF sealed with the province's agency seal, which is stored and is what
the applicant downloads from then on; and form 07, a unit's register, sealed on the fly.

``issue_form``:

1. who issues is an officer (or tenant admin) of the dossier's receiving unit or a unit above it: the unit
   that prints the forms (the other units working on a step see the dossier, and are refused, 403);
2. the form must apply to the dossier's state (``services.check_applies``, 409), the agency's seal must be
   registered (``registry.active_seal``) and set up (``[seal]`` of the province's ``signing.toml``), 409
   otherwise, saying what to do;
3. the issue's public verification token is drawn first, so the form is rendered now with its
   ``/verify/<token>`` address in the QR code, then sealed in memory (PAdES, a visible stamp naming the seal's
   holder, the unit and the time), and the certificate the signature was made with must be the registered
   seal's (a key in ``signing.toml`` that is not is refused, nothing stored);
4. the signed PDF is stored as the workflow's signed results are: the object under a new key first, then the
   ``issued_forms`` row, the stored bytes and usage, and the audit event ``dossier.form_signed``, in the
   caller's transaction; the caller commits with ``commit_or_discard``, which deletes the object should the
   commit fail. Any failure before leaves nothing written.

No Flask here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import secrets
from collections.abc import Iterable
from pathlib import Path

from motcua_platform.audit.services import Actor, record
from motcua_platform.config import Config
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, NotFound
from motcua_platform.i18n import _
from motcua_platform.signatures import registry
from motcua_platform.signatures.models import SigningCertificate
from motcua_platform.signatures.settings import SigningNotConfigured, seal_signer, usable_trust_list
from motcua_platform.signatures.signer import PadesSigner, last_signer
from motcua_platform.signatures.stamp import StampText
from motcua_platform.signatures.verify import verify
from motcua_platform.storage.services import TenantObjects, new_key
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.forms import services as forms
from motcua_onestop.dossiers.forms.models import IssuedForm
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.units.models import Unit

REASON = "Đóng dấu cơ quan"
FIELD_NAME = "DauCoQuanMau"  # + the form's number: one signature field per form

log = logging.getLogger(__name__)


def issues_of(session: Session, dossier: Dossier) -> dict[str, IssuedForm]:
    """The newest signed issue of each of the dossier's forms that has one, by number."""
    rows = session.scalars(
        select(IssuedForm).where(IssuedForm.dossier_id == dossier.id).order_by(IssuedForm.number, IssuedForm.id)
    )
    return {row.number: row for row in rows}


def latest_issue(session: Session, dossier: Dossier, number: str) -> IssuedForm | None:
    """The newest signed issue of form ``number`` of the dossier, or None."""
    return session.scalar(
        select(IssuedForm)
        .where(IssuedForm.dossier_id == dossier.id, IssuedForm.number == number)
        .order_by(IssuedForm.id.desc())
        .limit(1)
    )


def read_issue(objects: TenantObjects, issue: IssuedForm) -> bytes:
    try:
        with objects.open(issue.storage_key) as stream:
            return stream.read()
    except FileNotFoundError:
        raise NotFound(_("The signed copy of form %(number)s is not available.", number=issue.number)) from None


def current_issue(session: Session, dossier: Dossier, number: str) -> IssuedForm | None:
    """The newest signed issue of form ``number`` while it is still true (``still_true``); else None."""
    issue = latest_issue(session, dossier, number)
    return issue if issue is not None and still_true(session, dossier, issue) else None


def still_true(session: Session, dossier: Dossier, issue: IssuedForm) -> bool:
    """Whether ``issue`` (the newest of its form) still says what is so: the form still applies and the issue
    is not older than what the form answers (a later supplement request or extension, or for the receipt an
    appointment moved since, is printed now, unsealed, until it is issued sealed again)."""
    if issue.number not in forms.forms_that_apply(session, dossier, (issue.number,)):
        return False
    answered = forms.answered_at(session, dossier, issue.number)
    return answered is None or answered <= issue.issued_at


def applicant_copy(
    session: Session,
    objects: TenantObjects,
    dossier: Dossier,
    number: str,
    tenant: TenantContext,
    *,
    font: Path | None = None,
) -> bytes:
    """What the dossier's owner downloads as form ``number``: its current signed issue (``current_issue``),
    else the form rendered now (also when the issue's file is missing, which is logged)."""
    issue = current_issue(session, dossier, number)
    if issue is not None:
        try:
            return read_issue(objects, issue)
        except NotFound:
            log.error("issued form %s: object %s is missing from storage", issue.id, issue.storage_key)
    return forms.render_form(session, dossier, number, tenant, font=font)


def issued_form(session: Session, token: str) -> IssuedForm:
    """The issued form whose public verification link is ``/verify/<token>``, or 404."""
    issue = None
    if 20 <= len(token) <= 43 and token.isascii():
        issue = session.scalar(select(IssuedForm).where(IssuedForm.verify_token == token))
    if issue is None:
        raise NotFound(_("No document issued by this province has this verification code."))
    return issue


def issued_with_hash(session: Session, sha256: str) -> IssuedForm | None:
    """The first issued form with exactly these bytes, or None."""
    return session.scalar(select(IssuedForm).where(IssuedForm.sha256 == sha256).order_by(IssuedForm.id).limit(1))


def form_name(number: str) -> str:
    """What the public page calls an issued form: "Mẫu số 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả"."""
    return f"Mẫu số {number}: {forms.FORMS[number].capitalize()}"


def check_issuer(session: Session, dossier: Dossier, officer_unit_ids: Iterable[int]) -> None:
    """Forbidden unless the caller is an officer of the dossier's receiving unit or a unit above it."""
    if dossier.receiving_unit_id not in dossiers.officer_units(session, officer_unit_ids):
        raise Forbidden(
            _(
                "Only an officer of the unit that received dossier %(code)s may issue its signed forms.",
                code=dossier.code,
            )
        )


def _seal(session: Session, config: Config, tenant_slug: str) -> tuple[SigningCertificate, PadesSigner]:
    """The registered seal and the signer of its key, or a Conflict saying what to set up."""
    seal = registry.active_seal(session)
    if seal is None:
        raise Conflict(
            _(
                "The agency's seal certificate is not registered: the province's administrator registers it "
                "(signing certificates) before forms can be sealed."
            ),
            {"certificate": [_("Register the seal's certificate.")]},
        )
    try:
        signer = seal_signer(config, tenant_slug)
    except SigningNotConfigured as exc:
        raise Conflict(
            _(
                "The agency's seal is not set up for signing (%(cause)s): the platform's operator puts the seal's "
                "key in the province's signing.toml.",
                cause=exc.message,
            ),
            {"certificate": [_("Set up the seal's key.")]},
        ) from None
    return seal, signer


def _seal_pdf(pdf: bytes, signer: PadesSigner, seal: SigningCertificate, agency: str, field: str, now) -> bytes:
    """``pdf`` sealed, after checking the signature was made with the registered seal's certificate."""
    signed = signer.sign(
        pdf,
        stamp=StampText(signer=seal.subject, agency=agency, signed_at=now),
        field_name=field,
        reason=REASON,
        location=agency or None,
    )
    used = last_signer(signed)
    if used.fingerprint != seal.fingerprint:  # the key in signing.toml is not the registered seal's
        raise Conflict(
            _(
                "The key set up for this signature (signing.toml) belongs to the certificate %(fingerprint)s, "
                "which is not registered for it: register that certificate or fix the key.",
                fingerprint=used.fingerprint,
            ),
            {"certificate": [_("Not the registered certificate.")]},
        )
    return signed


def issue_form(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    staff_id: int,
    officer_unit_ids: Iterable[int],
    dossier: Dossier,
    number: str,
    tenant: TenantContext,
    *,
    config: Config,
    font: Path | None = None,
    now: dt.datetime | None = None,
) -> IssuedForm:
    """Render form ``number`` of ``dossier`` now, seal it and store it (module doc). The caller commits with
    ``commit_or_discard``."""
    now = now or utcnow()
    check_issuer(session, dossier, officer_unit_ids)
    forms.check_form(session, dossier, number, now)  # before the key is read: an unknown form, one that does not fit
    seal, signer = _seal(session, config, tenant.slug)
    token = secrets.token_urlsafe(32)
    pdf = forms.render_form(session, dossier, number, tenant, font=font, now=now, verify_token=token)
    unit = session.get(Unit, dossier.receiving_unit_id)
    agency = unit.name if unit is not None else ""
    signed = _seal_pdf(pdf, signer, seal, agency, f"{FIELD_NAME}{number}", now)
    # what an officer and the public verification page show for the issued copy, checked offline now;
    # "checking" until the caller's job has fetched the revocation data, when the deployment fetches it
    reports = verify(signed, usable_trust_list(config), allow_fetching=False)
    check = signature_checks.check_of(reports, will_fetch=config.signing_fetch_revocation)

    sha256 = hashlib.sha256(signed).hexdigest()
    key = new_key("forms")
    objects.put(key, io.BytesIO(signed), content_type="application/pdf")
    try:
        issue = IssuedForm(
            dossier_id=dossier.id,
            number=number,
            storage_key=key,
            sha256=sha256,
            size_bytes=len(signed),
            verify_token=token,
            signature_check=check,
            fingerprint=seal.fingerprint,
            signer_name=seal.subject,
            issued_by=str(actor),
            issued_by_id=staff_id,
            issued_at=now,
        )
        session.add(issue)
        session.flush()
        documents.count_stored(session, tenant.slug, f"issued_form:{issue.id}:stored", len(signed), now)
        record(
            session,
            actor,
            "dossier.form_signed",
            target=f"dossier:{dossier.code}",
            number=number,
            issued_form_id=issue.id,
            sha256=sha256,
            size=len(signed),
            fingerprint=seal.fingerprint,
            certificate_id=seal.id,
        )
        session.flush()
    except BaseException:
        documents.discard(objects, key)
        raise
    return issue


def recheck_issue(
    session: Session, objects: TenantObjects, issue_id: int, verifier: signature_checks.Verifier
) -> dict | None:
    """Verify an issued form again with revocation fetching (the job after its issue) and replace its check;
    read and verified with no lock held, then written. None when the issue is gone."""
    issue = session.get(IssuedForm, issue_id)
    if issue is None:
        return None
    with objects.open(issue.storage_key) as stream:
        pdf = stream.read()
    session.commit()  # no snapshot held while the CAs answer
    check = signature_checks.check_of(verifier(pdf, allow_fetching=True), will_fetch=False)
    session.execute(update(IssuedForm).where(IssuedForm.id == issue_id).values(signature_check=check))
    session.flush()
    return check


def commit_or_discard(session: Session, objects: TenantObjects, issue: IssuedForm) -> None:
    """Commit the caller's transaction; if the commit fails, the signed copy's object goes too."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        documents.discard(objects, issue.storage_key)
        raise


def sign_register(
    session: Session,
    actor: Actor,
    unit_id: int,
    since: dt.date,
    until: dt.date,
    tenant: TenantContext,
    *,
    config: Config,
    font: Path | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Form 07, the register of ``unit_id`` between two days, sealed now and not stored (a register is a
    snapshot of a period, printed again whenever needed); audited ``register.form_signed`` with its SHA-256.
    The caller has checked the unit is the officer's (``api.register``)."""
    now = now or utcnow()
    forms.check_period(since, until)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No unit %(unit_id)s.", unit_id=unit_id))
    seal, signer = _seal(session, config, tenant.slug)
    pdf = forms.render_register(session, unit_id, since, until, tenant, font=font, now=now)
    signed = _seal_pdf(pdf, signer, seal, unit.name, f"{FIELD_NAME}07", now)
    record(
        session,
        actor,
        "register.form_signed",
        target=f"unit:{unit_id}",
        since=since.isoformat(),
        until=until.isoformat(),
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        fingerprint=seal.fingerprint,
        certificate_id=seal.id,
    )
    session.flush()
    return signed
