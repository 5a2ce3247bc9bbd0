"""The tenant's register of signing certificates (``models.SigningCertificate``): which certificate backs
the agency's seal, and the certificates each officer signs with. A verification report names the signer's
certificate by its fingerprint; ``registered`` turns that into "the agency's seal" or "officer N".

Each change is written to the tenant's audit log in the same transaction. Only public certificates are
handled here: keys stay in their file or token.

No Flask here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from asn1crypto import pem, x509
from sqlalchemy import case, select
from sqlalchemy.orm import Session

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffAccount
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.signatures.models import SigningCertificate
from motcua_platform.signatures.verify import SignerCertificate

SIGNING_USAGES = {"digital_signature", "non_repudiation"}


def parse_certificate(data: bytes) -> x509.Certificate:
    """One X.509 certificate, PEM or DER; ``InvalidInput`` for anything else, and for a certificate given with
    its private key (only the first PEM block would be read: the sender is told the key must not be sent)."""
    if b"PRIVATE KEY" in data:
        raise InvalidInput(_("This holds a private key: never give it to the platform. Give the certificate only."))
    try:
        if pem.detect(data):
            kind, _headers, der = pem.unarmor(data)
            if kind != "CERTIFICATE":
                raise ValueError(kind)
        else:
            der = data
        cert = x509.Certificate.load(der)
        cert.native  # noqa: B018 - asn1crypto parses lazily; a broken certificate fails here
        return cert
    except Exception:
        raise InvalidInput(_("This is not an X.509 certificate (PEM or DER).")) from None


def certificate_from_text(text: str) -> bytes:
    """What an admin pastes or a JSON body carries: PEM text as it is, or a DER certificate in bare base64
    (a .cer file opened as text, without the BEGIN/END lines). Anything else goes to ``parse_certificate``
    unchanged, which refuses it with its one message."""
    data = text.strip().encode("utf-8", "replace")
    if pem.detect(data):
        return data + b"\n"
    try:
        return base64.b64decode(b"".join(data.split()), validate=True) or data
    except (binascii.Error, ValueError):
        return data


def register_seal(session: Session, data: bytes, *, actor: Actor, now: dt.datetime) -> SigningCertificate:
    """Register the certificate of the agency's seal; the seal registered before is retired (a renewal)."""
    cert = _usable(session, parse_certificate(data), now)
    previous = active_seal(session)
    if previous is not None:
        previous.retired_at = now
        session.flush()  # the one-active-seal index sees the old one retired before the new one arrives
    row = _row(cert, "seal", None, actor)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "signing.seal_registered",
        target=f"signing_certificate:{row.id}",
        fingerprint=row.fingerprint,
        subject=row.subject,
        replaces=previous.id if previous else None,
    )
    return row


def register_officer_certificate(
    session: Session, data: bytes, *, staff_id: int, actor: Actor, now: dt.datetime
) -> SigningCertificate:
    """Register a certificate an officer signs with (an officer may hold several, e.g. across a renewal)."""
    cert = _usable(session, parse_certificate(data), now)
    staff = session.get(StaffAccount, staff_id)
    if staff is None or not staff.active:
        raise NotFound(_("No active staff member %(id)s.", id=staff_id))
    row = _row(cert, "officer", staff_id, actor)
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "signing.officer_certificate_registered",
        target=f"signing_certificate:{row.id}",
        staff_id=staff_id,
        fingerprint=row.fingerprint,
        subject=row.subject,
    )
    return row


def retire(session: Session, certificate_id: int, *, actor: Actor, now: dt.datetime) -> SigningCertificate:
    """Stop using a certificate (kept: documents signed with it are still checked against it)."""
    row = session.get(SigningCertificate, certificate_id)
    if row is None:
        raise NotFound(_("No signing certificate %(id)s.", id=certificate_id))
    if row.retired_at is None:
        row.retired_at = now
        session.flush()
        record(session, actor, "signing.certificate_retired", target=f"signing_certificate:{row.id}")
    return row


@dataclass(frozen=True)
class Entry:
    """A row of the register as an admin reads it: the certificate and, for an officer's, whose it is."""

    certificate: SigningCertificate
    staff_email: str | None = None
    staff_name: str | None = None

    @property
    def active(self) -> bool:
        return self.certificate.retired_at is None


def entries(session: Session, *, staff_id: int | None = None) -> list[Entry]:
    """The whole register (or one staff member's certificates): those in use first, the seal before the
    officers', officers by name; within each, the newest registration first."""
    query = (
        select(SigningCertificate, StaffAccount.email, StaffAccount.full_name)
        .outerjoin(StaffAccount, StaffAccount.id == SigningCertificate.staff_id)
        .order_by(
            SigningCertificate.retired_at.is_not(None),
            case((SigningCertificate.purpose == "seal", 0), else_=1),
            StaffAccount.full_name,
            SigningCertificate.registered_at.desc(),
            SigningCertificate.id.desc(),
        )
    )
    if staff_id is not None:
        query = query.where(SigningCertificate.staff_id == staff_id)
    return [Entry(row, email, name) for row, email, name in session.execute(query)]


def entry(session: Session, certificate_id: int) -> Entry:
    row = session.get(SigningCertificate, certificate_id)
    if row is None:
        raise NotFound(_("No signing certificate %(id)s.", id=certificate_id))
    staff = session.get(StaffAccount, row.staff_id) if row.staff_id is not None else None
    return Entry(row, staff.email if staff else None, staff.full_name if staff else None)


def active_seal(session: Session) -> SigningCertificate | None:
    return session.scalars(
        select(SigningCertificate).where(SigningCertificate.purpose == "seal", SigningCertificate.retired_at.is_(None))
    ).one_or_none()


def registered(session: Session, fingerprint: str) -> SigningCertificate | None:
    """The registered certificate with this SHA-256 fingerprint (retired ones included: an old signature)."""
    return session.scalars(
        select(SigningCertificate).where(SigningCertificate.fingerprint == fingerprint.lower())
    ).one_or_none()


def registered_among(session: Session, fingerprints: Iterable[str]) -> dict[str, SigningCertificate]:
    """The registered certificates (retired ones included) among these fingerprints, by fingerprint: one
    statement for every signature a page shows."""
    wanted = {fingerprint.lower() for fingerprint in fingerprints if fingerprint}
    if not wanted:
        return {}
    rows = session.scalars(select(SigningCertificate).where(SigningCertificate.fingerprint.in_(wanted)))
    return {row.fingerprint: row for row in rows}


def _usable(session: Session, cert: x509.Certificate, now: dt.datetime) -> x509.Certificate:
    signer = SignerCertificate.of(cert)
    if registered(session, signer.fingerprint) is not None:  # the unique index is the guard against a race
        raise Conflict(_("This certificate is already registered."))
    if signer.valid_until <= now:
        raise InvalidInput(_("This certificate expired on %(date)s.", date=signer.valid_until.date().isoformat()))
    usages = set(cert.key_usage_value.native) if cert.key_usage_value is not None else set()
    if not usages & SIGNING_USAGES:
        raise InvalidInput(_("This certificate is not meant for signing documents."))
    return cert


def _row(cert: x509.Certificate, purpose: str, staff_id: int | None, actor: Actor) -> SigningCertificate:
    signer = SignerCertificate.of(cert)
    return SigningCertificate(
        purpose=purpose,
        staff_id=staff_id,
        fingerprint=signer.fingerprint,
        subject=(signer.name or cert.subject.human_friendly)[:500],
        organization=signer.organization[:500] if signer.organization else None,
        issuer=(signer.issuer or cert.issuer.human_friendly)[:500],
        serial=format(signer.serial, "x"),
        valid_from=signer.valid_from,
        valid_until=signer.valid_until,
        certificate=cert.dump(),
        registered_by=str(actor)[:200],
    )
