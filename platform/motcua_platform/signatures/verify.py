"""Verifying the signatures in a PDF: a report per signature, with the reasons a person can read.

For each signature: is it intact (the bytes it covers are unchanged), cryptographically valid, does the
signer's chain reach the trust list, was the certificate revoked (the CRLs/OCSP answers embedded in the
document, then the CA's servers when ``allow_fetching``), was it expired (or not yet valid) when signed,
and does it cover the whole file or an earlier revision, with what changed since.

A PDF is untrusted input: ``verify`` never raises on a file it cannot read; a broken or hostile file is a
report saying so (an upload must never become a 500).

No Flask here.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import logging
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel, SignatureStatus
from pyhanko_certvalidator import ValidationContext

from motcua_platform.i18n import _
from motcua_platform.signatures.trust import TrustList

log = logging.getLogger(__name__)

# A document carries a few signatures (the officer's, the seal, a timestamp or two); a file with hundreds
# would have the server check each chain and fetch each CRL. Beyond this many, the rest are not checked and
# one report says so.
MAX_SIGNATURES = 20

# A signing certificate for documents carries one of these (Vietnamese CAs set both): a certificate only
# for TLS or e-mail encryption is not accepted as a signer.
SIGNING_KEY_USAGE = KeyUsageConstraints(key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False)


class Problem(enum.Enum):
    """Why a signature is not good. The values are stable codes (an API or a stored report may carry them)."""

    UNREADABLE = "unreadable"
    BROKEN = "broken"
    INVALID = "invalid"
    UNTRUSTED = "untrusted"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    NOT_FOR_SIGNING = "not_for_signing"
    MODIFIED = "modified"
    TIMESTAMP_INVALID = "timestamp_invalid"


class Note(enum.Enum):
    """What a reader should know about a good signature."""

    LATER_SIGNATURES = "later_signatures"  # later revisions only add signatures, timestamps or validation data
    REVOCATION_NOT_CHECKED = "revocation_not_checked"
    EXPIRED_SINCE = "expired_since"  # valid when signed, expired now, and no timestamp proves the signing time
    NO_TIMESTAMP = "no_timestamp"


PROBLEM_TEXT = {
    Problem.UNREADABLE: _("The signature or the file cannot be read: it is damaged or not a valid PDF signature."),
    Problem.BROKEN: _("The document was changed after it was signed: the signed content no longer matches."),
    Problem.INVALID: _("The signature is not mathematically valid for this certificate."),
    Problem.UNTRUSTED: _("The signer's certificate does not come from a trusted certification authority."),
    Problem.REVOKED: _("The signer's certificate has been revoked by its certification authority."),
    Problem.EXPIRED: _("The signer's certificate had expired when the document was signed."),
    Problem.NOT_YET_VALID: _("The signer's certificate was not yet valid when the document was signed."),
    Problem.NOT_FOR_SIGNING: _("The signer's certificate is not meant for signing documents."),
    Problem.MODIFIED: _("The document was modified after it was signed (content added or changed later)."),
    Problem.TIMESTAMP_INVALID: _("The timestamp on the signature is not valid or not trusted."),
}
NOTE_TEXT = {
    Note.LATER_SIGNATURES: _("Later signatures were added after this one; the signed content is unchanged."),
    Note.REVOCATION_NOT_CHECKED: _("Whether the certificate was revoked could not be checked."),
    Note.EXPIRED_SINCE: _(
        "The certificate has expired since the signing; without a timestamp the signing time rests on the "
        "signer's own clock."
    ),
    Note.NO_TIMESTAMP: _("The signing time is the signer's own clock (no timestamp authority)."),
}

TRUST_PROBLEMS = {
    AdESFailure.REVOKED: Problem.REVOKED,
    AdESIndeterminate.REVOKED_NO_POE: Problem.REVOKED,
    AdESIndeterminate.REVOKED_CA_NO_POE: Problem.REVOKED,
    AdESIndeterminate.EXPIRED: Problem.EXPIRED,
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE: Problem.EXPIRED,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED: Problem.EXPIRED,
    AdESFailure.NOT_YET_VALID: Problem.NOT_YET_VALID,
    AdESIndeterminate.NOT_YET_VALID: Problem.NOT_YET_VALID,
    AdESIndeterminate.SIG_CONSTRAINTS_FAILURE: Problem.NOT_FOR_SIGNING,
}


@dataclass(frozen=True)
class SignerCertificate:
    """Who the certificate names: ``name`` (CN), ``organization`` (O), the issuer's name, and the
    certificate's SHA-256 fingerprint (hex), by which a registry recognises a known certificate."""

    name: str | None
    organization: str | None
    issuer: str | None
    fingerprint: str
    serial: int
    valid_from: dt.datetime
    valid_until: dt.datetime

    @classmethod
    def of(cls, cert: x509.Certificate) -> SignerCertificate:
        subject, issuer = cert.subject.native, cert.issuer.native
        validity = cert["tbs_certificate"]["validity"]
        return cls(
            name=subject.get("common_name"),
            organization=_first(subject.get("organization_name")),
            issuer=issuer.get("common_name") or _first(issuer.get("organization_name")),
            fingerprint=cert.sha256.hex(),
            serial=cert.serial_number,
            valid_from=validity["not_before"].native,
            valid_until=validity["not_after"].native,
        )


@dataclass(frozen=True)
class SignatureReport:
    """One signature's verdict. ``good`` is the bottom line (no problem); ``problems`` and ``notes`` say
    why, as codes, and ``reasons`` as sentences in the current language."""

    field_name: str | None
    signer: SignerCertificate | None = None
    signed_at: dt.datetime | None = None
    timestamped: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    revoked: bool = False
    revocation_checked: bool = False
    covers_whole_document: bool = False
    modification: str | None = None  # none, signatures (or timestamps, validation data), form_filling, other
    problems: tuple[Problem, ...] = ()
    notes: tuple[Note, ...] = ()
    detail: str | None = field(default=None, compare=False)  # a technical cause, for the log, not the page

    @property
    def good(self) -> bool:
        return not self.problems

    @property
    def reasons(self) -> list[Any]:
        return [PROBLEM_TEXT[p] for p in self.problems] + [NOTE_TEXT[n] for n in self.notes]


def verify(pdf: bytes, trust: TrustList, *, allow_fetching: bool = False) -> list[SignatureReport]:
    """Every signature of ``pdf``, in the order they were made; an empty list when it has none. A file that
    cannot be read at all is one report with ``Problem.UNREADABLE``, and so are the signatures beyond
    ``MAX_SIGNATURES`` (one report for all of them).

    Call it from synchronous code (a request, a job): pyHanko runs its own event loop for each signature."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_regular_signatures)
    except Exception as exc:
        log.info("signatures: unreadable PDF (%s: %s)", type(exc).__name__, str(exc)[:200])
        return [SignatureReport(field_name=None, problems=(Problem.UNREADABLE,), detail=_detail(exc))]
    reports = []
    if len(signatures) > MAX_SIGNATURES:
        log.info("signatures: %d signatures, the first %d checked", len(signatures), MAX_SIGNATURES)
        signatures = signatures[:MAX_SIGNATURES]
        reports_beyond = [
            SignatureReport(
                field_name=None, problems=(Problem.UNREADABLE,), detail=f"more than {MAX_SIGNATURES} signatures"
            )
        ]
    else:
        reports_beyond = []
    for embedded in signatures:
        try:
            reports.append(_report(reader, embedded, trust, allow_fetching))
        except Exception as exc:  # one broken signature does not hide the others
            log.info("signatures: unreadable signature (%s: %s)", type(exc).__name__, str(exc)[:200])
            reports.append(
                SignatureReport(field_name=_field_name(embedded), problems=(Problem.UNREADABLE,), detail=_detail(exc))
            )
    return reports + reports_beyond


def _report(reader: PdfFileReader, embedded, trust: TrustList, allow_fetching: bool) -> SignatureReport:
    status, revocation_checked = _validated(reader, embedded, trust, allow_fetching)
    cert = status.signing_cert
    timestamp = status.timestamp_validity
    timestamp_good = timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted
    signed_at = timestamp.timestamp if timestamp_good else status.signer_reported_dt
    signer = SignerCertificate.of(cert)

    problems: list[Problem] = []
    notes: list[Note] = []
    if not status.intact:
        problems.append(Problem.BROKEN)
    elif not status.valid:
        problems.append(Problem.INVALID)
    when_signed = _validity_at(signer, signed_at)
    if when_signed is not None:
        problems.append(when_signed)
    trusted = bool(status.trusted)
    if status.revoked:
        problems.append(Problem.REVOKED)
    elif not trusted and status.intact and status.valid:
        trust_problem = TRUST_PROBLEMS.get(status.trust_problem_indic, Problem.UNTRUSTED)
        if trust_problem is Problem.EXPIRED and when_signed is None and signed_at is not None:
            # valid when signed (by the signer's clock), expired now: the chain is judged at that time
            trust_problem = _trust_problem_at(reader, embedded, trust, allow_fetching, signed_at)
            trusted = trust_problem is None
            if trusted:
                notes.append(Note.EXPIRED_SINCE)
        if trust_problem is not None and trust_problem not in problems:
            problems.append(trust_problem)
    if timestamp is not None and not timestamp_good:
        problems.append(Problem.TIMESTAMP_INVALID)
    if timestamp is None:
        notes.append(Note.NO_TIMESTAMP)

    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    modification = _modification(status.modification_level)
    if not whole:
        if modification in {"none", "signatures", "form_filling"} and status.docmdp_ok is not False:
            notes.append(Note.LATER_SIGNATURES)
        else:
            problems.append(Problem.MODIFIED)
    revocation_checked = status.revoked or (trusted and revocation_checked)
    if trusted and not revocation_checked:
        notes.append(Note.REVOCATION_NOT_CHECKED)
    return SignatureReport(
        field_name=embedded.field_name,
        signer=signer,
        signed_at=signed_at,
        timestamped=timestamp_good,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=trusted,
        revoked=status.revoked,
        revocation_checked=revocation_checked,
        covers_whole_document=whole,
        modification=modification,
        problems=tuple(dict.fromkeys(problems)),
        notes=tuple(dict.fromkeys(notes)),
        detail=_status_detail(status),
    )


def _validated(reader, embedded, trust: TrustList, allow_fetching: bool, moment: dt.datetime | None = None):
    """pyHanko's status of the signature and whether revocation was checked. First strictly: every
    certificate that names a CRL or OCSP responder must be shown not revoked, from the data the document
    embeds (its DSS, B-LT) or, when ``allow_fetching``, from the CA's servers. When that cannot be done
    (offline, a CA's server down), once more leniently, so the rest of the verdict still stands, and the
    report says revocation was not checked."""
    skip_diff = moment is not None  # a second look at the chain only; the changes were judged already
    try:
        strict = _validation_context(reader, trust, allow_fetching, "hard-fail", moment)
    except ValueError:  # nothing embedded and no fetching: nothing to check revocation with
        strict = None
    if strict is not None:
        status = validate_pdf_signature(embedded, strict, key_usage_settings=SIGNING_KEY_USAGE, skip_diff=skip_diff)
        if status.trusted or status.revoked or not (status.intact and status.valid):
            return status, True
    lenient = _validation_context(reader, trust, allow_fetching, "soft-fail", moment)
    status = validate_pdf_signature(embedded, lenient, key_usage_settings=SIGNING_KEY_USAGE, skip_diff=skip_diff)
    return status, False


def _trust_problem_at(reader, embedded, trust: TrustList, allow_fetching: bool, moment: dt.datetime) -> Problem | None:
    status, _checked = _validated(reader, embedded, trust, allow_fetching, moment)
    if status.revoked:
        return Problem.REVOKED
    if status.trusted:
        return None
    return TRUST_PROBLEMS.get(status.trust_problem_indic, Problem.UNTRUSTED)


def _validation_context(
    reader: PdfFileReader, trust: TrustList, allow_fetching: bool, revocation_mode: str, moment: dt.datetime | None
) -> ValidationContext:
    """The trust list's roots, its intermediates, and the revocation data the document embeds."""
    kwargs = {
        "trust_roots": list(trust.roots),
        "other_certs": list(trust.intermediates),
        "allow_fetching": allow_fetching,
        "revocation_mode": revocation_mode,
    }
    if moment is not None:
        kwargs["moment"] = moment
    try:
        return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
    except NoDSSFoundError:
        return ValidationContext(**kwargs)


def _validity_at(signer: SignerCertificate, moment: dt.datetime | None) -> Problem | None:
    if moment is None:
        return None
    if moment > signer.valid_until:
        return Problem.EXPIRED
    if moment < signer.valid_from:
        return Problem.NOT_YET_VALID
    return None


def _modification(level: ModificationLevel | None) -> str | None:
    return {
        None: None,
        ModificationLevel.NONE: "none",
        ModificationLevel.LTA_UPDATES: "signatures",
        ModificationLevel.FORM_FILLING: "form_filling",
    }.get(level, "other")


def _field_name(embedded) -> str | None:
    try:
        return embedded.field_name
    except Exception:
        return None


def _first(value) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return value


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:300]}"


def _status_detail(status: SignatureStatus) -> str:
    try:
        return status.summary()
    except Exception:
        return ""
