"""The invoice lifecycle after the run: a draft is finalized (numbered without gaps per year) or voided; a
finalized invoice becomes paid (``payments.recording``) or void.

``finalize`` recomputes the draft one last time while *claiming* the usage it counts
(``billing_usage_events.invoice_line_id``), so every line of a finalized invoice points at exactly the
events it bills. Usage that arrives later for a finalized period stays unclaimed and becomes an adjustment
line on the next invoice.
"""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import BillableMetric, Contract
from motcua_billing.invoices.lines import (
    Aggregate,
    adjustment_line,
    aggregate_usage,
    claimed_total,
    compute_lines,
    late_usage_months,
    refigure,
    usage_line,
    write_lines,
)
from motcua_billing.invoices.models import BILLED, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, LineKind
from motcua_billing.invoices.queries import get_invoice, tenant_slug
from motcua_billing.payments.services import apply_pending
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period
from motcua_billing.rating.services import invoice_totals
from motcua_billing.usage.models import UsageEvent


def _claim(session: Session, line: InvoiceLine, tenant_id: int) -> None:
    session.execute(
        update(UsageEvent)
        .where(
            UsageEvent.tenant_id == tenant_id,
            UsageEvent.metric_code == line.metric_code,
            UsageEvent.invoice_line_id.is_(None),
            UsageEvent.occurred_at >= periods.local_midnight(line.service_start),
            UsageEvent.occurred_at < periods.local_midnight(line.service_end),
        )
        .values(invoice_line_id=line.id)
    )


def finalize(session: Session, actor: Actor, invoice_id: int, *, now: dt.datetime | None = None) -> Invoice:
    """Recompute a draft while claiming its usage, number it and freeze it. All or nothing."""
    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(
            _(
                "Invoice %(invoice)s is %(status)s; only a draft can be finalized.",
                invoice=invoice.display_number or invoice.id,
                status=invoice.status,
            )
        )
    contract = session.get(Contract, invoice.contract_id)
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    period = Period(invoice.period_start, invoice.period_end)
    tenant_id = invoice.tenant_id
    # Recompute from the ledger as it is now, then claim and re-aggregate what was claimed (exact even if
    # usage is being written while we finalize: what is not claimed here will be billed later).
    lines = compute_lines(
        session,
        contract,
        period,
        metrics,
        aggregate_usage(session, [tenant_id], period),
        late_usage_months(session, [tenant_id], period.start).get(tenant_id, set()),
    )
    write_lines(session, invoice, lines, invoice.vat_rate)
    for line in invoice.lines:
        if line.kind == LineKind.LEASE:
            continue
        _claim(session, line, tenant_id)
        metric = metrics[line.metric_code]
        service = Period(line.service_start, line.service_end)
        if line.kind == LineKind.USAGE:
            claimed = aggregate_usage(session, [tenant_id], service, line_id=line.id).get(
                (tenant_id, metric.code), Aggregate()
            )
            spec = usage_line(contract, service, metric, claimed)
        else:
            claimed_now = session.scalar(select(func.count()).where(UsageEvent.invoice_line_id == line.id))
            whole = claimed_total(session, tenant_id, metric, service)
            spec = adjustment_line(
                session, contract, tenant_id, metric, service, whole.value(metric.aggregation), claimed_now
            )
        if spec is None:
            continue
        refigure(line, spec)
    invoice.subtotal_vnd, invoice.vat_vnd, invoice.total_vnd = invoice_totals(
        [line.amount_vnd for line in invoice.lines], invoice.vat_rate
    )
    now = now or utcnow()
    year = now.astimezone(VIETNAM).year
    session.execute(insert(InvoiceCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    counter = session.get(InvoiceCounter, year, with_for_update=True, populate_existing=True)
    counter.last_number += 1
    invoice.number_year, invoice.number = year, counter.last_number
    invoice.status = InvoiceStatus.FINALIZED
    invoice.finalized_at = now
    session.flush()
    record(
        session,
        actor,
        "billing.invoice_finalize",
        target=f"invoice:{invoice.id}",
        tenant_slug=tenant_slug(session, tenant_id),
        number=invoice.display_number,
        total_vnd=invoice.total_vnd,
    )
    apply_pending(session, invoice)  # a provider's payment event that overtook the finalization
    return invoice


def void(session: Session, actor: Actor, invoice_id: int, reason: str) -> Invoice:
    """Void a draft or an unpaid finalized invoice. Its number stays used (no gaps); its usage is released
    so that re-running the period bills it again on a replacement invoice."""
    from motcua_billing.usage.services import release_claims

    if not (reason or "").strip():
        raise InvalidInput(_("Say why the invoice is voided."), {"reason": [_("A reason is required.")]})
    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(_("Invoice %(invoice)s is already void.", invoice=invoice.display_number or invoice.id))
    if invoice.status == InvoiceStatus.PAID or invoice.amount_paid_vnd > 0:
        raise Conflict(
            _(
                "Invoice %(display_number)s has payments; refund them before voiding (a paid invoice is final).",
                display_number=invoice.display_number,
            )
        )
    adjusted_by = session.scalar(
        select(Invoice)
        .join(InvoiceLine)
        .where(
            Invoice.tenant_id == invoice.tenant_id,
            Invoice.id != invoice.id,
            Invoice.status.in_(BILLED),
            InvoiceLine.kind == LineKind.ADJUSTMENT,
            InvoiceLine.service_start >= invoice.period_start,
            InvoiceLine.service_start < invoice.period_end,
        )
        .limit(1)
    )
    if adjusted_by is not None:
        raise Conflict(
            _(
                "Invoice %(display_number)s adjusts this period for late usage; a replacement would bill "
                "that usage twice. Settle it with an adjustment instead of voiding.",
                display_number=adjusted_by.display_number,
            )
        )
    released = release_claims(session, [line.id for line in invoice.lines])
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = utcnow()
    invoice.void_reason = reason.strip()
    session.flush()
    record(
        session,
        actor,
        "billing.invoice_void",
        target=f"invoice:{invoice.id}",
        tenant_slug=tenant_slug(session, invoice.tenant_id),
        number=invoice.display_number,
        reason=invoice.void_reason,
        released_events=released,
    )
    return invoice
