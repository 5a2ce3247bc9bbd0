"""The trust list: the root (and, optionally, intermediate) certificates a deployment accepts as the top
of a signer's chain, e.g. Vietnam's national root CA and the licensed public CAs' intermediates, as one PEM
file (``MOTCUA_SIGNING_TRUST_LIST``). Read once per use of ``verify``; a certificate that does not parse
makes the whole list refused, never silently dropped.

No Flask here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem, x509

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _


@dataclass(frozen=True)
class TrustList:
    """``roots`` are trust anchors; ``intermediates`` help build a chain when a signature does not embed
    its own (they are not trusted by themselves). A self-signed certificate in the file is a root."""

    roots: tuple[x509.Certificate, ...] = ()
    intermediates: tuple[x509.Certificate, ...] = ()

    @classmethod
    def from_certificates(cls, certificates: Iterable[x509.Certificate]) -> TrustList:
        roots, intermediates = [], []
        for cert in certificates:
            (roots if cert.self_signed else intermediates).append(cert)
        return cls(tuple(roots), tuple(intermediates))

    @classmethod
    def from_pem(cls, data: bytes) -> TrustList:
        certificates = []
        try:
            if pem.detect(data):
                for kind, _headers, der in pem.unarmor(data, multiple=True):
                    if kind == "CERTIFICATE":
                        certificates.append(_parsed(der))
            elif data.strip():
                certificates.append(_parsed(data))
        except ValueError as exc:
            raise InvalidInput(
                _("The trust list is not a file of PEM certificates (%(cause)s).", cause=str(exc))
            ) from None
        return cls.from_certificates(certificates)

    @classmethod
    def from_file(cls, path: Path | str) -> TrustList:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InvalidInput(
                _("The trust list %(path)s cannot be read (%(cause)s).", path=str(path), cause=exc.strerror)
            ) from None
        return cls.from_pem(data)


def _parsed(der: bytes) -> x509.Certificate:
    cert = x509.Certificate.load(der)
    cert.native  # noqa: B018 - asn1crypto parses lazily; a broken certificate fails here, not during a check
    return cert
