"""A certificate authority made by the tests, for the signature tests (tests/functional/test_signatures.py):
a root, an intermediate, and the certificates a province's signing meets: the agency seal, an officer, a
revoked officer (listed on the intermediate's CRL, which an HTTP server of the test serves at the URL the
certificates' CRL distribution point names), an expired officer, a timestamp authority, and an officer of
an unknown root. Validity periods are built from the moment the CA is made, never fixed dates.

Each certificate comes with its key and, for signers, a PKCS#12 file (passphrase ``PASSPHRASE``) in a
folder made with tempfile.mkdtemp.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

PASSPHRASE = b"mat-khau-cua-con-dau"


@dataclass(frozen=True)
class Issued:
    name: str
    cert: x509.Certificate
    key: rsa.RSAPrivateKey
    p12: Path | None = None

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))

    @property
    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return asn1_keys.PrivateKeyInfo.load(der)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class SigningCA:
    """Build with the base URL the test's HTTP server answers on; ``serve(httpserver)`` registers the CRLs."""

    def __init__(self, crl_base_url: str):
        self.crl_base_url = crl_base_url.rstrip("/")
        self.folder = Path(tempfile.mkdtemp(prefix="motcua-signing-ca-"))
        self.now = dt.datetime.now(dt.UTC)
        year = dt.timedelta(days=365)

        ca_lifetime = (self.now - year, self.now + 5 * year)
        self.root = self._issue("Motcua Test Root CA", None, ca=True, lifetime=ca_lifetime)
        self.intermediate = self._issue(
            "Motcua Test Issuing CA",
            self.root,
            ca=True,
            crl="root.crl",
            lifetime=(self.now - year, self.now + 5 * year),
        )
        signer_lifetime = (self.now - dt.timedelta(days=30), self.now + year)
        self.seal = self._issue(
            "UBND tỉnh Đắk Lắk",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            crl="issuing.crl",
            lifetime=signer_lifetime,
            p12="seal.p12",
        )
        self.officer = self._issue(
            "Nguyễn Thị Minh Hằng",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            crl="issuing.crl",
            lifetime=signer_lifetime,
            p12="officer.p12",
        )
        self.revoked = self._issue(
            "Trần Văn Bị Thu Hồi",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            crl="issuing.crl",
            lifetime=signer_lifetime,
            p12="revoked.p12",
        )
        self.expired = self._issue(
            "Lê Văn Hết Hạn",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            crl="issuing.crl",
            lifetime=(self.now - 2 * year, self.now - dt.timedelta(days=1)),
            p12="expired.p12",
        )
        self.tsa = self._issue(
            "Motcua Test Timestamp Authority",
            self.intermediate,
            crl="issuing.crl",
            lifetime=signer_lifetime,
            timestamping=True,
        )
        # two signers whose revocation is told by the issuing CA's OCSP responder instead of a CRL
        self.ocsp_officer = self._issue(
            "Phạm Văn Ô Cê Ét Pê",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            ocsp=True,
            lifetime=signer_lifetime,
            p12="ocsp-officer.p12",
        )
        self.ocsp_revoked = self._issue(
            "Đỗ Thị Thu Hồi Trực Tuyến",
            self.intermediate,
            organization="UBND tỉnh Đắk Lắk",
            ocsp=True,
            lifetime=signer_lifetime,
            p12="ocsp-revoked.p12",
        )
        self.unknown_root = self._issue("Unknown Root CA", None, ca=True, lifetime=ca_lifetime)
        self.stranger = self._issue(
            "Người Lạ", self.unknown_root, organization="Không rõ", lifetime=signer_lifetime, p12="stranger.p12"
        )
        self.trust_list = self.folder / "trust.pem"
        self.trust_list.write_bytes(self.root.pem)

    def issue_signer(self, common_name: str, *, organization: str | None = None, days: int = 365) -> Issued:
        """One more signer's certificate from the issuing CA, valid from a day ago for ``days`` days."""
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        return self._issue(
            common_name, self.intermediate, organization=organization, lifetime=(start, start + dt.timedelta(days))
        )

    # -- issuing --------------------------------------------------------------------------------------------
    def _issue(
        self,
        common_name: str,
        issuer: Issued | None,
        *,
        lifetime: tuple[dt.datetime, dt.datetime],
        organization: str | None = None,
        ca: bool = False,
        crl: str | None = None,
        p12: str | None = None,
        timestamping: bool = False,
        ocsp: bool = False,
    ) -> Issued:
        key = _key()
        subject = _name(common_name, organization)
        issuer_name = issuer.cert.subject if issuer else subject
        issuer_key = issuer.key if issuer else key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(lifetime[0])
            .not_valid_after(lifetime[1])
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=not ca and not timestamping,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if issuer:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
            )
        if crl:
            point = x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(f"{self.crl_base_url}/{crl}")],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if ocsp:
            responder = x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(f"{self.crl_base_url}/ocsp")
            )
            builder = builder.add_extension(x509.AuthorityInformationAccess([responder]), critical=False)
        if timestamping:
            builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        cert = builder.sign(issuer_key, hashes.SHA256())
        path = None
        if p12:
            chain = [issuer.cert] if issuer and issuer is not self.root and issuer.cert != cert else []
            path = self.folder / p12
            path.write_bytes(
                pkcs12.serialize_key_and_certificates(
                    common_name.encode(), key, cert, chain, serialization.BestAvailableEncryption(PASSPHRASE)
                )
            )
        return Issued(common_name, cert, key, path)

    def crl(self, issuer: Issued, revoked: list[Issued]) -> bytes:
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(self.now - dt.timedelta(hours=1))
            .next_update(dt.datetime.now(dt.UTC) + dt.timedelta(days=7))
            .add_extension(x509.CRLNumber(1), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        )
        for item in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(item.cert.serial_number)
                .revocation_date(self.now - dt.timedelta(minutes=5))
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def serve(self, httpserver) -> None:
        """The CRLs at the URLs the certificates name: the root's (nothing revoked) and the issuing CA's
        (the revoked officer); and the issuing CA's OCSP responder (``ocsp_revoked`` revoked, others good)."""
        for path, der in (
            ("/root.crl", self.crl(self.root, [])),
            ("/issuing.crl", self.crl(self.intermediate, [self.revoked])),
        ):
            httpserver.expect_request(path).respond_with_data(der, content_type="application/pkix-crl")
        httpserver.expect_request("/ocsp", method="POST").respond_with_handler(self._ocsp_answer)

    def _ocsp_answer(self, request):
        """An OCSP response (RFC 6960) signed by the issuing CA itself, echoing the request's nonce."""
        from cryptography.x509 import ocsp
        from werkzeug import Response

        asked = ocsp.load_der_ocsp_request(request.get_data())
        subject = next(
            (item for item in (self.ocsp_officer, self.ocsp_revoked) if item.cert.serial_number == asked.serial_number),
            None,
        )
        if subject is None:
            reply = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
            return Response(reply.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-response")
        revoked = subject is self.ocsp_revoked
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=subject.cert,
                issuer=self.intermediate.cert,
                algorithm=type(asked.hash_algorithm)(),  # the CertID hashed as the request hashed it
                cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
                this_update=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
                next_update=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
                revocation_time=self.now - dt.timedelta(minutes=5) if revoked else None,
                revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.intermediate.cert)
        )
        for extension in asked.extensions:
            if isinstance(extension.value, x509.OCSPNonce):
                builder = builder.add_extension(extension.value, critical=False)
        reply = builder.sign(self.intermediate.key, hashes.SHA256())
        return Response(reply.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-response")

    def serve_timestamps(self, httpserver, path: str = "/tsa") -> str:
        """A timestamp authority (RFC 3161 over HTTP) at ``path``, signing with the TSA certificate; its URL."""
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from werkzeug import Response

        stamper = DummyTimeStamper(self.tsa.asn1, self.tsa.asn1_key, certs_to_embed=[self.intermediate.asn1])

        def answer(request):
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(request.get_data()))
            return Response(reply.dump(), content_type="application/timestamp-reply")

        httpserver.expect_request(path, method="POST").respond_with_handler(answer)
        return httpserver.url_for(path)


def signing_keys(
    slug: str,
    *,
    seal: Issued | None = None,
    officers: dict[str, Issued] | None = None,
    officer_passphrase: bytes = PASSPHRASE,
) -> Path:
    """A fresh MOTCUA_SIGNING_KEYS_DIR whose ``<slug>/signing.toml`` holds ``seal``'s key as the agency's seal
    and each officer's (by e-mail) as theirs, PKCS#12 files with their passphrase files beside the settings
    (``officer_passphrase``: what the officers' file says, e.g. a wrong one)."""
    keys = Path(tempfile.mkdtemp(prefix="motcua-signing-keys-"))
    folder = keys / slug
    folder.mkdir()
    sections = []
    if seal is not None:
        (folder / "seal.passphrase").write_bytes(PASSPHRASE)
        sections.append(f'[seal]\ntype = "pkcs12"\nfile = "{seal.p12}"\npassphrase_file = "seal.passphrase"\n')
    if officers:
        (folder / "officer.passphrase").write_bytes(officer_passphrase)
    for email, issued in (officers or {}).items():
        sections.append(
            f'[officers."{email}"]\ntype = "pkcs12"\nfile = "{issued.p12}"\npassphrase_file = "officer.passphrase"\n'
        )
    (folder / "signing.toml").write_text("\n".join(sections))
    return keys


def write_pem_key(issued: Issued, path: Path) -> Path:
    path.write_bytes(
        issued.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path
