"""The tenant's register of signing certificates (motcua_platform.signatures.registry): the seal's
certificate (a renewal retires the old one), officers' certificates, refusals, audit, and the link from a
verification report back to what is registered. Certificates come from the tests' CA (tests/signing_ca.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.signatures import registry
from motcua_platform.signatures.models import SigningCertificate
from motcua_platform.signatures.pkcs12 import Pkcs12Signer
from motcua_platform.signatures.stamp import StampText
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import verify
from signing_ca import PASSPHRASE, SigningCA
from sqlalchemy import select

ADMIN = Actor("staff", 1, "admin@alpha.test")


@pytest.fixture(scope="module")
def ca() -> SigningCA:
    return SigningCA("http://127.0.0.1:9")  # no CRL is fetched here


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def tenant(runtime, slug: str = "alpha"):
    return runtime.db.tenant_session(runtime.db.binding(slug))


def test_the_seal_certificate_is_registered_and_audited(runtime, seeded, ca):
    with tenant(runtime) as session:
        row = registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())

        assert registry.active_seal(session).id == row.id
        assert (row.purpose, row.staff_id, row.subject) == ("seal", None, "UBND tỉnh Đắk Lắk")
        assert row.fingerprint == ca.seal.asn1.sha256.hex()
        assert row.certificate == ca.seal.asn1.dump()
        event = session.scalars(
            select(TenantAuditEvent).where(TenantAuditEvent.action == "signing.seal_registered")
        ).one()
        assert event.target == f"signing_certificate:{row.id}" and event.details["fingerprint"] == row.fingerprint
        assert event.actor == str(ADMIN)


def test_a_renewed_seal_retires_the_old_one(runtime, seeded, ca):
    renewed = ca.issue_signer("UBND tỉnh Đắk Lắk", organization="UBND tỉnh Đắk Lắk")
    with tenant(runtime) as session:
        old = registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())
        new = registry.register_seal(session, renewed.pem, actor=ADMIN, now=now())

        assert registry.active_seal(session).id == new.id
        assert old.retired_at is not None and new.retired_at is None
        # the old one is still known: documents sealed with it are still checked against it
        assert registry.registered(session, old.fingerprint).id == old.id


def test_an_officer_certificate_belongs_to_a_staff_member(runtime, seeded, ca):
    officer_id = seeded["alpha"].staff["officer"]
    with tenant(runtime) as session:
        row = registry.register_officer_certificate(
            session, ca.officer.pem, staff_id=officer_id, actor=ADMIN, now=now()
        )
        found = registry.registered(session, ca.officer.asn1.sha256.hex().upper())

        assert (found.id, found.purpose, found.staff_id) == (row.id, "officer", officer_id)
        assert registry.active_seal(session) is None  # an officer's certificate is no seal
        with pytest.raises(NotFound):
            registry.register_officer_certificate(session, ca.revoked.pem, staff_id=987654, actor=ADMIN, now=now())


def test_what_cannot_sign_is_refused(runtime, seeded, ca):
    with tenant(runtime) as session:
        for data in (
            ca.expired.pem,
            ca.intermediate.pem,
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ):
            with pytest.raises(InvalidInput):
                registry.register_seal(session, data, actor=ADMIN, now=now())
        registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())
        with pytest.raises(Conflict):
            registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())
        with pytest.raises(Conflict):
            registry.register_officer_certificate(
                session, ca.seal.pem, staff_id=seeded["alpha"].staff["officer"], actor=ADMIN, now=now()
            )
        assert session.scalar(select(SigningCertificate.id).where(SigningCertificate.retired_at.is_not(None))) is None


def test_retiring_keeps_the_certificate_known(runtime, seeded, ca):
    with tenant(runtime) as session:
        row = registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())
        registry.retire(session, row.id, actor=ADMIN, now=now())

        assert registry.active_seal(session) is None
        assert registry.registered(session, row.fingerprint).retired_at is not None
        actions = session.scalars(select(TenantAuditEvent.action).order_by(TenantAuditEvent.id)).all()
        assert actions[-2:] == ["signing.seal_registered", "signing.certificate_retired"]
        with pytest.raises(NotFound):
            registry.retire(session, row.id + 1000, actor=ADMIN, now=now())


def test_a_province_sees_only_its_own_register(runtime, seeded, ca):
    with tenant(runtime, "alpha") as session:
        registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())
        session.commit()
    with tenant(runtime, "beta") as session:
        assert registry.active_seal(session) is None
        assert registry.registered(session, ca.seal.asn1.sha256.hex()) is None


def test_a_verified_signature_is_traced_to_the_registered_seal(runtime, seeded, ca):
    pdf = _one_page_pdf()
    signed = Pkcs12Signer(ca.seal.p12, lambda: PASSPHRASE).sign(
        pdf, stamp=StampText(signer="UBND tỉnh Đắk Lắk", agency="UBND tỉnh Đắk Lắk"), field_name="Seal"
    )
    (report,) = verify(signed, TrustList.from_file(ca.trust_list), allow_fetching=False)
    with tenant(runtime) as session:
        row = registry.register_seal(session, ca.seal.pem, actor=ADMIN, now=now())

        assert registry.registered(session, report.signer.fingerprint).id == row.id


def _one_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())
