"""Signing the dossier's result at a step that needs it (issue 18 item 2; ADR 0062; docs/signatures.md).

A workflow step may declare ``signature = "personal"`` (the officer, e.g. the leader, signs the result with
their own certificate) or ``"seal"`` (the records office puts the agency's seal on it); the step completes
only once that signature is on the result (``services.complete``).

``sign_step`` is what the console's "Ký số" button and ``POST …/steps/<index>/signature`` call:

1. who may sign is who may complete the step: the step's role (or tenant_admin) on its unit or above
   (``may_act``) *and* having claimed it; anything else is refused before anything is read;
2. the certificate must be in the province's register (``signing_certificates``): for a personal signature
   an active certificate of the signer's staff account, for the seal the active seal; the key is the one
   ``signing.toml`` holds (``[officers."<e-mail>"]`` or ``[seal]``), and the certificate the signature was
   actually made with must be that registered one;
3. the dossier's current result PDF is signed in memory (a PAdES incremental update: a later seal keeps
   the leader's signature valid; the stamp carries a QR code of the result's public verification link,
   ``/verify/<token>`` on the portal), then stored as the document's new version (``documents.add_revision``:
   the object under a new key first, then the rows), with the signature's record, the history entry and
   the audit event (actor, dossier, document, kind, certificate fingerprint), in the caller's transaction.

Any failure before the commit (a wrong passphrase, an unregistered certificate, a database error) leaves the
previous document current and no row written; the caller commits with ``documents.commit_or_discard``,
which deletes the new object should the commit fail.

No Flask here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffAccount
from motcua_platform.config import Config
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden
from motcua_platform.i18n import _
from motcua_platform.signatures import registry
from motcua_platform.signatures.models import SigningCertificate
from motcua_platform.signatures.settings import officer_signer, seal_signer, usable_trust_list
from motcua_platform.signatures.signer import last_signer
from motcua_platform.signatures.stamp import StampPlacement, StampText
from motcua_platform.signatures.verify import verify
from motcua_platform.storage.services import TenantObjects
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.dossiers import history, versions
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.dossiers.workflow.models import DossierSignature, DossierStep
from motcua_onestop.units.models import Unit

PERSONAL, SEAL = "personal", "seal"
REASONS = {PERSONAL: "Ký duyệt kết quả giải quyết thủ tục hành chính", SEAL: "Đóng dấu cơ quan"}
FIELD_NAMES = {PERSONAL: "KySoCaNhan", SEAL: "DauCoQuan"}  # + the step's number: one field per signature
# the signing block of the last page, lower right: the leader's stamp above the seal's, so the two never overlap;
# wide enough for the QR code of the verification link beside the four lines of text
PLACEMENTS = {PERSONAL: StampPlacement(box=(305, 112, 575, 182)), SEAL: StampPlacement(box=(305, 36, 575, 106))}


@dataclass(frozen=True)
class Signed:
    step: DossierStep
    signature: DossierSignature
    document: DossierDocument
    previous: DossierDocument


def signatures_of(session: Session, dossier: Dossier) -> list[DossierSignature]:
    """The signatures put on the dossier's result, in signing order."""
    query = select(DossierSignature).where(DossierSignature.dossier_id == dossier.id).order_by(DossierSignature.id)
    return list(session.scalars(query))


def is_signed_document(session: Session, document_id: int) -> bool:
    """Whether this document is a signed revision made by a signature step."""
    query = select(DossierSignature.id).where(DossierSignature.document_id == document_id).limit(1)
    return session.scalar(query) is not None


def sign_step(
    session: Session,
    objects: TenantObjects,
    actor: Actor,
    roles,
    staff_id: int,
    dossier: Dossier,
    expected_version: int,
    index: int,
    *,
    config: Config,
    tenant_slug: str,
    public_url: str,
    now: dt.datetime | None = None,
) -> Signed:
    """Put the signature step ``index`` needs on the dossier's result (module doc). ``dossier`` is loaded
    with ``lock=True``; the caller commits with ``documents.commit_or_discard``."""
    now = now or utcnow()
    step = workflow._open_step(session, dossier)
    if step.index != index:
        raise Conflict(
            _("Step %(number)s is not the current step.", number=index + 1), {"step": [_("Not the current step.")]}
        )
    if step.signature is None:
        raise Conflict(
            _("Step '%(name)s' needs no signature.", name=step.name), {"signature": [_("Nothing to sign here.")]}
        )
    if not workflow.may_act(session, roles, step):
        raise Forbidden(
            _("Only an officer (%(role)s) of the step's unit may sign at '%(name)s'.", role=step.role, name=step.name)
        )
    if step.claimed_by != staff_id:
        raise Forbidden(_("Claim step '%(name)s' first: only the officer who claimed it may sign.", name=step.name))
    if workflow.is_signed(session, step):
        raise Conflict(
            _("The result is already signed at step '%(name)s'.", name=step.name), {"signature": [_("Signed.")]}
        )
    versions.expect(dossier, expected_version)
    previous = documents.current_result_pdf(session, dossier)
    if previous is None:
        raise Conflict(
            _("Dossier %(code)s has no result PDF to sign: attach the result document first.", code=dossier.code),
            {"document": [_("Attach the result as a PDF.")]},
        )
    staff = session.get(StaffAccount, staff_id)
    registered = _registered_certificates(session, step.signature, staff_id)
    unit = session.get(Unit, step.unit_id)
    agency = unit.name if unit is not None else ""
    # the key is read from its file or token now, for this signature only
    placement = PLACEMENTS[step.signature]
    if step.signature == PERSONAL:
        signer = officer_signer(config, tenant_slug, staff.email, placement=placement)
    else:
        signer = seal_signer(config, tenant_slug, placement=placement)
    # the stamp's QR code: the public verification of the copy stored now (the revision takes the token over;
    # a result stored before results had one gets it now, so every stamp carries the same link)
    token = documents.ensure_verify_token(previous)
    verify_url = documents.verification_url(public_url, token) if token else None
    stamp = StampText(signer=registered[0].subject, agency=agency, signed_at=now, verify_url=verify_url)

    with documents.open_content(objects, previous) as stream:
        original = stream.read()
    signed = signer.sign(
        original,
        stamp=stamp,
        field_name=f"{FIELD_NAMES[step.signature]}{step.index + 1}",
        reason=REASONS[step.signature],
        location=agency or None,
    )
    certificate = last_signer(signed)
    used = next((row for row in registered if row.fingerprint == certificate.fingerprint), None)
    if used is None:  # the key in signing.toml is not the registered certificate's: nothing is stored
        raise Conflict(
            _(
                "The key set up for this signature (signing.toml) belongs to the certificate %(fingerprint)s, "
                "which is not registered for it: register that certificate or fix the key.",
                fingerprint=certificate.fingerprint,
            ),
            {"certificate": [_("Not the registered certificate.")]},
        )

    label = workflow.signature_label(step.signature)
    document = documents.add_revision(
        session,
        objects,
        actor,
        dossier,
        previous,
        signed,
        tenant_slug=tenant_slug,
        why=f"{step.index + 1}. {step.name}: {label}",
        # what an officer and the public verification page show for the signed file, checked offline now;
        # "checking" until the caller's job has fetched the revocation data, when the deployment fetches it
        signature_check=signature_checks.check_of(
            verify(signed, usable_trust_list(config), allow_fetching=False), will_fetch=config.signing_fetch_revocation
        ),
        now=now,
    )
    signature = DossierSignature(
        dossier_id=dossier.id,
        step_id=step.id,
        kind=step.signature,
        staff_id=staff_id,
        document_id=document.id,
        signed_from_id=previous.id,
        fingerprint=used.fingerprint,
        signer_name=used.subject,
        signed_at=now,
    )
    session.add(signature)
    versions.bump(dossier, now)
    try:
        session.flush()
    except BaseException:
        documents.discard(objects, document.storage_key)
        raise
    history.note(session, actor, dossier, "step_sign", f"{step.index + 1}. {step.name}: {used.subject}", now)
    record(
        session,
        actor,
        "dossier.result_signed",
        target=f"dossier:{dossier.code}",
        step=step.index,
        kind=step.signature,
        document_id=document.id,
        signed_from=previous.id,
        sha256=document.sha256,
        fingerprint=used.fingerprint,
        certificate_id=used.id,
    )
    session.flush()
    return Signed(step, signature, document, previous)


def _registered_certificates(session: Session, kind: str, staff_id: int) -> list[SigningCertificate]:
    """The certificates the signature may be made with: the signer's own active ones, or the active seal;
    refused, saying what to register, when there is none."""
    if kind == SEAL:
        seal = registry.active_seal(session)
        if seal is None:
            raise Conflict(
                _(
                    "The agency's seal certificate is not registered: the province's administrator registers it "
                    "(signing certificates) before the seal can be applied."
                ),
                {"certificate": [_("Register the seal's certificate.")]},
            )
        return [seal]
    rows = list(
        session.scalars(
            select(SigningCertificate)
            .where(
                SigningCertificate.purpose == "officer",
                SigningCertificate.staff_id == staff_id,
                SigningCertificate.retired_at.is_(None),
            )
            .order_by(SigningCertificate.id.desc())
        )
    )
    if not rows:
        raise Conflict(
            _(
                "You have no registered signing certificate: register your certificate (its public part, PEM) "
                "for your staff account in the province's signing certificates first."
            ),
            {"certificate": [_("Register your signing certificate.")]},
        )
    return rows
