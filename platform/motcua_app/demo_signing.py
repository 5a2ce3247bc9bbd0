"""`motcua demo`'s digital signatures: a demo certificate authority and, for each demo province, the keys
its seal and its leader sign with, so the demo provinces sign out of the box (docs/demo.md#digital-signatures).

Everything is made once, under ``<instance folder>/demo-signing/``, and kept (a second run reuses the keys
and registers nothing twice):

    demo-signing/
      trust.pem                 the demo root: the trust list the served demo verifies against
      ca/root.pem, ca/root.key  the demo root CA ("KHÔNG DÙNG THẬT": trusted nowhere else)
      keys/<slug>/signing.toml  [seal] and [officers."<leader's e-mail>"], as docs/signatures.md says
      keys/<slug>/seal.p12, seal.passphrase, leader.p12, leader.passphrase   (chmod 600, folders 700)

The certificates go into each province's register (``registry.register_seal``,
``registry.register_officer_certificate``) as the demo actor, and the province's copy of one procedure gets
signature steps. Only ``motcua demo`` calls this, and only when the deployment sets no signing keys of its
own (``MOTCUA_SIGNING_KEYS_DIR`` unset): a real deployment's signing is never touched.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffAccount, StaffRoleName
from motcua_platform.signatures import registry
from sqlalchemy import select

FOLDER = "demo-signing"
ROOT_NAME = "Motcua Demo Root CA — KHÔNG DÙNG THẬT"
DEMO_UNIT = "Chứng thư trình diễn — KHÔNG DÙNG THẬT"  # the OU of every demo certificate
ROOT_YEARS = 5
SIGNER_YEARS = 2
RENEW_BEFORE = dt.timedelta(days=30)
DEMO_ACTOR = Actor("system", None, "demo")  # who the demo's registrations are audited as (as its history)

# The procedure whose province copy gets signature steps: the marriage registration, whose commune workflow
# (civil_status plugin) is reception → the civil-status officer's review → the leader → returning the result.
SIGNED_PROCEDURE = "1.000894"
LEADER_STEP, SEAL_STEP = 2, 3  # indexes in its workflow


@dataclass(frozen=True)
class DemoSigning:
    """Where the demo's signing set-up is: what MOTCUA_SIGNING_KEYS_DIR and MOTCUA_SIGNING_TRUST_LIST name."""

    keys_dir: Path
    trust_list: Path


@dataclass(frozen=True)
class _Authority:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


def folder_of(instance_path: Path) -> Path:
    return Path(instance_path).resolve() / FOLDER


def agency_name(province_name: str) -> str:
    """ "Tỉnh Đắk Lắk" → "UBND tỉnh Đắk Lắk": the agency whose seal it is."""
    return f"UBND {province_name[:1].lower()}{province_name[1:]}"


def set_up(runtime, folder: Path, slug: str, *, agency: str, leader_email: str) -> DemoSigning:
    """The demo signing of one province (idempotent): the CA if missing, the province's keys if missing, its
    signing.toml, the certificates in its register and the signature steps of its marriage registration."""
    authority = _authority(_private_folder(folder))
    province = _private_folder(_private_folder(folder / "keys") / slug)
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        leader = session.scalars(select(StaffAccount).where(StaffAccount.email == leader_email)).one()
        seal = _identity(province, "seal", authority, common_name=agency, organization=agency)
        personal = _identity(province, "leader", authority, common_name=leader.full_name, organization=agency)
        _write(province / "signing.toml", _settings(leader_email), mode=0o644)
        now = dt.datetime.now(dt.UTC)
        if registry.registered(session, _fingerprint(seal)) is None:
            registry.register_seal(session, _pem(seal), actor=DEMO_ACTOR, now=now)
        if registry.registered(session, _fingerprint(personal)) is None:
            registry.register_officer_certificate(
                session, _pem(personal), staff_id=leader.id, actor=DEMO_ACTOR, now=now
            )
        _add_signature_steps(session)
        session.commit()
    return DemoSigning(folder / "keys", folder / "trust.pem")


def _add_signature_steps(session) -> None:
    """The province's published marriage registration: the leader's step signed personally (role tenant_admin:
    the demo's leader, quantri@…), the last step sealed. Left alone when the province already set signature
    steps on it (by an earlier demo, or itself), or has no such procedure. The workflow is not one of a
    plugin procedure's overridable fields (catalogue.services.revise), so the published row is changed in
    place, as a province's copy of the template, and audited."""
    from motcua_onestop.catalogue.models import Procedure, ProcedureStatus

    procedure = session.scalars(
        select(Procedure).where(Procedure.code == SIGNED_PROCEDURE, Procedure.status == ProcedureStatus.PUBLISHED)
    ).one_or_none()
    if procedure is None or len(procedure.workflow or []) <= SEAL_STEP:
        return
    steps = [dict(step) for step in procedure.workflow]
    if any(step.get("signature") for step in steps):
        return
    steps[LEADER_STEP] |= {"role": StaffRoleName.TENANT_ADMIN.value, "signature": "personal"}
    steps[SEAL_STEP] |= {"signature": "seal"}
    procedure.workflow = steps
    session.flush()
    record(
        session,
        DEMO_ACTOR,
        "procedure.revise",
        target=f"procedure:{procedure.code}",
        version=procedure.version,
        fields=["workflow"],
    )


def _settings(leader_email: str) -> str:
    return (
        "# Demo keys made by `motcua demo` (motcua_app.demo_signing): KHÔNG DÙNG THẬT - never for real documents.\n"
        '[seal]\ntype = "pkcs12"\nfile = "seal.p12"\npassphrase_file = "seal.passphrase"\n\n'
        f'[officers."{leader_email.lower()}"]\ntype = "pkcs12"\nfile = "leader.p12"\n'
        'passphrase_file = "leader.passphrase"\n'
    )


# -- the certificate authority and the keys ------------------------------------------------------------
def _authority(folder: Path) -> _Authority:
    """The demo root CA, made the first time and read back after; trust.pem is its certificate."""
    ca = _private_folder(folder / "ca")
    cert_path, key_path = ca / "root.pem", ca / "root.key"
    if cert_path.exists() and key_path.exists():
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    else:
        key = _new_key()
        name = _name(ROOT_NAME, "Motcua Cloud")
        now = dt.datetime.now(dt.UTC)
        cert = (
            _builder(name, name, key, now - dt.timedelta(days=1), now + dt.timedelta(days=365 * ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .sign(key, hashes.SHA256())
        )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write(key_path, pem_key)
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    _write(folder / "trust.pem", cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return _Authority(cert, key)


def _identity(
    folder: Path, name: str, authority: _Authority, *, common_name: str, organization: str
) -> x509.Certificate:
    """``<name>.p12`` (and its passphrase file) in ``folder``: read back when both are there and still usable,
    else a new key and certificate from the demo CA. Its certificate."""
    p12, passphrase = folder / f"{name}.p12", folder / f"{name}.passphrase"
    if p12.exists() and passphrase.exists():
        try:
            _key, cert, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), passphrase.read_bytes().strip())
        except (ValueError, OSError):  # a run stopped between the two files: made again below
            cert = None
        if cert is not None and _usable(cert, authority):
            return cert
    secret = secrets.token_urlsafe(24).encode()
    key = _new_key()
    now = dt.datetime.now(dt.UTC)
    cert = (
        _builder(
            _name(common_name, organization),
            authority.cert.subject,
            key,
            now - dt.timedelta(days=1),
            now + dt.timedelta(days=365 * SIGNER_YEARS),
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(ca=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )
    _write(passphrase, secret)
    _write(
        p12,
        pkcs12.serialize_key_and_certificates(
            common_name.encode(), key, cert, [authority.cert], serialization.BestAvailableEncryption(secret)
        ),
    )
    return cert


def _usable(cert: x509.Certificate, authority: _Authority) -> bool:
    """Kept: issued by the current demo CA (its folder may have been deleted and made again) and not within
    RENEW_BEFORE of its end. Otherwise the next demo run makes a new one (and registers it: a new seal retires
    the old one)."""
    try:
        cert.verify_directly_issued_by(authority.cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc - RENEW_BEFORE > dt.datetime.now(dt.UTC)


def _builder(subject: x509.Name, issuer: x509.Name, key, start: dt.datetime, end: dt.datetime):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _usage(*, ca: bool) -> x509.KeyUsage:
    """A CA signs certificates; a signer signs documents (digitalSignature and nonRepudiation, what the
    register asks of a signing certificate)."""
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _write(path: Path, data: str | bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` unless the file already holds it; created with ``mode`` (secrets never world-readable,
    not even for a moment)."""
    raw = data.encode() if isinstance(data, str) else data
    if path.exists() and path.read_bytes() == raw:
        return
    # written beside it and renamed over it: a run stopped half-way never leaves half a file
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(raw)
    partial.chmod(mode)
    os.replace(partial, path)
