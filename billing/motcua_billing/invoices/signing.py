"""Signing an invoice with the vendor's seal before it is sent (issue 18 item 4, ADR 0063).

Only a finalized (or paid) invoice is signed: a draft still changes, a void one is not sent. The PDF is
rendered, signed (PAdES, a visible stamp naming the vendor), its signature read back from the signed bytes,
then stored with an audit entry in the caller's one transaction: a failure at any step leaves nothing (no row,
no audit line), and a signature is never stored for a file other than the one signed.

No Flask here.
"""

from __future__ import annotations

import hashlib

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict
from motcua_platform.i18n import _
from motcua_platform.signatures.signer import Signer
from motcua_platform.signatures.stamp import StampText
from motcua_platform.signatures.trust import TrustList
from motcua_platform.signatures.verify import verify
from sqlalchemy.orm import Session

from motcua_billing.invoices import documents
from motcua_billing.invoices.models import Invoice, InvoiceSignature, InvoiceStatus
from motcua_billing.invoices.queries import get_invoice, tenant_slug

SIGNABLE = frozenset({InvoiceStatus.FINALIZED, InvoiceStatus.PAID})
FIELD = "VendorSeal"


def signed_pdf(session: Session, invoice_id: int) -> bytes | None:
    """The invoice's signed PDF, if the vendor signed it."""
    row = session.get(InvoiceSignature, invoice_id)
    return row.pdf if row is not None else None


def sign_invoice(session: Session, actor: Actor, invoice_id: int, signer: Signer, config) -> InvoiceSignature:
    """Sign the invoice's PDF with ``signer`` (the vendor's seal) and store it; the stored signature.

    The invoice row is locked so two finance officers signing at once make one signature (the second is
    refused)."""
    invoice: Invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status not in SIGNABLE:
        raise Conflict(
            _("Only a finalized invoice is signed; this one is %(status)s.", status=invoice.status),
            {"status": [_("Finalize the invoice first.")]},
        )
    if session.get(InvoiceSignature, invoice.id) is not None:
        raise Conflict(_("This invoice is signed already."), {"invoice": [_("Signed already.")]})
    pdf = documents.invoice_pdf(session, invoice, config)
    signed = signer.sign(
        pdf,
        stamp=StampText(signer=config.billing_seller_name, agency=config.billing_seller_name),
        field_name=FIELD,
        reason=f"Hóa đơn {invoice.display_number}",
    )
    # who signed, read from the signed bytes themselves (no trust needed for that)
    (report,) = [r for r in verify(signed, TrustList()) if r.field_name == FIELD] or [None]
    if report is None or report.signer is None or not report.intact:
        raise Conflict(_("The signed invoice could not be read back: nothing was stored."))
    row = InvoiceSignature(
        invoice_id=invoice.id,
        pdf=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        signer_name=report.signer.name,
        signer_fingerprint=report.signer.fingerprint,
        signed_by=str(actor),
        signed_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "billing.invoice_signed",
        target=f"invoice:{invoice.id}",
        tenant_slug=tenant_slug(session, invoice.tenant_id),
        number=invoice.display_number,
        sha256=row.sha256,
        certificate=row.signer_fingerprint,
    )
    return row
