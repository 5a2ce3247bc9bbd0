"""Signing a PDF as PAdES: the ``Signer`` protocol the rest of the platform signs through, and
``PadesSigner``, the one implementation of it, parameterised by where the key is.

Extension point for remote signing services (a national CA's cloud signing, a provider's API): write a
pyHanko ``pyhanko.sign.signers.Signer`` subclass whose ``async_sign_raw(data, digest_algorithm)`` sends
the digest to the service and returns the raw signature (the certificate and chain are set on it from the
service's answer), then hand it to ``PadesSigner`` through ``cms_signer``. The key never leaves the
service; everything PAdES-specific (byte ranges, the stamp, the timestamp, revocation info) stays here.
A service that signs asynchronously (the officer confirms on a phone) fits pyHanko's interrupted signing
(``PdfSigner.digest_doc_for_signing`` then ``finish_signing``); that flow is for the step that needs it.

No Flask here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator import ValidationContext

from motcua_platform.errors import ServiceError
from motcua_platform.i18n import _
from motcua_platform.signatures.stamp import StampPlacement, StampText, stamp_style
from motcua_platform.signatures.verify import SignerCertificate


class SigningError(ServiceError):
    """The PDF could not be signed (the key is unreadable, the file is not a PDF, the field is taken). The
    message says what to fix; nothing was written: the caller keeps the unsigned document."""

    status = 422


@runtime_checkable
class Signer(Protocol):
    """Signs a PDF and returns the signed copy (the original bytes followed by an incremental update).
    ``field_name`` names the signature field (a new one, or an empty one the document carries)."""

    def sign(
        self, pdf: bytes, *, stamp: StampText, field_name: str, reason: str | None = None, location: str | None = None
    ) -> bytes: ...


# Opens the CMS signer for one signature and closes it after (a PKCS#11 session is logged out, a PKCS#12
# key dropped): the key is held no longer than one signature takes.
CmsSignerSource = Callable[[], AbstractContextManager[signers.Signer]]


@dataclass(frozen=True)
class PadesSigner:
    """PAdES signatures with a visible stamp. Levels (ADR 0061): B-B by default; B-T when a ``tsa_url`` is
    given (a trusted timestamp over the signature); B-LT when ``embed_validation`` is on and a
    ``validation_context`` is given (the chain's CRLs/OCSP answers are fetched at signing and embedded, so
    the signature can be checked after the CA's servers are gone)."""

    cms_signer: CmsSignerSource
    tsa_url: str | None = None
    font: Path | str | None = None
    placement: StampPlacement = field(default_factory=StampPlacement)
    embed_validation: bool = False
    validation_context: ValidationContext | None = None
    tsa_timeout: int = 10

    def sign(
        self, pdf: bytes, *, stamp: StampText, field_name: str, reason: str | None = None, location: str | None = None
    ) -> bytes:
        writer = _incremental_writer(pdf)
        timestamper = timestamps.HTTPTimeStamper(self.tsa_url, timeout=self.tsa_timeout) if self.tsa_url else None
        embed = self.embed_validation and self.validation_context is not None
        metadata = signers.PdfSignatureMetadata(
            field_name=field_name,
            reason=reason,
            location=location,
            subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=embed,
            validation_context=self.validation_context if embed else None,
        )
        spec = fields.SigFieldSpec(field_name, on_page=self.placement.page, box=self.placement.box)
        with self.cms_signer() as cms_signer:
            pdf_signer = signers.PdfSigner(
                metadata,
                signer=cms_signer,
                timestamper=timestamper,
                stamp_style=stamp_style(self.font, qr=bool(stamp.verify_url)),
                new_field_spec=None if _has_field(writer, field_name) else spec,
            )
            output = io.BytesIO()
            try:
                # the room for the signature is estimated by pyHanko from a trial run: the chain, the timestamp
                # token and (B-LT) the CRLs, which a national CA's can make large
                pdf_signer.sign_pdf(writer, output=output, appearance_text_params=stamp.params())
            except SigningError:
                raise
            except Exception as exc:  # pyHanko's errors name the cause; the caller gets one kind of error
                raise SigningError(_("The document could not be signed: %(cause)s", cause=_cause(exc))) from exc
        return output.getvalue()


def last_signer(pdf: bytes) -> SignerCertificate:
    """The certificate of the last signature of ``pdf``: after signing, the one the key actually belongs to,
    which callers compare with the certificate registered for the signature."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        return SignerCertificate.of(signatures[-1].signer_cert)
    except Exception as exc:  # the signer returned something that is not what it signed
        raise SigningError(_("The signed document cannot be read back.")) from exc


def _incremental_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise SigningError(_("The document is not a PDF that can be signed: %(cause)s", cause=_cause(exc))) from exc


def _has_field(writer: IncrementalPdfFileWriter, field_name: str) -> bool:
    """Whether the document already has a signature field by that name (filled or not): pyHanko signs an
    empty one in place and refuses a filled one; a new field spec for an existing name would be an error."""
    reader: PdfFileReader = writer.prev
    try:
        return any(name == field_name for name, _value, _ref in fields.enumerate_sig_fields(reader, filled_status=None))
    except Exception:
        return False


def _cause(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:300]
