"""The invoice lifecycle after the run: a draft is finalized (numbered without gaps per year) or voided; a
finalized invoice becomes paid (``payments.recording``) or void.

``finalize`` recomputes the draft one last time while *claiming* the usage it counts (one
``billing_usage_claims`` row per line: a region of the ledger, ``usage.claims``), so every line of a
finalized invoice names exactly the events it bills. Usage that arrives later for a finalized period stays
unclaimed and becomes an adjustment line on the next invoice.
"""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import BillableMetric, Contract
from motcua_billing.invoices.lines import (
    Aggregate,
    adjustment_line,
    claimed_total,
    compute_lines,
    late_usage_months,
    lines_differ,
    refigure,
    usage_line,
    write_lines,
)
from motcua_billing.invoices.models import BILLED, Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, LineKind
from motcua_billing.invoices.queries import get_invoice, tenant_slug
from motcua_billing.payments.services import apply_pending
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period, covered
from motcua_billing.rating.services import invoice_totals
from motcua_billing.usage import claims


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
    if covered(period, contract.starts_on, contract.ends_on).days == 0:
        # the contract was cut short after the draft was made (a merge): no lease, no quota, every event overage
        raise Conflict(
            _(
                "Contract %(contract)s does not cover any day of %(start)s – %(end)s any more; void this draft.",
                contract=contract.code,
                start=period.start,
                end=period.end - dt.timedelta(days=1),
            )
        )
    tenant_id = invoice.tenant_id
    # Hold inserts into the ledger from here to the commit, then recompute from it as it is now: the lines
    # claim exactly what they count, and usage written later stays unclaimed, billed later as an adjustment.
    through = claims.lock_ledger(session, tenant_id)
    period_totals = claims.daily_totals(session, tenant_id, period.start, period.end)
    usage = {(tenant_id, metric): Aggregate(t.count, t.total, t.peak) for metric, t in period_totals.items()}
    lines = compute_lines(
        session,
        contract,
        period,
        metrics,
        usage,
        late_usage_months(session, [tenant_id], period.start).get(tenant_id, set()),
    )
    if lines_differ(invoice, lines):
        write_lines(session, invoice, lines, invoice.vat_rate)
    metric_lines = [line for line in invoice.lines if line.kind != LineKind.LEASE]
    made = claims.claim(
        session,
        tenant_id,
        through,
        [
            claims.Wanted(
                line.id,
                line.metric_code,
                periods.local_midnight(line.service_start),
                periods.local_midnight(line.service_end),
                # The period's own usage lines: nothing in the window was claimed (else it would be billed).
                period_totals.get(line.metric_code, claims.Totals()) if line.kind == LineKind.USAGE else None,
            )
            for line in metric_lines
        ],
    )
    for line in metric_lines:
        claimed = made[line.id]
        metric = metrics[line.metric_code]
        service = Period(line.service_start, line.service_end)
        if line.kind == LineKind.USAGE:
            spec = usage_line(contract, service, metric, Aggregate(claimed.events, claimed.quantity, claimed.peak))
        else:
            whole = claimed_total(session, tenant_id, metric, service)
            spec = adjustment_line(
                session, contract, tenant_id, metric, service, whole.value(metric.aggregation), claimed.events
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
    released = claims.release(session, invoice.tenant_id, [line.id for line in invoice.lines])
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
