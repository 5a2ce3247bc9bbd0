"""Recording money received against a finalized invoice: a bank transfer or cash entered by finance, or a
payment a collector reports (``payments.services``). The invoice becomes paid when fully covered."""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_billing.invoices.models import InvoiceStatus, Payment
from motcua_billing.invoices.queries import get_invoice, tenant_slug


def record_payment(
    session: Session,
    actor: Actor,
    invoice_id: int,
    *,
    amount_vnd: int,
    reference: str,
    method: str = "bank_transfer",
    paid_at: dt.datetime | None = None,
) -> Payment:
    """Record money received against a finalized invoice; it becomes paid when fully covered."""
    invoice = get_invoice(session, invoice_id, lock=True)
    label = invoice.display_number or str(invoice.id)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(_("Invoice %(label)s is void; a void invoice cannot be paid.", label=label))
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict(_("Invoice %(label)s is a draft; finalize it before recording a payment.", label=label))
    if invoice.status == InvoiceStatus.PAID:
        raise Conflict(_("Invoice %(label)s is already paid.", label=label))
    errors = {}
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        errors["amount_vnd"] = [_("The amount is a whole number of đồng above 0.")]
    elif amount_vnd > invoice.amount_due_vnd:
        errors["amount_vnd"] = [
            _(
                "Only %(amount_due_vnd)s đồng are due on invoice %(label)s.",
                amount_due_vnd=invoice.amount_due_vnd,
                label=label,
            )
        ]
    if not (reference or "").strip():
        errors["reference"] = [_("The bank or provider reference is required.")]
    if errors:
        raise InvalidInput(_("The payment was not recorded."), errors)
    exists = session.scalar(select(Payment.id).where(Payment.method == method, Payment.reference == reference.strip()))
    if exists is not None:
        raise Conflict(
            _(
                "A %(method)s payment with reference '%(reference)s' is already recorded.",
                method=method,
                reference=reference,
            )
        )
    payment = Payment(
        invoice_id=invoice.id,
        amount_vnd=amount_vnd,
        method=method,
        reference=reference.strip(),
        paid_at=paid_at or utcnow(),
        recorded_by=str(actor),
    )
    session.add(payment)
    invoice.amount_paid_vnd += amount_vnd
    if invoice.amount_paid_vnd >= invoice.total_vnd:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = payment.paid_at
    session.flush()
    record(
        session,
        actor,
        "billing.payment_record",
        target=f"invoice:{invoice.id}",
        tenant_slug=tenant_slug(session, invoice.tenant_id),
        number=invoice.display_number,
        amount_vnd=amount_vnd,
        method=method,
        reference=payment.reference,
        status=invoice.status,
    )
    return payment
