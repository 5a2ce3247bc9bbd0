"""Reading invoices: one by id, the list, and the usage events a line counts."""

from __future__ import annotations

import datetime as dt

from motcua_platform.directory.models import Tenant
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from motcua_billing.invoices.models import BILLED, Invoice, InvoiceLine, LineKind, Payment
from motcua_billing.rating import periods
from motcua_billing.usage.models import UsageClaim, UsageEvent, covers


def get_invoice(session: Session, invoice_id: int, *, tenant_id: int | None = None, lock: bool = False) -> Invoice:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    invoice = session.scalar(query)
    if invoice is None:
        raise NotFound(_("No invoice %(invoice_id)s.", invoice_id=invoice_id))
    return invoice


def list_invoices(
    session: Session,
    *,
    tenant_id: int | None = None,
    status: str | None = None,
    period: dt.date | None = None,
):
    query = select(Invoice).order_by(Invoice.period_start.desc(), Invoice.id.desc())
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if status:
        query = query.where(Invoice.status == status)
    if period is not None:
        query = query.where(Invoice.period_start <= period, Invoice.period_end > period)
    return query


def list_payments(*, tenant_id: int | None = None, invoice_id: int | None = None):
    """Payments received, newest first."""
    query = (
        select(Payment)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
    )
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if invoice_id is not None:
        query = query.where(Payment.invoice_id == invoice_id)
    return query


def numbered(session: Session, payments: list[Payment]) -> list[Payment]:
    """``payments``, each given its invoice's display number (``invoice_number``)."""
    ids = {payment.invoice_id for payment in payments}
    invoices = {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_(ids)))} if ids else {}
    for payment in payments:
        payment.invoice_number = invoices[payment.invoice_id].display_number
    return payments


def tenant_slug(session: Session, tenant_id: int) -> str:
    """The slug the audit records name an invoice's tenant by."""
    return session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))


def line_usage_query(session: Session, line: InvoiceLine):
    """The usage events a line counts: those it claimed once finalized; the live query while a draft."""
    invoice = line.invoice
    if line.metric_code is None:
        return None
    query = select(UsageEvent).order_by(UsageEvent.occurred_at, UsageEvent.id)
    if invoice.status in BILLED:
        return query.join(UsageClaim, covers(UsageClaim, UsageEvent)).where(UsageClaim.invoice_line_id == line.id)
    conditions = [
        UsageEvent.tenant_id == invoice.tenant_id,
        UsageEvent.metric_code == line.metric_code,
        UsageEvent.occurred_at >= periods.local_midnight(line.service_start),
        UsageEvent.occurred_at < periods.local_midnight(line.service_end),
    ]
    if line.kind == LineKind.ADJUSTMENT:
        conditions.append(~select(UsageClaim.id).where(covers(UsageClaim, UsageEvent)).exists())
    return query.where(and_(*conditions))
